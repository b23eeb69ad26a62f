/**
 * CI mode through the CLI: with CI set the hooks skip (one line) unless the rules say `hooks.ci: check`;
 * `dejafix index` and `dejafix check` say when the clone is shallow or has no index, and a clone deepened
 * later is indexed again in full.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { packageRoot } from "../src/install/hookScripts.js";
import { ada, isolatedEnv } from "./helpers/env.js";
import { tempDir } from "./helpers/repo.js";

const CLI = join(packageRoot(), "dist", "src", "cli", "main.js");
const TIMEOUT = { timeout: 120_000 };

function baseEnv(base: string): NodeJS.ProcessEnv {
  return isolatedEnv({ NO_COLOR: "1", HOME: join(base, "home"), ...ada() });
}

function cli(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [CLI, ...args], { env, encoding: "utf8", timeout: 60_000 });
}

describe("CI mode", () => {
  test("with CI set the hooks skip with one line, unless the rules say hooks.ci: check", TIMEOUT, (t) => {
    const base = tempDir(t, "dejafix-ci-hooks-");
    const dir = join(base, "repo");
    mkdirSync(dir);
    mkdirSync(join(base, "home"));
    const mark = join(base, "mark");
    writeFileSync(
      join(base, "checker.mjs"),
      `import { appendFileSync } from "node:fs";\nexport async function checker(_c, ctx) { appendFileSync(${JSON.stringify(mark)}, ctx.hook + "\\n"); return { level: "green", action: "pass", matches: [], notices: [] }; }\n`,
    );
    writeFileSync(join(base, "indexer.mjs"), "export async function updateIndex() {}\n");
    const env = {
      ...baseEnv(base),
      DEJAFIX_CHECKER: join(base, "checker.mjs"),
      DEJAFIX_INDEXER: join(base, "indexer.mjs"),
    };
    const git = (args: string[], e = env) => spawnSync("git", args, { cwd: dir, env: e, encoding: "utf8" });
    git(["init", "-q", "-b", "main"]);
    writeFileSync(join(dir, "a.txt"), "0\n");
    git(["add", "a.txt"]);
    git(["commit", "-q", "-m", "first"]);
    assert.equal(cli(["init", "--no-index", "--repo", dir], env).status, 0);
    // A budget no loaded test machine reaches, so the checker always gets to run when it should.
    const budget = "version: 1\nhooks:\n  timeBudgetMs: 600000\n";
    writeFileSync(join(dir, ".dejafix", "rules.yml"), budget);
    let n = 0;
    const commit = (extra: NodeJS.ProcessEnv) => {
      writeFileSync(mark, "");
      writeFileSync(join(dir, "a.txt"), `${++n}\n`);
      git(["add", "a.txt"]);
      const r = git(["commit", "-q", "-m", `change ${n}`], { ...env, ...extra });
      assert.equal(r.status, 0, r.stderr);
      return { ran: readFileSync(mark, "utf8").trim(), stderr: r.stderr };
    };
    const inCi = commit({ CI: "true" });
    assert.equal(inCi.ran, "", "the checker did not run");
    assert.match(inCi.stderr, /CI is set, so this pre-commit check was skipped/);
    assert.equal(inCi.stderr.trim().split("\n").length, 1, "one line");
    assert.equal(commit({ CI: "false" }).ran, "pre-commit", "CI=false is not CI");
    assert.equal(commit({}).ran, "pre-commit");
    writeFileSync(join(dir, ".dejafix", "rules.yml"), `${budget}  ci: check\n`);
    const checked = commit({ CI: "true" });
    assert.equal(checked.ran, "pre-commit", "hooks.ci: check runs the hook in CI");
    assert.equal(checked.stderr, "");
  });

  test("a shallow clone: index and check say so; deepened, its whole history is indexed", TIMEOUT, (t) => {
    const base = tempDir(t, "dejafix-ci-shallow-");
    const origin = join(base, "origin");
    const clone = join(base, "clone");
    mkdirSync(origin);
    mkdirSync(join(base, "home"));
    const env = baseEnv(base);
    const git = (cwd: string, args: string[]) => execFileSync("git", args, { cwd, env, encoding: "utf8" });
    git(origin, ["init", "-q", "-b", "main"]);
    for (let i = 1; i <= 30; i++) {
      writeFileSync(join(origin, "app.js"), `export function f() {\n  return ${i};\n}\n`);
      git(origin, ["add", "app.js"]);
      const date = `2026-01-${String(i).padStart(2, "0")}T12:00:00Z`;
      execFileSync("git", ["commit", "-q", "-m", i % 5 === 0 ? `fix: wrong value ${i}` : `change ${i}`], {
        cwd: origin,
        env: { ...env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      });
    }
    git(base, ["clone", "-q", "--depth", "5", `file://${origin}`, clone]);

    const noIndex = cli(["check", "HEAD~2..HEAD", "--repo", clone, "--format", "json"], env);
    assert.equal(noIndex.status, 0, noIndex.stderr);
    assert.match(noIndex.stderr, /no index at .*index\.sqlite, so nothing could be matched/);
    assert.match(noIndex.stderr, /this clone is shallow \(5 commits\)/);
    assert.match(noIndex.stderr, /fetch-depth: 0/);

    const shallow = cli(["index", "--repo", clone], env);
    assert.equal(shallow.status, 0, shallow.stderr);
    assert.match(shallow.stderr, /this clone is shallow \(5 commits\)/);
    assert.match(shallow.stdout, /The index holds 5 commits/);
    const checked = cli(["check", "HEAD~2..HEAD", "--repo", clone, "--format", "json"], env);
    assert.doesNotMatch(checked.stderr, /no index/);
    assert.match(checked.stderr, /shallow/);

    git(clone, ["fetch", "-q", "--unshallow"]);
    const deep = cli(["index", "--repo", clone], env);
    assert.equal(deep.status, 0, deep.stderr);
    assert.match(deep.stderr, /deepened since the last index run, so its whole history was indexed again/);
    assert.doesNotMatch(deep.stderr, /shallow \(/);
    assert.match(deep.stdout, /The index holds 30 commits, 6 fix commits/);
    const full = cli(["check", "HEAD~2..HEAD", "--repo", clone, "--format", "json"], env);
    assert.equal(full.stderr, "", "nothing to say about a full clone with an index");
    assert.ok(existsSync(join(clone, ".git", "dejafix", "index.sqlite")));
  });
});

describe("the SQLite driver", () => {
  test("node:sqlite where this Node has it (22.13+), else an error that says what to do", () => {
    const script = `import(${JSON.stringify(join(packageRoot(), "dist", "src", "index", "sqlite.js"))}).then((m) => {
      const db = m.openSqlite(":memory:");
      db.exec("CREATE TABLE t (b BLOB NOT NULL)");
      db.prepare("INSERT INTO t VALUES (?)").run(new Uint8Array(0));
      const rows = db.transaction(() => db.prepare("SELECT length(b) AS n FROM t").pluck().all())();
      process.stdout.write(m.sqliteDriver() + " " + JSON.stringify(rows));
    });`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, DEJAFIX_SQLITE: "node" },
    });
    const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
    if (major > 22 || (major === 22 && minor >= 13)) {
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "node:sqlite [0]", "an empty blob stays a blob, pluck and transaction work");
      assert.doesNotMatch(r.stderr, /ExperimentalWarning/);
    } else {
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /dejafix cannot open its index: Node\.js v\d+\.\d+\.\d+ has no built-in SQLite/);
      assert.match(r.stderr, /Use Node\.js 22\.13 or later/);
      assert.match(r.stderr, /npm install -D better-sqlite3/);
      assert.match(r.stderr, /pnpm approve-builds/);
    }
  });

  test(
    "without a driver, init installs the hooks and says what to install; doctor reports it",
    TIMEOUT,
    (t) => {
      // The driver no Node here can lack for sure is the other one: node:sqlite before 22.13, else a
      // better-sqlite3 this test hides (DEJAFIX_SQLITE picks one driver only).
      const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
      const modern = major > 22 || (major === 22 && minor >= 13);
      const base = tempDir(t, "dejafix-nosqlite-");
      const dir = join(base, "repo");
      mkdirSync(dir);
      mkdirSync(join(base, "home"));
      // DEJAFIX_NODE: the hooks run this Node, not the first one on PATH.
      const env = {
        ...baseEnv(base),
        DEJAFIX_SQLITE: modern ? "better-sqlite3" : "node",
        DEJAFIX_NODE: process.execPath,
      };
      const probe = spawnSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import(${JSON.stringify(join(packageRoot(), "dist", "src", "index", "sqlite.js"))}).then((m) => m.sqliteDriver())`,
        ],
        { env, encoding: "utf8" },
      );
      if (probe.status === 0) {
        // better-sqlite3 is built for this Node: nothing is missing. The path runs on Node before 22.13.
        t.diagnostic("better-sqlite3 loads on this Node, so no driver is missing here");
        return;
      }
      execFileSync("git", ["init", "-q", "-b", "main"], { cwd: dir, env });
      writeFileSync(join(dir, "a.txt"), "0\n");
      execFileSync("git", ["add", "a.txt"], { cwd: dir, env });
      execFileSync("git", ["commit", "-q", "-m", "first"], { cwd: dir, env });
      const init = cli(["init", "--repo", dir], env);
      assert.equal(init.status, 3, init.stderr);
      assert.match(init.stdout, /Installed dejafix hooks in/);
      assert.match(init.stderr, /dejafix cannot open its index: .*Use Node\.js 22\.13 or later/);
      assert.ok(existsSync(join(dir, ".git", "hooks", "pre-commit")));
      const doctor = cli(["doctor", "--repo", dir, "--format", "json"], env);
      const findings = (
        JSON.parse(doctor.stdout) as { findings: { check: string; ok: boolean; text: string }[] }
      ).findings;
      const index = findings.filter((f) => f.check === "index");
      assert.equal(index.length, 1, doctor.stdout);
      assert.equal(index[0]?.ok, false);
      assert.match(
        index[0]?.text ?? "",
        /index: dejafix cannot open its index: .*npm install -D better-sqlite3/,
      );
      assert.equal(findings.find((f) => f.check === "hooks")?.ok, true, "the hooks are installed");
      // A commit goes through, and the hook says the same instead of "no index yet".
      writeFileSync(join(dir, ".dejafix", "rules.yml"), "version: 1\nhooks:\n  timeBudgetMs: 600000\n");
      writeFileSync(join(dir, "a.txt"), "1\n");
      execFileSync("git", ["add", "a.txt"], { cwd: dir, env });
      const commit = spawnSync("git", ["commit", "-q", "-m", "second"], { cwd: dir, env, encoding: "utf8" });
      assert.equal(commit.status, 0, commit.stderr);
      assert.match(commit.stderr, /dejafix: cannot open its index: .*Use Node\.js 22\.13 or later/);
      assert.doesNotMatch(commit.stderr, /no index yet/);
    },
  );
});
