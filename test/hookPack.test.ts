/**
 * The hook's modules packed in one file (scripts/bundle-hook.mjs writes dist/src/hook.body.cjs and its
 * loader dist/src/hook.cjs, which hooks/dejafix.sh runs when it is there) decide as the modules themselves
 * do, and a pack older than the modules it was made from runs those modules instead of its stale copy.
 * The loader's code cache (in the folder hooks/dejafix.sh names) changes nothing of what the hook decides,
 * is written after a run that checked, replaced when damaged or made for another build, and never fatal.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { hookScript, packageRoot } from "../src/install/hookScripts.js";
import { tempDir } from "./helpers/repo.js";

const ROOT = packageRoot();

const CHECKER = `
export async function checker(change) {
  const all = change.files.map((f) => f.newText ?? "").join("\\n");
  if (all.includes("BLOCK_ME"))
    return { level: "red", action: "block", score: { value: 0.97, reasons: ["planted marker"] }, matches: [], notices: [] };
  return { level: "green", action: "pass", matches: [], notices: ["checked " + change.files.length + " file(s)"] };
}
`;

/** A copy of the built package (dist/src, with its packages and models linked) and its pack. */
function packedCopy(dir: string): string {
  const copy = join(dir, "pkg");
  mkdirSync(join(copy, "dist"), { recursive: true });
  cpSync(join(ROOT, "dist", "src"), join(copy, "dist", "src"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"));
  symlinkSync(join(ROOT, "models"), join(copy, "models"));
  writeFileSync(join(copy, "package.json"), readFileSync(join(ROOT, "package.json")));
  execFileSync(process.execPath, [join(ROOT, "scripts", "bundle-hook.mjs"), join(copy, "dist")]);
  return copy;
}

function stagedRepo(dir: string, content: string): { repo: string; env: NodeJS.ProcessEnv } {
  const repo = join(dir, "repo");
  mkdirSync(repo, { recursive: true });
  writeFileSync(join(dir, "checker.mjs"), CHECKER);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "Ada",
    GIT_AUTHOR_EMAIL: "ada@example.com",
    GIT_COMMITTER_NAME: "Ada",
    GIT_COMMITTER_EMAIL: "ada@example.com",
    DEJAFIX_CHECKER: join(dir, "checker.mjs"),
    NO_COLOR: "1",
  };
  const git = (args: string[]) => execFileSync("git", args, { cwd: repo, env });
  git(["init", "-q", "-b", "main"]);
  writeFileSync(join(repo, "app.js"), "export const a = 1;\n");
  git(["add", "app.js"]);
  git(["commit", "-q", "-m", "initial"]);
  writeFileSync(join(repo, "app.js"), content);
  git(["add", "app.js"]);
  return { repo, env };
}

function run(runner: string, repo: string, env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [runner, "pre-commit"], { cwd: repo, env, encoding: "utf8" });
  return { status: r.status, stderr: r.stderr };
}

describe("the packed hook runner", () => {
  test("blocks and passes as the modules do", (t) => {
    const dir = tempDir(t, "dejafix-pack-");
    const copy = packedCopy(dir);
    const pack = join(copy, "dist", "src", "hook.cjs");
    const modules = join(copy, "dist", "src", "cli", "hookRunner.js");
    for (const [content, status] of [
      ["export const a = 2; // BLOCK_ME\n", 3],
      ["export const a = 2;\n", 0],
    ] as const) {
      const { repo, env } = stagedRepo(join(dir, String(status)), content);
      const packed = run(pack, repo, env);
      const plain = run(modules, repo, env);
      assert.equal(packed.status, status, packed.stderr);
      assert.deepEqual(packed, plain);
    }
  });

  test("a pack older than a module it holds runs the modules", (t) => {
    const dir = tempDir(t, "dejafix-pack-");
    const copy = packedCopy(dir);
    const pack = join(copy, "dist", "src", "hook.cjs");
    const { repo, env } = stagedRepo(dir, "export const a = 2; // BLOCK_ME\n");
    const before = run(pack, repo, env);
    assert.equal(before.status, 3);
    assert.match(before.stderr, /planted marker/);
    // `tsc` rewrote a module after the pack was made: its new text is what must run, not the pack's copy.
    const messages = join(copy, "dist", "src", "report", "messages.js");
    const text = readFileSync(messages, "utf8");
    assert.ok(text.includes(": commit stopped."));
    writeFileSync(messages, text.replace(": commit stopped.", ": commit stopped (rebuilt)."));
    const later = new Date(Date.now() + 60_000);
    utimesSync(messages, later, later);
    const after = run(pack, repo, env);
    assert.equal(after.status, 3);
    assert.match(after.stderr, /commit stopped \(rebuilt\)\./);
    assert.deepEqual(after, run(join(copy, "dist", "src", "cli", "hookRunner.js"), repo, env));
  });

  test("keeps its compiled code in the folder it is given, and decides the same with it", (t) => {
    const dir = tempDir(t, "dejafix-pack-");
    const copy = packedCopy(dir);
    const pack = join(copy, "dist", "src", "hook.cjs");
    const { repo, env } = stagedRepo(dir, "export const a = 2; // BLOCK_ME\n");
    const cacheDir = join(dir, "cache");
    const cached = { ...env, DEJAFIX_CODE_CACHE_DIR: cacheDir };
    const plain = run(pack, repo, env);
    assert.equal(plain.status, 3);

    // A run that checks nothing writes nothing.
    assert.deepEqual(run(pack, repo, { ...cached, DEJAFIX: "0" }), { status: 0, stderr: "" });
    assert.throws(() => readdirSync(cacheDir), /ENOENT/);

    assert.deepEqual(run(pack, repo, cached), plain);
    const [file, ...more] = readdirSync(cacheDir);
    assert.ok(file !== undefined && more.length === 0, String(readdirSync(cacheDir)));
    assert.match(
      file,
      new RegExp(`^hook-${process.version.replaceAll(".", "\\.")}-${process.arch}-[0-9a-f]+\\.v8$`),
    );
    const written = statSync(join(cacheDir, file));
    assert.ok(written.size > 10_000, `a cache of ${written.size} bytes`);
    // Used, not written again, and the same verdict.
    assert.deepEqual(run(pack, repo, cached), plain);
    assert.equal(statSync(join(cacheDir, file)).mtimeMs, written.mtimeMs);

    // Damaged: V8 rejects it, the modules compile as usual, and a good cache replaces it.
    writeFileSync(join(cacheDir, file), Buffer.alloc(written.size, 7));
    assert.deepEqual(run(pack, repo, cached), plain);
    assert.notDeepEqual(readFileSync(join(cacheDir, file)), Buffer.alloc(written.size, 7));

    // Another build of the modules: its own cache, the other one's removed.
    execFileSync(process.execPath, [join(ROOT, "scripts", "bundle-hook.mjs"), join(copy, "dist")]);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(copy, "dist", "src", "hook.body.cjs"), later, later);
    assert.deepEqual(run(pack, repo, cached), plain);
    const after = readdirSync(cacheDir);
    assert.equal(after.length, 1);
    assert.notEqual(after[0], file);

    // A folder that cannot be made costs nothing but the cache.
    const blocked = { ...env, DEJAFIX_CODE_CACHE_DIR: join(repo, "app.js", "cache") };
    assert.deepEqual(run(pack, repo, blocked), plain);
  });

  test("a check that turned V8's optimizing compiler back on leaves a cache the next run takes", (t) => {
    const dir = tempDir(t, "dejafix-pack-");
    const copy = packedCopy(dir);
    const pack = join(copy, "dist", "src", "hook.cjs");
    const { repo, env } = stagedRepo(dir, "export const a = 2;\n");
    // As src/hooks/tiering.ts does for a large change: the flags differ from the ones the run started with.
    writeFileSync(
      join(dir, "checker.mjs"),
      `import { setFlagsFromString } from "node:v8";\n${CHECKER.replace(
        "export async function checker(change) {",
        'export async function checker(change) {\n  setFlagsFromString("--turbofan");',
      )}`,
    );
    const cached = { ...env, DEJAFIX_CODE_CACHE_DIR: join(dir, "cache") };
    const first = run(pack, repo, cached);
    assert.equal(first.status, 0, first.stderr);
    const [file] = readdirSync(join(dir, "cache"));
    assert.ok(file !== undefined);
    const written = statSync(join(dir, "cache", file)).mtimeMs;
    // Taken as it is (V8 rejects a cache made under other flags, and the loader would write it again).
    assert.deepEqual(run(pack, repo, cached), first);
    assert.equal(statSync(join(dir, "cache", file)).mtimeMs, written);
  });

  test("the installed hook script keeps the cache in the clone's dejafix folder", (t) => {
    const dir = tempDir(t, "dejafix-pack-");
    const copy = packedCopy(dir);
    const { repo, env } = stagedRepo(dir, "export const a = 2;\n");
    const hooks = join(repo, ".git", "dejafix", "hooks");
    mkdirSync(hooks, { recursive: true });
    cpSync(join(ROOT, "hooks", "dejafix.sh"), join(hooks, "dejafix.sh"));
    writeFileSync(join(hooks, "pre-commit"), hookScript("pre-commit"));
    const runner = join(copy, "dist", "src", "cli", "hookRunner.js");
    const r = spawnSync("sh", [join(".git", "dejafix", "hooks", "pre-commit")], {
      cwd: repo,
      env: { ...env, DEJAFIX_RUNNER: runner, DEJAFIX_NODE: process.execPath },
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    const files = readdirSync(join(repo, ".git", "dejafix", "cache"));
    assert.equal(files.length, 1);
    assert.match(files[0] ?? "", /^hook-.*\.v8$/);
  });
});
