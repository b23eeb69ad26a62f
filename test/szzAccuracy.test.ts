import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  declaredOracle,
  messageRefs,
  parseCsv,
  parseD4jOracle,
  parseJitLabels,
  withoutDeclarations,
} from "../src/eval/oracles.js";
import {
  dropDeclarationOnlyFixes,
  parseLabels,
  predictedFromLabels,
  szzAccuracy,
} from "../src/eval/szzAccuracy.js";

const sha = (c: string) => c.repeat(40);
const set = (...xs: string[]) => new Set(xs);

describe("szzAccuracy", () => {
  // Oracle: fix F1 ← {a, b}, fix F2 ← {c}, fix F3 ← {d}.
  const oracle = new Map([
    [sha("1"), set(sha("a"), sha("b"))],
    [sha("2"), set(sha("c"))],
    [sha("3"), set(sha("d"))],
  ]);
  // The tool: F1 → {a, e} (one right, one wrong); F2 found but no BIC; F3 not a fix; F9 not in the oracle.
  const predicted = new Map([
    [sha("1"), set(sha("a"), sha("e"))],
    [sha("2"), set()],
    [sha("9"), set(sha("f"), sha("0"))],
  ]);

  it("counts every oracle fix in the 'all' scope, a fix the tool missed as false negatives", () => {
    const a = szzAccuracy(predicted, oracle, { scope: "all" });
    assert.equal(a.fixes, 3);
    assert.deepEqual([a.tp, a.fp, a.fn], [1, 1, 3]);
    assert.equal(a.precision, 1 / 2);
    assert.equal(a.recall, 1 / 4);
    assert.ok(Math.abs(a.f1 - (2 * 0.5 * 0.25) / 0.75) < 1e-12);
    const f3 = a.perFix.find((f) => f.fix === sha("3"));
    assert.deepEqual(f3, { fix: sha("3"), found: false, tp: 0, fp: 0, fn: 1, wrong: [], missed: [sha("d")] });
  });

  it("counts only fixes the tool classified in the 'found' scope, empty ones included", () => {
    const a = szzAccuracy(predicted, oracle, { scope: "found" });
    assert.equal(a.fixes, 2);
    assert.deepEqual([a.tp, a.fp, a.fn], [1, 1, 2]);
    assert.equal(a.precision, 1 / 2);
    assert.equal(a.recall, 1 / 3);
    assert.deepEqual(
      a.perFix.map((f) => f.fix),
      [sha("1"), sha("2")],
    );
  });

  it("ignores fixes outside the oracle and compares shas case-insensitively", () => {
    const upper = new Map([[sha("A"), set(sha("B"))]]);
    const o = new Map([[sha("a"), set(sha("b"))]]);
    const a = szzAccuracy(upper, o);
    assert.deepEqual([a.tp, a.fp, a.fn, a.precision, a.recall, a.f1], [1, 0, 0, 1, 1, 1]);
  });

  it("reports 0/0 as NaN rather than inventing a figure", () => {
    const a = szzAccuracy(new Map(), oracle, { scope: "all" });
    assert.ok(Number.isNaN(a.precision));
    assert.equal(a.recall, 0);
    assert.ok(Number.isNaN(a.f1));
    assert.equal(szzAccuracy(new Map([[sha("1"), set(sha("e"))]]), oracle).f1, 0);
  });
});

describe("predictedFromLabels (declared exclusion)", () => {
  const jsonl = [
    JSON.stringify({
      fix: sha("1"),
      inducing: [
        { commit: sha("a"), via: ["declared"] },
        { commit: sha("b"), via: ["blame", "declared"] },
        { commit: sha("e"), via: ["blame"] },
      ],
      reasons: ["keyword", "declared"],
      issues: [],
    }),
    "",
    JSON.stringify({
      fix: sha("2"),
      inducing: [{ commit: sha("c"), via: ["declared"] }],
      reasons: ["declared"],
    }),
    JSON.stringify({ fix: sha("3"), inducing: [{ commit: sha("d"), via: ["blame"] }] }),
  ].join("\n");
  const oracle = new Map([
    [sha("1"), set(sha("a"), sha("b"))],
    [sha("2"), set(sha("c"))],
    [sha("3"), set(sha("d"))],
  ]);

  it("drops declared-only links and keeps blame+declared as blame", () => {
    const p = predictedFromLabels(parseLabels(jsonl), { excludeDeclared: true });
    assert.deepEqual(p.get(sha("1")), set(sha("b"), sha("e")));
    assert.deepEqual(p.get(sha("2")), set());
    assert.deepEqual(p.get(sha("3")), set(sha("d")));
    const a = szzAccuracy(p, oracle, { scope: "all" });
    // F1: b right, e wrong, a missed; F2: c missed; F3: d right.
    assert.deepEqual([a.tp, a.fp, a.fn], [2, 1, 2]);
    assert.equal(a.precision, 2 / 3);
    assert.equal(a.recall, 2 / 4);
  });

  it("keeps every link when declared evidence is allowed", () => {
    const p = predictedFromLabels(parseLabels(jsonl), { excludeDeclared: false });
    const a = szzAccuracy(p, oracle);
    assert.deepEqual([a.tp, a.fp, a.fn, a.recall], [4, 1, 0, 1]);
  });

  it("treats a fix that is a fix only through its trailer as not found", () => {
    const fixWord = (m: string) => /\bfix(es)?\b/i.test(m);
    const messages = new Map([
      [sha("1"), withoutDeclarations(`tc: fix the parser\n\nFixes: ${"a".repeat(12)} ("tc: add parser")\n`)],
      [sha("3"), withoutDeclarations(`tc: add a flag\n\nFixes: ${"d".repeat(12)} ("tc: fix flags")\n`)],
    ]);
    assert.equal(messages.get(sha("3"))?.includes("fix"), false);
    const p = predictedFromLabels(parseLabels(jsonl), { excludeDeclared: true });
    const { predicted, dropped } = dropDeclarationOnlyFixes(p, messages, fixWord);
    assert.deepEqual(dropped, [sha("3")]);
    assert.deepEqual([...predicted.keys()], [sha("1"), sha("2")]);
    const found = szzAccuracy(predicted, oracle, { scope: "found" });
    // F1: b right, e wrong, a missed; F2: c missed.
    assert.deepEqual([found.fixes, found.tp, found.fp, found.fn], [2, 1, 1, 2]);
    // In the 'all' scope the dropped F3 now counts as missed.
    const all = szzAccuracy(predicted, oracle, { scope: "all" });
    assert.deepEqual([all.fixes, all.tp, all.fp, all.fn], [3, 1, 1, 3]);
  });

  it("rejects malformed lines with their line number", () => {
    assert.throws(() => parseLabels('{"fix":"x","inducing":[]}\nnot json'), /line 2/);
    assert.throws(() => parseLabels('{"fix":"x","inducing":[{"commit":"y"}]}'), /no "via"/);
    assert.throws(() => parseLabels('{"inducing":[]}'), /"fix"/);
  });
});

describe("CSV oracles", () => {
  it("maps Defects4J fix_head to bic_head, merging rows of one fix", () => {
    const csv = [
      "bug_id,issue,fix_commit,buggy_parent,bic_commit,provenance,fix_head,bic_head,fix_was_on_head,bic_was_on_head",
      `60,LANG-295,${sha("1")},${sha("2")},${sha("3")},Manual,${sha("1")},${sha("4")},True,False`,
      `61,LANG-294,${sha("1")},${sha("2")},${sha("5")},Manual,${sha("1")},${sha("6")},True,False`,
      `62,LANG-1,${sha("7")},${sha("2")},${sha("8")},Wen,${sha("7")},${sha("4")},True,False`,
    ].join("\r\n");
    const o = parseD4jOracle(csv);
    assert.equal(o.size, 2);
    assert.deepEqual(o.get(sha("1")), set(sha("4"), sha("6")));
    assert.deepEqual(o.get(sha("7")), set(sha("4")));
    assert.throws(() => parseD4jOracle("bug_id,fix_commit\n1,abc"), /fix_head, bic_head missing/);
    assert.throws(() => parseD4jOracle(`fix_head,bic_head\n${sha("1")},abc123`), /line 2/);
  });

  it("reads ApacheJIT labels as buggy → true, clean → false", () => {
    const labels = parseJitLabels(`commit,label,on_head\n${sha("a")},buggy,True\n${sha("b")},clean,True\n`);
    assert.deepEqual(
      [...labels],
      [
        [sha("a"), true],
        [sha("b"), false],
      ],
    );
    assert.throws(() => parseJitLabels(`commit,label\n${sha("a")},maybe\n`), /neither buggy nor clean/);
  });

  it("parses quoted CSV fields", () => {
    assert.deepEqual(parseCsv('a,"b,c","d ""e"""\n1,2,3'), [
      ["a", "b,c", 'd "e"'],
      ["1", "2", "3"],
    ]);
  });
});

describe("messageRefs", () => {
  it("finds Fixes: trailers, not issue references, and reverts only when asked", () => {
    const msg = [
      "tc: fix the parser",
      "",
      "This reverts commit 0123456789abcdef0123456789abcdef01234567.",
      "Fixes: #123",
      "Fixes: LANG-1",
      'Fixes: 1d93483985f0 ("iplink: use netlink")',
      "  fixes: commit ABCDEF1",
      "Fixes: 12345 (too short)",
      "Not-Fixes: fedcba9876",
    ].join("\n");
    assert.deepEqual(messageRefs(msg), [
      { sha: "1d93483985f0", how: "fixes-trailer" },
      { sha: "abcdef1", how: "fixes-trailer" },
    ]);
    assert.deepEqual(
      messageRefs(msg, { reverts: true }).map((r) => r.how),
      ["fixes-trailer", "fixes-trailer", "revert"],
    );
  });
});

describe("declaredOracle on a real repository", () => {
  let dir = "";
  const commits: Record<string, string> = {};
  const run = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: dir,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "T",
        GIT_AUTHOR_EMAIL: "t@example.com",
        GIT_COMMITTER_NAME: "T",
        GIT_COMMITTER_EMAIL: "t@example.com",
        GIT_CONFIG_NOSYSTEM: "1",
        HOME: dir,
      },
    }).trim();
  const commit = (name: string, file: string, content: string, message: string) => {
    writeFileSync(join(dir, file), content);
    run("add", file);
    run("commit", "-q", "-m", message);
    commits[name] = run("rev-parse", "HEAD");
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dejafix-szz-"));
    run("init", "-q", "-b", "main");
    commit("a", "a.c", "int a;\n", "add a");
    commit("b", "b.c", "int b;\n", "add b");
    // A commit that only lives on a branch that is never merged: off the history of main.
    run("checkout", "-q", "-b", "side");
    commit("side", "s.c", "int s;\n", "side work");
    run("checkout", "-q", "main");
    const abbrevA = (commits.a ?? "").slice(0, 9);
    commit(
      "fix1",
      "a.c",
      "int a = 0;\n",
      `fix a\n\nFixes: ${abbrevA} ("add a")\nFixes: deadbeefdead ("not here")\n`,
    );
    commit(
      "fix2",
      "b.c",
      "int b = 0;\n",
      `fix b\n\nFixes: ${commits.b}\nFixes: ${(commits.side ?? "").slice(0, 12)} ("side work")\n`,
    );
    commit("revert", "b.c", "int b = 1;\n", `Revert "fix b"\n\nThis reverts commit ${commits.fix2}.\n`);
    // A merge whose message carries a trailer: skipped, the merged commits carry the fix.
    run("checkout", "-q", "-b", "topic");
    commit("t", "t.c", "int t;\n", "topic");
    run("checkout", "-q", "main");
    run("merge", "-q", "--no-ff", "topic", "-m", `Merge topic\n\nFixes: ${(commits.a ?? "").slice(0, 8)}\n`);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("resolves abbreviated trailers and counts what it cannot use", async () => {
    const { oracle, stats, unresolved, messages } = await declaredOracle(dir);
    assert.equal(oracle.size, 2);
    assert.deepEqual(oracle.get(commits.fix1 ?? ""), set(commits.a ?? ""));
    assert.deepEqual(oracle.get(commits.fix2 ?? ""), set(commits.b ?? ""));
    assert.equal(oracle.has(commits.revert ?? ""), false);
    assert.equal(withoutDeclarations(messages.get(commits.fix1 ?? "") ?? "").trim(), "fix a");
    assert.deepEqual(
      {
        refs: stats.refs,
        resolved: stats.resolved,
        missing: stats.missing,
        offHistory: stats.offHistory,
        merges: stats.mergesSkipped,
      },
      { refs: 4, resolved: 2, missing: 1, offHistory: 1, merges: 1 },
    );
    assert.equal(stats.commits, 7);
    const byRef = new Map(unresolved.map((u) => [u.ref, u.why]));
    assert.equal(byRef.size, 2);
    assert.equal(byRef.get("deadbeefdead"), "missing");
    assert.equal(byRef.get((commits.side ?? "").slice(0, 12)), "off-history");
  });

  it("takes reverts as declared links only when asked", async () => {
    const { oracle } = await declaredOracle(dir, { reverts: true });
    assert.deepEqual(oracle.get(commits.revert ?? ""), set(commits.fix2 ?? ""));
  });

  it("reads the history of the revision it is given", async () => {
    const { oracle, stats } = await declaredOracle(dir, { rev: commits.fix1 ?? "" });
    assert.equal(stats.commits, 3);
    assert.deepEqual([...oracle.keys()], [commits.fix1]);
  });
});
