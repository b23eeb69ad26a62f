import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { generateRandomHistory, generateRepo } from "../fixtures/generate.js";
import { indexRepository, labels, openIndex } from "../src/api.js";
import { mineHistory } from "../src/history/mine.js";
import { sqlite } from "../src/index/connection.js";
import { commit, git } from "./helpers/commit.js";
import { compareWithBlame, gitOut, tempDir } from "./helpers/repo.js";

test("line ownership equals git blame -w on random histories with merges, renames and re-indents", async (t) => {
  for (const seed of [1, 2, 3]) {
    const dir = join(tempDir(t), "r");
    const { head } = generateRandomHistory(dir, { seed, commits: 160, mergeEvery: 6 });
    const merges = Number(gitOut(dir, ["rev-list", "--merges", "--count", "HEAD"]).trim());
    assert.ok(merges >= 10, `seed ${seed} has merges (${merges})`);
    const res = await indexRepository({ repoDir: dir });
    assert.equal(res.tip, head);
    const store = await openIndex(dir);
    try {
      const cmp = compareWithBlame(dir, store, res.repoId, head);
      assert.ok(
        cmp.files >= 4 && cmp.lines >= 100,
        `seed ${seed} compared ${cmp.files} files, ${cmp.lines} lines`,
      );
      assert.deepEqual(cmp.mismatches, [], `seed ${seed}`);
    } finally {
      store.close();
    }
  }
});

test("SZZ finds every planted defect that the classifier takes for a fix, and never a cosmetic commit", async (t) => {
  const dir = join(tempDir(t), "shop");
  const m = generateRepo(dir);
  await indexRepository({ repoDir: dir });
  const byFix = new Map((await labels(dir)).map((l) => [l.fix, l]));
  let found = 0;
  for (const p of m.planted) {
    const l = byFix.get(p.fix);
    const msg = gitOut(dir, ["log", "-1", "--format=%B", p.fix]);
    const keywordFix = /\bfix(e[sd])?\b|\bbug\b|^revert/im.test(msg) || /^Revert/m.test(msg);
    if (!l) {
      // Only fixes that name nothing but an issue key are missed without a tracker export.
      assert.ok(!keywordFix, `${p.id} should have been classified as a fix: ${msg}`);
      continue;
    }
    found++;
    const blame = l.inducing.filter((i) => i.via.includes("blame")).map((i) => i.commit);
    assert.deepEqual(blame, [p.inducing], `${p.id}: R-SZZ picks the planted inducing commit`);
    if (p.evidence === "declared") {
      assert.ok(
        l.inducing.some((i) => i.commit === p.inducing && i.via.includes("declared")),
        `${p.id}: the developer's declaration is kept as evidence`,
      );
    }
  }
  assert.ok(found >= 8, `found ${found} of ${m.planted.length} planted fixes`);
  const all = await labels(dir, { strategy: "all" });
  const cosmetic = new Set(m.cosmetic);
  for (const l of all)
    for (const i of l.inducing) assert.ok(!cosmetic.has(i.commit), `cosmetic ${i.commit} blamed`);
  const notFixes = new Set(m.notFixes);
  for (const l of all) assert.ok(!notFixes.has(l.fix), `${l.fix} is not a fix`);
});

test("with a tracker export, fixes are the commits that reference a known bug or declare their origin", async (t) => {
  const root = tempDir(t);
  const dir = join(root, "shop");
  const m = generateRepo(dir);
  const bugs = join(root, "bugs.csv");
  writeFileSync(bugs, "key,type\nBILL-42,Bug\n#87,Bug\nBILL-7,Feature\n");
  const { defaultRules } = await import("../src/rules/defaults.js");
  const rules = defaultRules();
  rules.fixes.bugIssues = bugs;
  await indexRepository({ repoDir: dir, rules });
  const byFix = new Map((await labels(dir)).map((l) => [l.fix, l]));
  let issueOnly = 0;
  for (const p of m.planted) {
    const msg = gitOut(dir, ["log", "-1", "--format=%B", p.fix]);
    const referencesBug = /BILL-42|\(#87\)/.test(msg);
    const l = byFix.get(p.fix);
    if (!referencesBug && p.evidence !== "declared") {
      assert.equal(l, undefined, `${p.id}: a keyword alone is not enough once a tracker export is given`);
      continue;
    }
    if (referencesBug) issueOnly++;
    assert.ok(l, `${p.id} classified as a fix`);
    assert.ok(
      l.inducing.some((i) => i.commit === p.inducing),
      `${p.id}: ${JSON.stringify(l.inducing)} includes ${p.inducing}`,
    );
  }
  assert.equal(issueOnly, 2, "both issue-only planted fixes were checked");
});

test("a second run reads only new commits and ends where a fresh index ends", async (t) => {
  const root = tempDir(t);
  const dir = join(root, "r");
  generateRandomHistory(dir, { seed: 7, commits: 200, mergeEvery: 5 });
  // Index an older state first (as if the repository had grown since).
  const older = gitOut(dir, ["rev-parse", "HEAD~40"]).trim();
  const first = await indexRepository({ repoDir: dir, rev: older });
  const total = Number(gitOut(dir, ["rev-list", "--count", "HEAD"]).trim());
  const second = await indexRepository({ repoDir: dir });
  assert.equal(first.mined + second.mined, total, "each commit read once");
  assert.ok(second.mined < total / 2);
  const third = await indexRepository({ repoDir: dir });
  assert.equal(third.mined, 0, "nothing new, nothing read");

  const fresh = join(root, "fresh");
  gitOut(root, ["clone", "-q", dir, fresh]);
  await indexRepository({ repoDir: fresh });
  const a = await openIndex(dir);
  const b = await openIndex(fresh);
  try {
    const tip = gitOut(dir, ["rev-parse", "HEAD"]).trim();
    const cmp = compareWithBlame(dir, a, 1, tip);
    assert.deepEqual(cmp.mismatches, [], "incremental ownership still equals blame");
    const norm = (s: typeof a) =>
      (
        sqlite(s)
          .prepare("SELECT c.sha, c.is_fix, c.la, c.ld, c.n_files FROM commits c ORDER BY sha")
          .all() as object[]
      ).map((r) => JSON.stringify(r));
    assert.deepEqual(norm(a), norm(b));
  } finally {
    a.close();
    b.close();
  }
});

test("incremental runs attribute lines of branches forked before the last run (lazy blame)", async (t) => {
  const dir = join(tempDir(t), "r");
  generateRandomHistory(dir, { seed: 11, commits: 120, mergeEvery: 4 });
  // Mine up to a first-parent commit whose later merges bring in branches forked earlier.
  const older = gitOut(dir, ["rev-parse", "HEAD~1"]).trim();
  await indexRepository({ repoDir: dir, rev: "HEAD~25" });
  const res = await indexRepository({ repoDir: dir, rev: older });
  const store = await openIndex(dir);
  try {
    const cmp = compareWithBlame(dir, store, res.repoId, older);
    assert.deepEqual(cmp.mismatches, []);
  } finally {
    store.close();
  }
});

test("the index lives under the git common dir and is shared by worktrees", async (t) => {
  const root = tempDir(t);
  const dir = join(root, "main");
  generateRepo(dir);
  const wt = join(root, "wt");
  gitOut(dir, ["worktree", "add", "-q", "--detach", wt]);
  const a = await indexRepository({ repoDir: wt });
  assert.equal(a.file, join(dir, ".git", "dejafix", "index.sqlite"));
  const b = await indexRepository({ repoDir: dir });
  assert.equal(b.file, a.file);
  assert.equal(b.mined, 0, "the main checkout sees what the worktree indexed");
  assert.equal(gitOut(dir, ["status", "--porcelain"]), "", "nothing appears in the work tree");
});

test("killing the indexer mid-run leaves a usable index that the next run resumes and completes", async (t) => {
  const root = tempDir(t);
  const dir = join(root, "big");
  generateRandomHistory(dir, { seed: 5, commits: 3000, mergeEvery: 8, files: 12 });
  const script = join(root, "run.mjs");
  const api = new URL("../src/api.js", import.meta.url).href;
  writeFileSync(
    script,
    `import { indexRepository } from ${JSON.stringify(api)};
     await indexRepository({ repoDir: ${JSON.stringify(dir)}, checkpointSeconds: 0, onProgress: (d) => { if (d === 1200) console.log("halfway"); } });`,
  );
  const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      if (d.toString().includes("halfway")) {
        child.kill("SIGKILL");
        resolve();
      }
    });
    child.on("exit", () => resolve());
    child.on("error", reject);
  });
  await new Promise((r) => child.on("close", r));
  const file = join(dir, ".git", "dejafix", "index.sqlite");
  assert.ok(existsSync(file));
  const store = await openIndex(dir, { readonly: true });
  const partial = (sqlite(store).prepare("SELECT COUNT(*) AS n FROM commits").get() as { n: number }).n;
  const integrity = sqlite(store).pragma("integrity_check", { simple: true });
  store.close();
  assert.equal(integrity, "ok");
  assert.ok(partial > 0 && partial < 3000, `partial index holds ${partial} commits`);
  const res = await indexRepository({ repoDir: dir });
  assert.equal(res.summary.commits, 3000);
  // Saved every 500 commits: the re-run starts at the last save before the kill, not from the start.
  assert.ok(res.mined <= 2000, `the re-run mined ${res.mined} commits`);
  const s2 = await openIndex(dir);
  try {
    const cmp = compareWithBlame(dir, s2, res.repoId, res.tip as string);
    assert.deepEqual(cmp.mismatches, []);
  } finally {
    s2.close();
  }
});

test("mining a repository with no commits does nothing and fails nothing", async (t) => {
  const dir = tempDir(t);
  gitOut(dir, ["init", "-q"]);
  const store = await openIndex(dir);
  try {
    const res = await mineHistory({ repoDir: dir, store });
    assert.equal(res.tip, null);
    assert.equal(res.mined, 0);
  } finally {
    store.close();
  }
  assert.ok(readFileSync(join(dir, ".git", "HEAD"), "utf8").includes("ref:"));
});

test("a revert whose change came back later is no fix; a revert that stays is one, linked to what it undid", async (t) => {
  const dir = tempDir(t);
  git(dir, ["init", "-q", "-b", "main"]);
  git(dir, ["config", "user.name", "Ada"]);
  git(dir, ["config", "user.email", "ada@example.org"]);
  commit(
    dir,
    { "src/cache.js": "export function read(key) {\n  return load(key);\n}\n" },
    "Start the cache module",
  );
  const cache = "export function read(key) {\n  return memo.get(key) ?? load(key);\n}\n";
  const feature = commit(dir, { "src/cache.js": cache }, "Add a memo in front of the loader");
  git(dir, ["revert", "--no-edit", feature]);
  const revertKept = git(dir, ["rev-parse", "HEAD"]).trim();
  const lazy = commit(
    dir,
    { "src/lazy.js": "export const lazy = (f) => f;\n" },
    "Add lazy loading of modules",
  );
  git(dir, ["revert", "--no-edit", lazy]);
  const revertRelanded = git(dir, ["rev-parse", "HEAD"]).trim();
  commit(dir, { "src/lazy.js": "export const lazy = (f) => () => f();\n" }, "Add lazy loading of modules");
  await indexRepository({ repoDir: dir });
  const byFix = new Map((await labels(dir, { strategy: "all" })).map((l) => [l.fix, l]));
  assert.ok(byFix.has(revertKept), "the revert that stayed is a fix");
  assert.ok(
    byFix.get(revertKept)?.inducing.some((i) => i.commit === feature && i.via.includes("declared")),
    "linked to the commit it reverted",
  );
  assert.equal(byFix.has(revertRelanded), false, "the revert of a change that came back is no fix");
});
