/**
 * Faults the hook meets in a user's first week, through real `git commit` / `git push` on hooks installed by
 * `init`: a rules file that is a FIFO, /dev/zero, a directory, 10 MB, or an alias bomb; a checker that never
 * yields; no `sh` on PATH; a crash block overridden; hooks moved by core.hooksPath. The hook must never wait
 * on any of them, and must say what happened in one line.
 *
 * Every test has a timeout: a hook that hangs fails the test instead of holding the suite.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { init } from "../src/install/init.js";
import { ada, isolatedEnv } from "./helpers/env.js";
import { tempDir } from "./helpers/repo.js";

const HOOK_TIMEOUT = { timeout: 120_000 };
/** A process that hangs is killed after this long, so the test fails instead of waiting forever. */
const HANG = 90_000;
const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

/** A checker module: blocks on BLOCK_ME, throws on THROW_ME, computes synchronously for 15 s on SPIN_ME. */
const CHECKER = `
import { writeFileSync } from "node:fs";
if (process.env.DEJAFIX_TEST_SPIN_ON_LOAD) {
  const end = Date.now() + 15000;
  while (Date.now() < end) {}
  writeFileSync(process.env.DEJAFIX_TEST_SPIN_ON_LOAD, "loaded after 15 s");
}
export async function checker(change) {
  const all = change.files.map((f) => f.newText ?? "").join("\\n");
  if (all.includes("THROW_ME")) throw new Error("checker exploded");
  if (all.includes("SPIN_ME")) {
    const end = Date.now() + 15000;
    while (Date.now() < end) {}
    writeFileSync(process.env.DEJAFIX_TEST_SPUN, "finished after 15 s");
    return { level: "red", action: "block", score: { value: 0.99, reasons: ["late"] }, matches: [], notices: [] };
  }
  if (all.includes("BLOCK_ME"))
    return { level: "red", action: "block", score: { value: 0.97, reasons: ["planted"] }, matches: [], notices: [] };
  return { level: "green", action: "pass", matches: [], notices: [] };
}
`;

interface HookRepo {
  base: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  git(args: string[], env?: NodeJS.ProcessEnv): string;
  /** Stages `content` in app.js and runs `git commit` through the hooks. */
  commit(
    content: string,
    env?: NodeJS.ProcessEnv,
  ): { status: number | null; stderr: string; committed: boolean };
  rules(text: string): void;
}

function cleanEnv(base: string): NodeJS.ProcessEnv {
  return isolatedEnv({
    // These tests are about faults, not speed: a loaded test machine must not cut them at the 2 s default.
    // The tests of the budget itself take this out.
    DEJAFIX_TIME_BUDGET_MS: "120000",
    NO_COLOR: "1",
    HOME: join(base, "home"),
    ...ada(),
    DEJAFIX_CHECKER: join(base, "checker.mjs"),
    // The post-commit index update is not what these tests are about: it does nothing here.
    DEJAFIX_INDEXER: join(base, "indexer.mjs"),
    DEJAFIX_TEST_SPUN: join(base, "spun"),
  });
}

async function hookRepo(t: { after(fn: () => void): void }): Promise<HookRepo> {
  const base = tempDir(t, "dejafix-faults-");
  const dir = join(base, "repo");
  mkdirSync(dir);
  mkdirSync(join(base, "home"));
  writeFileSync(join(base, "checker.mjs"), CHECKER);
  writeFileSync(join(base, "indexer.mjs"), "export async function updateIndex() {}\n");
  const env = cleanEnv(base);
  const git = (args: string[], e: NodeJS.ProcessEnv = env) =>
    execFileSync("git", args, { cwd: dir, env: e, encoding: "utf8" });
  git(["init", "-q", "-b", "main"]);
  writeFileSync(join(dir, "app.js"), "export const a = 1;\n");
  git(["add", "app.js"]);
  git(["commit", "-q", "-m", "initial"]);
  await init({ repoDir: dir });
  let n = 0;
  return {
    base,
    dir,
    env,
    git,
    commit(content, e = env) {
      writeFileSync(join(dir, "app.js"), `${content}\n// ${n++}\n`);
      git(["add", "app.js"], e);
      const head = git(["rev-parse", "HEAD"]).trim();
      const r = spawnSync("git", ["commit", "-q", "-m", `change ${n}`], {
        timeout: HANG,
        cwd: dir,
        env: e,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      return { status: r.status, stderr: r.stderr, committed: git(["rev-parse", "HEAD"]).trim() !== head };
    },
    rules(text) {
      mkdirSync(join(dir, ".dejafix"), { recursive: true });
      rmSync(join(dir, ".dejafix", "rules.yml"), { recursive: true, force: true });
      writeFileSync(join(dir, ".dejafix", "rules.yml"), text);
    },
  };
}

const ALIAS_BOMB = [
  "version: 1",
  'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
  "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
  "",
].join("\n");

describe("the rules file is read only when it is a small regular file", () => {
  test(
    "FIFO, /dev/zero, a directory, 10 MB, an alias bomb: the commit is made, checked with the defaults, one line names the file",
    HOOK_TIMEOUT,
    async (t) => {
      const repo = await hookRepo(t);
      const rulesPath = join(repo.dir, ".dejafix", "rules.yml");
      const shapes: Array<[string, () => void, RegExp]> = [
        ["a FIFO", () => execFileSync("mkfifo", [rulesPath]), /is a named pipe \(FIFO\)/],
        ["a link to /dev/zero", () => symlinkSync("/dev/zero", rulesPath), /is a character device/],
        ["a directory", () => mkdirSync(rulesPath), /is a directory/],
        [
          "10 MB",
          () => {
            writeFileSync(rulesPath, "");
            truncateSync(rulesPath, 10 * 1024 * 1024);
          },
          /is 10485760 bytes/,
        ],
        ["an alias bomb", () => writeFileSync(rulesPath, ALIAS_BOMB), /rules\.yml:3:\d+: its aliases/],
      ];
      for (const [what, make, why] of shapes) {
        mkdirSync(join(repo.dir, ".dejafix"), { recursive: true });
        rmSync(rulesPath, { recursive: true, force: true });
        make();
        const ok = repo.commit("export const a = 2;");
        assert.equal(ok.status, 0, `${what}: ${ok.stderr}`);
        assert.ok(ok.committed, `${what}: the commit was made`);
        const lines = ok.stderr.trim().split("\n");
        assert.equal(lines.length, 1, `${what}: one line\n${ok.stderr}`);
        assert.match(lines[0] ?? "", /\.dejafix\/rules\.yml could not be read/, what);
        assert.match(lines[0] ?? "", why, what);
        // The defaults apply: the change is still checked.
        const blocked = repo.commit("export const a = 3; // BLOCK_ME");
        assert.equal(blocked.status, 1, `${what}: ${blocked.stderr}`);
        assert.ok(!blocked.committed, `${what}: a planted block still stops the commit`);
        repo.git(["reset", "-q", "--hard"]);
      }
      rmSync(rulesPath, { recursive: true, force: true });
      // `rules check` says the same and never waits either.
      execFileSync("mkfifo", [rulesPath]);
      const r = spawnSync(process.execPath, [CLI, "rules", "check", "--repo", repo.dir], {
        timeout: HANG,
        encoding: "utf8",
        env: repo.env,
      });
      assert.equal(r.status, 1);
      assert.match(
        r.stderr,
        /rules\.yml: is a named pipe \(FIFO\); rules must be a regular file of at most 1 MiB/,
      );
    },
  );
});

describe("the time budget", () => {
  test(
    "a checker that computes synchronously for 15 s is cut at the budget; its late block never stops the commit",
    HOOK_TIMEOUT,
    async (t) => {
      const repo = await hookRepo(t);
      delete repo.env.DEJAFIX_TIME_BUDGET_MS;
      repo.rules("version: 1\nhooks:\n  timeBudgetMs: 500\n");
      const r = repo.commit("export const a = 2; // SPIN_ME and BLOCK_ME");
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.committed, "the commit was made");
      assert.equal(
        existsSync(join(repo.base, "spun")),
        false,
        "git commit returned before the checker finished",
      );
      assert.equal(
        r.stderr.trim(),
        "dejafix: the check took longer than 500 ms, so this commit went through unchecked. " +
          "Run `dejafix doctor` to see what is slow, or raise hooks.timeBudgetMs in .dejafix/rules.yml.",
      );
    },
  );

  test(
    "the budget counts from the hook's start: a checker module that blocks while it loads is cut too",
    HOOK_TIMEOUT,
    async (t) => {
      const repo = await hookRepo(t);
      delete repo.env.DEJAFIX_TIME_BUDGET_MS;
      repo.rules("version: 1\nhooks:\n  timeBudgetMs: 500\n");
      const loaded = join(repo.base, "loaded");
      const r = repo.commit("export const a = 2; // BLOCK_ME", {
        ...repo.env,
        DEJAFIX_TEST_SPIN_ON_LOAD: loaded,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.committed);
      assert.equal(existsSync(loaded), false, "git commit returned while the module was still loading");
      assert.match(r.stderr, /took longer than 500 ms, so this commit went through unchecked/);
    },
  );

  test(
    "DEJAFIX_TIME_BUDGET_MS sets the budget for one machine over the rules' value; a value that is no number is ignored",
    HOOK_TIMEOUT,
    async (t) => {
      const repo = await hookRepo(t);
      repo.rules("version: 1\nhooks:\n  timeBudgetMs: 600000\n");
      const r = repo.commit("export const a = 2; // SPIN_ME", { ...repo.env, DEJAFIX_TIME_BUDGET_MS: "700" });
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.committed);
      assert.match(r.stderr, /took longer than 700 ms, so this commit went through unchecked/);
      repo.rules("version: 1\nhooks:\n  timeBudgetMs: 800\n");
      const bad = repo.commit("export const a = 3; // SPIN_ME", {
        ...repo.env,
        DEJAFIX_TIME_BUDGET_MS: "soon",
      });
      assert.equal(bad.status, 0, bad.stderr);
      assert.match(bad.stderr, /took longer than 800 ms/);
    },
  );

  test(
    "pre-push: the push goes through at its own budget, and the notice names hooks.prePush.timeBudgetMs",
    HOOK_TIMEOUT,
    async (t) => {
      const repo = await hookRepo(t);
      delete repo.env.DEJAFIX_TIME_BUDGET_MS;
      repo.rules("version: 1\nhooks:\n  prePush:\n    timeBudgetMs: 500\n");
      repo.git(["add", ".dejafix/rules.yml"]);
      repo.git(["commit", "-q", "-m", "rules"], { ...repo.env, DEJAFIX: "0" });
      writeFileSync(join(repo.dir, "app.js"), "export const a = 2; // SPIN_ME\n");
      repo.git(["add", "app.js"]);
      repo.git(["commit", "-q", "-m", "slow to check"], { ...repo.env, DEJAFIX: "0" });
      const remote = join(repo.base, "remote.git");
      execFileSync("git", ["init", "-q", "--bare", remote]);
      const r = spawnSync("git", ["push", "-q", remote, "main"], {
        timeout: HANG,
        cwd: repo.dir,
        env: repo.env,
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(existsSync(join(repo.base, "spun")), false);
      assert.match(r.stderr, /this push went through unchecked\. .*raise hooks\.prePush\.timeBudgetMs/);
      assert.equal(
        execFileSync("git", ["rev-parse", "main"], { cwd: remote, encoding: "utf8" }).trim(),
        repo.git(["rev-parse", "HEAD"]).trim(),
      );
    },
  );
});

describe("environments", () => {
  test(
    "no sh on PATH: the commit is still checked, made when clean and stopped when blocked",
    HOOK_TIMEOUT,
    async (t) => {
      const repo = await hookRepo(t);
      // A budget no loaded test machine reaches: this test is about PATH, not time.
      repo.rules("version: 1\nhooks:\n  timeBudgetMs: 60000\n");
      const gitBin = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
      const bare: NodeJS.ProcessEnv = {
        PATH: "/nonexistent",
        HOME: join(repo.base, "home"),
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_AUTHOR_NAME: "Ada",
        GIT_AUTHOR_EMAIL: "ada@example.com",
        GIT_COMMITTER_NAME: "Ada",
        GIT_COMMITTER_EMAIL: "ada@example.com",
        NO_COLOR: "1",
        DEJAFIX_CHECKER: repo.env.DEJAFIX_CHECKER,
        // The background index update would still be writing in .git when the test's folder is removed.
        DEJAFIX_INDEXER: repo.env.DEJAFIX_INDEXER,
      };
      const commit = (content: string) => {
        writeFileSync(join(repo.dir, "app.js"), content);
        repo.git(["add", "app.js"]);
        const head = repo.git(["rev-parse", "HEAD"]).trim();
        const r = spawnSync(gitBin, ["commit", "-q", "-m", "no sh"], {
          timeout: HANG,
          cwd: repo.dir,
          env: bare,
          encoding: "utf8",
        });
        return { ...r, committed: repo.git(["rev-parse", "HEAD"]).trim() !== head };
      };
      const clean = commit("export const a = 2;\n");
      assert.equal(clean.status, 0, clean.stderr);
      assert.ok(clean.committed);
      assert.equal(clean.stderr, "", "nothing to say for a clean commit");
      const blocked = commit("export const a = 3; // BLOCK_ME\n");
      assert.equal(blocked.status, 1, blocked.stderr);
      assert.ok(!blocked.committed);
      assert.match(blocked.stderr, /commit stopped/, "the check ran: Node was found without PATH");
    },
  );

  test("doctor says the hooks are not run once core.hooksPath points elsewhere", HOOK_TIMEOUT, async (t) => {
    const repo = await hookRepo(t);
    const doctor = () =>
      spawnSync(process.execPath, [CLI, "doctor", "--repo", repo.dir, "--format", "json"], {
        timeout: HANG,
        encoding: "utf8",
        env: repo.env,
      });
    const hooksFinding = (out: string) =>
      (JSON.parse(out) as { findings: { check: string; ok: boolean; text: string }[] }).findings.find(
        (f) => f.check === "hooks",
      );
    const before = hooksFinding(doctor().stdout);
    assert.equal(before?.ok, true, before?.text);
    assert.match(before?.text ?? "", /^hooks installed \(hooks-dir\) in /);
    repo.git(["config", "core.hooksPath", "elsewhere"]);
    const after = hooksFinding(doctor().stdout);
    assert.equal(after?.ok, false);
    assert.match(
      after?.text ?? "",
      /git now runs hooks from .*elsewhere \(core\.hooksPath changed\); run `npx dejafix init` again/,
    );
    // And it is true: git no longer runs dejafix.
    const r = repo.commit("export const a = 2; // BLOCK_ME");
    assert.ok(r.committed);
    repo.git(["config", "--unset", "core.hooksPath"]);
    rmSync(join(repo.dir, ".git", "hooks", "pre-push"));
    const lost = hooksFinding(doctor().stdout);
    assert.equal(lost?.ok, false);
    assert.match(lost?.text ?? "", /pre-push no longer calls dejafix/);
  });
});

describe("overrides", () => {
  test(
    "an override of a crash block (hooks.failure: closed) is recorded like any other",
    HOOK_TIMEOUT,
    async (t) => {
      const repo = await hookRepo(t);
      repo.rules("version: 1\nhooks:\n  failure: closed\n");
      const stopped = repo.commit("export const a = 2; // THROW_ME");
      assert.equal(stopped.status, 1, stopped.stderr);
      assert.match(stopped.stderr, /stopped because \.dejafix\/rules\.yml sets hooks\.failure: closed/);
      const overridden = repo.commit("export const a = 2; // THROW_ME", {
        ...repo.env,
        DEJAFIX_OVERRIDE: "index rebuild pending, INC-9",
      });
      assert.equal(overridden.status, 0, overridden.stderr);
      assert.ok(overridden.committed);
      assert.match(overridden.stderr, /override recorded in .*overrides\.jsonl/);
      const file = join(repo.dir, ".git", "dejafix", "overrides.jsonl");
      const records = readFileSync(file, "utf8").trim().split("\n");
      assert.equal(records.length, 1);
      const rec = JSON.parse(records[0] ?? "{}") as Record<string, unknown>;
      assert.equal(rec.kind, "crash");
      assert.equal(rec.reason, "index rebuild pending, INC-9");
      assert.equal(rec.who, "Ada <ada@example.com>");
      assert.equal(rec.hook, "pre-commit");
      assert.equal(rec.error, "checker exploded");
      assert.ok(existsSync(String(rec.log)) && statSync(String(rec.log)).size > 0, "the crash's log file");
      assert.deepEqual(rec.verdicts, []);
    },
  );
});

describe("a rules regular expression that backtracks without bound", () => {
  test(
    "neither `dejafix index` nor `git push` waits on it: one notice names the key, the rest goes on",
    HOOK_TIMEOUT,
    async (t) => {
      const repo = await hookRepo(t);
      const env = { ...repo.env, DEJAFIX_CHECKER: "" };
      repo.rules('version: 1\nfixes:\n  patterns: ["^(a+)+$", "\\\\bSEC-\\\\d+"]\n');
      repo.git(["add", ".dejafix/rules.yml"]);
      repo.git(["commit", "-q", "-m", "rules"], { ...env, DEJAFIX: "0" });
      writeFileSync(join(repo.dir, "app.js"), "export const a = 2;\n");
      repo.git(["add", "app.js"]);
      repo.git(["commit", "-q", "-m", `${"a".repeat(35)}!`], { ...env, DEJAFIX: "0" });
      writeFileSync(join(repo.dir, "app.js"), "export const a = 3;\n");
      repo.git(["add", "app.js"]);
      repo.git(["commit", "-q", "-m", "Patch SEC-7 in the parser"], { ...env, DEJAFIX: "0" });
      const index = spawnSync(process.execPath, [CLI, "index", "--repo", repo.dir], {
        timeout: HANG,
        env,
        encoding: "utf8",
      });
      assert.equal(index.status, 0, index.stderr);
      const notices = index.stderr.split("\n").filter((l) => l.includes("took longer than"));
      assert.equal(notices.length, 1, index.stderr);
      assert.match(
        notices[0] ?? "",
        /^dejafix: fixes\.patterns\[0\] \("\^\(a\+\)\+\$"\) took longer than 250 ms/,
      );
      const labels = spawnSync(process.execPath, [CLI, "labels", "--repo", repo.dir], {
        timeout: HANG,
        env,
        encoding: "utf8",
      });
      assert.match(labels.stdout, /"reasons":\["keyword"\]/, "the other pattern still found the SEC-7 fix");

      const remote = join(repo.base, "remote.git");
      execFileSync("git", ["init", "-q", "--bare", remote]);
      const push = spawnSync("git", ["push", "-q", remote, "main"], {
        timeout: HANG,
        cwd: repo.dir,
        env,
        encoding: "utf8",
      });
      assert.equal(push.status, 0, push.stderr);
      assert.equal(
        execFileSync("git", ["rev-parse", "main"], { cwd: remote, encoding: "utf8" }).trim(),
        repo.git(["rev-parse", "HEAD"]).trim(),
      );
    },
  );
});
