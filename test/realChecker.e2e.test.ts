import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { demoReintroduction, generateRepo } from "../fixtures/generate.js";
import { indexRepository } from "../src/api.js";
import { init } from "../src/install/init.js";
import { gitOut, tempDir } from "./helpers/repo.js";

/** `git commit` through the installed hooks, as a developer runs it (no TTY here). */
function commit(repo: string, message: string): { code: number | null; stderr: string } {
  const r = spawnSync("git", ["commit", "-q", "-m", message], {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", DEJAFIX_CHECKER: "", DEJAFIX_TIME_BUDGET_MS: "120000" },
  });
  return { code: r.status, stderr: r.stderr };
}

test("the real checker: an ordinary commit is silent, a re-introduced defect shows its historical fix in the developer's names", async (t) => {
  const repo = join(tempDir(t), "shop");
  const manifest = generateRepo(repo);
  await init({
    repoDir: repo,
    steps: { indexHistory: async ({ repoDir }) => void (await indexRepository({ repoDir })) },
  });

  writeFileSync(join(repo, "NOTES.md"), "Release checklist moved to docs/.\n");
  gitOut(repo, ["add", "NOTES.md"]);
  const ordinary = commit(repo, "Move the release notes");
  assert.equal(ordinary.code, 0);
  assert.equal(ordinary.stderr.trim(), "", "nothing shows for an ordinary commit");

  const again = demoReintroduction(manifest);
  const file = join(repo, again.path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, again.content);
  gitOut(repo, ["add", again.path]);
  const staged = gitOut(repo, ["ls-files", "-s", again.path]);
  const risky = commit(repo, "Add field splitting for CSV import");

  assert.equal(
    risky.code,
    0,
    "the default rules warn on a match alone (two-phase needs a risky score to block)",
  );
  assert.match(risky.stderr, /writes a past bug again at src\/text\/fields\.ts/);
  const planted = manifest.planted.find((p) => p.id === again.of);
  assert.ok(planted);
  assert.ok(risky.stderr.includes(planted.fix.slice(0, 10)), "names the historical fix commit");
  // The fix of then, rewritten into this file's names (`pos`, `line`) and four-space indentation.
  assert.match(risky.stderr, /^\s+-\s{4}for \(let pos = 0; pos <= line\.length; pos\+\+\) \{$/m);
  assert.match(risky.stderr, /^\s+\+\s{4}for \(let pos = 0; pos < line\.length; pos\+\+\) \{$/m);
  assert.match(risky.stderr, /applies cleanly/);
  assert.match(risky.stderr, /dejafix feedback \d+-[0-9a-f]{10} useful/);

  // Nothing was lost or changed: the commit exists with the staged blob, the work tree is as written.
  assert.equal(gitOut(repo, ["log", "-1", "--format=%s"]).trim(), "Add field splitting for CSV import");
  assert.equal(gitOut(repo, ["ls-tree", "HEAD", again.path]).split(/\s+/)[2], staged.split(/\s+/)[1]);
  assert.equal(readFileSync(file, "utf8"), again.content);
  assert.equal(gitOut(repo, ["status", "--porcelain", "--", again.path]), "");
});

test("the checker scores in two-phase mode and does not load the model at all in match mode", async (t) => {
  const { check, prepare } = await import("../src/hooks/checker.js");
  const { readStagedChange } = await import("../src/git/readChange.js");
  const { repoLayout } = await import("../src/git/repoLayout.js");
  const verdictFor = async (mode: "two-phase" | "match") => {
    const repo = join(tempDir(t), mode);
    generateRepo(repo, { commits: 60 });
    await indexRepository({ repoDir: repo });
    mkdirSync(join(repo, ".dejafix"), { recursive: true });
    writeFileSync(join(repo, ".dejafix", "rules.yml"), `version: 1\nverdict:\n  mode: ${mode}\n`);
    writeFileSync(
      join(repo, "src", "extra.ts"),
      "export function total(xs: number[]) {\n  return xs.length;\n}\n",
    );
    gitOut(repo, ["add", "src/extra.ts"]);
    const layout = repoLayout(repo);
    prepare(layout);
    const change = readStagedChange(repo, { amend: false });
    const verdict = await check(change, { repoDir: repo, budgetMs: 10_000, hook: "pre-commit", layout });
    return { repo, layout, change, verdict };
  };
  const { verdict: scored } = await verdictFor("two-phase");
  assert.ok(scored.score, "two-phase reads the score");
  assert.ok(scored.score.value > 0 && scored.score.value < 1);
  assert.ok(scored.score.reasons.length > 0, "a score comes with its reasons");
  const matchOnly = await verdictFor("match");
  assert.equal(matchOnly.verdict.score, undefined, "match mode never scores");
  assert.equal(matchOnly.verdict.level, "none");

  // What `prepare` read serves one check only: the next check in the same process reads the rules again.
  writeFileSync(join(matchOnly.repo, ".dejafix", "rules.yml"), "version: 1\nverdict:\n  mode: two-phase\n");
  const again = await check(matchOnly.change, {
    repoDir: matchOnly.repo,
    budgetMs: 10_000,
    hook: "pre-commit",
    layout: matchOnly.layout,
  });
  assert.ok(again.score, "the changed rules apply to the next check");
});
