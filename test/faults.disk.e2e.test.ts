/**
 * A full disk, with real processes and files. The index's folder (<git-common-dir>/dejafix: the index,
 * its WAL and its writer lock) is a small tmpfs in a mount namespace of its own (test/helpers/smallDisk.ts),
 * and `dejafix index` or `git commit` runs inside that namespace. The disk fills at the named points of a
 * run (src/index/faultPoint.ts: the run stops itself there, the test takes the last free block, the run goes
 * on), by itself during a run on a disk too small, and before a run starts.
 *
 * What must hold: the run exits non-zero with one line that says the disk is full and names the folder (no
 * stack); the index keeps what it had committed and passes `PRAGMA quick_check` (a full disk is not
 * damage: nothing is moved aside); no writer lock or writer name is left; once space is freed, a run
 * finishes the index row for row equal to one clean run. A commit on a full disk is made, with its staged
 * bytes, and the hook says in one line that it went unchecked.
 *
 * Where no tmpfs can be mounted in a namespace (neither `unshare -m` nor `unshare -rm`), every case here
 * fails saying so: a full disk is part of the fault suite, not an option.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { generateRepo } from "../fixtures/generate.js";
import { packageRoot } from "../src/install/hookScripts.js";
import { ada, isolatedEnv } from "./helpers/env.js";
import { stoppedAt } from "./helpers/faultPoint.js";
import { assertSameRows, indexRows } from "./helpers/indexRows.js";
import { quiet } from "./helpers/repo.js";
import { mountSmallDisk, type SmallDisk } from "./helpers/smallDisk.js";

const ROOT = packageRoot();
const MAIN = join(ROOT, "dist", "src", "cli", "main.js");
const WRITER_LOCK = join(ROOT, "dist", "src", "index", "writerLock.js");
/** More than one batch of mined commits (500), as in test/faults.index.test.ts. */
const COMMITS = 600;
/** The small disk: room for the index many times over, until a filler takes it. */
const DISK_BYTES = 16 * 1024 * 1024;
const SLOW = { timeout: 300_000 };

const base = mkdtempSync(join(tmpdir(), "dejafix-disk-"));
const disks = new Set<SmallDisk>();
/** Process groups still running (a case that fails half-way must not leave a stopped writer behind). */
const groups = new Set<number>();
after(async () => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const d of disks) await d.close();
  await quiet(base, 60_000);
  rmSync(base, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
});
const fixture = join(base, "fixture");
let clean: Map<string, string[]>;
/** The clone the clean index was built in. */
let cleanRepo: string;
let clones = 0;

/** The environment of the processes under test: no dejafix or git settings of the machine running the tests. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return isolatedEnv({ NO_COLOR: "1", ...ada("ada@example.org"), ...extra });
}

function freshClone(): string {
  const dir = join(base, `clone-${++clones}`);
  execFileSync("git", ["clone", "-q", fixture, dir], { env: env() });
  return dir;
}

function indexOutside(repo: string): string {
  execFileSync(process.execPath, [MAIN, "index"], { cwd: repo, env: env(), stdio: "ignore" });
  return join(repo, ".git", "dejafix", "index.sqlite");
}

interface OnSmallDisk {
  repo: string;
  disk: SmallDisk;
  /** The index's folder, as the processes inside see it (and as messages name it). */
  dir: string;
  /** The index file, as this process reaches it. */
  file: string;
}

/** A clone of the fixture whose <git dir>/dejafix is a small tmpfs. */
async function cloneOnSmallDisk(): Promise<OnSmallDisk> {
  const repo = freshClone();
  const dir = join(repo, ".git", "dejafix");
  mkdirSync(dir);
  const disk = await mountSmallDisk(dir, DISK_BYTES);
  disks.add(disk);
  return { repo, disk, dir, file: disk.seen(join(dir, "index.sqlite")) };
}

interface Proc {
  child: ChildProcess;
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  out: () => string;
  err: () => string;
}

/** Starts `argv` inside the small disk's namespace, in its own process group, output captured. */
function startInside(disk: SmallDisk, cwd: string, argv: string[], extra: NodeJS.ProcessEnv = {}): Proc {
  const { file, args } = disk.inside(cwd, argv);
  const child = spawn(file, args, { env: env(extra), detached: true, stdio: ["ignore", "pipe", "pipe"] });
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
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => {
      if (pgid !== undefined) groups.delete(pgid);
      resolve({ code, signal });
    }),
  );
  return { child, closed, out: () => out, err: () => err };
}

const index = (s: OnSmallDisk, extra: NodeJS.ProcessEnv = {}) =>
  startInside(s.disk, s.repo, [process.execPath, MAIN, "index"], extra);

/** A run of `dejafix index` that stops itself at fault point `at`; resolves with its pid. */
async function stoppedRun(s: OnSmallDisk, at: string): Promise<{ p: Proc; pid: number }> {
  const marker = join(base, `fault-${clones}-${at.replace(":", "-")}`);
  const p = index(s, { DEJAFIX_FAULT_AT: at, DEJAFIX_FAULT_FILE: marker });
  return { p, pid: await stoppedAt(p, marker, at, 2400) };
}

/** What a run printed to stderr but plain progress lines (a run paused for a while prints those). */
function said(p: Proc): string[] {
  return p
    .err()
    .split("\n")
    .filter((l) => l.trim() !== "" && !/^indexing: \d+\/\d+ commits$/.test(l));
}

const WAITING = /is writing the index; waiting for it to finish/;

/** The run failed on the full disk and said so in one line naming the index's folder. */
async function failedOnFullDisk(p: Proc, s: OnSmallDisk, what: string): Promise<void> {
  const r = await p.closed;
  assert.equal(r.code, 3, `${what}: dejafix index exits 3 (failed)\n${p.err()}`);
  const lines = said(p);
  assert.equal(lines.length, 1, `${what}: one line\n${p.err()}`);
  const line = lines[0] as string;
  assert.match(line, /^dejafix: the disk holding .+ is full\b/, `${what}\n${line}`);
  assert.ok(line.includes(`${s.dir} `), `${what}: the line names ${s.dir}\n${line}`);
  assert.match(line, /free some space .*run `dejafix index`/i, `${what}: says what to do\n${line}`);
  assert.doesNotMatch(p.err(), /^\s+at /m, `${what}: no stack`);
  assert.equal(p.out(), "", `${what}: nothing on stdout`);
}

/** No writer holds the index's lock, and no writer's name is left beside it. */
function noWriterLeft(s: OnSmallDisk, what: string): void {
  assert.equal(existsSync(`${s.file}-writer.json`), false, `${what}: the writer's name is gone`);
  // Asked inside the namespace: the lock is a kernel lock on the lock file there (src/index/writerLock.ts).
  const probe =
    `const { indexWriterState } = await import(${JSON.stringify(pathToFileURL(WRITER_LOCK).href)});` +
    "process.stdout.write(JSON.stringify(indexWriterState(process.argv[1])));";
  const { file, args } = s.disk.inside(s.repo, [
    process.execPath,
    "--input-type=module",
    "-e",
    probe,
    join(s.dir, "index.sqlite"),
  ]);
  const r = spawnSync(file, args, { env: env(), encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${what}: the lock probe\n${r.stderr}`);
  assert.deepEqual(JSON.parse(r.stdout), { held: false, holder: null, leftOver: null }, what);
}

let copies = 0;

/**
 * The index as the next process to open it finds it (the file and its WAL; SQLite rebuilds the rest),
 * copied off the small disk: SQLite must never open a file through /proc/<pid>/root, since it resolves
 * that link to "/" and would open the same path outside the namespace. Null when there is no index file.
 */
function copyOut(file: string): string | null {
  if (!existsSync(file)) return null;
  const dir = join(base, `copy-${++copies}`);
  mkdirSync(dir);
  const copy = join(dir, "index.sqlite");
  copyFileSync(file, copy);
  if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
  return copy;
}

/** quick_check's verdict on the index as left, and the commits it holds; null when there is no index file. */
function snapshot(file: string): { check: string; commits: number } | null {
  const copy = copyOut(file);
  if (!copy) return null;
  const db = new Database(copy);
  try {
    const check = (db.pragma("quick_check") as Array<{ quick_check: string }>)
      .map((r) => r.quick_check)
      .join("; ");
    const hasCommits =
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'commits'").get() !== undefined;
    const commits = hasCommits ? (db.prepare("SELECT COUNT(*) FROM commits").pluck().get() as number) : 0;
    return { check, commits };
  } finally {
    db.close();
  }
}

/** Every row of the index on the small disk (test/helpers/indexRows.ts, on a copy). */
function rowsOf(file: string): Map<string, string[]> {
  const copy = copyOut(file);
  assert.ok(copy, `${file} exists`);
  return indexRows(copy);
}

/** Nothing was moved aside as damaged: a full disk is not damage. */
function nothingMovedAside(s: OnSmallDisk, what: string): void {
  const aside = readdirSync(s.disk.seen(s.dir)).filter((n) => n.includes(".corrupt-"));
  assert.deepEqual(aside, [], `${what}: nothing moved aside`);
}

/** Frees the disk and checks that one more run finishes the index as one clean run would have. */
async function finishesAfterFreeing(s: OnSmallDisk, what: string): Promise<void> {
  s.disk.free();
  const p = index(s);
  const r = await p.closed;
  assert.equal(r.code, 0, `${what}: the run after freeing space\n${p.err()}`);
  assert.doesNotMatch(p.err(), WAITING, `${what}: nobody held the lock`);
  assert.doesNotMatch(p.err(), /damaged/, `${what}: nothing moved aside`);
  nothingMovedAside(s, what);
  assertSameRows(rowsOf(s.file), clean, what);
}

before(async () => {
  generateRepo(fixture, { seed: 5, commits: COMMITS });
  cleanRepo = freshClone();
  clean = indexRows(indexOutside(cleanRepo));
  for (const t of ["commits", "links", "history_authors", "defect_blocks", "clone_postings", "calibration"])
    assert.ok((clean.get(t)?.length ?? 0) > 0, `the clean index has ${t}`);
});

describe("the disk fills while `dejafix index` writes", () => {
  for (const at of ["batch:1", "tip", "metrics", "blocks", "calibration"]) {
    test(
      `full at ${at}: one line, the work committed is kept, no lock left, a run after freeing space finishes it`,
      SLOW,
      async () => {
        const s = await cloneOnSmallDisk();
        const { p, pid } = await stoppedRun(s, at);
        const before = snapshot(s.file);
        assert.ok(
          before && before.check === "ok" && before.commits > 0,
          `${at}: work committed before the disk fills`,
        );
        s.disk.fill();
        process.kill(pid, "SIGCONT");
        await failedOnFullDisk(p, s, `full at ${at}`);
        noWriterLeft(s, `full at ${at}`);
        nothingMovedAside(s, `full at ${at}`);
        const kept = snapshot(s.file);
        assert.equal(kept?.check, "ok", `full at ${at}: quick_check`);
        assert.ok(
          (kept?.commits ?? 0) >= before.commits,
          `full at ${at}: ${kept?.commits} commits kept of ${before.commits}`,
        );

        // Still full: the next run fails the same way, and does not take the full disk for damage.
        await failedOnFullDisk(index(s), s, `still full after ${at}`);
        noWriterLeft(s, `still full after ${at}`);
        nothingMovedAside(s, `still full after ${at}`);
        assert.ok((snapshot(s.file)?.commits ?? 0) >= before.commits, `still full after ${at}: commits kept`);

        await finishesAfterFreeing(s, `full at ${at}`);
      },
    );
  }

  test("a disk too small for the index: the run fills it by itself", SLOW, async () => {
    const s = await cloneOnSmallDisk();
    // A little more room than the finished index takes: its WAL needs more, so the run fills the disk.
    const size = statSync(join(cleanRepo, ".git", "dejafix", "index.sqlite")).size;
    s.disk.fill(Math.round(size * 1.1));
    await failedOnFullDisk(index(s), s, "too small");
    assert.ok(
      s.disk.freeBytes() < 64 * 1024,
      `too small: the run filled the disk (${s.disk.freeBytes()} bytes left)`,
    );
    noWriterLeft(s, "too small");
    nothingMovedAside(s, "too small");
    assert.equal(snapshot(s.file)?.check, "ok", "too small: quick_check");
    await finishesAfterFreeing(s, "too small");
  });

  test("the disk is full before the run starts", SLOW, async () => {
    const s = await cloneOnSmallDisk();
    s.disk.fill();
    await failedOnFullDisk(index(s), s, "full from the start");
    noWriterLeft(s, "full from the start");
    const left = snapshot(s.file);
    assert.ok(
      left === null || left.check === "ok",
      `full from the start: no damaged index left (${left?.check})`,
    );
    await finishesAfterFreeing(s, "full from the start");
  });
});

describe("a commit on a full disk", () => {
  test(
    "is made with its staged bytes, the work tree is untouched, the hook says so in one line",
    SLOW,
    async () => {
      const s = await cloneOnSmallDisk();
      const git = (args: string[]) =>
        execFileSync("git", args, { cwd: s.repo, env: env(), encoding: "utf8" });
      const init = startInside(s.disk, s.repo, [process.execPath, MAIN, "init"]);
      assert.equal((await init.closed).code, 0, init.err());
      assert.ok(existsSync(s.file), "init indexed the history on the small disk");
      git(["add", ".dejafix"]);
      git(["commit", "-q", "--no-verify", "-m", "dejafix rules"]);

      // Partial staging: the commit must take exactly the staged bytes and leave the rest in the work tree.
      const path = git(["ls-files", "*.js"]).split("\n")[0] as string;
      assert.ok(path, "a tracked source file");
      const original = readFileSync(join(s.repo, path));
      const staged = Buffer.concat([original, Buffer.from("// staged on a full disk\n")]);
      const worktree = Buffer.concat([staged, Buffer.from("// not staged\n")]);
      writeFileSync(join(s.repo, path), staged);
      git(["add", path]);
      writeFileSync(join(s.repo, path), worktree);
      const head = git(["rev-parse", "HEAD"]).trim();

      s.disk.fill();
      const { file, args } = s.disk.inside(s.repo, ["git", "commit", "-q", "-m", "a change on a full disk"]);
      // A budget no loaded test machine reaches: this test is about the disk, not time.
      const r = spawnSync(file, args, {
        env: env({ DEJAFIX_TIME_BUDGET_MS: "120000" }),
        encoding: "utf8",
        timeout: 180_000,
      });
      assert.equal(r.status, 0, `the commit is not blocked\n${r.stderr}`);
      assert.notEqual(git(["rev-parse", "HEAD"]).trim(), head, "the commit was made");
      // The hook could not even read the index (SQLite writes a small file beside it to read): it says so.
      const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
      assert.equal(lines.length, 1, `the hook says one line\n${r.stderr}`);
      const unchecked = `dejafix: the disk holding ${s.dir} is full, so this change went through unchecked.`;
      assert.ok(lines[0]?.startsWith(unchecked), r.stderr);
      const committed = execFileSync("git", ["cat-file", "blob", `HEAD:${path}`], {
        cwd: s.repo,
        env: env(),
      });
      assert.ok(committed.equals(staged), "the staged bytes are what was committed");
      assert.ok(
        readFileSync(join(s.repo, path)).equals(worktree),
        "the unstaged edit is still in the work tree",
      );
      assert.equal(git(["diff", "--cached", "--name-only"]), "", "nothing left staged");

      // The background update after the commit had no room either: it left no lock and no damage behind.
      await quiet(s.repo, 120_000);
      noWriterLeft(s, "after the commit");
      nothingMovedAside(s, "after the commit");
      assert.equal(snapshot(s.file)?.check, "ok", "after the commit: quick_check");

      // Space back: the index catches up, as the same history indexed the same way off the small disk would.
      s.disk.free();
      const p = index(s);
      assert.equal((await p.closed).code, 0, p.err());
      const ref = freshClone();
      indexOutside(ref);
      execFileSync("git", ["pull", "-q", "--ff-only", s.repo, "HEAD"], { cwd: ref, env: env() });
      assertSameRows(rowsOf(s.file), indexRows(indexOutside(ref)), "after the commit");
    },
  );
});
