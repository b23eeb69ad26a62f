/**
 * Every command that prints paths or messages, run for real against a repository whose folder, file names,
 * commit messages, author and rules carry terminal escapes (OSC title, CSI clear screen, an 8-bit CSI) and a
 * right-to-left override: nothing of them may reach standard output or standard error. With colours forced
 * on, dejafix's own colour sequences are the only ones allowed.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as S from "../fixtures/sources.js";
import { tempDir } from "./helpers/repo.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
/** OSC window title, CSI clear screen, RIGHT-TO-LEFT OVERRIDE, 8-bit CSI. */
const H = "\x1b]0;owned\x07\x1b[2J\u202e\u009b31m";
/** What must never reach a terminal from a repository: C0 but \t and \n, DEL, C1, bidi controls. */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const OWN_COLOURS = /\x1b\[(?:1|2|22|3[1-6]|39)m/g;

function unsafeAt(text: string): string | null {
  const m = UNSAFE.exec(text);
  return m ? JSON.stringify(text.slice(Math.max(0, m.index - 50), m.index + 10)) : null;
}

test("no command lets an escape, a C1 control or a bidi mark from the repository reach the terminal", {
  timeout: 600_000,
}, (t) => {
  const base = tempDir(t, "dejafix-hostile-");
  const dir = join(base, `repo${H}`);
  mkdirSync(join(dir, "src", "text"), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: "1",
    FORCE_COLOR: undefined,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: `Ada${H}`,
    GIT_AUTHOR_EMAIL: "ada@example.com",
    GIT_COMMITTER_NAME: `Ada${H}`,
    GIT_COMMITTER_EMAIL: "ada@example.com",
    DEJAFIX_CHECKER: "",
    DEJAFIX_INDEXER: join(base, "indexer.mjs"),
  };
  writeFileSync(join(base, "indexer.mjs"), "export async function updateIndex() {}\n");
  const git = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    execFileSync("git", args, { cwd: dir, env: { ...env, ...extra }, encoding: "utf8" });
  // A defect introduced in a file with a hostile name, fixed by a commit with a hostile message.
  const lexer = `src/lex${H}er.ts`;
  git(["init", "-q", "-b", "main"]);
  writeFileSync(join(dir, lexer), S.TOKENIZER_BASE);
  git(["add", "."]);
  git(["commit", "-q", "-m", `Add the lexer ${H}`]);
  appendFileSync(join(dir, lexer), S.TOKENIZER_SPLIT);
  git(["add", "."]);
  git(["commit", "-q", "-m", `Add splitTokens ${H}`]);
  writeFileSync(
    join(dir, lexer),
    readFileSync(join(dir, lexer), "utf8").replace(S.TOKENIZER_DEFECT, S.TOKENIZER_FIXED),
  );
  git(["add", "."]);
  git(["commit", "-q", "-m", `fix(parser): stop reading past the end ${H}\n\nBody ${H}\n`]);
  for (let i = 0; i < 4; i++) {
    writeFileSync(join(dir, `notes${i}.md`), `note ${i}\n`);
    git(["add", "."]);
    git(["commit", "-q", "-m", `notes ${i} ${H}`]);
  }
  mkdirSync(join(dir, ".dejafix"));
  writeFileSync(
    join(dir, ".dejafix", "rules.yml"),
    'version: 1\nverdict:\n  mode: match\n  matchAction: block\nlevels:\n  yellow:\n    description: "risky \\e]0;t\\a\\e[2J\\u202E"\n',
  );
  assert.ok(git(["log", "--format=%s"]).includes("\x1b]0;owned"), "the history really is hostile");

  const leaks: string[] = [];
  const outputs = new Map<string, string>();
  const record = (what: string, r: { stdout: string | null; stderr: string | null }, colours = false) => {
    for (const [stream, raw] of [
      ["stdout", r.stdout ?? ""],
      ["stderr", r.stderr ?? ""],
    ] as const) {
      const text = colours ? raw.replace(OWN_COLOURS, "") : raw;
      const at = unsafeAt(text);
      if (at) leaks.push(`${what} (${stream}): ${at}`);
    }
    outputs.set(what, `${r.stdout ?? ""}${r.stderr ?? ""}`);
  };
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: { ...env, ...extra },
      encoding: "utf8",
      timeout: 300_000,
    });
    record(
      `dejafix ${args.join(" ")}${extra.FORCE_COLOR ? " (colours)" : ""}`,
      r,
      Boolean(extra.FORCE_COLOR),
    );
    return r;
  };
  const gitRun = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync("git", args, { cwd: dir, env: { ...env, ...extra }, encoding: "utf8" });
    record(`git ${args[0]}`, r);
    return r;
  };

  cli(["init"]);
  const reintroduced = `src/text/fi${H}elds.ts`;
  writeFileSync(join(dir, reintroduced), S.DEMO_FIELDS);
  git(["add", reintroduced]);
  const checked = cli(["check", "--staged"]);
  const id = /dejafix feedback (\d+-[0-9a-f]{10}) useful/.exec(checked.stdout)?.[1];
  assert.ok(id, `the staged change matches the hostile past defect:\n${checked.stdout}${checked.stderr}`);
  cli(["check", "--staged"], { FORCE_COLOR: "1" });
  cli(["check", "--staged", "--format", "json"]);
  cli(["check", "--staged", "--format", "sarif"]);
  cli(["check", "--staged", "--explain"]);
  cli(["check", "HEAD~3..HEAD", "--verbose"]);
  cli(["check", `HEAD${H}`]);
  cli(["rules", "check"]);
  cli(["rules", "check", join(base, `missing${H}.yml`)]);
  cli(["rules", "explain"]);
  cli(["feedback", id, "useful"]);
  cli(["feedback", "--list"]);
  cli(["feedback", `1-${H}`, "wrong"]);
  cli(["doctor"]);
  cli(["doctor", "--format", "json"]);
  cli(["index"]);
  cli(["index", "--format", "json"]);
  cli(["labels"]);
  cli(["dataset", "--out", join(base, `data${H}.jsonl`)]);
  cli(["train", join(base, `none${H}.jsonl`), "--out", join(base, `model${H}.onnx`)]);
  cli(["eval"]);
  cli(["eval", "--format", "json"]);
  cli(["calibrate", "--max-false-alarm", "0.1"]);
  cli([`unknown${H}`]);
  // The hooks: a blocked commit, the same commit overridden, then a push the pre-push hook stops.
  const blocked = gitRun(["commit", "-q", "-m", `Add field splitting ${H}`]);
  assert.equal(blocked.status, 1, blocked.stderr);
  gitRun(["commit", "-q", "-m", `Add field splitting ${H}`], { DEJAFIX_OVERRIDE: `why ${H}` });
  // git names the remote in its own words: only dejafix's lines are under test.
  const remote = join(base, "remote.git");
  execFileSync("git", ["init", "-q", "--bare", remote]);
  gitRun(["push", "-q", remote, "HEAD~1:refs/heads/main"], { DEJAFIX: "0" });
  const pushed = gitRun(["push", "-q", remote, "main"]);
  assert.notEqual(pushed.status, 0, pushed.stderr);
  cli(["uninstall"]);
  cli(["demo", join(base, `demo${H}`)]);

  assert.deepEqual(leaks, []);
  // The lines are there, only cleaned: the hostile path is shown without its escape sequences.
  assert.match(
    outputs.get(`dejafix feedback ${id} useful`) ?? "",
    /marked .*\(fix [0-9a-f]{10}, src\/lexer\.ts\)/,
  );
  assert.match(outputs.get("git push") ?? "", /dejafix · commit [0-9a-f]{10} Add field splitting \n/);
  assert.match(outputs.get("dejafix check --staged --explain") ?? "", /fields\.ts/);
});
