/**
 * dejafix beside the real hook managers — husky 9 (a devDependency), lefthook and pre-commit (on PATH:
 * npm test's pretest installs them) — in both orders. A real `git commit` shows who ran (each manager's own hook and
 * dejafix's checker write to a mark file). Each order either keeps both running, or `doctor` says what
 * displaced dejafix and `init` puts it back; `uninstall --purge` then leaves the hook files exactly as the
 * manager alone leaves them (a twin repository where only the manager was installed).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, test } from "node:test";
import { packageRoot } from "../src/install/hookScripts.js";
import { ada, isolatedEnv } from "./helpers/env.js";
import { tempDir } from "./helpers/repo.js";

const ROOT = packageRoot();
const CLI = join(ROOT, "dist", "src", "cli", "main.js");
const HUSKY_BIN = join(ROOT, "node_modules", "husky", "bin.js");
const TIMEOUT = { timeout: 120_000 };

const CHECKER = `import { appendFileSync } from "node:fs";
export async function checker(_change, ctx) {
  appendFileSync(process.env.MARK, "dejafix-" + ctx.hook + "\\n");
  return { level: "green", action: "pass", matches: [], notices: [] };
}
`;

const LEFTHOOK_YML = `pre-commit:
  commands:
    mark:
      run: echo lefthook >> "$MARK"
`;

const PRE_COMMIT_YAML = `repos:
  - repo: local
    hooks:
      - id: mark
        name: mark
        entry: sh -c 'echo pre-commit >> "$MARK"'
        language: system
        pass_filenames: false
        always_run: true
`;

type Manager = "husky" | "lefthook" | "pre-commit" | "pre-commit -f";

function requireTool(name: string): void {
  const r = spawnSync(name, ["--version"], { encoding: "utf8" });
  assert.equal(
    r.status,
    0,
    `${name} is needed on PATH for this test (npm test's pretest installs it: node scripts/ensure-hook-managers.mjs)`,
  );
}

interface Repo {
  dir: string;
  git(...args: string[]): string;
  dejafix(...args: string[]): { status: number | null; stdout: string; stderr: string };
  /** Makes a real commit; returns who wrote to the mark file, sorted. */
  commit(): string[];
  /** What the last commit printed on stderr (to explain a failed assertion). */
  lastStderr: string;
  /** doctor's finding about the hooks. */
  doctorHooks(): { ok: boolean; text: string };
  install(manager: Manager): void;
  /** Every hook-related file (path, mode, sha256) and core.hooksPath. */
  snapshot(): string[];
}

function newRepo(t: { after(fn: () => void): void }, name: string, opts = { rules: true }): Repo {
  const base = tempDir(t, `dejafix-managers-${name.replace(/\W/g, "")}-`);
  const dir = join(base, "repo");
  const mark = join(base, "mark");
  mkdirSync(dir);
  mkdirSync(join(base, "home"));
  writeFileSync(join(base, "checker.mjs"), CHECKER);
  writeFileSync(join(base, "indexer.mjs"), "export async function updateIndex() {}\n");
  const env = isolatedEnv({
    HOME: join(base, "home"),
    ...ada(),
    PRE_COMMIT_HOME: join(base, "pre-commit-cache"),
    DEJAFIX_CHECKER: join(base, "checker.mjs"),
    // The post-commit index update is not what this is about, and would race the uninstall.
    DEJAFIX_INDEXER: join(base, "indexer.mjs"),
    MARK: mark,
  });
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env, encoding: "utf8" });
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: dir, env, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}${r.stdout}`);
  };
  git("init", "-q", "-b", "main");
  writeFileSync(join(dir, "package.json"), '{"name":"probe","version":"1.0.0","private":true}\n');
  // The team's rules, there before any manager: a budget no loaded test machine reaches, so the checker
  // always gets to run (the budget's own behaviour is tested in hooks.e2e.test.ts).
  if (opts.rules) {
    mkdirSync(join(dir, ".dejafix"));
    writeFileSync(join(dir, ".dejafix", "rules.yml"), "version: 1\nhooks:\n  timeBudgetMs: 600000\n");
  }
  writeFileSync(join(dir, "a.txt"), "hello\n");
  git("add", "-A");
  git("commit", "-q", "--no-verify", "-m", "first");
  let n = 0;
  const repo: Repo = {
    dir,
    git,
    lastStderr: "",
    dejafix: (...args) => {
      const r = spawnSync(process.execPath, [CLI, ...args, "--repo", dir], { env, encoding: "utf8" });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    commit() {
      writeFileSync(mark, "");
      writeFileSync(join(dir, "a.txt"), `change ${++n}\n`);
      git("add", "a.txt");
      const r = spawnSync("git", ["commit", "-q", "-m", `change ${n}`], { cwd: dir, env, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      repo.lastStderr = r.stderr;
      return [...new Set(readFileSync(mark, "utf8").split("\n").filter(Boolean))].sort();
    },
    doctorHooks() {
      const r = spawnSync(process.execPath, [CLI, "doctor", "--repo", dir, "--format", "json"], {
        env,
        encoding: "utf8",
      });
      const findings = (JSON.parse(r.stdout) as { findings: { check: string; ok: boolean; text: string }[] })
        .findings;
      const f = findings.find((x) => x.check === "hooks");
      assert.ok(f, r.stdout);
      return { ok: f.ok, text: f.text };
    },
    install(manager) {
      if (manager === "husky") {
        run(process.execPath, [HUSKY_BIN, "init"]);
        writeFileSync(join(dir, ".husky", "pre-commit"), 'echo husky >> "$MARK"\n');
        return;
      }
      const config = manager === "lefthook" ? "lefthook.yml" : ".pre-commit-config.yaml";
      writeFileSync(join(dir, config), manager === "lefthook" ? LEFTHOOK_YML : PRE_COMMIT_YAML);
      git("add", config);
      git("commit", "-q", "--no-verify", "-m", manager);
      if (manager === "lefthook") run("lefthook", ["install"]);
      else run("pre-commit", manager === "pre-commit -f" ? ["install", "-f"] : ["install"]);
    },
    snapshot() {
      const out = [
        `core.hooksPath=${spawnSync("git", ["config", "--get", "core.hooksPath"], { cwd: dir, env, encoding: "utf8" }).stdout.trim()}`,
      ];
      const walk = (p: string) => {
        if (!existsSync(p)) return;
        const st = statSync(p);
        const rel = relative(dir, p);
        if (st.isDirectory()) {
          out.push(`${rel}/`);
          for (const name of readdirSync(p).sort()) walk(join(p, name));
        } else {
          // lefthook's checksum file is "<md5 of the config> <the config's mtime>": two repositories share
          // the first part only.
          const bytes = rel.endsWith("lefthook.checksum")
            ? readFileSync(p, "utf8").split(" ")[0]!
            : readFileSync(p);
          out.push(
            `${rel} ${(st.mode & 0o777).toString(8)} ${createHash("sha256").update(bytes).digest("hex")}`,
          );
        }
      };
      for (const p of [
        ".git/hooks",
        ".git/dejafix",
        ".husky",
        ".dejafix",
        "lefthook.yml",
        ".pre-commit-config.yaml",
        "package.json",
        ".git/info/lefthook.checksum",
      ])
        walk(join(dir, p));
      return out;
    },
  };
  return repo;
}

const own = (m: Manager) => (m === "pre-commit -f" ? "pre-commit" : m);

describe("beside the real hook managers", () => {
  requireTool("lefthook");
  requireTool("pre-commit");

  for (const manager of ["husky", "lefthook", "pre-commit", "pre-commit -f"] as const) {
    test(
      `dejafix first, then ${manager}: both run, or doctor says so and init repairs it; uninstall is exact`,
      TIMEOUT,
      (t) => {
        const twin = newRepo(t, `${manager}-twin`);
        twin.install(manager);
        const expected = twin.snapshot();

        const repo = newRepo(t, manager);
        assert.equal(repo.dejafix("init", "--no-index").status, 0);
        repo.install(manager);
        const ran = repo.commit();
        const doctor = repo.doctorHooks();
        assert.ok(ran.includes(own(manager)), `${manager}'s own hook ran: ${ran}`);
        if (ran.includes("dejafix-pre-commit")) assert.equal(doctor.ok, true, doctor.text);
        else {
          assert.equal(doctor.ok, false, "doctor tells that dejafix no longer runs");
          assert.match(doctor.text, /run `npx dejafix init` again/);
          assert.match(doctor.text, new RegExp(own(manager)), "and names the manager that displaced it");
        }
        assert.equal(repo.dejafix("init", "--no-index").status, 0);
        assert.deepEqual(
          repo.commit(),
          ["dejafix-pre-commit", own(manager)].sort(),
          `init put dejafix back (the commit printed: ${repo.lastStderr})`,
        );
        assert.equal(repo.doctorHooks().ok, true);

        assert.equal(repo.dejafix("uninstall", "--purge").status, 0);
        assert.deepEqual(repo.snapshot(), expected, "uninstall leaves what the manager alone leaves");
        assert.deepEqual(repo.commit(), [own(manager)], "and the manager still runs");
      },
    );

    test(
      `${manager} first, then dejafix: both run; uninstall restores the manager's files byte for byte`,
      TIMEOUT,
      (t) => {
        const repo = newRepo(t, `${manager}-first`);
        repo.install(manager);
        const before = repo.snapshot();
        assert.equal(repo.dejafix("init", "--no-index").status, 0);
        assert.deepEqual(repo.commit(), ["dejafix-pre-commit", own(manager)].sort(), repo.lastStderr);
        const doctor = repo.doctorHooks();
        assert.equal(doctor.ok, true, doctor.text);
        assert.equal(repo.dejafix("uninstall", "--purge").status, 0);
        assert.deepEqual(repo.snapshot(), before);
        assert.deepEqual(repo.commit(), [own(manager)]);
      },
    );
  }

  test("init; lefthook install; init; uninstall --purge leaves no stub and no empty folder", TIMEOUT, (t) => {
    // No rules file beforehand (no commit is made here): init's own must go, and its folder with it.
    const twin = newRepo(t, "lefthook-twin", { rules: false });
    twin.install("lefthook");
    const repo = newRepo(t, "lefthook-twice", { rules: false });
    assert.equal(repo.dejafix("init", "--no-index").status, 0);
    repo.install("lefthook");
    assert.equal(repo.dejafix("init", "--no-index").status, 0);
    assert.equal(repo.dejafix("uninstall", "--purge").status, 0);
    const left = readdirSync(join(repo.dir, ".git", "hooks")).filter((f) => f.endsWith(".old"));
    assert.deepEqual(left, []);
    assert.equal(existsSync(join(repo.dir, ".git", "dejafix")), false);
    assert.equal(existsSync(join(repo.dir, ".dejafix")), false);
    assert.deepEqual(repo.snapshot(), twin.snapshot());
  });
});
