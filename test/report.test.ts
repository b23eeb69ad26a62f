import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { readCommitChange } from "../src/git/readChange.js";
import { colorEnabled, colors } from "../src/report/colors.js";
import { renderJson } from "../src/report/renderJson.js";
import { renderSarif, sarifLog } from "../src/report/renderSarif.js";
import { renderText } from "../src/report/renderText.js";
import { sanitize, sanitizeLine } from "../src/report/sanitize.js";
import type { MatchReport, ReportItem, Verdict } from "../src/verdict/types.js";

/** Anything a terminal could act on; SGR colour codes are removed first when colours are on. */
const DANGEROUS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const SGR = /\x1b\[[0-9;]*m/g;

const plain = colors({ env: { NO_COLOR: "1" } });

function match(over: Partial<MatchReport> = {}): MatchReport {
  return {
    path: "src/parse.ts",
    startLine: 10,
    endLine: 24,
    similarity: 0.92,
    defect: {
      sha: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
      subject: "Add tokenizer cache",
      message: "Add tokenizer cache\n\nSpeeds up lexing of large files.",
      date: "2023-04-02T10:00:00Z",
      path: "src/lex.ts",
    },
    fix: {
      sha: "e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3",
      subject: "Fix stale cache on reset (#482)",
      message: "Fix stale cache on reset (#482)\n\nThe cache kept tokens of the previous file.",
      date: "2023-05-10T09:30:00Z",
    },
    issues: ["#482"],
    suggestion: {
      diff: "--- a/src/parse.ts\n+++ b/src/parse.ts\n@@ -12,1 +12,2 @@\n   reset() {\n+    this.cache.clear();\n",
      placed: true,
      appliesCleanly: true,
    },
    recurrence: { kind: "copy", lines: [12] },
    evidence: "strong",
    ...over,
  };
}

function verdict(over: Partial<Verdict> = {}): Verdict {
  return {
    level: "red",
    action: "warn",
    score: { value: 0.83, percentile: 93, reasons: ["touches 14 files", "author is new to src/parser"] },
    matches: [match()],
    notices: [],
    ...over,
  };
}

describe("sanitize", () => {
  test("removes CSI, OSC (BEL and ST), DCS, 8-bit C1 sequences, C0 controls and bidi marks", () => {
    const nasty =
      "a\x1b[31mred\x1b[0m b\x1b]8;;http://evil.example\x07link\x1b]8;;\x1b\\ c\x1b[2J\x1bPq#0;2;0;0;0\x1b\\d" +
      "\x9b31me\x9d0;title\x07f \u202eevil\u202c g\x07\x08\rh\x7f";
    const out = sanitize(nasty);
    assert.equal(out, "ared blink cdef evil gh");
    assert.doesNotMatch(out, DANGEROUS);
  });

  test("keeps newlines, tabs and ordinary Unicode; CRLF becomes LF", () => {
    assert.equal(sanitize("été\t日本\r\nnext"), "été\t日本\nnext");
    assert.equal(sanitizeLine("one\ntwo\tthree"), "one two three");
  });

  test("an unterminated OSC cannot swallow the rest into the terminal", () => {
    const out = sanitize("before\x1b]0;set title forever");
    assert.doesNotMatch(out, DANGEROUS);
    assert.ok(out.startsWith("before"));
  });
});

describe("escape injection through a real commit", () => {
  let dir = "";
  let sha = "";
  const message =
    "Harmless \x1b]8;;http://evil.example\x07click here\x1b]8;;\x07\x1b[2J\n\nbody \u202eenil\u202c \x9b2J";
  const content = "const ok = 1;\nconst trap = '\x1b[31m\u202e';\n";
  const git = (args: string[], input?: string) =>
    execFileSync("git", args, {
      cwd: dir,
      encoding: "utf8",
      input,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "T",
        GIT_AUTHOR_EMAIL: "t@e",
        GIT_COMMITTER_NAME: "T",
        GIT_COMMITTER_EMAIL: "t@e",
      },
    });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dejafix-report-"));
    git(["init", "-q"]);
    writeFileSync(join(dir, "trap.ts"), content);
    git(["add", "trap.ts"]);
    git(["commit", "-q", "-m", "first"]);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test("commit message and file content reach the terminal without any control sequence", () => {
    writeFileSync(join(dir, "trap.ts"), `${content}// more\n`);
    git(["add", "trap.ts"]);
    git(["commit", "-q", "--cleanup=verbatim", "-F", "-"], message);
    sha = git(["rev-parse", "HEAD"]).trim();
    const stored = git(["log", "-1", "--format=%B", sha]);
    assert.ok(stored.includes("\x1b]8;;"), "the commit really carries the escape");
    const change = readCommitChange(dir, sha);
    const newText = change.files[0]?.newText ?? "";
    assert.ok(newText.includes("\x1b[31m"), "the file really carries the escape");
    const subject = stored.split("\n")[0] ?? "";
    const v = verdict({
      matches: [
        match({
          path: "trap\x1b[8m.ts",
          defect: { sha, subject, message: stored, path: "trap.ts" },
          fix: { sha, subject, message: stored },
          issues: ["#1\x1b[5m"],
          suggestion: {
            diff: `--- a/trap.ts\n+++ b/trap.ts\n@@ -1 +1 @@\n-${newText.split("\n")[1]}\n+ok\n`,
            placed: true,
            appliesCleanly: null,
          },
        }),
      ],
      notices: ["file \x1b[2Jname"],
    });
    for (const c of [plain, colors({ env: { FORCE_COLOR: "1" } })]) {
      const out = renderText(v, { colors: c, maxBodyLines: 5 }).replace(SGR, "");
      assert.doesNotMatch(out, DANGEROUS);
      assert.ok(out.includes("click here"), "visible text survives");
      assert.ok(out.includes("const trap"), "the diff line is still shown");
    }
    const json = renderJson([{ verdict: v, commit: sha }]);
    assert.doesNotMatch(json, DANGEROUS);
    const parsed = JSON.parse(json) as { results: Array<{ matches: MatchReport[] }> };
    assert.equal(
      parsed.results[0]?.matches[0]?.defect.message,
      stored,
      "JSON keeps the exact message, escaped",
    );
    const sarif = renderSarif([{ verdict: v, commit: sha }], { toolVersion: "0.0.0" });
    assert.doesNotMatch(sarif, DANGEROUS);
  });
});

describe("colours", () => {
  test("NO_COLOR wins, FORCE_COLOR forces, otherwise only a TTY gets colour", () => {
    assert.equal(colorEnabled({ env: {}, isTTY: true }), true);
    assert.equal(colorEnabled({ env: {}, isTTY: false }), false);
    assert.equal(colorEnabled({ env: { TERM: "dumb" }, isTTY: true }), false);
    assert.equal(colorEnabled({ env: { NO_COLOR: "1" }, isTTY: true }), false);
    assert.equal(colorEnabled({ env: { NO_COLOR: "" }, isTTY: true }), true, "an empty NO_COLOR is unset");
    assert.equal(colorEnabled({ env: { FORCE_COLOR: "1" }, isTTY: false }), true);
    assert.equal(colorEnabled({ env: { FORCE_COLOR: "0" }, isTTY: true }), false);
    assert.equal(colorEnabled({ env: { NO_COLOR: "1", FORCE_COLOR: "1" }, isTTY: true }), false);
  });

  test("rendered output carries SGR codes only when colour is on", () => {
    const v = verdict({ action: "block" });
    const off = renderText(v, { colors: colors({ env: { NO_COLOR: "1" }, isTTY: true }) });
    const on = renderText(v, { colors: colors({ env: { FORCE_COLOR: "1" }, isTTY: false }) });
    assert.doesNotMatch(off, /\x1b/);
    assert.match(on, /\x1b\[31m/);
    assert.equal(on.replace(SGR, ""), off);
  });
});

describe("text renderer", () => {
  test("an ordinary change prints nothing, or one dim line when verbose", () => {
    const pass = verdict({ action: "pass", level: "green", matches: [] });
    assert.equal(renderText(pass, { colors: plain }), "");
    const line = renderText(pass, { colors: plain, verbose: true });
    assert.equal(line.split("\n").length, 1);
    assert.match(line, /score 0\.83/);
  });

  test("a risky change shows score, level, reasons, the past defect, its fix, issues and the adapted diff", () => {
    const out = renderText(verdict({ action: "block" }), { colors: plain });
    assert.match(out, /score 0\.83 \(riskier than 93% of this repository's commits\), level red → blocked/);
    assert.match(out, /why: touches 14 files; author is new to src\/parser/);
    assert.match(out, /writes a past bug again at src\/parse\.ts:12 · block 92% similar · link strong/);
    assert.match(out, /introduced by a1b2c3d4e5 Add tokenizer cache \(2023-04-02\) in src\/lex\.ts/);
    assert.match(out, /Speeds up lexing/);
    assert.match(out, /fixed by +e4f5a6b7c8 Fix stale cache on reset \(#482\) \(2023-05-10\)/);
    assert.match(out, /issues: #482/);
    assert.match(out, /applies cleanly/);
    assert.match(out, /\+ {4}this\.cache\.clear\(\);/);
  });

  test("a match without a score still explains itself; long diffs are cut with a count", () => {
    const long = Array.from({ length: 50 }, (_, i) => `+line ${i}`).join("\n");
    const v = verdict({
      score: undefined,
      matches: [
        match({
          suggestion: {
            diff: long,
            placed: false,
            appliesCleanly: null,
            why: "its brackets would not balance",
          },
        }),
      ],
    });
    const out = renderText(v, { colors: plain, maxDiffLines: 10 });
    assert.match(out, /this change writes a past bug again → warning/);
    assert.match(
      out,
      /as it was in src\/lex\.ts \(not placed in your code: its brackets would not balance\)/,
    );
    assert.match(out, /… 40 more lines/);
    assert.doesNotMatch(out, /line 10\b/);
  });
});

describe("SARIF", () => {
  const items: ReportItem[] = [
    {
      verdict: verdict({ action: "block", decidedBy: "level" }),
      commit: null,
      anchor: { path: "src/parse.ts", line: 12 },
    },
    { verdict: verdict({ action: "pass", matches: [] }), commit: "abc", anchor: { path: "x.ts", line: 1 } },
    {
      verdict: verdict({
        action: "warn",
        score: undefined,
        matches: [match({ path: "dir with space/a#b.ts", startLine: 0 })],
      }),
      commit: "def",
    },
  ];

  test("has the fields SARIF 2.1.0 requires, for every result", () => {
    const log = JSON.parse(renderSarif(items, { toolVersion: "1.2.3" })) as ReturnType<typeof sarifLog>;
    assert.equal(log.version, "2.1.0");
    assert.equal(typeof log.$schema, "string");
    assert.equal(log.runs.length, 1);
    const run = log.runs[0]!;
    assert.equal(run.tool.driver.name, "dejafix");
    const ruleIds = new Set<string>(run.tool.driver.rules.map((r) => r.id));
    // block: one match + one score result; pass: nothing; warn: one match result.
    assert.equal(run.results.length, 3);
    for (const r of run.results) {
      assert.ok(ruleIds.has(r.ruleId), `rule ${r.ruleId} is declared`);
      assert.ok(["error", "warning", "note", "none"].includes(r.level));
      assert.equal(typeof r.message.text, "string");
      assert.ok(r.message.text.length > 0);
      assert.ok(r.locations.length > 0);
      for (const loc of r.locations) {
        assert.equal(typeof loc.physicalLocation.artifactLocation.uri, "string");
        assert.ok(Number.isInteger(loc.physicalLocation.region.startLine));
        assert.ok(loc.physicalLocation.region.startLine >= 1);
      }
    }
    assert.deepEqual(
      run.results.map((r) => [r.ruleId, r.level]),
      [
        ["recurring-defect", "error"],
        ["risky-change", "error"],
        ["recurring-defect", "warning"],
      ],
    );
    assert.equal(run.results[1]?.locations[0]?.physicalLocation.region.startLine, 12);
    assert.equal(
      run.results[2]?.locations[0]?.physicalLocation.artifactLocation.uri,
      "dir%20with%20space/a%23b.ts",
    );
  });

  test("every rule is described for code scanning, and the tool says where to learn about it", () => {
    const run = sarifLog(items, { toolVersion: "1" }).runs[0]!;
    assert.match(run.tool.driver.informationUri, /^https:\/\//);
    for (const r of run.tool.driver.rules) {
      assert.ok(r.fullDescription.text.length > r.shortDescription.text.length, r.id);
      assert.ok(r.help.text.includes("What to do"), r.id);
      assert.doesNotMatch(r.id, /\//, "a plain id: SARIF reads a / as a sub-rule");
    }
    for (const res of run.results)
      assert.equal(run.tool.driver.rules[res.ruleIndex]?.id, res.ruleId, "ruleIndex points at the rule");
  });

  test("a risky change is reported only when its level set the verdict, at the verdict's level", () => {
    const scored = (over: Partial<Verdict>) =>
      sarifLog([{ verdict: verdict(over), commit: "c1", anchor: { path: "a.ts", line: 3 } }], {
        toolVersion: "1",
      }).runs[0]!.results.map((r) => [r.ruleId, r.level]);
    // A match warned (match mode) while the score reached no level: the match only, no risky change.
    assert.deepEqual(scored({ level: "none", action: "warn", decidedBy: "match" }), [
      ["recurring-defect", "warning"],
    ]);
    // Two-phase without a match: the level was reached, but the hook let it through.
    assert.deepEqual(scored({ level: "red", action: "pass", matches: [] }), []);
    // The level warned: one warning, no error.
    assert.deepEqual(scored({ level: "yellow", action: "warn", decidedBy: "level", matches: [] }), [
      ["risky-change", "warning"],
    ]);
    // A match below every level is a note, as the hook's one quiet line.
    assert.deepEqual(scored({ level: "none", action: "note", decidedBy: "match" }), [
      ["recurring-defect", "note"],
    ]);
  });

  test("fingerprints differ per file, per commit and per place, and stay put when lines move", () => {
    const fp = (its: ReportItem[]) =>
      sarifLog(its, { toolVersion: "1" }).runs[0]!.results.map(
        (r) => Object.values(r.partialFingerprints)[0],
      );
    const one = (path: string, startLine: number) =>
      match({ path, startLine, recurrence: { kind: "copy", lines: [startLine] } });
    // The same past defect written again in five files by one commit (a range gives one verdict per commit).
    const five = ["a.ts", "b.ts", "c.ts", "d.ts", "e.ts"].map((p) => ({
      verdict: verdict({ action: "warn", matches: [one(p, 5)] }),
      commit: `c-${p}`,
    }));
    assert.equal(new Set(fp(five)).size, 5);
    // Same file, two commits; same file, one commit, two places.
    const twoCommits = fp([
      { verdict: verdict({ matches: [one("a.ts", 5)] }), commit: "c1" },
      { verdict: verdict({ matches: [one("a.ts", 5)] }), commit: "c2" },
    ]);
    assert.notEqual(twoCommits[0], twoCommits[1]);
    const twoPlaces = fp([
      { verdict: verdict({ matches: [one("a.ts", 40), one("a.ts", 5)] }), commit: "c1" },
    ]);
    assert.equal(new Set(twoPlaces).size, 2);
    // Lines added above the bug move it, and the alert stays the same one.
    assert.deepEqual(
      fp([{ verdict: verdict({ matches: [one("a.ts", 5)] }), commit: "c1" }]),
      fp([{ verdict: verdict({ matches: [one("a.ts", 25)] }), commit: "c1" }]),
    );
  });

  test("a clean run is still a valid log with no results", () => {
    const log = sarifLog([{ verdict: verdict({ action: "pass", matches: [] }), commit: null }], {
      toolVersion: "1",
    });
    assert.equal(log.runs[0]?.results.length, 0);
    assert.equal(log.runs[0]?.tool.driver.version, "1");
  });
});
