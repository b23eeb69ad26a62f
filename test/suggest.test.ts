import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { demoReintroduction, generateRepo } from "../fixtures/generate.js";
import type { FixtureManifest } from "../fixtures/types.js";
import { indexRepository, openIndex } from "../src/api.js";
import { normalizeBlock } from "../src/blocks/normalizeBlock.js";
import { verify } from "../src/clones/verify.js";
import { exportCorpus } from "../src/eval/exportCorpus.js";
import { readCommitChange, readStagedChange, type StagedChange } from "../src/git/readChange.js";
import { defaultRules } from "../src/rules/defaults.js";
import type { Rules } from "../src/rules/types.js";
import { FeedbackError, listFeedback, recordFeedback } from "../src/suggest/feedback.js";
import {
  type DeveloperBlock,
  nameTheFileLacks,
  otherArity,
  unbalanced,
  undoesChange,
} from "../src/suggest/placeFix.js";
import { addRelatedCorpus, addRelatedRepo, updateRelatedRepos } from "../src/suggest/relatedRepos.js";
import { renderDiff } from "../src/suggest/renderDiff.js";
import { matchChange, type SuggestedMatch } from "../src/verdict/matchChange.js";
import { commit, git } from "./helpers/commit.js";

function write(dir: string, files: Record<string, string>): void {
  for (const [p, content] of Object.entries(files)) {
    const file = path.join(dir, p);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

function newRepo(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  git(dir, ["init", "-q", "-b", "main"]);
  return dir;
}

/** Applies a suggested diff for real (`git apply`) to a copy of the file, and returns the result. */
function applied(content: string, file: string, diff: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-apply-test-"));
  try {
    write(dir, { [file]: content, "fix.diff": diff });
    git(dir, ["apply", "fix.diff"]);
    return fs.readFileSync(path.join(dir, file), "utf8");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function addedLines(diff: string): string[] {
  return diff
    .split("\n")
    .filter((l) => l.startsWith("+") && !l.startsWith("+++"))
    .map((l) => l.slice(1));
}

async function matchesOf(dir: string, change: StagedChange, rules: Rules): Promise<SuggestedMatch[]> {
  const store = await openIndex(dir);
  try {
    return await matchChange(store, change, rules);
  } finally {
    store.close();
  }
}

/** `dejafix index` mines the history and builds the defect blocks of its fixes. */
async function indexWithBlocks(dir: string, rules: Rules): Promise<number> {
  return (await indexRepository({ repoDir: dir, rules })).defectBlocks;
}

describe("renderDiff", () => {
  it("writes git's unified format with real line numbers, context, and a missing final newline", () => {
    const old = `${Array.from({ length: 12 }, (_, i) => `l${i + 1}`).join("\n")}`;
    const next = old.replace("l6", "L6").replace("l12", "L12");
    assert.equal(
      renderDiff("a.txt", old, next),
      [
        "--- a/a.txt",
        "+++ b/a.txt",
        "@@ -3,10 +3,10 @@",
        " l3",
        " l4",
        " l5",
        "-l6",
        "+L6",
        " l7",
        " l8",
        " l9",
        " l10",
        " l11",
        "-l12",
        "\\ No newline at end of file",
        "+L12",
        "\\ No newline at end of file",
        "",
      ].join("\n"),
    );
    assert.equal(renderDiff("a.txt", "a\n", "a\n"), "");
    const inserted = renderDiff("b.txt", "a\nb\n", "a\nx\nb\n");
    assert.equal(inserted, "--- a/b.txt\n+++ b/b.txt\n@@ -1,2 +1,3 @@\n a\n+x\n b\n");
    assert.equal(applied("a\nb\n", "b.txt", inserted), "a\nx\nb\n");
  });
});

/** Default rules where issue references make fixes (the fixture's fixes cite `#87`, `BILL-42`...). */
function fixtureRules(): Rules {
  const rules = defaultRules();
  rules.fixes.issueRefsAreFixes = true;
  return rules;
}

describe("planted recurrences of a generated repository", () => {
  let dir = "";
  let m: FixtureManifest;
  const rules = fixtureRules();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-sg-"));
    m = generateRepo(dir, { seed: 3, commits: 90 });
    await indexWithBlocks(dir, rules);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  // Recurrence id → the fixed line in the developer's own names.
  const expected: Record<string, string> = {
    "recur-off-by-one-columns": "    for (let col = 0; col < row.length; col++) {",
    "recur-int-overflow-slots": "        int middle = low + (high - low) / 2;",
    "recur-wrong-comparison-wallets": "    if wallet.credit >= cost:",
  };

  for (const [id, line] of Object.entries(expected)) {
    it(`${id}: matches its own defect only, and the fix comes in the developer's names`, async () => {
      const r = m.recurrences.find((x) => x.id === id)!;
      const planted = m.planted.find((p) => p.id === r.of)!;
      const matches = await matchesOf(dir, readCommitChange(dir, r.commit), rules);
      assert.ok(matches.length >= 1, `${id} matches a past defect`);
      for (const x of matches) assert.equal(x.fix.sha, planted.fix, `${id} matches only ${r.of}`);
      const x = matches[0]!;
      assert.equal(x.path, r.path);
      assert.equal(x.defect.sha, planted.inducing);
      assert.equal(x.defect.path, planted.path);
      assert.ok(x.similarity >= 0.7 && x.similarity <= 1);
      assert.ok(x.fix.subject.length > 0 && x.defect.subject.length > 0);
      assert.match(x.id, /^\d+-[0-9a-f]{10}$/);
      assert.ok(x.suggestion, "a suggested diff");
      assert.equal(x.suggestion.appliesCleanly, true);
      assert.deepEqual(addedLines(x.suggestion.diff), [line]);
      const staged = git(dir, ["show", `${r.commit}:${r.path}`]);
      const fixed = applied(staged, r.path, x.suggestion.diff);
      const changed = fixed.split("\n").filter((l, i) => l !== staged.split("\n")[i]);
      assert.deepEqual(changed, [line], "git apply changes exactly the defect line");
    });
  }

  it("the demo reintroduction, staged, gets the off-by-one fix in the developer's names", async () => {
    const demo = demoReintroduction(m);
    git(dir, ["checkout", "-q", "-f", "HEAD"]);
    write(dir, { [demo.path]: demo.content });
    git(dir, ["add", demo.path]);
    try {
      const matches = await matchesOf(dir, readStagedChange(dir, { amend: false }), rules);
      const planted = m.planted.find((p) => p.id === demo.of)!;
      const x = matches.find((y) => y.fix.sha === planted.fix);
      assert.ok(x?.suggestion);
      assert.equal(x.suggestion.appliesCleanly, true);
      assert.deepEqual(addedLines(x.suggestion.diff), ["    for (let pos = 0; pos < line.length; pos++) {"]);
      // The hunk starts three lines above the loop, at the loop's real line number in the new file.
      const loop = demo.content.split("\n").findIndex((l) => l.includes("pos <= line.length")) + 1;
      const header = `@@ -${loop - 3},7 +${loop - 3},7 @@`;
      assert.equal(
        x.suggestion.diff.split("\n").slice(0, 3).join("\n"),
        `--- a/${demo.path}\n+++ b/${demo.path}\n${header}`,
      );
    } finally {
      git(dir, ["rm", "-q", "--cached", demo.path]);
    }
  });
});

// ---- Own repositories for the variations of issue 4: another file, renamed variables, changed
// literals, other indentation (2 spaces, tabs), an added and a removed statement.

const AVG = `"""Response time statistics."""


def mean_duration(samples):
    """Mean duration of the finished samples, in milliseconds."""
    total = 0.0
    count = 0
    for sample in samples:
        if not sample.finished:
            continue
        total += sample.duration_ms
        count += 1
    average = total / count
    return round(average, 2)
`;
const AVG_FIXED = AVG.replace(
  "    average = total / count\n",
  "    if count == 0:\n        return 0.0\n    average = total / count\n",
);

const STOCK = `export function reserve(stock, order) {
  const sku = order.sku;
  const qty = order.quantity;
  if (!stock.has(sku)) {
    return false;
  }
  const available = stock.get(sku);
  if (qty > available) {
    return false;
  }
  stock.set(sku, available - qty);
  return true;
}
`;
const STOCK_FIXED = STOCK.replace("if (qty > available) {", "if (qty > available || qty <= 0) {");

// Two-space indentation, renamed, literal 2 → 3, the docstring removed, a statement added.
const LATENCY = `def mean_latency(events):
  elapsed = 0.0
  seen = 0
  skipped = 0
  for event in events:
    if not event.finished:
      skipped += 1
      continue
    elapsed += event.upstream_ms
    seen += 1
  mean = elapsed / seen
  return round(mean, 3)
`;

// Tabs, renamed, a statement added.
const HOLD = `export function hold(inventory, request) {
\tconst id = request.sku;
\tconst count = request.quantity;
\tif (!inventory.has(id)) {
\t\treturn false;
\t}
\tconst left = inventory.get(id);
\tif (count > left) {
\t\treturn false;
\t}
\tinventory.set(id, left - count);
\taudit.push(id);
\treturn true;
}
`;

// Same shape (a function of a dozen lines with two ifs), different code.
const TOTAL = `export function total(list, factor) {
\tconst first = list[0];
\tlet sum = first * factor;
\twhile (sum < 100) {
\t\tsum = sum * 2;
\t}
\tconst last = list.pop();
\tif (sum > last) {
\t\tsum -= last;
\t}
\tconsole.log(sum);
\treturn sum;
}
`;

describe("recurring defects in other words", () => {
  let dir = "";
  let pyFix = "";
  let jsFix = "";
  let matches: SuggestedMatch[] = [];
  const rules = defaultRules();

  before(async () => {
    dir = newRepo("dejafix-var-");
    commit(
      dir,
      { "stats/avg.py": AVG, "src/stock.js": STOCK },
      "Add duration statistics and stock reservations",
    );
    commit(dir, { "README.md": "# shop\n" }, "Add a readme");
    pyFix = commit(
      dir,
      { "stats/avg.py": AVG_FIXED },
      "fix: mean_duration crashed on empty sample sets (STATS-12)",
    );
    jsFix = commit(
      dir,
      { "src/stock.js": STOCK_FIXED },
      "fix: refuse reservations of no items\n\nCloses SHOP-7.",
    );
    assert.equal(await indexWithBlocks(dir, rules), 2);
    write(dir, { "reports/latency.py": LATENCY, "lib/hold.js": HOLD, "lib/total.js": TOTAL });
    git(dir, ["add", "reports", "lib"]);
    matches = await matchesOf(dir, readStagedChange(dir, { amend: false }), rules);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("finds the Python defect again in two-space code with other names, literals and statements", () => {
    const x = matches.find((y) => y.path === "reports/latency.py");
    assert.ok(x?.suggestion, "a match with a suggestion");
    assert.equal(x.fix.sha, pyFix);
    assert.equal(x.defect.path, "stats/avg.py");
    assert.deepEqual(x.issues, ["STATS-12"]);
    assert.equal(x.suggestion.appliesCleanly, true);
    assert.equal(x.complete, true);
    assert.equal(
      applied(LATENCY, "reports/latency.py", x.suggestion.diff),
      LATENCY.replace(
        "  mean = elapsed / seen\n",
        "  if seen == 0:\n    return 0.0\n  mean = elapsed / seen\n",
      ),
      "the guard is inserted in the developer's names and two-space indentation",
    );
  });

  it("patches the changed JavaScript line token by token, in tabs and the developer's names", () => {
    const x = matches.find((y) => y.path === "lib/hold.js");
    assert.ok(x?.suggestion);
    assert.equal(x.fix.sha, jsFix);
    assert.deepEqual(x.issues, ["SHOP-7"]);
    assert.equal(x.suggestion.appliesCleanly, true);
    assert.deepEqual(addedLines(x.suggestion.diff), ["\tif (count > left || count <= 0) {"]);
    assert.match(x.suggestion.diff, /^@@ -5,7 \+5,7 @@$/m, "real line numbers of the developer's file");
  });

  it("does not match unrelated code of the same shape below the threshold", () => {
    assert.equal(matches.filter((y) => y.path === "lib/total.js").length, 0, "lib/total.js is not reported");
    const a = normalizeBlock(TOTAL.split("\n").slice(0, 13), "javascript");
    const b = normalizeBlock(STOCK.split("\n").slice(0, 13), "javascript");
    assert.ok(a.lines.length >= rules.clones.minLines, "long enough to be compared");
    const v = verify(a.hashes, b.hashes, rules.clones);
    assert.equal(v.clone, false);
    assert.ok(v.similarity < 1 - rules.clones.threshold);
  });

  it("does not propose a fix the developer's code already has", async () => {
    write(dir, { "lib/hold.js": HOLD.replace("if (count > left) {", "if (count > left || count <= 0) {") });
    git(dir, ["add", "lib/hold.js"]);
    try {
      const again = await matchesOf(dir, readStagedChange(dir, { amend: false }), rules);
      assert.equal(again.filter((y) => y.path === "lib/hold.js").length, 0);
      assert.ok(
        again.some((y) => y.path === "reports/latency.py"),
        "the other match stays",
      );
    } finally {
      write(dir, { "lib/hold.js": HOLD });
      git(dir, ["add", "lib/hold.js"]);
    }
  });

  it("a suggestion marked wrong is no longer proposed; marked useful again, it is back", async () => {
    const x = matches.find((y) => y.path === "lib/hold.js")!;
    const change = readStagedChange(dir, { amend: false });
    const res = await recordFeedback(dir, x.id, "wrong", { note: "we allow zero-item holds" });
    assert.equal(res.matchId, x.id);
    assert.equal(res.fix, jsFix);
    const after = await matchesOf(dir, change, rules);
    assert.equal(after.filter((y) => y.id === x.id).length, 0, "suppressed");
    assert.ok(
      after.some((y) => y.path === "reports/latency.py"),
      "other suggestions stay",
    );
    const listed = await listFeedback(dir);
    assert.deepEqual(
      listed.marks.map((k) => [k.matchId, k.verdict, k.note]),
      [[x.id, "wrong", "we allow zero-item holds"]],
    );
    assert.deepEqual(listed.summary, { useful: 0, wrong: 1, suppressed: 1 });
    await recordFeedback(dir, x.id, "useful");
    assert.ok((await matchesOf(dir, change, rules)).some((y) => y.id === x.id));
    await assert.rejects(recordFeedback(dir, "nonsense", "wrong"), FeedbackError);
    const wrongSha = `${x.defectBlockId}-ffffffffff`;
    await assert.rejects(recordFeedback(dir, wrongSha, "wrong"), /no suggestion/);
  });

  it("matches against a related repository and names it", async () => {
    const app = newRepo("dejafix-app-");
    try {
      commit(app, { "src/main.js": "export const main = () => 1;\n" }, "Start the app");
      await indexWithBlocks(app, rules);
      write(app, { "lib/hold.js": HOLD });
      git(app, ["add", "lib/hold.js"]);
      const change = readStagedChange(app, { amend: false });
      assert.equal((await matchesOf(app, change, rules)).length, 0, "nothing before the related repository");
      await assert.rejects(addRelatedRepo(app, app), /is this repository/);
      const res = await addRelatedRepo(app, dir);
      assert.equal(res.blocks, 2);
      assert.equal(res.name, path.basename(dir));
      const x = (await matchesOf(app, change, rules))[0];
      assert.ok(x?.suggestion);
      assert.equal(x.fix.sha, jsFix);
      assert.deepEqual(x.repository, { name: path.basename(dir), role: "related" });
      assert.equal(x.defect.path, `${path.basename(dir)}:src/stock.js`);
      assert.deepEqual(addedLines(x.suggestion.diff), ["\tif (count > left || count <= 0) {"]);
      assert.equal((await addRelatedRepo(app, dir)).blocks, 0, "incremental");
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
    }
  });

  it("matches against a corpus file (`dejafix corpus`) as against the related repository itself", async () => {
    const app = newRepo("dejafix-app-");
    const corpusDir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-corpus-"));
    try {
      commit(app, { "src/main.js": "export const main = () => 1;\n" }, "Start the app");
      await indexWithBlocks(app, rules);
      write(app, { "lib/hold.js": HOLD });
      git(app, ["add", "lib/hold.js"]);
      const change = readStagedChange(app, { amend: false });
      const corpus = path.join(corpusDir, "corpus.jsonl");
      const exported = await exportCorpus({ repos: [dir], out: corpus, index: false });
      assert.equal(exported.blocks, 2);
      const res = await addRelatedCorpus(app, corpus);
      assert.deepEqual(res.repos, [{ name: path.basename(dir), blocks: 2, fixes: 2 }]);
      const x = (await matchesOf(app, change, rules))[0];
      assert.ok(x?.suggestion);
      assert.equal(x.fix.sha, jsFix);
      assert.deepEqual(x.repository, { name: path.basename(dir), role: "related" });
      assert.equal(x.defect.path, `${path.basename(dir)}:src/stock.js`);
      assert.deepEqual(addedLines(x.suggestion.diff), ["\tif (count > left || count <= 0) {"]);
      // The same evidence, messages and blocks as the repository gives when added as a clone.
      const viaClone = newRepo("dejafix-app-");
      try {
        commit(viaClone, { "src/main.js": "export const main = () => 1;\n" }, "Start the app");
        await indexWithBlocks(viaClone, rules);
        await addRelatedRepo(viaClone, dir);
        write(viaClone, { "lib/hold.js": HOLD });
        git(viaClone, ["add", "lib/hold.js"]);
        const y = (await matchesOf(viaClone, readStagedChange(viaClone, { amend: false }), rules))[0];
        const { id: _x, defectBlockId: _xb, ...fromCorpus } = x;
        const { id: _y, defectBlockId: _yb, ...fromClone } = y!;
        assert.deepEqual(fromCorpus, fromClone);
      } finally {
        fs.rmSync(viaClone, { recursive: true, force: true });
      }
      assert.deepEqual((await addRelatedCorpus(app, corpus)).repos[0]?.blocks, 0, "a fix is imported once");
      // `dejafix index` goes on without trying to mine the corpus's repositories.
      assert.deepEqual(await updateRelatedRepos(app), []);
      const part = path.join(corpusDir, "part.jsonl");
      await exportCorpus({ repos: [dir], out: part, index: false, shard: { index: 0, count: 1 } });
      await assert.rejects(addRelatedCorpus(app, part), /one part of a sharded corpus: join the parts first/);
      const notCorpus = path.join(corpusDir, "data.jsonl");
      fs.writeFileSync(notCorpus, '{"dejafix_dataset":1}\n');
      await assert.rejects(addRelatedCorpus(app, notCorpus), /is not a related-repositories corpus/);
    } finally {
      fs.rmSync(app, { recursive: true, force: true });
      fs.rmSync(corpusDir, { recursive: true, force: true });
    }
  });
});

describe("a suggestion never undoes the change being committed", () => {
  // Lines 10-14 of the file; the change wrote 11 (the bug written again) and 12 (its own new line).
  const window = [
    "  let n = 0;",
    "  for (let i = 0; i <= xs.length; i++) {",
    "    audit(xs[i]);",
    "    n++;",
    "  }",
  ];
  const dev = (added: number[]): DeveloperBlock => ({
    path: "src/a.js",
    text: "",
    lines: [],
    range: { start: 10, end: 14 },
    norm: normalizeBlock(window, "javascript", 10),
    added: new Set(added),
  });
  const fixed = window.map((l) => l.replace("<=", "<"));

  it("may rewrite the bug lines the change wrote", () => {
    assert.equal(undoesChange(dev([11, 12]), window, fixed, new Set([11])), null);
  });

  it("refuses to take out another line the change wrote", () => {
    const dropsAudit = fixed.filter((l) => !l.includes("audit"));
    assert.equal(
      undoesChange(dev([11, 12]), window, dropsAudit, new Set([11])),
      "it would take out line 12, which your change wrote",
    );
    // The same line, there before the change: not the developer's work of this commit.
    assert.equal(undoesChange(dev([11]), window, dropsAudit, new Set([11])), null);
  });

  it("keeps a line the change wrote that the fix only re-indents", () => {
    const wrapped = [
      ...window.slice(0, 2),
      "    if (xs[i]) {",
      "      audit(xs[i]);",
      "    }",
      ...window.slice(3),
    ];
    assert.equal(undoesChange(dev([11, 12]), window, wrapped, new Set([11])), null);
  });
});

describe("a fix's lines put back use only names the developer's file has", () => {
  // The fix's lines as they would stand in the file: a comment over three lines, then the code it explains.
  const lines = [
    "static int close_conn(conn *c) {",
    "    /* The descriptor is closed once:",
    "     * Returned twice when frobnicated, see EBADF.",
    "     */",
    "    if (c->fd != -1) close(c->fd);",
    "    return retire_slot(c);",
    "}",
  ];
  const known = new Set(["static", "int", "close_conn", "conn", "c", "fd", "close", "return", "if"]);

  it("reads a comment's continuation lines as comment, not as names the file lacks", () => {
    assert.equal(
      nameTheFileLacks(known, { lines, inserted: [1, 2, 3, 4] }, "c", () => true),
      null,
    );
  });

  it("names the first code name the file lacks, and only on the inserted lines", () => {
    assert.equal(
      nameTheFileLacks(known, { lines, inserted: [2, 5] }, "c", () => true),
      "it uses retire_slot, which your file does not have",
    );
    // The same name on a line that is not put back is the file's business, not the suggestion's.
    assert.equal(
      nameTheFileLacks(known, { lines, inserted: [4] }, "c", () => true),
      null,
    );
  });

  it("asks about a member the file does not name, and takes the answer", () => {
    const noFd = new Set([...known].filter((w) => w !== "fd"));
    assert.equal(
      nameTheFileLacks(noFd, { lines, inserted: [4] }, "c", () => true),
      null,
    );
    assert.equal(
      nameTheFileLacks(noFd, { lines, inserted: [4] }, "c", () => false),
      "it uses fd, which your file does not have",
    );
  });
});

describe("a fix put back in part still parses", () => {
  const code = ["  case V13:", "    min = V13;", "    break;", "  }"];

  it("refuses a preprocessor conditional opened and never closed", () => {
    const lone = ["  case V13:", "#ifdef V13", "    min = V13;", "    break;", "  }"];
    assert.equal(unbalanced(code, lone, "c"), "it would leave an #if without its #endif");
    const whole = [
      "  case V13:",
      "#ifdef V13",
      "    min = V13;",
      "#else",
      "    return ERR;",
      "#endif",
      "    break;",
      "  }",
    ];
    assert.equal(unbalanced(code, whole, "c"), null);
    // In Python `#if` starts a comment: nothing to balance.
    assert.equal(unbalanced(["x = 1"], ["#if needed", "x = 1"], "python"), null);
  });

  it("refuses brackets left open", () => {
    assert.equal(
      unbalanced(code, ["  case V13: {", ...code.slice(1)], "c"),
      "its brackets would not balance",
    );
  });
});

describe("a placed fix calls a function the developer's file declares as declared", () => {
  const file = [
    "static int upload(struct config *config, struct transfer *per)",
    "{",
    "  return send_all(config, per);",
    "}",
    "",
    "static int run(struct config *config, struct transfer *per)",
    "{",
    '  log_it("%s", config->name);',
    '  log_it("%s %d", config->name, per->n);',
    "  result = upload(config, per);",
    "  return result;",
    "}",
  ];
  const window = file.slice(6, 12);

  it("refuses a call with another number of arguments than the file declares", () => {
    const placed = window.map((l) => l.replace("upload(config, per)", "upload(config, FALSE, per)"));
    assert.equal(
      otherArity(file, placed, [3], "c"),
      "it calls upload with 3 arguments where your file declares 2",
    );
    // The same count as the file's: fine.
    const same = window.map((l) => l.replace("upload(config, per)", "upload(per, config)"));
    assert.equal(otherArity(file, same, [3], "c"), null);
  });

  it("leaves alone a function declared elsewhere, and lines the suggestion does not write", () => {
    const logged = [
      ...window.slice(0, 3),
      '  log_it("%s %d %d", config->name, per->n, 1);',
      ...window.slice(3),
    ];
    assert.equal(otherArity(file, logged, [3], "c"), null);
    const placed = window.map((l) => l.replace("upload(config, per)", "upload(config, FALSE, per)"));
    assert.equal(otherArity(file, placed, [0, 1], "c"), null);
    // Outside C a call may pass fewer arguments than declared (defaults), never more.
    const js = ["function send(data, retries = 3) {", "  return write(data);", "}", "send(buf);"];
    assert.equal(otherArity(js, ["send(buf);"], [0], "javascript"), null);
    // A Python class names its bases in parentheses; a function taking *args takes any number.
    const py = ["class Job(Base):", "    pass", "def run(*args):", "    pass"];
    assert.equal(otherArity(py, ["job = Job(a, b)", "run(a, b, c)"], [0, 1], "python"), null);
    assert.equal(
      otherArity(js, ["send(buf, 1, true);"], [0], "javascript"),
      "it calls send with 3 arguments where your file declares 2",
    );
  });
});
