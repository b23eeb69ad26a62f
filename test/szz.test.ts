import assert from "node:assert/strict";
import { test } from "node:test";
import type { FileChange } from "../src/git/types.js";
import { evidenceFilter } from "../src/history/evidence.js";
import { LineTree } from "../src/history/ownership.js";
import { blameCandidates, type SelectOptions, selectInducing } from "../src/history/szz.js";
import type { StoredFix } from "../src/index/store.js";

const link = (sha: string, lines: number, authorTime: number, nFiles = 3, viaDeclared = false) => ({
  sha,
  authorTime,
  nFiles,
  viaBlame: lines > 0,
  viaDeclared,
  lines,
  paths: ["src/a.c"],
});

// Links are stored in history order: a (oldest), b, c (most recent).
const fix: StoredFix = {
  sha: "f".repeat(40),
  authorTime: 5000,
  message: "fix: overflow (BUG-7)",
  reasons: ["keyword"],
  issues: ["BUG-7"],
  declared: [],
  links: [link("a", 6, 1000), link("b", 2, 2000), link("c", 1, 3000, 40), link("d", 0, 500, 3, true)],
};
const base: SelectOptions = {
  strategy: "lines",
  minShare: 0.5,
  maxCandidateFiles: 200,
  evidence: ["blame", "declared"],
};
const commits = (o: Partial<SelectOptions>) =>
  selectInducing(fix, { ...base, ...o }).map((i) => `${i.commit}:${i.via.join("+")}`);

test("L-SZZ keeps the candidate owning most evidence lines; R-SZZ the most recent; B-SZZ all", () => {
  assert.deepEqual(commits({}), ["a:blame", "d:declared"]);
  assert.deepEqual(commits({ strategy: "recent" }), ["c:blame", "d:declared"]);
  assert.deepEqual(commits({ strategy: "all" }), ["a:blame", "b:blame", "c:blame", "d:declared"]);
});

test("candidates above the size cap are not blamed, and the choice is made among the rest", () => {
  assert.deepEqual(commits({ strategy: "recent", maxCandidateFiles: 20 }), ["b:blame", "d:declared"]);
});

test("L-SZZ abstains when no candidate owns the required share of the evidence", () => {
  // a owns 6 of 9 lines: kept at 0.5 and 0.66, dropped at 0.7.
  assert.deepEqual(commits({ minShare: 0.66 }), ["a:blame", "d:declared"]);
  assert.deepEqual(commits({ minShare: 0.7 }), ["d:declared"]);
});

test("the issue-date filter drops candidates written after the bug was reported", () => {
  assert.deepEqual(commits({ issueDates: new Map([["BUG-7", 1500]]) }), ["a:blame", "d:declared"]);
  assert.deepEqual(commits({ strategy: "recent", issueDates: new Map([["BUG-7", 1500]]) }), [
    "a:blame",
    "d:declared",
  ]);
  assert.deepEqual(commits({ issueDates: new Map([["BUG-7", 900]]) }), ["d:declared"]);
});

test("each kind of evidence can be measured alone", () => {
  assert.deepEqual(commits({ evidence: ["blame"] }), ["a:blame"]);
  assert.deepEqual(commits({ evidence: ["declared"] }), ["d:declared"]);
});

const hunkFile = (path: string, oldStart: number, lines: [string, string][]): FileChange => {
  const old = lines.filter(([k]) => k !== "+").length;
  const added = lines.filter(([k]) => k !== "-").length;
  return {
    status: "M",
    oldPath: path,
    newPath: path,
    oldMode: "100644",
    newMode: "100644",
    oldBlob: "1",
    newBlob: "2",
    binary: false,
    hunks: [
      {
        oldStart,
        oldLines: old,
        newStart: oldStart,
        newLines: added,
        section: "",
        lines: lines.map(([kind, text]) => ({ kind: kind as "+" | "-" | " ", text })),
      },
    ],
  };
};

test("evidence comes in tiers: code lines, then tests, then the code around an insertion", () => {
  const tree = new LineTree([
    ["src/a.c", { blob: "1", owners: Int32Array.from([11, 12, 13, 14, 15]) }],
    ["test/a_test.c", { blob: "1", owners: Int32Array.from([21, 22, 23]) }],
  ]);
  const filter = evidenceFilter({ isTest: (p) => p.startsWith("test/") });
  const owners = (files: FileChange[]) => [...blameCandidates(tree, files, filter).keys()].sort();

  // Deleted code lines win; the blank and comment-only ones are not evidence.
  const code = hunkFile("src/a.c", 2, [
    ["-", "  x = y + 1;"],
    ["-", ""],
    ["-", "  // note"],
    ["+", "  x = y;"],
  ]);
  const testChange = hunkFile("test/a_test.c", 1, [
    ["-", "assert(x == 2);"],
    ["+", "assert(x == 1);"],
  ]);
  assert.deepEqual(owners([code, testChange]), [12]);
  // A fix that only changes a test takes its evidence there.
  assert.deepEqual(owners([testChange]), [21]);
  // A fix that only adds a guard blames the nearest code lines around the insertion.
  const guard = hunkFile("src/a.c", 2, [
    [" ", "  int n = len(s);"],
    ["+", "  if (n == 0) return;"],
    [" ", "  }"],
    [" ", "  total /= n;"],
  ]);
  assert.deepEqual(owners([guard]), [12, 14]);
});
