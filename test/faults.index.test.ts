/**
 * The index under faults, with real processes and real files. Every case ends by comparing the index,
 * row for row and table by table, with the index one clean `dejafix index` run made of the same
 * generated history. Kills land at named points between writes (src/index/faultPoint.ts: the run stops
 * itself there, the test kills it), so each case hits the moment it names.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { generateRepo } from "../fixtures/generate.js";
import { openSqlite, type SqlDatabase } from "../src/index/sqlite.js";
import { packageRoot } from "../src/install/hookScripts.js";
import { isolatedEnv } from "./helpers/env.js";
import { stoppedAt } from "./helpers/faultPoint.js";
import { assertSameRows, indexRows } from "./helpers/indexRows.js";

const ROOT = packageRoot();
const MAIN = join(ROOT, "dist", "src", "cli", "main.js");
const RUNNER = join(ROOT, "dist", "src", "cli", "hookRunner.js");
/** More than one batch of mined commits (500), so a kill can fall between two of them. */
const COMMITS = 600;

const base = mkdtempSync(join(tmpdir(), "dejafix-faults-"));
/**
 * Process groups started here whose output is still open (so a member still runs, and the group id cannot
 * have been reused): a case that fails half-way must not leave a stopped writer behind.
 */
const groups = new Set<number>();
after(() => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  rmSync(base, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
});
const fixture = join(base, "fixture");
let clean: Map<string, string[]>;
/** The clone the clean index was built in. */
let cleanRepo: string;
let clones = 0;

/** The environment of the processes under test: no dejafix or git settings of the machine running the tests. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return isolatedEnv({ NO_COLOR: "1", ...extra });
}

/** A clone of the fixture history (same commits, its own git dir and no index). */
function freshClone(): string {
  const dir = join(base, `clone-${++clones}`);
  execFileSync("git", ["clone", "-q", fixture, dir], { env: env() });
  execFileSync("git", ["config", "user.email", "ada@example.org"], { cwd: dir });
  execFileSync("git", ["config", "user.name", "Ada"], { cwd: dir });
  return dir;
}

const indexFile = (repo: string) => join(repo, ".git", "dejafix", "index.sqlite");

interface Proc {
  child: ChildProcess;
  /** The process itself ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** It ended and so did everything holding its output (a child it started). */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  out: () => string;
  err: () => string;
}

/** Starts `node script args` in its own process group, output captured. */
function start(script: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    env: env(extra),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pgid = child.pid;
  if (pgid !== undefined) groups.add(pgid);
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => {
      if (pgid !== undefined) groups.delete(pgid);
      resolve({ code, signal });
    }),
  );
  return { child, exited, closed, out: () => out, err: () => err };
}

function dejafix(repo: string, args: string[] = [], extra: NodeJS.ProcessEnv = {}): Proc {
  return start(MAIN, ["index", ...args], repo, extra);
}

/** Runs `dejafix index` to its end and checks that it succeeded. */
async function indexed(repo: string, args: string[] = []): Promise<Proc> {
  const p = dejafix(repo, args);
  const r = await p.closed;
  assert.equal(r.code, 0, `dejafix index failed:\n${p.err()}`);
  return p;
}

/** A run of `dejafix index` that stops itself at fault point `at`; resolves with the pid that stopped. */
async function stoppedRun(
  repo: string,
  at: string,
  script = MAIN,
  args = ["index"],
): Promise<{ p: Proc; pid: number }> {
  const marker = join(base, `fault-${clones}-${at.replace(":", "-")}-${Date.now()}`);
  const p = start(script, args, repo, { DEJAFIX_FAULT_AT: at, DEJAFIX_FAULT_FILE: marker });
  return { p, pid: await stoppedAt(p, marker, at, 1200) };
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (ok()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const WAITING = /is writing the index; waiting for it to finish/;

before(async () => {
  generateRepo(fixture, { seed: 5, commits: COMMITS });
  const repo = freshClone();
  cleanRepo = repo;
  await indexed(repo);
  clean = indexRows(indexFile(repo));
  // The comparison means something only if every kind of row is there.
  for (const t of [
    "commits",
    "links",
    "fix_hunks",
    "history_authors",
    "defect_blocks",
    "clone_postings",
    "calibration",
  ])
    assert.ok((clean.get(t)?.length ?? 0) > 0, `the clean index has ${t}`);
  const commits = Number(
    execFileSync("git", ["rev-list", "--count", "HEAD"], { cwd: repo, encoding: "utf8" }),
  );
  assert.ok(commits > 500, "more commits than one mined batch");
  assert.equal(clean.get("commits")?.length, commits);
});

describe("kill -9 of the whole process group, then a new run", () => {
  for (const at of ["batch:1", "tip", "metrics", "blocks", "calibration"]) {
    test(`killed at ${at}: the next run finishes the index as one clean run would`, async () => {
      const repo = freshClone();
      const { p } = await stoppedRun(repo, at);
      process.kill(-(p.child.pid as number), "SIGKILL");
      await p.closed;
      const again = await indexed(repo);
      // The kernel freed the lock with the killed process: nobody waits for it.
      assert.doesNotMatch(again.err(), WAITING);
      assertSameRows(indexRows(indexFile(repo)), clean, `killed at ${at}`);
    });
  }
});

describe("kill -9 of the parent alone", () => {
  test("the process still writing keeps the lock; a second run waits for it, naming it, then adds nothing twice", async () => {
    const repo = freshClone();
    const { p, pid } = await stoppedRun(repo, "batch:1");
    process.kill(p.child.pid as number, "SIGKILL");
    await p.exited;
    const second = dejafix(repo);
    if (pid !== p.child.pid) {
      // The writer is a child of the killed process (a re-run under a heap cap): it lives on.
      await until("the second run to wait", () => WAITING.test(second.err()));
      assert.match(second.err(), new RegExp(`pid ${pid} on `));
      process.kill(pid, "SIGCONT");
    }
    const r = await second.closed;
    assert.equal(r.code, 0, second.err());
    await p.closed;
    assertSameRows(indexRows(indexFile(repo)), clean, "parent killed");
  });
});

describe("two writers at once", () => {
  test("the second waits, saying who writes, and the index holds every row once", async () => {
    const repo = freshClone();
    const { p, pid } = await stoppedRun(repo, "batch:1");
    const second = dejafix(repo);
    await until("the second run to wait", () => WAITING.test(second.err()));
    assert.match(second.err(), new RegExp(`\`dejafix index\` \\(pid ${pid} on ${hostname()}, since `));
    process.kill(pid, "SIGCONT");
    const [a, b] = await Promise.all([p.closed, second.closed]);
    assert.equal(a.code, 0, p.err());
    assert.equal(b.code, 0, second.err());
    assertSameRows(indexRows(indexFile(repo)), clean, "two writers");
  });

  test("started in the same instant", async () => {
    const repo = freshClone();
    const runs = [dejafix(repo), dejafix(repo), dejafix(repo)];
    const ends = await Promise.all(runs.map((r) => r.closed));
    for (const [i, e] of ends.entries()) assert.equal(e.code, 0, runs[i]?.err());
    assert.ok(
      runs.some((r) => WAITING.test(r.err())),
      "the runs met: at least one waited for another",
    );
    assertSameRows(indexRows(indexFile(repo)), clean, "three writers at once");
  });
});

describe("the background update racing a manual run", () => {
  test("a post-commit update while `dejafix index` writes: it steps aside quietly", async () => {
    const repo = freshClone();
    const { p, pid } = await stoppedRun(repo, "batch:1");
    const hook = start(RUNNER, ["post-commit"], repo);
    const h = await hook.closed;
    assert.equal(h.code, 0);
    assert.equal(hook.err(), "", "nothing said, no index run started");
    // `dejafix index --no-wait` (what the update runs) also leaves at once, without a word.
    const noWait = dejafix(repo, ["--no-wait"]);
    assert.equal((await noWait.closed).code, 0);
    assert.equal(noWait.err() + noWait.out(), "");
    process.kill(pid, "SIGCONT");
    assert.equal((await p.closed).code, 0, p.err());
    assertSameRows(indexRows(indexFile(repo)), clean, "update during a manual run");
  });

  test("a manual run while the update writes: it waits for the update", async () => {
    const repo = freshClone();
    const { p, pid } = await stoppedRun(repo, "batch:1", RUNNER, ["post-commit"]);
    const manual = dejafix(repo);
    await until("the manual run to wait", () => WAITING.test(manual.err()));
    assert.match(manual.err(), new RegExp(`pid ${pid} on `));
    process.kill(pid, "SIGCONT");
    const [a, b] = await Promise.all([p.closed, manual.closed]);
    assert.equal(a.code, 0, p.err());
    assert.equal(b.code, 0, manual.err());
    assertSameRows(indexRows(indexFile(repo)), clean, "manual run during an update");
  });
});

describe("a lock file that names someone else", () => {
  const info = (repo: string) => `${indexFile(repo)}-writer.json`;
  const plant = (repo: string, w: { pid: number; host: string }) => {
    mkdirSync(join(repo, ".git", "dejafix"), { recursive: true });
    writeFileSync(
      info(repo),
      JSON.stringify({
        ...w,
        command: "dejafix index",
        since: "2026-01-01T00:00:00.000Z",
        script: "/opt/dejafix/main.js",
      }),
    );
  };

  test("a live process that is not dejafix: nobody waits for it", async () => {
    const repo = freshClone();
    const sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
    try {
      plant(repo, { pid: sleeper.pid as number, host: hostname() });
      const doctor = start(MAIN, ["doctor", "--format", "json"], repo);
      await doctor.closed;
      assert.match(doctor.out(), /stopped without finishing/);
      const run = await indexed(repo);
      assert.doesNotMatch(run.err(), WAITING);
      assert.equal(existsSync(info(repo)), false, "its name is gone with the run");
      assertSameRows(indexRows(indexFile(repo)), clean, "lock naming an unrelated pid");
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  test("a live pid on another host: nobody waits for it", async () => {
    const repo = freshClone();
    plant(repo, { pid: process.pid, host: "build-17.example.org" });
    const run = await indexed(repo);
    assert.doesNotMatch(run.err(), WAITING);
    assertSameRows(indexRows(indexFile(repo)), clean, "lock from another host");
  });
});

/** Ways an index file gets damaged, and whether SQLite refuses it on opening (then every reader sees it). */
const DAMAGE: Array<{ name: string; damage: (file: string) => void; refusedOnOpen: boolean }> = [
  {
    name: "truncated",
    damage: (f) => truncateSync(f, Math.floor(statSync(f).size / 2)),
    refusedOnOpen: false,
  },
  {
    name: "overwritten",
    damage: (f) => writeFileSync(f, Buffer.alloc(statSync(f).size, 0x41)),
    refusedOnOpen: true,
  },
  {
    name: "a garbage header",
    damage: (f) => overwrite(f, 0, Buffer.from("not a database, not at all!!")),
    refusedOnOpen: true,
  },
  {
    name: "bad pages",
    damage: (f) => {
      const size = statSync(f).size;
      const junk = Buffer.alloc(3 * 4096, 0);
      for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919) & 255;
      overwrite(f, Math.floor(size / 2 / 4096) * 4096, junk);
      overwrite(f, 4096, junk);
    },
    refusedOnOpen: false,
  },
  {
    name: "a directory in its place",
    damage: (f) => {
      rmSync(f);
      mkdirSync(f);
      writeFileSync(join(f, "x"), "x");
    },
    refusedOnOpen: true,
  },
];

function overwrite(file: string, at: number, bytes: Buffer): void {
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, bytes, 0, bytes.length, at);
  } finally {
    closeSync(fd);
  }
}

describe("a damaged index", () => {
  let repo: string;
  before(async () => {
    repo = freshClone();
    await indexed(repo);
    writeFileSync(join(repo, "staged.js"), "export const staged = 1;\n");
    execFileSync("git", ["add", "staged.js"], { cwd: repo });
  });

  for (const [i, d] of DAMAGE.entries()) {
    // Half heal through `dejafix index`, half through the background update after a commit.
    const healer = i % 2 === 0 ? "dejafix index" : "the post-commit update";
    test(`${d.name}: the hook lets the change through in one line, ${healer} moves it aside and rebuilds it`, async () => {
      const file = indexFile(repo);
      const before = readdirSync(join(repo, ".git", "dejafix")).filter((n) => n.includes(".corrupt-"));
      d.damage(file);

      const hook = start(RUNNER, ["pre-commit"], repo);
      assert.equal((await hook.closed).code, 0, hook.err());
      assert.doesNotMatch(hook.err(), /internal error/);
      const said = hook
        .err()
        .split("\n")
        .filter((l) => /index is damaged/.test(l));
      if (d.refusedOnOpen) assert.equal(said.length, 1, hook.err());
      else assert.ok(said.length <= 1, hook.err());

      const heal = healer === "dejafix index" ? dejafix(repo) : start(RUNNER, ["post-commit"], repo);
      assert.equal((await heal.closed).code, 0, heal.err());
      assert.match(
        heal.err(),
        /the index was damaged \(.+\); it was moved aside to .+index\.sqlite\.corrupt-/,
      );
      const copies = readdirSync(join(repo, ".git", "dejafix")).filter(
        (n) => n.includes(".corrupt-") && !n.endsWith("-wal") && !n.endsWith("-shm") && !before.includes(n),
      );
      assert.equal(copies.length, 1, "the damaged file is kept");
      assertSameRows(indexRows(file), clean, `healed after ${d.name}`);
    });
  }

  test("doctor names the copies kept, and only the two newest stay", async () => {
    const doctor = start(MAIN, ["doctor"], repo);
    await doctor.closed;
    const kept = doctor
      .out()
      .split("\n")
      .filter((l) => /damaged index was moved aside/.test(l));
    assert.equal(kept.length, 2, doctor.out());
  });
});

describe("doctor and a writer at work", () => {
  test("names the writer holding the lock", async () => {
    const repo = freshClone();
    const { p, pid } = await stoppedRun(repo, "batch:1");
    const doctor = start(MAIN, ["doctor"], repo);
    await doctor.closed;
    assert.match(doctor.out(), new RegExp(`being written by \`dejafix index\` \\(pid ${pid} on `));
    process.kill(-(p.child.pid as number), "SIGKILL");
    await p.closed;
  });
});

describe("unique constraints", () => {
  test("an index that a race left with duplicates is cleaned by the upgrade to this schema", async () => {
    const repo = freshClone();
    await indexed(repo);
    const file = indexFile(repo);
    const db = openSqlite(file);
    // Off for the rows of a commit that is gone (better-sqlite3 turns foreign keys on by default).
    db.pragma("foreign_keys = OFF");
    try {
      downgradeWithDuplicates(db);
    } finally {
      db.close();
    }
    await indexed(repo);
    assertSameRows(indexRows(file), clean, "migrated");
  });

  test("a second copy of a row is refused, table by table", () => {
    const copy = join(base, "constraints.sqlite");
    copyFileSync(indexFile(cleanRepo), copy);
    const db = openSqlite(copy);
    try {
      const refused = (sql: string) =>
        assert.throws(() => db.exec(sql), /UNIQUE constraint failed|PRIMARY KEY/, sql.slice(0, 80));
      refused(`INSERT INTO commits SELECT id + 100000, repo_id, sha, seq + 100000, parents, author_name, author_email,
        author_time, author_tz, committer_time, message, is_merge, n_files, la, ld, is_fix, fix_reasons, issues, declared
        FROM commits LIMIT 1`);
      refused(`INSERT INTO commits SELECT id + 100000, repo_id, sha || 'x', seq, parents, author_name, author_email,
        author_time, author_tz, committer_time, message, is_merge, n_files, la, ld, is_fix, fix_reasons, issues, declared
        FROM commits LIMIT 1`);
      refused("INSERT INTO file_changes SELECT * FROM file_changes LIMIT 1");
      refused("INSERT INTO links SELECT * FROM links LIMIT 1");
      refused("INSERT INTO fix_hunks SELECT * FROM fix_hunks LIMIT 1");
      refused(
        "INSERT INTO history_files SELECT repo_id, path, seq + 100000, commit_id, status, old_path, author_email, author_time FROM history_files LIMIT 1",
      );
      refused(
        "INSERT INTO history_authors SELECT repo_id, author_email, seq + 100000, author_time, subsystems, commit_id FROM history_authors LIMIT 1",
      );
      refused("INSERT INTO commit_metrics SELECT * FROM commit_metrics LIMIT 1");
      refused(`INSERT INTO defect_blocks SELECT id + 100000, repo_id, fix_id, inducing, path, new_path, start_line, end_line,
        language, norm_lines, before_text, after_text, edits FROM defect_blocks LIMIT 1`);
      refused("INSERT INTO defect_block_fixes SELECT * FROM defect_block_fixes LIMIT 1");
      refused("INSERT INTO clone_postings SELECT * FROM clone_postings LIMIT 1");
      refused("INSERT INTO calibration SELECT * FROM calibration LIMIT 1");
      refused("INSERT INTO repos SELECT id + 100000, path, name, role FROM repos LIMIT 1");
    } finally {
      db.close();
    }
  });
});

/**
 * Turns an index of this schema back into schema 5 and plants what two writers at once left in one:
 * file and author history under a second position, every defect block (with its clone block and
 * postings) twice, two commits on one position, positions shifted past a gap (a resumed run renumbered
 * them), rows of a commit that is gone, a hunk stored twice.
 */
function downgradeWithDuplicates(db: SqlDatabase): void {
  db.exec(`
    DROP INDEX commits_seq; DROP INDEX fix_hunks_ord; DROP INDEX history_files_commit; DROP INDEX defect_blocks_range;
    ALTER TABLE fix_hunks DROP COLUMN ord;
    CREATE INDEX fix_hunks_commit ON fix_hunks(commit_id);
    CREATE TABLE old_authors (
      repo_id INTEGER NOT NULL, author_email TEXT NOT NULL, seq INTEGER NOT NULL, author_time INTEGER NOT NULL,
      subsystems TEXT NOT NULL, PRIMARY KEY (repo_id, author_email, seq)) WITHOUT ROWID;
    INSERT INTO old_authors SELECT repo_id, author_email, seq, author_time, subsystems FROM history_authors;
    DROP TABLE history_authors;
    ALTER TABLE old_authors RENAME TO history_authors;

    INSERT INTO history_files SELECT repo_id, path, seq + 1000000, commit_id, status, old_path, author_email, author_time FROM history_files;
    INSERT INTO history_authors SELECT repo_id, author_email, seq + 1000000, author_time, subsystems FROM history_authors;
    INSERT INTO clone_blocks SELECT id + 1000000, lines, hashes, ref FROM clone_blocks;
    INSERT INTO clone_postings SELECT key, lines, block_id + 1000000, pos FROM clone_postings;
    INSERT INTO defect_blocks SELECT id + 1000000, repo_id, fix_id, inducing, path, new_path, start_line, end_line,
      language, norm_lines, before_text, after_text, edits FROM defect_blocks;
    UPDATE commits SET seq = seq - 1 WHERE id = (SELECT id FROM commits WHERE seq = 10);
    UPDATE commits SET seq = seq + 5000 WHERE seq > 300;
    INSERT INTO file_changes SELECT 999999, path, old_path, status, binary, added, deleted, lines_before, old_blob, new_blob FROM file_changes LIMIT 5;
    INSERT INTO links SELECT 999999, inducing_id, via_blame, via_declared, lines, paths FROM links LIMIT 1;
    INSERT INTO fix_hunks SELECT * FROM fix_hunks LIMIT 1;
    INSERT INTO fix_hunks SELECT 999999, path, old_path, old_start, old_lines, new_start, new_lines, body FROM fix_hunks LIMIT 1;
    PRAGMA user_version = 5;
  `);
}
