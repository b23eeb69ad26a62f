import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { generateRandomHistory } from "../fixtures/generate.js";
import { indexRepository, openIndex } from "../src/api.js";
import { mineHistory } from "../src/history/mine.js";
import { sqlite } from "../src/index/connection.js";
import { defaultRules } from "../src/rules/defaults.js";
import { commit, git } from "./helpers/commit.js";
import { compareWithBlame, gitOut, tempDir } from "./helpers/repo.js";

const lines = (n: number, edit: (i: number) => string = (i) => `line ${i}`): string =>
  Array.from({ length: n }, (_, i) => `${edit(i + 1)}\n`).join("");

/** A text file that turns binary (a NUL byte) and back, edited in between, and renamed while binary. */
function flippingHistory(dir: string): void {
  git(dir, ["init", "-q", "-b", "main"]);
  commit(dir, { "f.txt": lines(20), "keep.txt": lines(8) }, "add f");
  commit(dir, { "f.txt": lines(20, (i) => (i === 11 ? "x\0y" : `line ${i}`)) }, "f turns binary");
  commit(dir, { "f.txt": lines(20, (i) => (i === 5 ? "five" : `line ${i}`)) }, "f is text again");
  commit(
    dir,
    { "f.txt": lines(21, (i) => (i === 3 ? "three" : i === 15 ? "fifteen" : `line ${i}`)) },
    "fix: f",
  );
  // The same again for a file renamed in the commit that makes it text again.
  commit(dir, { "g.txt": lines(30, (i) => `g ${i}`) }, "add g");
  commit(dir, { "g.txt": `${lines(30, (i) => `g ${i}`)}\0\n` }, "g turns binary");
  commit(dir, { "g.txt": null, "h.txt": lines(31, (i) => (i === 7 ? "seven" : `g ${i}`)) }, "rename g to h");
  commit(dir, { "h.txt": lines(31, (i) => (i === 7 ? "seven" : i === 20 ? "twenty" : `g ${i}`)) }, "fix: h");
  commit(dir, { "keep.txt": lines(9) }, "keep grows");
}

function assertBlameEqual(dir: string, store: Awaited<ReturnType<typeof openIndex>>, repoId: number): number {
  const tip = gitOut(dir, ["rev-parse", "HEAD"]).trim();
  const cmp = compareWithBlame(dir, store, repoId, tip);
  assert.deepEqual(cmp.mismatches, []);
  return cmp.files;
}

test("a file that turns binary and back (and is renamed meanwhile) is followed as git blame -w follows it", async (t) => {
  const dir = tempDir(t);
  flippingHistory(dir);
  assert.match(gitOut(dir, ["log", "-p", "-1", "HEAD~6"]), /Binary files/, "git diffs f as binary");
  assert.match(
    gitOut(dir, ["log", "-p", "-1", "-M", "HEAD~2"]),
    /rename from g.txt/,
    "the binary g is renamed",
  );
  const res = await indexRepository({ repoDir: dir });
  assert.equal(res.mined, 9);
  assert.deepEqual(res.skipped, [], "no file given up");
  assert.ok(res.reblamed >= 2, `binary → text re-read with blame (${res.reblamed})`);
  const store = await openIndex(dir);
  try {
    const state = store.loadTipState(res.repoId, res.tip as string);
    assert.equal(state.get("f.txt")?.owners.length, 21);
    assert.equal(state.get("h.txt")?.owners.length, 31);
    assert.equal(assertBlameEqual(dir, store, res.repoId), 3, "f, h and keep compared with blame");
  } finally {
    store.close();
  }
  // The fixes on the flipped files are linked to the commits blame names for the lines they changed.
  const labels = await (await import("../src/api.js")).labels(dir);
  const byFix = new Map(labels.map((l) => [l.fix, l.inducing.map((i) => i.commit)]));
  const fixF = gitOut(dir, ["rev-parse", "HEAD~5"]).trim();
  const addF = gitOut(dir, ["rev-parse", "HEAD~8"]).trim();
  assert.ok(byFix.get(fixF)?.includes(addF), "fix of f blames the commit that wrote its lines");
});

test("paths.ignore keeps a path out of line ownership", async (t) => {
  const dir = tempDir(t);
  flippingHistory(dir);
  const rules = defaultRules();
  rules.paths.ignore = ["f.txt", "h.txt", "g.txt"];
  const res = await indexRepository({ repoDir: dir, rules });
  assert.equal(res.reblamed, 0, "ignored files are never blamed");
  const store = await openIndex(dir);
  try {
    const state = store.loadTipState(res.repoId, res.tip as string);
    assert.deepEqual([...state.keys()], ["keep.txt"]);
    assert.equal(assertBlameEqual(dir, store, res.repoId), 1);
  } finally {
    store.close();
  }
});

test("a blob git cannot read is skipped with a notice naming its file; the rest is indexed as blame sees it", async (t) => {
  const dir = tempDir(t);
  git(dir, ["init", "-q", "-b", "main"]);
  commit(dir, { "a.txt": lines(20), "b.txt": lines(5) }, "one");
  commit(dir, { "a.txt": lines(21) }, "two");
  commit(dir, { "a.txt": lines(22), "b.txt": lines(6) }, "three");
  commit(dir, { "a.txt": lines(23), "b.txt": lines(7, (i) => (i === 2 ? "fix" : `line ${i}`)) }, "fix: b");
  commit(dir, { "b.txt": lines(8, (i) => (i === 2 ? "fix" : `line ${i}`)) }, "five");
  // Lose a.txt as of "three" (a loose object deleted: a broken clone).
  const lost = gitOut(dir, ["rev-parse", "HEAD~2:a.txt"]).trim();
  rmSync(join(dir, ".git", "objects", lost.slice(0, 2), lost.slice(2)));
  assert.throws(() => gitOut(dir, ["log", "-p", "--format=%H"]), "git log -p fails on that history");
  // The command says which file it left out and goes on (its exit code says the run succeeded).
  const cli = new URL("../src/cli/main.js", import.meta.url);
  const run = spawnSync(process.execPath, [cli.pathname, "index", "--repo", dir], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /skipped a\.txt from commit [0-9a-f]{10} on: git cannot read one of its versions/);
  rmSync(join(dir, ".git", "dejafix"), { recursive: true, force: true });
  const notices: string[] = [];
  const res = await indexRepository({ repoDir: dir, onSkip: (n) => notices.push(`${n.path} ${n.reason}`) });
  assert.equal(res.mined, 5, "every commit indexed");
  assert.deepEqual(notices, ["a.txt unreadable"]);
  assert.equal(res.skipped[0]?.commit, gitOut(dir, ["rev-parse", "HEAD~2"]).trim());
  const store = await openIndex(dir);
  try {
    const state = store.loadTipState(res.repoId, res.tip as string);
    assert.deepEqual([...state.keys()], ["b.txt"]);
    assert.equal(assertBlameEqual(dir, store, res.repoId), 1);
    const rows = sqlite(store)
      .prepare("SELECT path FROM file_changes ORDER BY commit_id, path")
      .pluck()
      .all();
    // a.txt in "one" and "two"; b.txt wherever it changed; a.txt nowhere once its blob is lost.
    assert.deepEqual(rows, ["a.txt", "b.txt", "a.txt", "b.txt", "b.txt", "b.txt"]);
  } finally {
    store.close();
  }
});

/** git processes whose parent is `pid`. */
function gitChildren(pid: number): string[] {
  const out = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(pid)], { encoding: "utf8" }).trim();
  return out
    .split("\n")
    .filter((l) => /\bgit\b/.test(l))
    .map((l) => l.trim());
}

test("an error inside the mining pass ends it: git children gone, work so far kept, a re-run resumes", async (t) => {
  const root = tempDir(t);
  const dir = join(root, "r");
  generateRandomHistory(dir, { seed: 3, commits: 1500, mergeEvery: 7, files: 10 });
  const store = await openIndex(dir);
  let during: string[] = [];
  try {
    await assert.rejects(
      mineHistory({
        repoDir: dir,
        store,
        batchSize: 100,
        checkpointSeconds: 0,
        onProgress: (done) => {
          if (done === 50) during = gitChildren(process.pid);
          if (done === 650) throw new Error("injected");
        },
      }),
      /injected/,
    );
    assert.ok(during.length >= 1, "git was streaming during the pass");
    assert.deepEqual(gitChildren(process.pid), [], "no git left running");
    const kept = (sqlite(store).prepare("SELECT COUNT(*) AS n FROM commits").get() as { n: number }).n;
    assert.ok(kept >= 600 && kept < 1500, `${kept} commits kept`);
    assert.equal(sqlite(store).pragma("integrity_check", { simple: true }), "ok");
  } finally {
    store.close();
  }
  const res = await indexRepository({ repoDir: dir });
  assert.ok(res.mined <= 1500 - 600, `the re-run resumes (${res.mined} mined)`);
  assert.equal(res.summary.commits, 1500);
  const s2 = await openIndex(dir);
  try {
    assertBlameEqual(dir, s2, res.repoId);
  } finally {
    s2.close();
  }
});

test("a process whose mining pass fails exits non-zero at once instead of waiting on git", async (t) => {
  const root = tempDir(t);
  const dir = join(root, "r");
  generateRandomHistory(dir, { seed: 4, commits: 1500, mergeEvery: 9, files: 10 });
  const script = join(root, "run.mjs");
  const api = new URL("../src/api.js", import.meta.url).href;
  writeFileSync(
    script,
    `import { indexRepository } from ${JSON.stringify(api)};
     await indexRepository({ repoDir: ${JSON.stringify(dir)}, onProgress: (d) => { if (d === 100) throw new Error("injected"); } });`,
  );
  const child = spawn(process.execPath, [script], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const [code, signal] = await new Promise<[number | null, string | null]>((r) =>
    child.on("close", (c, s) => r([c, s])),
  );
  clearTimeout(timer);
  assert.equal(signal, null, "it ended by itself");
  assert.notEqual(code, 0);
  assert.match(stderr, /injected/);
});

test("after git fetch --deepen, the commits revealed behind the shallow boundary are indexed", async (t) => {
  const root = tempDir(t);
  const origin = join(root, "origin");
  generateRandomHistory(origin, { seed: 9, commits: 120, mergeEvery: 6, files: 6 });
  const total = Number(gitOut(origin, ["rev-list", "--count", "HEAD"]).trim());
  const clone = join(root, "clone");
  gitOut(root, ["clone", "-q", "--depth", "30", `file://${origin}`, clone]);
  const shallowCount = Number(gitOut(clone, ["rev-list", "--count", "HEAD"]).trim());
  assert.ok(shallowCount < total);
  const first = await indexRepository({ repoDir: clone });
  assert.equal(first.summary.commits, shallowCount);
  gitOut(clone, ["fetch", "-q", "--deepen", "40"]);
  const deeper = Number(gitOut(clone, ["rev-list", "--count", "HEAD"]).trim());
  assert.ok(deeper > shallowCount, "the fetch revealed older commits");
  const second = await indexRepository({ repoDir: clone });
  assert.equal(second.deepened, true);
  assert.equal(second.summary.commits, deeper, "every revealed commit is in the index");
  const store = await openIndex(clone);
  try {
    const shas = new Set(store.commitIds(second.repoId).keys());
    for (const sha of gitOut(clone, ["rev-list", "HEAD"]).trim().split("\n")) assert.ok(shas.has(sha), sha);
    assertBlameEqual(clone, store, second.repoId);
  } finally {
    store.close();
  }
  const third = await indexRepository({ repoDir: clone });
  assert.equal(third.mined, 0, "nothing new after that");
  gitOut(clone, ["fetch", "-q", "--unshallow"]);
  const full = await indexRepository({ repoDir: clone });
  assert.equal(full.summary.commits, total);
});
