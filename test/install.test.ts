import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { HOOKS, hookScript, packageRoot } from "../src/install/hookScripts.js";
import { HUSKY_BEGIN } from "../src/install/husky.js";
import { CHAINED_SUFFIX, init, PREPARE_COMMAND } from "../src/install/init.js";
import { uninstall } from "../src/install/uninstall.js";

const ROOT = packageRoot();
const HUSKY_BIN = join(ROOT, "node_modules", "husky", "bin.js");
const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function env(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "Test",
    GIT_AUTHOR_EMAIL: "test@example.com",
    GIT_COMMITTER_NAME: "Test",
    GIT_COMMITTER_EMAIL: "test@example.com",
    DEJAFIX_CHECKER: "",
  };
}

/** A fresh repository with one commit, in its own temp folder (HOME too, so no global config leaks in). */
function newRepo(): { dir: string; home: string; git: (...args: string[]) => string } {
  const base = mkdtempSync(join(tmpdir(), "dejafix-install-"));
  temps.push(base);
  const dir = join(base, "repo");
  const home = join(base, "home");
  mkdirSync(dir);
  mkdirSync(home);
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: dir, encoding: "utf8", env: env(home) });
  git("init", "-q", "-b", "main");
  writeFileSync(join(dir, "a.txt"), "hello\n");
  git("add", "a.txt");
  git("commit", "-q", "-m", "first");
  return { dir, home, git };
}

/** Every file (content hash + mode) and folder under dir, except git's object store. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (rel === ".git/objects" || rel === ".git/logs") continue;
      const st = statSync(p);
      if (st.isDirectory()) {
        out.set(`${rel}/`, "dir");
        walk(p);
      } else {
        out.set(
          rel,
          `${createHash("sha256").update(readFileSync(p)).digest("hex")} ${(st.mode & 0o777).toString(8)}`,
        );
      }
    }
  };
  walk(dir);
  return out;
}

function mtimes(paths: string[]): number[] {
  return paths.map((p) => statSync(p).mtimeMs);
}

function assertSyntax(file: string): void {
  const r = spawnSync("sh", ["-n", file], { encoding: "utf8" });
  assert.equal(r.status, 0, `sh -n ${file}: ${r.stderr}`);
}

describe("hook scripts", () => {
  test("every shipped script, and each hook's script written from the table, parses with sh -n and passes shellcheck when it is installed", () => {
    const shipped = join(ROOT, "hooks");
    assert.deepEqual(readdirSync(shipped).sort(), ["dejafix.sh", "stub.sh"]);
    // The hooks' own scripts are written from src/hooks/table.ts next to dejafix.sh, as init writes them.
    const dir = mkdtempSync(join(tmpdir(), "dejafix-scripts-"));
    for (const f of readdirSync(shipped)) writeFileSync(join(dir, f), readFileSync(join(shipped, f)));
    for (const h of HOOKS) writeFileSync(join(dir, h), hookScript(h));
    assert.deepEqual(readdirSync(dir).sort(), ["dejafix.sh", ...HOOKS, "stub.sh"].sort());
    const files = readdirSync(dir).map((f) => join(dir, f));
    for (const f of files) assertSyntax(f);
    const which = spawnSync("sh", ["-c", "command -v shellcheck"], { encoding: "utf8" });
    if (which.status === 0) {
      const r = spawnSync("shellcheck", ["-x", "-P", "SCRIPTDIR", "-s", "sh", ...files], {
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stdout);
    }
  });
});

describe("init into the hooks folder", () => {
  test("installs stubs that git runs and this clone's hook copies, all valid sh", async () => {
    const { dir } = newRepo();
    const res = await init({ repoDir: dir });
    assert.equal(res.manager, "hooks-dir");
    for (const hook of HOOKS) {
      const stub = join(dir, ".git", "hooks", hook);
      assert.equal(statSync(stub).mode & 0o111, 0o111, `${hook} is executable`);
      assertSyntax(stub);
      const copy = join(dir, ".git", "dejafix", "hooks", hook);
      assertSyntax(copy);
    }
    const lib = readFileSync(join(dir, ".git", "dejafix", "hooks", "dejafix.sh"), "utf8");
    assert.match(lib, new RegExp(`^DEJAFIX_INIT_NODE='${process.execPath}'$`, "m"));
    assert.match(lib, /^DEJAFIX_INIT_RUNNER='.*\/dist\/src\/cli\/hookRunner\.js'$/m);
  });

  test("a user's hook is kept, still runs first, and comes back byte-identical on uninstall", async () => {
    const { dir, git } = newRepo();
    const userHook = join(dir, ".git", "hooks", "pre-commit");
    const original = '#!/bin/sh\necho "user hook ran" >> "$(git rev-parse --git-dir)/user-hook.log"\n';
    writeFileSync(userHook, original);
    chmodSync(userHook, 0o750);
    const before = snapshot(dir);

    const res = await init({ repoDir: dir });
    assert.ok(
      res.messages.some((m) => m.includes(CHAINED_SUFFIX)),
      "the user is told where their hook went",
    );
    assert.equal(readFileSync(`${userHook}${CHAINED_SUFFIX}`, "utf8"), original);
    writeFileSync(join(dir, "a.txt"), "hello again\n");
    git("add", "a.txt");
    execFileSync("git", ["commit", "-q", "-m", "second"], {
      cwd: dir,
      env: { ...env(join(dir, "..", "home")), DEJAFIX: "0" },
    });
    assert.equal(readFileSync(join(dir, ".git", "user-hook.log"), "utf8"), "user hook ran\n");
    assert.equal(git("rev-list", "--count", "HEAD").trim(), "2");
    rmSync(join(dir, ".git", "user-hook.log"));

    const un = await uninstall({ repoDir: dir });
    assert.ok(un.restored.includes(userHook));
    const afterSnap = snapshot(dir);
    // The commit changed git's own files (HEAD ref, index, ORIG...): compare everything dejafix may touch.
    const keep = (m: Map<string, string>) =>
      new Map([...m].filter(([k]) => k.startsWith(".git/hooks") || k.startsWith(".git/dejafix")));
    assert.deepEqual(keep(afterSnap), keep(before));
  });

  test("core.hooksPath is respected, and a hooks folder init created is removed again", async () => {
    const { dir, git } = newRepo();
    git("config", "core.hooksPath", ".githooks");
    const before = snapshot(dir);
    const res = await init({ repoDir: dir });
    assert.equal(res.hooksDir, join(dir, ".githooks"));
    for (const hook of HOOKS) assert.ok(existsSync(join(dir, ".githooks", hook)));
    assert.equal(existsSync(join(dir, ".git", "hooks", "pre-commit")), false);
    await uninstall({ repoDir: dir });
    assert.deepEqual(snapshot(dir), before);
  });

  test("init twice changes nothing the second time; uninstall leaves the repository exactly as before", async () => {
    const { dir } = newRepo();
    const before = snapshot(dir);
    const first = await init({ repoDir: dir });
    assert.ok(first.changed.length > 0);
    const afterFirst = snapshot(dir);
    const files = [...afterFirst.keys()].filter((k) => !k.endsWith("/")).map((k) => join(dir, k));
    const times = mtimes(files);
    const second = await init({ repoDir: dir });
    assert.deepEqual(second.changed, []);
    assert.ok(second.messages.some((m) => /already installed/.test(m)));
    assert.deepEqual(snapshot(dir), afterFirst);
    assert.deepEqual(mtimes(files), times, "no file was even rewritten");
    await uninstall({ repoDir: dir });
    assert.deepEqual(snapshot(dir), before);
    const again = await uninstall({ repoDir: dir });
    assert.deepEqual(again.restored, []);
  });

  test("works in a repository that is not a JavaScript project, and the installed hook really runs", async () => {
    const { dir, home, git } = newRepo();
    assert.equal(existsSync(join(dir, "package.json")), false);
    await init({ repoDir: dir });
    const checker = join(dir, "..", "checker.mjs");
    writeFileSync(
      checker,
      `import { writeFileSync } from "node:fs";
export async function checker(change) {
  writeFileSync(${JSON.stringify(join(dir, "..", "seen.json"))}, JSON.stringify(change.files.map((f) => [f.newPath, f.newText])));
  return { level: "green", action: "pass", matches: [], notices: [] };
}\n`,
    );
    writeFileSync(join(dir, "main.go"), "package main\n");
    git("add", "main.go");
    execFileSync("git", ["commit", "-q", "-m", "go"], {
      cwd: dir,
      env: { ...env(home), DEJAFIX_CHECKER: checker },
    });
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "..", "seen.json"), "utf8")), [
      ["main.go", "package main\n"],
    ]);
  });

  test("files another init step created are recorded and removed by uninstall", async () => {
    const { dir } = newRepo();
    const before = snapshot(dir);
    await init({
      repoDir: dir,
      steps: {
        writeRules: async ({ topLevel }) => {
          mkdirSync(join(topLevel, ".dejafix"), { recursive: true });
          const f = join(topLevel, ".dejafix", "rules.yml");
          writeFileSync(f, "# $schema: ../node_modules/dejafix/rules/schema.json\n");
          return [f];
        },
      },
    });
    assert.ok(existsSync(join(dir, ".dejafix", "rules.yml")));
    await uninstall({ repoDir: dir });
    const after = snapshot(dir);
    after.delete(".dejafix/");
    assert.deepEqual(after, before);
  });
});

describe("husky", () => {
  function huskyRepo() {
    const repo = newRepo();
    writeFileSync(
      join(repo.dir, "package.json"),
      `${JSON.stringify({ name: "demo", version: "1.0.0" }, null, 2)}\n`,
    );
    // The real husky 9: sets core.hooksPath .husky/_, writes .husky/_/* and .husky/pre-commit ("npm test").
    execFileSync(process.execPath, [HUSKY_BIN, "init"], { cwd: repo.dir, env: env(repo.home) });
    return repo;
  }

  test("adds a guarded block to .husky/pre-commit and .husky/pre-push and never touches .husky/_", async () => {
    const { dir, git } = huskyRepo();
    assert.equal(git("config", "core.hooksPath").trim(), ".husky/_");
    const internals = new Map([...snapshot(join(dir, ".husky", "_"))]);
    const res = await init({ repoDir: dir });
    assert.equal(res.manager, "husky");
    const pre = readFileSync(join(dir, ".husky", "pre-commit"), "utf8");
    assert.ok(pre.startsWith("npm test\n"), "the user's command stays first");
    assert.ok(pre.includes(HUSKY_BEGIN));
    assert.match(
      pre,
      /dejafix\/hooks\/pre-commit"; if \[ -f "\$dejafix_script" \]; then sh "\$dejafix_script" "\$@"; fi/,
    );
    assert.match(readFileSync(join(dir, ".husky", "pre-push"), "utf8"), /dejafix\/hooks\/pre-push/);
    for (const h of HOOKS) assertSyntax(join(dir, ".husky", h));
    assert.deepEqual(snapshot(join(dir, ".husky", "_")), internals);
    assert.equal(existsSync(join(dir, ".git", "hooks", "pre-commit")), false, "nothing in .git/hooks");
  });

  test("idempotent, exact uninstall, and edits made after init survive uninstall", async () => {
    const { dir } = huskyRepo();
    const before = snapshot(dir);
    await init({ repoDir: dir });
    const once = snapshot(dir);
    assert.deepEqual((await init({ repoDir: dir })).changed, []);
    assert.deepEqual(snapshot(dir), once);
    await uninstall({ repoDir: dir });
    assert.deepEqual(snapshot(dir), before);

    await init({ repoDir: dir });
    const file = join(dir, ".husky", "pre-commit");
    writeFileSync(file, `${readFileSync(file, "utf8")}npx lint-staged\n`);
    const res = await uninstall({ repoDir: dir });
    assert.ok(res.edited.includes(file));
    assert.equal(readFileSync(file, "utf8"), "npm test\nnpx lint-staged\n");
    assert.equal(existsSync(join(dir, ".husky", "pre-push")), false, "files init created are gone");
  });
});

describe("lefthook", () => {
  const config =
    "# team hooks\npre-commit:\n  parallel: true\n  commands:\n    lint:\n      run: npx eslint {staged_files} # fast\n";

  test("adds dejafix commands to lefthook.yml keeping comments, idempotent, exact uninstall", async () => {
    const { dir } = newRepo();
    const file = join(dir, "lefthook.yml");
    writeFileSync(file, config);
    const before = snapshot(dir);
    const res = await init({ repoDir: dir });
    assert.equal(res.manager, "lefthook");
    const text = readFileSync(file, "utf8");
    assert.ok(text.startsWith("# team hooks\npre-commit:\n  parallel: true\n"));
    assert.match(text, /run: npx eslint \{staged_files\} # fast/);
    assert.match(
      text,
      /pre-push:\n {2}commands:\n {4}dejafix:\n {6}run: .*dejafix\/hooks\/pre-push.*\{1\} \{2\}; fi\n {6}use_stdin: true/,
    );
    // lefthook owns .git/hooks: init ran `lefthook install` (test/managers.e2e.test.ts runs the commits).
    for (const h of ["pre-commit", "pre-push"])
      assert.match(readFileSync(join(dir, ".git", "hooks", h), "utf8"), /lefthook/);
    assert.deepEqual((await init({ repoDir: dir })).changed, []);
    await uninstall({ repoDir: dir });
    assert.deepEqual(snapshot(dir), before);
  });

  test("after a user edit, uninstall removes only dejafix's commands", async () => {
    const { dir } = newRepo();
    const file = join(dir, "lefthook.yml");
    writeFileSync(file, config);
    await init({ repoDir: dir });
    writeFileSync(
      file,
      `${readFileSync(file, "utf8")}commit-msg:\n  commands:\n    check:\n      run: echo ok\n`,
    );
    await uninstall({ repoDir: dir });
    const text = readFileSync(file, "utf8");
    assert.doesNotMatch(text, /dejafix/);
    assert.ok(text.startsWith(config), "the original config is intact");
    assert.match(text, /commit-msg:\n {2}commands:\n {4}check:/);
  });
});

// Keep the file's location honest: these tests run from dist/test and install from the package root.
assert.ok(fileURLToPath(import.meta.url).includes(join("dist", "test")));

describe("a JavaScript project", () => {
  test("gets dejafix as a devDependency and a prepare script; uninstall gives package.json back byte for byte", async () => {
    const { dir, git } = newRepo();
    const file = join(dir, "package.json");
    const original = '{\n    "name": "app",\n    "scripts": {\n        "prepare": "husky"\n    }\n}\n';
    writeFileSync(file, original);
    git("add", "package.json");
    git("commit", "-q", "-m", "package");
    const res = await init({ repoDir: dir });
    const pkg = JSON.parse(readFileSync(file, "utf8")) as {
      scripts: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    assert.equal(pkg.scripts.prepare, `husky && ${PREPARE_COMMAND}`);
    const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string })
      .version;
    assert.equal(pkg.devDependencies.dejafix, `^${version}`);
    assert.match(readFileSync(file, "utf8"), /^ {4}"name"/m, "the file's own indentation is kept");
    assert.ok(res.messages.some((m) => m.includes("prepare")));
    assert.deepEqual((await init({ repoDir: dir })).changed, [], "the second run changes nothing");
    await uninstall({ repoDir: dir });
    assert.equal(readFileSync(file, "utf8"), original);
  });

  test("after npm reorders package.json, uninstall takes out only what init added", async () => {
    const { dir } = newRepo();
    const file = join(dir, "package.json");
    writeFileSync(file, '{"name":"app","devDependencies":{"typescript":"^5"}}\n');
    await init({ repoDir: dir });
    const pkg = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    writeFileSync(file, `${JSON.stringify({ version: "1.0.0", ...pkg }, null, 2)}\n`);
    await uninstall({ repoDir: dir });
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), {
      version: "1.0.0",
      name: "app",
      devDependencies: { typescript: "^5" },
    });
  });

  test("`init --prepare` (what npm install runs) installs the hooks only, and outside a git work tree says so and exits 0", () => {
    const { dir, home } = newRepo();
    const cli = join(ROOT, "dist", "src", "cli", "main.js");
    const outside = mkdtempSync(join(tmpdir(), "dejafix-not-a-repo-"));
    temps.push(outside);
    const none = spawnSync(process.execPath, [cli, "init", "--prepare", "--repo", outside], {
      encoding: "utf8",
      env: env(home),
    });
    assert.equal(none.status, 0, none.stderr);
    assert.match(none.stdout, /is not in a git work tree, so no hooks were installed/);
    writeFileSync(join(dir, "package.json"), '{"name":"app"}\n');
    const r = spawnSync(process.execPath, [cli, "init", "--prepare", "--repo", dir], {
      encoding: "utf8",
      env: env(home),
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(readFileSync(join(dir, ".git", "hooks", "pre-commit"), "utf8"), /dejafix managed hook/);
    assert.equal(
      readFileSync(join(dir, "package.json"), "utf8"),
      '{"name":"app"}\n',
      "package.json untouched",
    );
    assert.equal(
      existsSync(join(dir, ".git", "dejafix", "index.sqlite")),
      false,
      "no indexing on npm install",
    );
  });
});

describe("run from npx's cache", () => {
  test("the hooks run a copy of the package under the git dir, which uninstall removes", async () => {
    const { dir, git } = newRepo();
    // npx's layout: <cache>/_npx/<hash>/node_modules/dejafix, with its dependencies beside it.
    const cache = mkdtempSync(join(tmpdir(), "dejafix-npx-"));
    temps.push(cache);
    const fake = join(cache, "_npx", "0123abcd", "node_modules", "dejafix");
    mkdirSync(fake, { recursive: true });
    for (const part of ["dist", "hooks", "rules", "models", "package.json"])
      symlinkSync(join(ROOT, part), join(fake, part));
    const res = await init({ repoDir: dir, packageRoot: fake });
    const runtime = join(dir, ".git", "dejafix", "runtime");
    const runner = join(runtime, "node_modules", "dejafix", "dist", "src", "cli", "hookRunner.js");
    assert.ok(existsSync(runner), "the runner was copied");
    const lib = readFileSync(join(dir, ".git", "dejafix", "hooks", "dejafix.sh"), "utf8");
    assert.match(
      lib,
      new RegExp(`^DEJAFIX_INIT_RUNNER='${runner.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}'$`, "m"),
    );
    assert.ok(res.messages.some((m) => m.includes("npx's cache")));
    rmSync(join(cache, "_npx"), { recursive: true, force: true });
    // A checker that leaves a mark proves the copied runner ran the pre-commit check.
    const mark = join(cache, "mark");
    writeFileSync(
      join(cache, "checker.mjs"),
      `import { writeFileSync } from "node:fs";\nexport async function checker() { writeFileSync(${JSON.stringify(mark)}, "ran"); return { level: "green", action: "pass", matches: [], notices: [] }; }\n`,
    );
    writeFileSync(join(cache, "indexer.mjs"), "export async function updateIndex() {}\n");
    writeFileSync(join(dir, "a.txt"), "changed\n");
    git("add", "a.txt");
    const commit = spawnSync("git", ["commit", "-q", "-m", "after the cache was pruned"], {
      cwd: dir,
      encoding: "utf8",
      env: {
        ...env(join(dir, "..", "home")),
        DEJAFIX_CHECKER: join(cache, "checker.mjs"),
        DEJAFIX_INDEXER: join(cache, "indexer.mjs"),
      },
    });
    assert.equal(commit.status, 0, commit.stderr);
    assert.equal(readFileSync(mark, "utf8"), "ran", `the hook found its runner: ${commit.stderr}`);
    await uninstall({ repoDir: dir });
    assert.equal(existsSync(runtime), false);
  });
});
