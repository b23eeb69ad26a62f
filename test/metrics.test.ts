import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { indexRepository, openIndex } from "../src/api.js";
import { diffHunks } from "../src/git/diffLines.js";
import { readStagedChange } from "../src/git/readChange.js";
import { lineStats } from "../src/history/lineStats.js";
import { sqlite } from "../src/index/connection.js";
import { METRIC_COLUMNS } from "../src/index/metricsStore.js";
import type { IndexStore } from "../src/index/store.js";
import { stagedTokens, type TokenBags } from "../src/metrics/changeTokens.js";
import { diffIgnoringWhitespace } from "../src/metrics/diffIgnoringWhitespace.js";
import { commitTokens, historyTokens } from "../src/metrics/diffTokens.js";
import { fillLineStats } from "../src/metrics/fillLineStats.js";
import { computeHistoryMetrics, readHistoryMetrics } from "../src/metrics/history.js";
import { stagedMetrics } from "../src/metrics/staged.js";
import type { Metrics } from "../src/metrics/types.js";
import { METRIC_NAMES } from "../src/metrics/types.js";
import { DATASET_METRICS } from "../src/model/dataset.js";
import { loadRules } from "../src/rules/loadRules.js";
import { tempDir } from "./helpers/repo.js";

const T0 = 1_600_000_000;
const DAY = 86_400;
const YEAR = 365.25 * DAY;

const ANN = { name: "Ann", email: "ann@x.org" };
const ANN2 = { name: "Ann", email: "ann@other.org" }; // same name, another person (authors are keyed by e-mail)
const BOB = { name: "Bob", email: "bob@x.org" };

function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C", ...env },
  });
}

function write(dir: string, files: Record<string, string | null>): void {
  for (const [path, text] of Object.entries(files)) {
    const full = join(dir, path);
    if (text === null) rmSync(full);
    else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, text);
    }
  }
}

function commit(dir: string, who: { name: string; email: string }, day: number, message: string): string {
  const date = `@${T0 + day * DAY} +0000`;
  git(dir, ["add", "-A"]);
  git(dir, ["commit", "-q", "-m", message], {
    GIT_AUTHOR_NAME: who.name,
    GIT_AUTHOR_EMAIL: who.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: who.name,
    GIT_COMMITTER_EMAIL: who.email,
    GIT_COMMITTER_DATE: date,
  });
  return git(dir, ["rev-parse", "HEAD"]).trim();
}

/**
 * The hand-built history every expected value below is computed from:
 *   c1 day 0  ann@x.org     add src/a/Foo.java (5 lines), README.md
 *   c2 day 10 bob           Foo.java: `int b = 2` → `int b = compute()` (the defect); add lib/util.py
 *   c3 day 20 ann@other.org rename src/a/Foo.java → src/b/Bar.java, `class Foo` → `class Bar`
 *   c4 day 30 ann@x.org     Bar.java: two comment lines added, one line only re-indented
 *   c5 day 35 ann@x.org     add docs/notes.md
 *   c6 day 40 bob           "Fix ..." replaces c2's line: SZZ links c6 → c2
 *   c7 day 50 ann@x.org     Bar.java +2 (one a comment), util.py −1, new src/b/New.ts
 *   c8 day 60 bob           only new files: docs/guide.md, src/c/Z.java
 */
function buildRepo(dir: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  git(dir, ["init", "-q", "-b", "main"]);
  const c: Record<string, string> = {};
  write(dir, {
    "src/a/Foo.java": "class Foo {\n  int a = 1;\n  int b = 2;\n  int c = 3;\n}\n",
    "README.md": "# Demo\ntext\n",
  });
  c.c1 = commit(dir, ANN, 0, "Add foo");
  write(dir, {
    "src/a/Foo.java": "class Foo {\n  int a = 1;\n  int b = compute();\n  int c = 3;\n}\n",
    "lib/util.py": "def f(x):\n    return x + 1\n",
  });
  c.c2 = commit(dir, BOB, 10, "Compute b and add util");
  rmSync(join(dir, "src/a"), { recursive: true });
  write(dir, { "src/b/Bar.java": "class Bar {\n  int a = 1;\n  int b = compute();\n  int c = 3;\n}\n" });
  c.c3 = commit(dir, ANN2, 20, "Move foo to bar");
  write(dir, {
    "src/b/Bar.java":
      "class Bar {\n  // note\n  // more\n    int a = 1;\n  int b = compute();\n  int c = 3;\n}\n",
  });
  c.c4 = commit(dir, ANN, 30, "Document bar");
  write(dir, { "docs/notes.md": "notes\n" });
  c.c5 = commit(dir, ANN, 35, "Add notes");
  write(dir, {
    "src/b/Bar.java":
      "class Bar {\n  // note\n  // more\n    int a = 1;\n  int b = safeCompute();\n  int c = 3;\n}\n",
  });
  c.c6 = commit(dir, BOB, 40, "Fix the crash in Bar when compute fails");
  write(dir, {
    "src/b/Bar.java":
      "class Bar {\n  // note\n  // more\n    int a = 1;\n  int b = safeCompute();\n  int c = 3;\n  int d = 4;\n  // why d\n}\n",
    "lib/util.py": "def f(x):\n",
    "src/b/New.ts": "export const x = 1;\n",
  });
  c.c7 = commit(dir, ANN, 50, "Add d");
  write(dir, { "docs/guide.md": "guide\n", "src/c/Z.java": "class Z {}\n" });
  c.c8 = commit(dir, BOB, 60, "Add guide and Z");
  return c;
}

async function indexWithMetrics(dir: string): Promise<{ store: IndexStore; repoId: number }> {
  const res = await indexRepository({ repoDir: dir });
  const store = await openIndex(dir);
  await fillLineStats(store, res.repoId, dir);
  computeHistoryMetrics(store, res.repoId);
  return { store, repoId: res.repoId };
}

function metricsOf(all: Map<string, Metrics>, sha: string | undefined): Metrics {
  const m = all.get(sha ?? "");
  assert.ok(m, `metrics of ${sha}`);
  return m;
}

const near = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);

test("every metric equals its hand-computed value on a small history", async (t) => {
  const dir = join(tempDir(t), "r");
  const c = buildRepo(dir);
  const { store, repoId } = await indexWithMetrics(dir);
  t.after(() => store.close());

  // Precondition: SZZ linked the fix c6 to c2 (the line it replaced), and only c6 is a fix.
  const links = sqlite(store)
    .prepare(
      "SELECT f.sha AS fix, i.sha AS inducing FROM links l JOIN commits f ON f.id = l.fix_id JOIN commits i ON i.id = l.inducing_id",
    )
    .all() as { fix: string; inducing: string }[];
  assert.deepEqual(links, [{ fix: c.c6, inducing: c.c2 }]);

  const all = readHistoryMetrics(store, repoId);
  assert.equal(all.size, 8);
  const m7 = metricsOf(all, c.c7);
  // c7 touches src/b/Bar.java (+2: code, comment), lib/util.py (−1), src/b/New.ts (+1, new).
  assert.equal(m7.nf, 3);
  assert.equal(m7.ns, 2, "subsystems src, lib");
  assert.equal(m7.nd, 2, "directories src/b/, lib/");
  assert.equal(m7.la, 3);
  assert.equal(m7.ld, 1);
  // Modified lines 2, 1, 1 of 4: H = 1.5 bits, normalised by log2(nf = 3).
  near(m7.entropy, 1.5 / Math.log2(3), "entropy");
  near(m7.lt, (7 + 2 + 0) / 3, "lt = mean lines before (Bar 7, util 2, New 0)");
  assert.equal(m7.fix, 0);
  // Bar's history follows the rename: c6, c4, c3 (rename), then Foo.java: c2, c1; util.py: c2.
  assert.equal(m7.nuc, 5, "c1, c2, c3, c4, c6");
  assert.equal(m7.ndev, 3, "ann@x.org, bob, ann@other.org: same name, two people");
  near(m7.age, (10 + 40) / 2, "age: Bar last changed 10 days ago, util 40");
  assert.equal(m7.exp, 3, "c1, c4, c5 by ann@x.org (c3 is ann@other.org)");
  near(
    m7.rexp,
    1 / ((50 * DAY) / YEAR + 1) + 1 / ((20 * DAY) / YEAR + 1) + 1 / ((15 * DAY) / YEAR + 1),
    "rexp",
  );
  assert.equal(m7.sexp, 2, "c1 and c4 touched src; c5 only docs");
  assert.equal(m7.only_new_files, 0);
  assert.equal(m7.prior_defects_file, 1, "c2, fixed by c6 before c7");
  assert.equal(m7.prior_defects_dir, 1, "c2 touched lib/");
  assert.equal(m7.author_created_file, 1, "ann@x.org created Foo.java, now Bar.java");
  assert.equal(m7.n_languages, 3, "java, python, typescript");
  near(m7.trivial_share, 1 / 4, "trivial_share: `// why d` of 4 changed lines");

  // c4: comment-only edit with a re-indented line; the defect c2 in its history is fixed only later.
  const m4 = metricsOf(all, c.c4);
  assert.equal(m4.la, 2, "the re-indented line is not a change");
  assert.equal(m4.ld, 0);
  assert.equal(m4.trivial_share, 1);
  assert.equal(m4.prior_defects_file, 0, "c2's fix (c6) comes after c4: the future is not used");
  assert.equal(m4.prior_defects_dir, 0);
  assert.equal(m4.ndev, 3);
  assert.equal(m4.nuc, 3);
  assert.equal(m4.author_created_file, 1);
  near(m4.age, 10, "age of Bar.java: renamed 10 days before");

  // c3: the rename, by the other Ann: no experience of her own, file history of Foo.java.
  const m3 = metricsOf(all, c.c3);
  assert.equal(m3.exp, 0);
  assert.equal(m3.rexp, 0);
  assert.equal(m3.author_created_file, 0, "ann@other.org did not create Foo.java");
  assert.equal(m3.ndev, 2);
  assert.equal(m3.nuc, 2);
  assert.equal(m3.la, 1);
  assert.equal(m3.ld, 1);
  assert.equal(m3.lt, 5);

  // c6: the fix itself.
  const m6 = metricsOf(all, c.c6);
  assert.equal(m6.fix, 1);
  assert.equal(m6.prior_defects_file, 0, "its own fix is not earlier than itself");
  assert.equal(m6.nf, 1);
  assert.equal(m6.entropy, 0, "one file: 0");

  // c8: only new files; docs/guide.md is not code, so one language.
  const m8 = metricsOf(all, c.c8);
  assert.equal(m8.only_new_files, 1);
  assert.equal(m8.n_languages, 1);
  assert.equal(m8.nuc, 0);
  assert.equal(m8.ndev, 0);
  assert.equal(m8.age, 0);
  assert.equal(m8.lt, 0);
  assert.equal(m8.exp, 2, "bob: c2 and c6");
  near(m8.rexp, 1 / ((50 * DAY) / YEAR + 1) + 1 / ((20 * DAY) / YEAR + 1), "rexp of bob");
  assert.equal(m8.sexp, 2, "c2 and c6 touched src (subsystems of c8: docs, src)");
  assert.equal(m8.author_created_file, 0);
});

test("a commit recreated as a staged change on top of its parent gets the same metrics and token bags", async (t) => {
  const root = tempDir(t);
  const dir = join(root, "r");
  const c = buildRepo(dir);
  const { store, repoId } = await indexWithMetrics(dir);
  const historical = readHistoryMetrics(store, repoId);
  // Token bags as the dataset export (training) and the calibration read them.
  const rules = loadRules(null);
  const trained = new Map<string, TokenBags>();
  for await (const b of historyTokens(dir, rules)) trained.set(b.meta.sha, b);
  const calibrated = new Map<string, TokenBags>();
  for await (const b of commitTokens(dir, Object.values(c), rules)) calibrated.set(b.meta.sha, b);
  const fixes = new Map(
    (sqlite(store).prepare("SELECT sha, is_fix FROM commits").all() as { sha: string; is_fix: number }[]).map(
      (r) => [r.sha, r.is_fix === 1],
    ),
  );
  store.close();
  const shas = Object.values(c).slice(1);
  for (const [i, sha] of shas.entries()) {
    const clone = join(root, `clone${i}`);
    git(root, ["clone", "-q", dir, clone]);
    git(clone, ["checkout", "-q", `${sha}^`]);
    const cloneIndex = await indexWithMetrics(clone);
    try {
      // Index and work tree become the commit's tree: the staged change is the commit's diff.
      git(clone, ["read-tree", "-m", "-u", sha]);
      const change = readStagedChange(clone, { amend: false });
      const [email, time] = git(dir, ["log", "-1", "--format=%ae %at", sha]).trim().split(" ");
      const staged = stagedMetrics(cloneIndex.store, cloneIndex.repoId, change, {
        authorEmail: email ?? "",
        time: Number(time),
        isFix: fixes.get(sha) ?? false,
      });
      assert.deepEqual(staged, metricsOf(historical, sha), `commit ${i + 2} (${sha.slice(0, 8)})`);
      // c4 only re-indents a line besides its comments: the hook must not count that line either.
      const atHook = stagedTokens(change, rules);
      for (const [what, bags] of [
        ["training", trained],
        ["calibration", calibrated],
      ] as const) {
        const expected = bags.get(sha);
        assert.ok(expected, `${what} bags of ${sha}`);
        assert.deepEqual(atHook.added, expected.added, `added tokens of commit ${i + 2}, vs ${what}`);
        assert.deepEqual(atHook.removed, expected.removed, `removed tokens of commit ${i + 2}, vs ${what}`);
      }
    } finally {
      cloneIndex.store.close();
    }
  }
});

test("the metric keys are exactly the dataset's metrics", async (t) => {
  const dir = join(tempDir(t), "r");
  const c = buildRepo(dir);
  const { store, repoId } = await indexWithMetrics(dir);
  t.after(() => store.close());
  assert.deepEqual(
    Object.keys(metricsOf(readHistoryMetrics(store, repoId), c.c7)).sort(),
    [...DATASET_METRICS].sort(),
  );
});

test("whitespace-insensitive line counts agree with git diff -w, with and without the plain hunks", (t) => {
  const dir = tempDir(t);
  const pairs: [string, string][] = [
    ["a\nb\nc\n", "a\n  b\nc\n"], // re-indent only
    ["a\nb\n", "a\r\nb\r\n"], // line endings only
    ["a\nb", "a\nb\n"], // final newline only
    ["x\ny\n", "x\n\ny\n"], // an inserted blank line is a change
    ["if (a) {\n  f();\n}\n", "if (a) {\n  if (b) {\n    f();\n  }\n}\n"], // wrapped: f() is not a change
    ["one\ntwo\nthree\nfour\n", "zero\none\n2\nthree\n   four\nfive\n"],
    ["", "new\nfile\n"],
    ["gone\n", ""],
  ];
  for (const [i, [a, b]] of pairs.entries()) {
    writeFileSync(join(dir, `a${i}`), a);
    writeFileSync(join(dir, `b${i}`), b);
    let numstat = "";
    try {
      numstat = git(dir, ["diff", "--no-index", "-w", "--numstat", `a${i}`, `b${i}`]);
    } catch (e) {
      numstat = String((e as { stdout?: string }).stdout ?? ""); // exit code 1 means "differs"
    }
    const [gitAdded = "0", gitDeleted = "0"] = numstat.trim().split(/\s+/);
    for (const plain of [undefined, diffHunks(a, b)]) {
      const hunks = diffIgnoringWhitespace(a, b, plain);
      const added = hunks.reduce((n, h) => n + h.newLines, 0);
      const deleted = hunks.reduce((n, h) => n + h.oldLines, 0);
      assert.deepEqual(
        [added, deleted],
        [Number(gitAdded), Number(gitDeleted)],
        `pair ${i} ${plain ? "narrowed" : "whole"}`,
      );
      for (const h of hunks) {
        assert.equal(h.lines.filter((l) => l.kind === "+").length, h.newLines);
        assert.equal(h.lines.filter((l) => l.kind === "-").length, h.oldLines);
      }
    }
  }
});

test("lineStats counts blank and comment-only changed lines in the file's language", () => {
  const hunk = (lines: ["+" | "-", string][]) => ({
    oldStart: 1,
    oldLines: lines.filter(([k]) => k === "-").length,
    newStart: 1,
    newLines: lines.filter(([k]) => k === "+").length,
    section: "",
    lines: lines.map(([kind, text]) => ({ kind, text })),
  });
  const file = (path: string, lines: ["+" | "-", string][], binary = false) => ({
    status: "M" as const,
    oldPath: path,
    newPath: path,
    oldMode: "100644",
    newMode: "100644",
    oldBlob: "",
    newBlob: "",
    binary,
    hunks: [hunk(lines)],
  });
  const stats = lineStats([
    file("a.java", [
      ["+", "  // note"],
      ["+", ""],
      ["+", "  int x = 1;"],
      ["-", " * old javadoc"],
      ["-", "  return x;"],
    ]),
    file("b.py", [
      ["+", "# comment"],
      ["-", "x = 1  # trailing comment is code"],
    ]),
    file("c.png", [["+", ""]], true),
  ]);
  assert.deepEqual(stats, { trivialAdded: 3, trivialDeleted: 1 });
});

test("the index's metric columns are the metrics stage's names, in its order", () => {
  assert.deepEqual([...METRIC_COLUMNS], [...METRIC_NAMES]);
  assert.deepEqual([...DATASET_METRICS], [...METRIC_NAMES]);
});
