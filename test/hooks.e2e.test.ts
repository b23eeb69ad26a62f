/**
 * End to end: real `git commit` / `git push` through hooks installed by `init`, with a small checker module
 * the hook loads through DEJAFIX_CHECKER. It blocks when the staged content contains BLOCK_ME, sleeps past
 * the budget on SLOW_ME, throws on THROW_ME, opens DEJAFIX_TEST_DB with dejafix's SQLite driver when that file exists,
 * and logs every call. After every scenario the staged content (`git ls-files -s` + blob bytes) and the
 * working tree must be byte-identical to before, and no commit may be lost.
 */
import assert from "node:assert/strict";
import { execFileSync, type SpawnSyncReturns, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { generateRepo } from "../fixtures/generate.js";
import { diffHunks } from "../src/git/diffLines.js";
import {
  readCommitChange,
  readCommitChanges,
  readStagedChange,
  startStagedRead,
} from "../src/git/readChange.js";
import type { Hunk } from "../src/git/types.js";
import { packageRoot } from "../src/install/hookScripts.js";
import { init } from "../src/install/init.js";
import { ada, isolatedEnv } from "./helpers/env.js";

const ROOT = packageRoot();
const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

const CHECKER = `
import { appendFileSync, existsSync } from "node:fs";
export function prepare(layout) {
  if (process.env.DEJAFIX_TEST_ORDER) appendFileSync(process.env.DEJAFIX_TEST_ORDER, "prepare " + layout.commonDir + "\\n");
  if (process.env.DEJAFIX_TEST_PREPARE_THROW) throw new Error("prepare exploded");
}
export async function checker(change, ctx) {
  if (process.env.DEJAFIX_TEST_ORDER) appendFileSync(process.env.DEJAFIX_TEST_ORDER, "check\\n");
  appendFileSync(process.env.DEJAFIX_TEST_LOG, JSON.stringify({
    hook: ctx.hook, repoDir: ctx.repoDir, amend: change.amend, base: change.base, commit: change.commit,
    notices: change.notices,
    files: change.files.map((f) => ({ path: f.newPath ?? f.oldPath, status: f.status, text: f.newText, skipped: f.skipped })),
  }) + "\\n");
  const db = process.env.DEJAFIX_TEST_DB;
  if (db && existsSync(db)) {
    // dejafix's own driver: better-sqlite3 where it loads, else node:sqlite (Node 22.13+).
    const { openSqlite } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "dist", "src", "index", "sqlite.js")).href)});
    const conn = openSqlite(db, { readonly: true, fileMustExist: true });
    conn.prepare("select count(*) from sqlite_master").get();
    conn.close();
  }
  const all = change.files.map((f) => f.newText ?? "").join("\\n");
  if (all.includes("THROW_ME")) throw new Error("checker exploded \\u001b[2J");
  if (all.includes("SLOW_ME")) await new Promise((r) => setTimeout(r, 20000));
  if (all.includes("BLOCK_ME")) {
    return { level: "red", action: "block", score: { value: 0.97, reasons: ["planted marker"] }, matches: [], notices: [] };
  }
  return { level: "green", action: "pass", matches: [], notices: [] };
}
`;

interface Call {
  hook: string;
  repoDir: string;
  amend: boolean;
  base: string | null;
  commit: string | null;
  notices: string[];
  files: Array<{ path: string; status: string; text: string | null; skipped: string | null }>;
}

interface Repo {
  base: string;
  dir: string;
  home: string;
  env: NodeJS.ProcessEnv;
  git: (args: string[], opts?: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv }) => string;
  run: (args: string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv }) => SpawnSyncReturns<string>;
  calls: () => Call[];
  commonDir: string;
}

function baseEnv(base: string, home: string): NodeJS.ProcessEnv {
  return isolatedEnv({
    // Not a test of speed: a loaded test machine must not cut these hooks at the 2 s default.
    DEJAFIX_TIME_BUDGET_MS: "120000",
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    ...ada(),
    DEJAFIX_CHECKER: join(base, "checker.mjs"),
    DEJAFIX_TEST_LOG: join(base, "calls.jsonl"),
  });
}

async function setup(opts: { husky?: boolean } = {}): Promise<Repo> {
  const base = mkdtempSync(join(tmpdir(), "dejafix-e2e-"));
  temps.push(base);
  const dir = join(base, "repo");
  const home = join(base, "home");
  mkdirSync(dir);
  mkdirSync(home);
  writeFileSync(join(base, "checker.mjs"), CHECKER);
  const env = baseEnv(base, home);
  const git: Repo["git"] = (args, o = {}) =>
    execFileSync("git", args, { cwd: o.cwd ?? dir, encoding: "utf8", env: o.env ?? env, input: o.input });
  const run: Repo["run"] = (args, o = {}) =>
    spawnSync("git", args, {
      cwd: o.cwd ?? dir,
      encoding: "utf8",
      env: o.env ?? env,
      stdio: ["ignore", "pipe", "pipe"],
    });
  git(["init", "-q", "-b", "main"]);
  writeFileSync(join(dir, "app.js"), "function add(a, b) {\n  return a + b;\n}\n");
  git(["add", "app.js"]);
  git(["commit", "-q", "-m", "initial"]);
  if (opts.husky) {
    writeFileSync(join(dir, "package.json"), '{ "name": "demo", "version": "1.0.0" }\n');
    execFileSync(process.execPath, [join(ROOT, "node_modules", "husky", "bin.js"), "init"], {
      cwd: dir,
      env,
    });
    writeFileSync(
      join(dir, ".husky", "pre-commit"),
      'echo "team hook ran" >> "$(git rev-parse --git-common-dir)/team.log"\n',
    );
  }
  await init({ repoDir: dir });
  const calls = () => {
    const f = join(base, "calls.jsonl");
    if (!existsSync(f)) return [];
    return readFileSync(f, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Call);
  };
  return { base, dir, home, env, git, run, calls, commonDir: join(dir, ".git") };
}

/** Staged entries with the bytes of every blob, plus every working-tree file with its mode. */
function state(repo: Repo, cwd = repo.dir): string {
  const entries = repo.git(["ls-files", "-s"], { cwd });
  const blobs = entries
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [mode, sha] = line.split(/\s+/);
      if (mode === "160000") return `${sha} gitlink`;
      const bytes = execFileSync("git", ["cat-file", "blob", sha ?? ""], {
        cwd,
        env: repo.env,
        maxBuffer: 1 << 28,
      });
      return `${sha} ${createHash("sha256").update(bytes).digest("hex")}`;
    });
  const files: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (d === cwd && name === ".git") continue;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) files.push(`${relative(cwd, p)} -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) walk(p);
      else
        files.push(
          `${relative(cwd, p)} ${(st.mode & 0o777).toString(8)} ${createHash("sha256").update(readFileSync(p)).digest("hex")}`,
        );
    }
  };
  walk(cwd);
  return [entries, ...blobs, ...files].join("\n");
}

function head(repo: Repo, cwd = repo.dir): string {
  return repo.git(["rev-parse", "HEAD"], { cwd }).trim();
}

/** Commits through the hooks and checks the invariants: staged content and work tree untouched, nothing lost. */
function commitChecked(
  repo: Repo,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; expect: "committed" | "blocked" },
): SpawnSyncReturns<string> {
  const cwd = opts.cwd ?? repo.dir;
  const before = state(repo, cwd);
  const tree = repo.git(["write-tree"], { cwd }).trim();
  const headBefore = head(repo, cwd);
  const count = Number(repo.git(["rev-list", "--count", "--all"], { cwd }).trim());
  const r = repo.run(["commit", ...args], { cwd, ...(opts.env ? { env: opts.env } : {}) });
  assert.equal(state(repo, cwd), before, "staged content and working tree are byte-identical");
  if (opts.expect === "blocked") {
    assert.equal(r.status, 1, `git commit should be stopped:\n${r.stderr}`);
    assert.equal(head(repo, cwd), headBefore, "HEAD did not move");
  } else {
    assert.equal(r.status, 0, `git commit should succeed:\n${r.stderr}`);
    assert.equal(
      repo.git(["rev-parse", "HEAD^{tree}"], { cwd }).trim(),
      tree,
      "the commit holds exactly what was staged",
    );
    const amended = args.includes("--amend");
    const after = Number(repo.git(["rev-list", "--count", "--all"], { cwd }).trim());
    assert.equal(after, amended ? count : count + 1, "no commit lost");
    if (amended) assert.ok(repo.git(["reflog", "-1", "--format=%gs"], { cwd }).startsWith("commit (amend)"));
  }
  return r;
}

/** The hook runner path `init` wrote stops existing (npx cache cleaned, package moved). */
function loseInitRunner(repo: Repo): void {
  const lib = join(repo.commonDir, "dejafix", "hooks", "dejafix.sh");
  writeFileSync(
    lib,
    readFileSync(lib, "utf8").replace(
      /^DEJAFIX_INIT_RUNNER=.*$/m,
      "DEJAFIX_INIT_RUNNER='/nonexistent/hookRunner.js'",
    ),
  );
}

function stage(repo: Repo, path: string, content: string, cwd = repo.dir): void {
  writeFileSync(join(cwd, path), content);
  repo.git(["add", path], { cwd });
}

describe("pre-commit through real git commit", () => {
  test("blocks on the checker's verdict, passes otherwise; DEJAFIX=0 skips without running the checker", async () => {
    const repo = await setup();
    stage(repo, "app.js", "function add(a, b) {\n  return a + b; // BLOCK_ME\n}\n");
    const blocked = commitChecked(repo, ["-m", "bad"], { expect: "blocked" });
    assert.match(blocked.stderr, /risky change — score 0\.97, level red → blocked/);
    assert.match(blocked.stderr, /DEJAFIX_OVERRIDE/);
    assert.equal(repo.calls().length, 1);
    commitChecked(repo, ["-m", "skip"], { env: { ...repo.env, DEJAFIX: "0" }, expect: "committed" });
    assert.equal(repo.calls().length, 1, "DEJAFIX=0 never loads the checker");
    stage(repo, "other.js", "export const x = 1;\n");
    const ok = commitChecked(repo, ["-m", "fine"], { expect: "committed" });
    assert.equal(ok.stderr, "", "an ordinary commit prints nothing");
    assert.deepEqual(
      repo.calls()[1]?.files.map((f) => [f.path, f.status, f.text]),
      [["other.js", "A", "export const x = 1;\n"]],
    );
  });

  test("partial staging: only the staged hunk is judged, the unstaged one stays in the work tree", async () => {
    const repo = await setup();
    const lines = Array.from({ length: 30 }, (_, i) => `const v${i} = ${i};`);
    stage(repo, "big.js", `${lines.join("\n")}\n`);
    repo.git(["commit", "-q", "-m", "big"], { env: { ...repo.env, DEJAFIX: "0" } });
    const edited = [...lines];
    edited[1] = "const v1 = 100; // staged";
    edited[28] = "const v28 = 0; // BLOCK_ME (not staged)";
    writeFileSync(join(repo.dir, "big.js"), `${edited.join("\n")}\n`);
    // `git add -p` equivalent: stage only the first hunk through `git apply --cached`.
    const patch = repo.git(["diff", "-U0", "big.js"]);
    const firstHunk = patch
      .split(/(?=^@@)/m)
      .slice(0, 2)
      .join("");
    repo.git(["apply", "--cached", "--unidiff-zero", "-"], { input: firstHunk });
    assert.match(repo.git(["diff", "big.js"]), /BLOCK_ME/, "the marker is only in the work tree");
    commitChecked(repo, ["-m", "partial"], { expect: "committed" });
    const seen = repo.calls().at(-1)?.files[0]?.text ?? "";
    assert.match(seen, /v1 = 100; \/\/ staged/);
    assert.doesNotMatch(seen, /BLOCK_ME/, "the checker never saw the working tree");
    assert.match(readFileSync(join(repo.dir, "big.js"), "utf8"), /BLOCK_ME/, "unstaged work is still there");

    // The other way round: the marker staged, a harmless edit left unstaged.
    repo.git(["add", "big.js"]);
    writeFileSync(join(repo.dir, "big.js"), `${edited.join("\n")}\n// unstaged tail\n`);
    commitChecked(repo, ["-m", "marker staged"], { expect: "blocked" });
    assert.match(readFileSync(join(repo.dir, "big.js"), "utf8"), /unstaged tail/);
  });

  test("--amend is judged against the amended commit's parent", async () => {
    const repo = await setup();
    stage(repo, "feature.js", "export const a = 1;\n");
    commitChecked(repo, ["-m", "feature"], { expect: "committed" });
    const parent = repo.git(["rev-parse", "HEAD^"]).trim();
    stage(repo, "feature.js", "export const a = 1;\nexport const b = 2;\n");
    commitChecked(repo, ["--amend", "--no-edit"], { expect: "committed" });
    const call = repo.calls().at(-1);
    assert.equal(call?.amend, true);
    assert.equal(call?.base, parent);
    assert.deepEqual(
      call?.files.map((f) => [f.path, f.status]),
      [["feature.js", "A"]],
      "the file is new relative to the parent, not modified relative to the old HEAD",
    );
    // An amend that re-introduces nothing new but whose commit carries the marker is still judged as a whole.
    stage(repo, "feature.js", "export const a = 1; // BLOCK_ME\n");
    commitChecked(repo, ["--amend", "--no-edit"], { expect: "blocked" });
  });

  test("a rebase is not interrupted: hooks skip quietly while the sequence runs", async () => {
    const repo = await setup();
    stage(repo, "x.js", "// BLOCK_ME kept from an earlier, overridden commit\n");
    repo.git(["commit", "-q", "-m", "marked"], { env: { ...repo.env, DEJAFIX: "0" } });
    stage(repo, "y.js", "export const y = 1;\n");
    repo.git(["commit", "-q", "-m", "y"], { env: { ...repo.env, DEJAFIX: "0" } });
    const calls = repo.calls().length;
    const count = repo.git(["rev-list", "--count", "HEAD"]).trim();
    const r = repo.run(["rebase", "-q", "-x", "git commit -q --amend --no-edit", "HEAD~2"]);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /dejafix/);
    assert.equal(repo.calls().length, calls, "the checker was not called during the rebase");
    assert.equal(repo.git(["rev-list", "--count", "HEAD"]).trim(), count);
    assert.equal(existsSync(join(repo.dir, ".git", "rebase-merge")), false);
  });

  test("a linked worktree shares the hooks and is checked in its own index", async () => {
    const repo = await setup();
    const wt = join(repo.base, "wt");
    repo.git(["worktree", "add", "-q", "-b", "side", wt]);
    stage(repo, "app.js", "// BLOCK_ME in the worktree\n", wt);
    commitChecked(repo, ["-m", "wt bad"], { cwd: wt, expect: "blocked" });
    stage(repo, "app.js", "// fine in the worktree\n", wt);
    commitChecked(repo, ["-m", "wt ok"], { cwd: wt, expect: "committed" });
    const call = repo.calls().at(-1);
    assert.equal(call?.repoDir, wt);
    assert.equal(call?.files[0]?.text, "// fine in the worktree\n");
  });

  test("submodules, binary, huge and generated files are passed over and said so", async () => {
    const repo = await setup();
    const sub = repo.git(["rev-parse", "HEAD"]).trim();
    repo.git(["update-index", "--add", "--cacheinfo", `160000,${sub},vendor/lib`]);
    writeFileSync(join(repo.dir, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 2, 3]));
    writeFileSync(join(repo.dir, "huge.js"), "x = 1; // BLOCK_ME\n".repeat(70_000));
    writeFileSync(join(repo.dir, "package-lock.json"), '{ "BLOCK_ME": true }\n');
    writeFileSync(join(repo.dir, "gen.js"), "// @generated by a tool\nBLOCK_ME();\n");
    repo.git(["add", "logo.png", "huge.js", "package-lock.json", "gen.js"]);
    const r = commitChecked(repo, ["-m", "mixed"], { expect: "committed" });
    const skipped = Object.fromEntries((repo.calls().at(-1)?.files ?? []).map((f) => [f.path, f.skipped]));
    assert.deepEqual(skipped, {
      "gen.js": "generated",
      "huge.js": "too-large",
      "logo.png": "binary",
      "package-lock.json": "generated",
      "vendor/lib": "submodule",
    });
    assert.match(r.stderr, /huge\.js is larger than \d+ bytes and was not checked/);
  });
});

describe("checker preparation", () => {
  test("the harness calls the checker's prepare once, before the check; a failing prepare changes nothing", async () => {
    const repo = await setup();
    const order = join(repo.base, "order.log");
    stage(repo, "app.js", "function add(a, b) {\n  return b + a;\n}\n");
    commitChecked(repo, ["-q", "-m", "swap"], {
      env: { ...repo.env, DEJAFIX_TEST_ORDER: order },
      expect: "committed",
    });
    assert.equal(readFileSync(order, "utf8"), `prepare ${repo.commonDir}\ncheck\n`);

    rmSync(order);
    stage(repo, "app.js", "function add(a, b) {\n  return BLOCK_ME;\n}\n");
    const r = commitChecked(repo, ["-q", "-m", "blocked anyway"], {
      env: { ...repo.env, DEJAFIX_TEST_ORDER: order, DEJAFIX_TEST_PREPARE_THROW: "1" },
      expect: "blocked",
    });
    assert.equal(readFileSync(order, "utf8"), `prepare ${repo.commonDir}\ncheck\n`, "the check still ran");
    assert.doesNotMatch(r.stderr, /prepare exploded/);
  });
});

describe("failure handling", () => {
  test("a crashing checker lets the commit through with one line and a log file", async () => {
    const repo = await setup();
    stage(repo, "app.js", "// THROW_ME\n");
    const r = commitChecked(repo, ["-m", "crash"], { expect: "committed" });
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, JSON.stringify(r.stderr));
    assert.match(
      lines[0] ?? "",
      /^dejafix: internal error \(checker exploded \); the commit went through unchecked/,
    );
    assert.doesNotMatch(r.stderr, /\x1b/, "no escape from the error text, no colour without a TTY");
    const logs = readdirSync(join(repo.commonDir, "dejafix", "logs")).filter((f) => f.startsWith("hook-"));
    assert.equal(logs.length, 1);
    assert.match(
      readFileSync(join(repo.commonDir, "dejafix", "logs", logs[0] ?? ""), "utf8"),
      /checker exploded/,
    );
  });

  test("a corrupted index file fails open by default and closed when the rules say so", async () => {
    const repo = await setup();
    const db = join(repo.commonDir, "dejafix", "index.sqlite");
    writeFileSync(db, "this is not a database ".repeat(200));
    // The background update after each commit would move the damaged file aside and rebuild it, racing the
    // next commit's check: this test is about the checks, so the update does nothing here.
    const idle = join(repo.base, "idle-indexer.mjs");
    writeFileSync(idle, "export async function updateIndex() {}\n");
    const env = { ...repo.env, DEJAFIX_TEST_DB: db, DEJAFIX_INDEXER: idle };
    stage(repo, "app.js", "// ordinary change\n");
    const r = commitChecked(repo, ["-m", "open"], { env, expect: "committed" });
    // No crash report: one line that says what happened and what heals it.
    assert.match(r.stderr, /the index is damaged \(file is not a database\)/);
    assert.doesNotMatch(r.stderr, /internal error/);
    mkdirSync(join(repo.dir, ".dejafix"));
    writeFileSync(join(repo.dir, ".dejafix", "rules.yml"), "version: 1\nhooks:\n  failure: closed\n");
    stage(repo, "app.js", "// another ordinary change\n");
    const closed = commitChecked(repo, ["-m", "closed"], { env, expect: "blocked" });
    assert.match(closed.stderr, /index is damaged .*hooks\.failure: closed/);
    commitChecked(repo, ["-m", "closed but overridden"], {
      env: { ...env, DEJAFIX_OVERRIDE: "index rebuild pending" },
      expect: "committed",
    });
  });

  test("a broken rules file never stops a commit: defaults and one line naming the file", async () => {
    const repo = await setup();
    mkdirSync(join(repo.dir, ".dejafix"));
    writeFileSync(join(repo.dir, ".dejafix", "rules.yml"), "hooks:\n  failure: [unclosed\n");
    stage(repo, "app.js", "// ordinary\n");
    const r = commitChecked(repo, ["-m", "rules broken"], { expect: "committed" });
    assert.match(r.stderr, /rules\.yml/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    stage(repo, "app.js", "// BLOCK_ME\n");
    commitChecked(repo, ["-m", "still checked"], { expect: "blocked" });
  });

  test("past the time budget the commit goes through with a one-line notice", async () => {
    const repo = await setup();
    delete repo.env.DEJAFIX_TIME_BUDGET_MS;
    mkdirSync(join(repo.dir, ".dejafix"));
    writeFileSync(join(repo.dir, ".dejafix", "rules.yml"), "version: 1\nhooks:\n  timeBudgetMs: 300\n");
    stage(repo, "app.js", "// SLOW_ME and BLOCK_ME\n");
    const r = commitChecked(repo, ["-m", "slow"], { expect: "committed" });
    assert.match(
      r.stderr,
      /^dejafix: the check took longer than 300 ms, so this commit went through unchecked/,
    );
  });

  test("DEJAFIX_OVERRIDE lets a blocked commit through and records who, when, why and the verdict", async () => {
    const repo = await setup();
    stage(repo, "app.js", "// BLOCK_ME\n");
    commitChecked(repo, ["-m", "empty reason"], {
      env: { ...repo.env, DEJAFIX_OVERRIDE: " " },
      expect: "blocked",
    });
    const r = commitChecked(repo, ["-m", "hotfix"], {
      env: { ...repo.env, DEJAFIX_OVERRIDE: "hotfix for INC-7, reviewed by Bo" },
      expect: "committed",
    });
    assert.match(r.stderr, /override recorded/);
    const records = readFileSync(join(repo.commonDir, "dejafix", "overrides.jsonl"), "utf8")
      .trim()
      .split("\n");
    assert.equal(records.length, 1);
    const rec = JSON.parse(records[0] ?? "{}") as Record<string, unknown>;
    assert.equal(rec.reason, "hotfix for INC-7, reviewed by Bo");
    assert.equal(rec.who, "Ada <ada@example.com>");
    assert.equal(rec.hook, "pre-commit");
    assert.equal(rec.branch, "main");
    assert.ok(!Number.isNaN(Date.parse(String(rec.time))));
    assert.deepEqual(rec.verdicts, [
      { commit: null, level: "red", action: "block", score: 0.97, matches: [] },
    ]);
  });
});

describe("environments", () => {
  test("no TTY and a minimal PATH without node: the hook finds Node itself and sources init.sh", async () => {
    const repo = await setup();
    const bin = join(repo.base, "bin");
    mkdirSync(bin);
    for (const tool of ["git", "sh", "dirname", "mkdir", "cat", "ls", "sed", "sort", "tail"]) {
      const found = execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim();
      symlinkSync(found, join(bin, tool));
    }
    mkdirSync(join(repo.home, ".config", "dejafix"), { recursive: true });
    writeFileSync(join(repo.home, ".config", "dejafix", "init.sh"), 'echo sourced > "$HOME/init-ran"\n');
    const env: NodeJS.ProcessEnv = {
      PATH: bin,
      HOME: repo.home,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_AUTHOR_NAME: "Ada",
      GIT_AUTHOR_EMAIL: "ada@example.com",
      GIT_COMMITTER_NAME: "Ada",
      GIT_COMMITTER_EMAIL: "ada@example.com",
      DEJAFIX_CHECKER: repo.env.DEJAFIX_CHECKER,
      DEJAFIX_TEST_LOG: repo.env.DEJAFIX_TEST_LOG,
    };
    assert.notEqual(
      spawnSync("sh", ["-c", "command -v node"], { env }).status,
      0,
      "node is not on this PATH",
    );
    stage(repo, "app.js", "// BLOCK_ME\n");
    const r = commitChecked(repo, ["-m", "gui"], { env, expect: "blocked" });
    assert.doesNotMatch(r.stderr, /\x1b/, "no colour without a TTY");
    assert.ok(existsSync(join(repo.home, "init-ran")), "~/.config/dejafix/init.sh was sourced");
    stage(repo, "app.js", "// fine\n");
    commitChecked(repo, ["-m", "gui ok"], { env, expect: "committed" });
  });

  test("when this clone's dejafix is gone, commits go through with one line", async () => {
    const repo = await setup();
    loseInitRunner(repo);
    stage(repo, "app.js", "// BLOCK_ME\n");
    const r = commitChecked(repo, ["-m", "no dejafix"], { expect: "committed" });
    assert.equal(
      r.stderr.trim(),
      "dejafix: not installed for this clone, so this pre-commit check was skipped. Run: npx dejafix init",
    );
  });

  test("pnpm-style node_modules/dejafix symlink is found when the path init wrote is gone", async () => {
    const repo = await setup();
    loseInitRunner(repo);
    mkdirSync(join(repo.dir, "node_modules"));
    symlinkSync(ROOT, join(repo.dir, "node_modules", "dejafix"));
    writeFileSync(join(repo.dir, ".gitignore"), "node_modules/\n");
    stage(repo, "app.js", "// BLOCK_ME\n");
    const r = commitChecked(repo, ["-m", "via node_modules"], { expect: "blocked" });
    assert.match(r.stderr, /risky change/);
  });

  test("husky 9: the team's hook runs, then dejafix; blocks and passes like plain hooks", async () => {
    const repo = await setup({ husky: true });
    stage(repo, "app.js", "// BLOCK_ME\n");
    const r = commitChecked(repo, ["-m", "husky bad"], { expect: "blocked" });
    assert.match(r.stderr, /risky change/);
    stage(repo, "app.js", "// fine\n");
    commitChecked(repo, ["-m", "husky ok"], { expect: "committed" });
    assert.equal(readFileSync(join(repo.commonDir, "team.log"), "utf8"), "team hook ran\nteam hook ran\n");
  });
});

describe("pre-push through real git push", () => {
  test("checks exactly the new commits; blocks a push that carries a marked commit", async () => {
    const repo = await setup();
    const remote = join(repo.base, "remote.git");
    execFileSync("git", ["init", "-q", "--bare", remote], { env: repo.env });
    repo.git(["remote", "add", "origin", remote]);
    const push = (args: string[], env: NodeJS.ProcessEnv = repo.env) =>
      spawnSync("git", ["push", ...args], {
        cwd: repo.dir,
        env,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
    const first = push(["-q", "-u", "origin", "main"]);
    assert.equal(first.status, 0, first.stderr);
    const initial = repo.git(["rev-parse", "HEAD"]).trim();
    assert.deepEqual(
      repo.calls().map((c) => [c.hook, c.commit]),
      [["pre-push", initial]],
    );

    const quiet = { ...repo.env, DEJAFIX: "0" };
    repo.git(["checkout", "-q", "-b", "topic"]);
    stage(repo, "a.js", "export const a = 1;\n");
    repo.git(["commit", "-q", "-m", "a"], { env: quiet });
    stage(repo, "b.js", "export const b = 1; // BLOCK_ME\n");
    repo.git(["commit", "-q", "-m", "b"], { env: quiet });
    const [a, b] = repo.git(["rev-list", "--reverse", "main..topic"]).trim().split("\n");
    const blocked = push(["-q", "origin", "topic"]);
    assert.notEqual(blocked.status, 0);
    assert.match(blocked.stderr, /push stopped/);
    assert.match(blocked.stderr, new RegExp(`dejafix · commit ${b?.slice(0, 10)} b\n`), "names the commit");
    assert.equal(
      spawnSync("git", ["rev-parse", "--verify", "-q", "refs/heads/topic"], { cwd: remote }).status,
      1,
    );
    assert.deepEqual(
      repo
        .calls()
        .slice(1)
        .map((c) => c.commit),
      [a, b],
      "a new branch is checked from where it left origin/main, oldest first",
    );

    repo.git(["reset", "-q", "--hard", "HEAD~1"]);
    const ok = push(["-q", "origin", "topic"]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(repo.calls().at(-1)?.commit, a);
    const n = repo.calls().length;
    const del = push(["-q", "origin", "--delete", "topic"]);
    assert.equal(del.status, 0, del.stderr);
    assert.equal(repo.calls().length, n, "a deletion checks nothing");
  });
});

describe("post-commit", () => {
  test("updates the index in the background without holding up the commit", async () => {
    const repo = await setup();
    const started = join(repo.base, "index-started");
    const release = join(repo.base, "index-release");
    const done = join(repo.base, "index-done");
    writeFileSync(
      join(repo.base, "indexer.mjs"),
      `import { existsSync, writeFileSync } from "node:fs";
export async function updateIndex(repoDir) {
  writeFileSync(${JSON.stringify(started)}, repoDir);
  for (let i = 0; i < 300 && !existsSync(${JSON.stringify(release)}); i++) await new Promise((r) => setTimeout(r, 100));
  writeFileSync(${JSON.stringify(done)}, "ok");
}\n`,
    );
    const env = { ...repo.env, DEJAFIX_INDEXER: join(repo.base, "indexer.mjs") };
    stage(repo, "app.js", "// ordinary\n");
    commitChecked(repo, ["-m", "bg"], { env, expect: "committed" });
    assert.equal(existsSync(done), false, "git commit returned while the index update was still waiting");
    for (let i = 0; i < 200 && !existsSync(started); i++) await sleep(50);
    assert.equal(readFileSync(started, "utf8"), repo.dir);
    writeFileSync(release, "go");
    for (let i = 0; i < 200 && !existsSync(done); i++) await sleep(50);
    assert.ok(existsSync(done), "the background update finished");
  });
});

/** Rebuilds the new text from the old one and zero-context hunks (git's -U0 numbering). */
function applyHunks(oldText: string, hunks: Hunk[]): string {
  const old = oldText === "" ? [] : oldText.replace(/\n$/, "").split("\n");
  const out: string[] = [];
  let pos = 0;
  for (const h of hunks) {
    const start = h.oldLines > 0 ? h.oldStart - 1 : h.oldStart;
    out.push(...old.slice(pos, start));
    out.push(...h.lines.filter((l) => l.kind === "+").map((l) => l.text));
    pos = start + h.oldLines;
  }
  out.push(...old.slice(pos));
  return out.length ? `${out.join("\n")}\n` : "";
}

describe("staged reader", () => {
  test("the read started before the rules are known gives the change readStagedChange gives", async () => {
    const base = mkdtempSync(join(tmpdir(), "dejafix-early-"));
    temps.push(base);
    const dir = join(base, "repo");
    mkdirSync(dir);
    const env = baseEnv(base, join(base, "home"));
    const git = (args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8", env });
    const limits = { ignore: ["docs/**"], maxFileBytes: 2000 };
    const same = async (what: string, amend = false) => {
      const early = startStagedRead(dir, { amend });
      const change = await early.finish(limits);
      assert.deepEqual(change, readStagedChange(dir, { amend, limits }), what);
      return change;
    };
    git(["init", "-q", "-b", "main"]);
    writeFileSync(join(dir, "a.js"), "const a = 1;\n");
    git(["add", "a.js"]);
    await same("an unborn branch: against the empty tree");
    git(["commit", "-q", "-m", "one"]);
    await same("amending the first commit", true);
    mkdirSync(join(dir, "docs"));
    writeFileSync(join(dir, "docs", "x.js"), "const d = 1;\n");
    writeFileSync(join(dir, "big.js"), `${"const big = 1;\n".repeat(400)}`);
    writeFileSync(join(dir, "bin.dat"), Buffer.from([0, 1, 2, 3]));
    writeFileSync(join(dir, "keep.js"), "const k = 1;\nconst k2 = 2;\nconst k3 = 3;\n");
    git(["add", "."]);
    git(["commit", "-q", "-m", "two"]);
    writeFileSync(join(dir, "a.js"), "const a = 2;\n");
    writeFileSync(join(dir, "docs", "x.js"), "const d = 2;\n");
    writeFileSync(join(dir, "big.js"), `${"const big = 2;\n".repeat(400)}`);
    writeFileSync(join(dir, "bin.dat"), Buffer.from([0, 1, 2, 4]));
    git(["mv", "keep.js", "kept.js"]);
    git(["add", "."]);
    const mixed = await same("changed, ignored, too large, binary and renamed files");
    assert.deepEqual(mixed.files.map((f) => f.newPath).sort(), [
      "a.js",
      "big.js",
      "bin.dat",
      "docs/x.js",
      "kept.js",
    ]);
    assert.equal(mixed.files.find((f) => f.newPath === "a.js")?.newText, "const a = 2;\n");
    assert.ok(
      mixed.files.some((f) => f.skipped !== undefined),
      "the limits apply",
    );
    await same("the same change read as an amend of the last commit", true);
    git(["rm", "-q", "--cached", "a.js"]);
    await same("a file taken out of the index");
    git(["reset", "-q", "--hard"]);
    await same("nothing staged");
  });

  test("many commits read in chunks equal each commit read alone: merges, renames, binaries, the root", () => {
    const base = mkdtempSync(join(tmpdir(), "dejafix-commits-"));
    temps.push(base);
    const repo = join(base, "repo");
    generateRepo(repo, { commits: 120 });
    const shas = execFileSync("git", ["rev-list", "--all", "--reverse"], { cwd: repo, encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    const merges = execFileSync("git", ["rev-list", "--all", "--merges"], { cwd: repo, encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    assert.ok(merges.length > 0, "the history has merges");
    const limits = { ignore: ["docs/**"], maxFileLines: 400 };
    // A chunk size that does not divide the history: chunk boundaries fall anywhere.
    const batched = [...readCommitChanges(repo, shas, limits, 7)];
    assert.equal(batched.length, shas.length);
    for (const [i, sha] of shas.entries())
      assert.deepEqual(batched[i], readCommitChange(repo, sha, limits), sha);
    assert.ok(
      batched.some((c) => c.files.some((f) => f.status === "R")),
      "renames are read as renames",
    );
    assert.ok(
      batched.some((c) => c.files.some((f) => f.skipped === "ignored")),
      "the limits apply",
    );
  });

  test("hunks rebuild the staged blob and agree with git's own added/removed counts", async () => {
    const repo = await setup();
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 25; round++) {
      const oldLines = Array.from({ length: 5 + rand(60) }, () => `line ${rand(15)}`);
      const newLines = [...oldLines];
      for (let e = rand(8); e >= 0; e--) {
        const at = rand(newLines.length + 1);
        const op = rand(3);
        if (op === 0) newLines.splice(at, 0, `added ${rand(15)}`);
        else if (op === 1) newLines.splice(at, 1);
        else newLines[at] = `changed ${rand(15)}`;
      }
      const oldText = `${oldLines.join("\n")}\n`;
      const newText = newLines.length ? `${newLines.join("\n")}\n` : "";
      stage(repo, "f.txt", oldText);
      repo.git(["commit", "-q", "--allow-empty", "-m", `r${round}`], { env: { ...repo.env, DEJAFIX: "0" } });
      stage(repo, "f.txt", newText);
      const change = readStagedChange(repo.dir, { amend: false });
      const file = change.files.find((f) => f.newPath === "f.txt");
      if (oldText === newText) {
        assert.equal(file, undefined);
        continue;
      }
      assert.ok(file, `round ${round}: the staged file is listed`);
      assert.equal(file.newText, newText);
      assert.equal(applyHunks(oldText, file.hunks), newText, `round ${round}: hunks rebuild the new text`);
      const [added, removed] = repo
        .git(["diff", "--cached", "--numstat", "--diff-algorithm=myers"])
        .split("\t");
      const count = (k: string) =>
        file.hunks.reduce((n, h) => n + h.lines.filter((l) => l.kind === k).length, 0);
      assert.equal(count("+"), Number(added), `round ${round}: added lines`);
      assert.equal(count("-"), Number(removed), `round ${round}: removed lines`);
    }
  });

  test("hunk numbering follows git diff -U0 and a lost final newline is a change", () => {
    const h = diffHunks("a\nb\nc\nd\ne\n", "a\nX\nc\ne\nf\ng\n");
    assert.deepEqual(
      h.map((x) => [x.oldStart, x.oldLines, x.newStart, x.newLines]),
      [
        [2, 1, 2, 1],
        [4, 1, 3, 0],
        [5, 0, 5, 2],
      ],
    );
    assert.equal(diffHunks("a\nb\n", "a\nb").length, 1);
    assert.deepEqual(diffHunks("same\n", "same\n"), []);
  });
});
