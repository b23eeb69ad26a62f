/**
 * The long-lived shell that runs a pass's short git commands (src/git/shellRunner.ts) answers exactly as a
 * git process of its own would: the same bytes for odd paths (spaces, quotes, a newline, NUL-separated
 * output), the same GitError with git's own message and code, answers in the order asked however many
 * are in flight, and a failed command leaves the shell working.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { GitError, git } from "../src/git/run.js";
import { gitShell } from "../src/git/shellRunner.js";
import { tempDir } from "./helpers/repo.js";

const NAMES = ["plain.js", "with space.js", "it's.js", 'dq"uote.js', "new\nline.js", "ünï $HOME `x`.js"];

function repo(dir: string): void {
  const run = (...args: string[]) => execFileSync("git", args, { cwd: dir });
  run("init", "-q", "-b", "main");
  run("config", "user.email", "a@example.com");
  run("config", "user.name", "A");
  for (const [i, n] of NAMES.entries()) writeFileSync(join(dir, n), `line ${i}\nsame\n`);
  run("add", "-A");
  run("commit", "-qm", "one");
  for (const [i, n] of NAMES.entries())
    writeFileSync(join(dir, n), `line ${i} changed\nsame\nmore '\\0' "$x"\n`);
  run("add", "-A");
  run("commit", "-qm", "two");
}

test("the git shell answers as git does, in order, and survives a failed command", async (t) => {
  const dir = tempDir(t);
  repo(dir);
  const shell = gitShell(dir);
  try {
    const commands: string[][] = [
      ["rev-parse", "HEAD"],
      ["diff-tree", "-r", "--raw", "-z", "-p", "-U0", "-w", "HEAD~1", "HEAD"],
      ...NAMES.map((n) => ["diff-tree", "-r", "-z", "-p", "HEAD~1", "HEAD", "--", `:(literal)${n}`]),
      ["log", "--format=%H %s", "HEAD"],
    ];
    // All in flight at once: answers must come back to the right caller.
    const got = await Promise.all(commands.map((c) => shell.run(c)));
    const want = await Promise.all(commands.map((c) => git(dir, c)));
    assert.deepEqual(got, want);
    for (const [i, n] of NAMES.entries())
      assert.ok(got[i + 2]?.includes(`+line ${i} changed`), `the diff of ${JSON.stringify(n)}`);
    assert.ok(got[1]?.includes("\0"), "NUL-separated output comes through whole");

    // A failure is git's own: the same code and message as a git process of its own.
    const bad = ["rev-parse", "--verify", "no-such-'ref"];
    const viaShell = await shell.run(bad).then(
      () => null,
      (e: unknown) => e,
    );
    const direct = await git(dir, bad).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(viaShell instanceof GitError && direct instanceof GitError);
    assert.equal(viaShell.code, direct.code);
    assert.equal(viaShell.stderr, direct.stderr);
    assert.deepEqual(viaShell.args, bad);
    // And the shell goes on.
    assert.equal(await shell.run(["rev-parse", "HEAD"]), want[0]);
  } finally {
    await shell.close();
  }
  await assert.rejects(shell.run(["rev-parse", "HEAD"]), /closed/);
});

test("answers of megabytes, many in flight, come back whole and in order", async (t) => {
  const dir = tempDir(t);
  const run = (...args: string[]) => execFileSync("git", args, { cwd: dir });
  run("init", "-q", "-b", "main");
  run("config", "user.email", "a@example.com");
  run("config", "user.name", "A");
  // Multi-byte characters on every line: chunk edges fall inside them, and inside the answers' markers.
  const body = (tag: string) =>
    Array.from({ length: 60_000 }, (_, i) => `${tag} ${i} ünïcødé ✓ ${"x".repeat(i % 50)}`).join("\n");
  writeFileSync(join(dir, "big.txt"), `${body("old")}\n`);
  run("add", "-A");
  run("commit", "-qm", "one");
  writeFileSync(join(dir, "big.txt"), `${body("new")}\n`);
  run("add", "-A");
  run("commit", "-qm", "two");
  const shell = gitShell(dir);
  try {
    const commands: string[][] = [
      ["diff-tree", "-r", "-p", "HEAD~1", "HEAD"],
      ["rev-parse", "HEAD"],
      ["show", "HEAD:big.txt"],
      ["diff-tree", "-r", "-p", "-U0", "HEAD~1", "HEAD"],
      ["rev-parse", "HEAD~1"],
    ];
    const got = await Promise.all(commands.map((c) => shell.run(c)));
    const want = await Promise.all(commands.map((c) => git(dir, c)));
    assert.ok((want[0]?.length ?? 0) > 4_000_000, "the diff spans many pipe chunks");
    assert.deepEqual(got, want);
    // One after another too: the buffer the first answer grew is reused, then given back.
    for (const c of commands) assert.equal(await shell.run(c), await git(dir, c));
  } finally {
    await shell.close();
  }
});
