import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { loadBugIssues, readBugIssues } from "../src/history/bugIssues.js";
import { checkFixConfig, classifyCommit, looksLikeSha, normalizeIssueId } from "../src/history/classify.js";

const SHA40 = "0123456789abcdef0123456789abcdef01234567";

describe("classifyCommit: what misfired on real histories", () => {
  it("a closing reference names an issue, not a bug: feature requests are closed that way too", () => {
    assert.equal(classifyCommit("Update: add a strictKeys option to the resolver (fixes #812)").isFix, false);
    assert.equal(classifyCommit("Add --only-changed command line option\n\nFixes #2045").isFix, false);
    assert.equal(classifyCommit("fix #1303: give anonymous nodes their parent's name").isFix, false);
    assert.equal(classifyCommit("Stop the parser crashing on empty input (fixes #12)").isFix, true);
  });

  it("types and scopes a developer uses for other work are not fixes, whatever the body says", () => {
    assert.equal(classifyCommit("refactor(compiler): split the parser\n\nFix type errors").isFix, false);
    assert.equal(classifyCommit("workflow: fix the bundle size comment").isFix, false);
    assert.equal(classifyCommit("fix(deps): update dependency left-pad to ^2.1.0 (#930)").isFix, false);
    assert.equal(classifyCommit("fix(ci): cache the toolchain between jobs").isFix, false);
    assert.equal(classifyCommit("test: fix the snapshot broken by c4e51a9").isFix, false);
    assert.deepEqual(classifyCommit("fix(router): keep query order").reasons, ["conventional", "keyword"]);
    // A subsystem prefix is no conventional type: its keywords still count.
    assert.equal(classifyCommit("net: fix use after free in foo_close()").isFix, true);
  });

  it("a negated mention is no fix; a bug that no longer happens is", () => {
    assert.equal(classifyCommit("Simplify the lexer\n\nNo one ever reported a bug here.").isFix, false);
    assert.equal(classifyCommit("Cache parsed templates; not a regression").isFix, false);
    assert.equal(classifyCommit("Reader no longer crashes on empty files").isFix, true);
  });

  it("the commit list of a squashed branch is not its story", () => {
    const squash = "Add CSV export (#88)\n\n* add exporter\n* fix lint\n* fix crash in tests\n* wip";
    assert.equal(classifyCommit(squash).isFix, false);
    assert.deepEqual(classifyCommit("Add CSV export\n\nThe old path leaks file handles.").reasons, ["body"]);
    assert.equal(classifyCommit("Add CSV export\n\nThe old path leaks file handles.").isFix, false);
  });

  it("a subject that describes a failure as a bug report does is a fix: JIRA-style titles", () => {
    for (const m of [
      "KEY-1886 Queue operation taking longer",
      "KEY-12 Server dies on startup without a config",
      "KEY-1144 KEY-1137 breaks the sharelib",
      "[KEY-857] IndexOutOfBoundsException in TokenReader",
      "Import fails on postgres",
    ])
      assert.deepEqual(classifyCommit(m).reasons, ["symptom"], m);
    for (const m of [
      "Fix failing test on Windows",
      "Remove broken links from the docs",
      "Add a TimeoutError class",
    ])
      assert.ok(!classifyCommit(m).reasons.includes("symptom"), m);
  });
});

describe("classifyCommit: bug-report wording (the model trained on typed issue titles)", () => {
  it("a JIRA-style subject that names a symptom without any keyword is weak evidence of a fix", () => {
    for (const m of [
      "PROJ-84 Cache returns entries of another tenant",
      "PROJ-95 Dashboard shows zero jobs for admin users (ann via bob)",
      "PROJ-96 Retry counter is reset on every poll",
      "PROJ-97 Duplicate rows after a rerun of the loader",
    ]) {
      assert.deepEqual(classifyCommit(m).reasons, ["symptom"], m);
      assert.equal(classifyCommit(m).isFix, true, m);
      // The model is a setting: at 1 it is off, and these subjects carry no evidence at all.
      assert.deepEqual(classifyCommit(m, { wordingThreshold: 1 }).reasons, [], m);
    }
  });

  it("work that was built, changed or documented does not read like a bug report", () => {
    for (const m of [
      "PROJ-99 Allow a custom timezone in the report header",
      "PROJ-100 Make the poll interval configurable",
      "PROJ-101 Document the export flags",
      "PROJ-79 Add retry option to the uploader",
      "PROJ-89 Move helpers into a util package",
    ])
      assert.deepEqual(classifyCommit(m).reasons, [], m);
  });

  it("one issue breaking or regressing after another is a symptom; a named regression is a keyword", () => {
    assert.deepEqual(classifyCommit("PROJ-87 PROJ-60 breaks the nightly export").reasons, ["symptom"]);
    assert.deepEqual(classifyCommit("PROJ-82 Export hangs since PROJ-60").reasons, ["symptom"]);
    assert.deepEqual(classifyCommit("PROJ-91 Report totals regressed after PROJ-60").reasons, ["symptom"]);
    assert.deepEqual(classifyCommit("PROJ-93 Regression of PROJ-60: totals are doubled").reasons, [
      "keyword",
    ]);
    // A follow-up commit of the same issue reads as the issue does.
    assert.deepEqual(classifyCommit("amend PROJ-84 Cache returns entries of another tenant").reasons, [
      "symptom",
    ]);
  });

  it("a cosmetic fix is no symptom, however much its words sound like a bug report", () => {
    for (const m of [
      "Fix typo in the timeout error message",
      "Fix example in the configuration guide",
      "PROJ-80 Typo fixes in the admin guide",
      "PROJ-92 Fix deprecation warnings in the exporter",
      "PROJ-81 [docs] Fix the install page",
      "PROJ-102 [tests] Scheduler test hangs on slow machines",
    ])
      assert.deepEqual(classifyCommit(m).reasons, [], m);
    // A real fault named beside the cosmetic words still counts.
    assert.equal(classifyCommit("PROJ-103 Fix typo in the key that made the cache leak").isFix, true);
  });

  it("the developer's own type wins over the wording", () => {
    assert.equal(classifyCommit("feat(cache): entries of another tenant are never returned").isFix, false);
    assert.equal(classifyCommit("refactor: retry counter is reset on every poll").isFix, false);
  });
});

describe("classifyCommit: keywords", () => {
  it("matches whole keywords in subject and body, case-insensitively", () => {
    assert.deepEqual(classifyCommit("Fix off-by-one in range()").reasons, ["keyword"]);
    // In the body only, a keyword is recorded but makes no fix (half of such commits are none).
    assert.deepEqual(classifyCommit("Parser: handle empty input\n\nThis was a BUG since 2.0").reasons, [
      "body",
    ]);
    assert.equal(classifyCommit("Parser: handle empty input\n\nThis was a BUG since 2.0").isFix, false);
    assert.equal(classifyCommit("Avoid deadlock when closing twice").isFix, true);
    assert.equal(classifyCommit("Plug a memory leak in the cache").isFix, true);
  });

  it("rejects substrings and identifiers that contain a keyword", () => {
    for (const message of [
      "Add prefix option to the logger",
      "Improve debug output",
      "Rename fix_header to normalizeHeader",
      "Call fixHeader() once",
      "Add suffixes and debugger support",
      "Update crashpad dependency",
    ]) {
      const c = classifyCommit(message);
      assert.equal(c.isFix, false, message);
      assert.deepEqual(c.reasons, [], message);
    }
  });

  it("does not count noisy words such as error, issue, patch or fail", () => {
    for (const message of [
      "Improve error handling in the loader",
      "Add issue template",
      "Release patch version 1.2.3",
      "Fail fast when the config is missing",
    ]) {
      assert.ok(!classifyCommit(message).reasons.includes("keyword"), message);
    }
    // Only the wording model may still read a symptom in one ("… when the config is missing").
    for (const message of [
      "Improve error handling in the loader",
      "Add issue template",
      "Release patch version 1.2.3",
    ])
      assert.equal(classifyCommit(message).isFix, false, message);
  });

  it("ignores cosmetic fixes but keeps a real keyword in the same message", () => {
    assert.equal(classifyCommit("Fix typo in README").isFix, false);
    assert.equal(classifyCommit("Fix a few typos and lint warnings").isFix, false);
    assert.equal(classifyCommit("Fix typo that caused a crash on startup").isFix, true);
  });

  it("uses configured keywords and extra patterns instead of the defaults", () => {
    const config = { keywords: ["oops"], patterns: ["\\bQA-REJECT\\b"], wordingThreshold: 1 };
    assert.equal(classifyCommit("oops, wrong branch", config).isFix, true);
    assert.equal(classifyCommit("Marked QA-REJECT by nightly", config).isFix, true);
    assert.equal(classifyCommit("Fix crash", config).isFix, false);
    assert.equal(classifyCommit("Security: CVE-2021-44228 in lookup").isFix, true);
  });
});

describe("classifyCommit: conventional commits", () => {
  it("recognises fix:, fix(scope): and fix!:", () => {
    for (const subject of [
      "fix: handle null",
      "fix(parser): handle null",
      "fix!: drop broken API",
      "Fix(ui)!: x",
    ]) {
      assert.ok(classifyCommit(subject).reasons.includes("conventional"), subject);
    }
    assert.ok(!classifyCommit("fixture: add data").reasons.includes("conventional"));
  });

  it("treats other types as the developer's classification", () => {
    assert.equal(classifyCommit("docs: fix broken sentence").isFix, false);
    assert.equal(classifyCommit("chore: fix the release script bug").isFix, false);
    assert.equal(classifyCommit("feat: add export\n\nCloses #45").isFix, false);
    // A declared origin still counts whatever the type.
    assert.equal(classifyCommit(`refactor: simplify\n\nRegression from ab12cd3.`).isFix, true);
    assert.equal(classifyCommit("docs: fix typo", { conventional: false }).isFix, false);
    assert.equal(classifyCommit("chore: fix bug", { conventional: false }).isFix, true);
  });
});

describe("classifyCommit: issue references", () => {
  it("finds #123, GH-123 and JIRA keys", () => {
    const c = classifyCommit("[LANG-788] SerializationUtils and classloaders\n\nSee #12 and GH-40.");
    assert.deepEqual(c.issues.sort(), ["#12", "#40", "LANG-788"]);
    assert.deepEqual(classifyCommit("See https://issues.apache.org/jira/browse/MATH-1021").issues, [
      "MATH-1021",
    ]);
  });

  it("does not take standards, encodings and entities for issue keys", () => {
    const c = classifyCommit(
      "Read files as UTF-8 and ISO-8859-1, hash with SHA-256\n\nRFC-7231, HTTP-2, x86 X86-64, &#123; C#1 v1.0-RC-1",
    );
    assert.deepEqual(c.issues, []);
    assert.equal(c.isFix, false);
  });

  it("ignores pull request numbers of squash and merge commits", () => {
    assert.deepEqual(classifyCommit("Add an option (#1234)").issues, []);
    assert.equal(classifyCommit("Merge pull request #12 from someone/fix-parser").isFix, false);
    assert.equal(classifyCommit("Merge pull request #12 from someone/x\n\nFix parser crash").isFix, true);
    assert.deepEqual(classifyCommit("Add option for #77 (#1234)").issues, ["#77"]);
  });

  it("with a tracker export, requires a known bug id or a declared link", () => {
    const bugs = new Set(["LANG-788", "#12"]);
    assert.equal(classifyCommit("LANG-788: classloader problem", undefined, bugs).isFix, true);
    const feature = classifyCommit("LANG-900: add StringUtils.foo", undefined, bugs);
    assert.equal(feature.isFix, false);
    assert.deepEqual(feature.issues, ["LANG-900"]);
    // Keywords are still reported, but alone they do not make a fix.
    const keywordOnly = classifyCommit("Fix crash in parser", undefined, bugs);
    assert.deepEqual(keywordOnly.reasons, ["keyword"]);
    assert.equal(keywordOnly.isFix, false);
    assert.equal(classifyCommit("Closes #12", undefined, bugs).isFix, true);
    assert.equal(classifyCommit(`Tidy up\n\nFixes: ab12cd34ef56 ("x")`, undefined, bugs).isFix, true);
  });

  it("counts an untracked issue reference as a fix only when configured to", () => {
    const byDefault = classifyCommit("LANG-788: add option");
    assert.equal(byDefault.isFix, false);
    assert.deepEqual(byDefault.reasons, []);
    assert.deepEqual(byDefault.issues, ["LANG-788"]);
    const any = classifyCommit("LANG-788: add option", { issueRefsAreFixes: true });
    assert.deepEqual(any.reasons, ["issue"]);
    assert.equal(any.isFix, true);
    // A type other than fix still wins over an untracked reference.
    assert.equal(classifyCommit("feat: add export\n\nCloses #45", { issueRefsAreFixes: true }).isFix, false);
  });
});

describe("classifyCommit: declared links and reverts", () => {
  it("reads Linux-style Fixes: trailers", () => {
    const c = classifyCommit(
      'net: stop timer before release\n\nFixes: 1234abcd5678 ("net: add foo timer")\nSigned-off-by: A <a@b>',
    );
    assert.deepEqual(c.declared, [{ sha: "1234abcd5678", how: "fixes-trailer" }]);
    assert.ok(c.reasons.includes("declared"));
  });

  it("reads regression from / introduced in / introduced by / broken by / caused by", () => {
    const c = classifyCommit(
      "Restore sorting\n\nThis is a regression from 9f8e7d6. The bug was introduced in commit " +
        "a1b2c3d4e5 and broken by `b0b0b0b1` after it was caused by https://github.com/o/r/commit/c0ffee12.",
    );
    assert.deepEqual(c.declared, [
      { sha: "9f8e7d6", how: "regression" },
      { sha: "a1b2c3d4e5", how: "introduced-in" },
      { sha: "b0b0b0b1", how: "introduced-in" },
      { sha: "c0ffee12", how: "introduced-in" },
    ]);
  });

  it("accepts only hex words with a digit and a letter, or full shas", () => {
    assert.equal(looksLikeSha("deadbeef"), false);
    assert.equal(looksLikeSha("2019010"), false);
    assert.equal(looksLikeSha("abc1234"), true);
    assert.equal(looksLikeSha("abc123"), false);
    assert.equal(looksLikeSha("1111111111222222222233333333334444444444"), true);
    assert.equal(looksLikeSha("ABC1234"), false);
    const c = classifyCommit("Tweak\n\nintroduced in deadbeef, caused by 20190101, broken by ABC1234E");
    assert.deepEqual(c.declared, []);
    assert.equal(c.isFix, false);
    assert.deepEqual(classifyCommit("Fixes: #123").declared, []);
  });

  it("reads git revert messages, and skips reverts of reverts", () => {
    const c = classifyCommit(`Revert "Add cache"\n\nThis reverts commit ${SHA40}.`);
    assert.deepEqual(c.declared, [{ sha: SHA40, how: "revert" }]);
    assert.deepEqual(c.reasons, ["revert"]);
    assert.equal(c.isFix, true);
    const quoted = classifyCommit(`Explain the history\n\n    This reverts commit ${SHA40}.`);
    assert.deepEqual(quoted.declared, []);
    const reapply = classifyCommit(`Revert "Revert "Add cache""\n\nThis reverts commit ${SHA40}.`);
    assert.equal(reapply.isFix, false);
    assert.deepEqual(reapply.declared, []);
  });

  it("does not take cherry-pick notes for links or issues", () => {
    const c = classifyCommit(`Add option\n\n(cherry picked from commit ${SHA40})`);
    assert.equal(c.isFix, false);
    assert.deepEqual(c.declared, []);
  });

  it("reports invalid configured regular expressions", () => {
    const problems = checkFixConfig({ patterns: ["ok", "(unclosed"], issueKeyPattern: "[A-Z" });
    assert.deepEqual(
      problems.map((p) => [p.field, p.index]),
      [
        ["patterns", 1],
        ["issueKeyPattern", -1],
      ],
    );
  });
});

describe("normalizeIssueId", () => {
  it("normalises the forms trackers and messages use", () => {
    assert.equal(normalizeIssueId("#0012"), "#12");
    assert.equal(normalizeIssueId("GH-7"), "#7");
    assert.equal(normalizeIssueId("42"), "#42");
    assert.equal(normalizeIssueId("lang-788"), "LANG-788");
    assert.equal(normalizeIssueId("not an id"), null);
  });
});

describe("loadBugIssues", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-bugs-"));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads a plain list with comments", () => {
    const file = write("bugs.txt", "# bugs exported 2024-05-01\nLANG-788\n\n#12\nGH-13\n14\n");
    assert.deepEqual([...loadBugIssues(file)].sort(), ["#12", "#13", "#14", "LANG-788"]);
  });

  it("names the file and line of a bad entry", () => {
    const file = write("bad.txt", "LANG-1\nnot an id\n");
    assert.throws(() => loadBugIssues(file), {
      message: `${file}:2: "not an id" is not an issue id (expected #123, GH-123, 123 or KEY-123)`,
    });
  });

  it("reads a CSV with quoted fields and keeps only bugs when a type column exists", () => {
    const file = write(
      "jira.csv",
      'Summary,Issue key,Issue Type,Created\n"Crash, when ""x"" is null",LANG-1,Bug,2012-03-04 10:00\n' +
        '"multi\nline",LANG-2,Improvement,2012-03-05\nNPE,LANG-3,bug,2012-03-06\n',
    );
    assert.deepEqual([...loadBugIssues(file)], ["LANG-1", "LANG-3"]);
    assert.deepEqual(readBugIssues(file)[0], { id: "LANG-1", created: "2012-03-04 10:00" });
  });

  it("rejects a CSV without an id column and names the header line", () => {
    const file = write("nocol.csv", "summary,type\nx,Bug\n");
    assert.throws(
      () => loadBugIssues(file),
      (err: Error) => {
        assert.match(err.message, /nocol\.csv:1: no id column/);
        return true;
      },
    );
  });

  it("names the line of a bad CSV id", () => {
    const file = write("badid.csv", "id\n12\noops\n");
    assert.throws(
      () => loadBugIssues(file),
      (err: Error) => {
        assert.match(err.message, /badid\.csv:3: "oops" is not an issue id/);
        return true;
      },
    );
  });

  it("reads a JSON array and a JIRA export, keeping only Bug issue types", () => {
    const list = write("list.json", '["LANG-5", 17, "#18"]');
    assert.deepEqual([...loadBugIssues(list)], ["LANG-5", "#17", "#18"]);
    const jira = write(
      "jira.json",
      JSON.stringify(
        {
          issues: [
            {
              key: "MATH-1",
              fields: { issuetype: { name: "Bug" }, created: "2013-01-01T00:00:00.000+0000" },
            },
            { key: "MATH-2", fields: { issuetype: { name: "New Feature" } } },
          ],
        },
        null,
        2,
      ),
    );
    assert.deepEqual(readBugIssues(jira), [{ id: "MATH-1", created: "2013-01-01T00:00:00.000+0000" }]);
    const github = write(
      "gh.json",
      JSON.stringify([
        { number: 3, labels: [{ name: "type: bug" }], created_at: "2020-01-01T00:00:00Z" },
        { number: 4, labels: [{ name: "enhancement" }] },
      ]),
    );
    assert.deepEqual([...loadBugIssues(github)], ["#3"]);
  });

  it("names the line of a JSON syntax error and of a bad element", () => {
    const broken = write("broken.json", '[\n  "LANG-1",\n  ]x\n');
    assert.throws(
      () => loadBugIssues(broken),
      (err: Error) => {
        assert.match(err.message, /broken\.json:3:/);
        return true;
      },
    );
    const bad = write("badel.json", '[\n  "LANG-1",\n  {"summary": "no id"}\n]\n');
    assert.throws(
      () => loadBugIssues(bad),
      (err: Error) => {
        assert.match(err.message, /badel\.json:3: .*no id/);
        return true;
      },
    );
  });

  it("says which file is missing", () => {
    const missing = path.join(dir, "nope.csv");
    assert.throws(
      () => loadBugIssues(missing),
      (err: Error) => {
        assert.match(err.message, /nope\.csv: cannot read the bug issue list/);
        return true;
      },
    );
  });
});

it("a (#N) subject suffix counts as a bug reference when the tracker export lists #N", () => {
  const msg = "Report sample-set sizes in mean_response_time (#87)";
  assert.equal(classifyCommit(msg).isFix, false, "without an export the suffix is a pull-request number");
  assert.equal(classifyCommit(msg, undefined, new Set(["#88"])).isFix, false);
  const c = classifyCommit(msg, undefined, new Set(["#87"]));
  assert.equal(c.isFix, true);
  assert.deepEqual(c.issues, ["#87"]);
});

describe("classifyCommit: a team's own expressions run under a time limit", () => {
  const BOMB = `${"a".repeat(35)}!`;

  it("a pattern that backtracks without bound counts as no match, says so once by its rules key, and the others still work", () => {
    const config = { patterns: ["^(a+)+$", "\\bSEC-\\d+\\b"] };
    const notices: string[] = [];
    const r = classifyCommit(BOMB, config, undefined, (n) => notices.push(n));
    assert.equal(r.isFix, false);
    assert.equal(notices.length, 1, notices.join("\n"));
    assert.match(notices[0] ?? "", /^fixes\.patterns\[0\] \("\^\(a\+\)\+\$"\) took longer than 250 ms/);
    // Switched off from then on (no second wait, no second notice); the other pattern still marks fixes.
    assert.equal(classifyCommit("aaaa", config, undefined, (n) => notices.push(n)).isFix, false);
    assert.equal(
      classifyCommit("Patch SEC-42 in the parser", config, undefined, (n) => notices.push(n)).isFix,
      true,
    );
    assert.equal(notices.length, 1);
    // A fresh config with the same pattern matches where it is fast: the limit, not a blacklist.
    assert.deepEqual(classifyCommit("aaaa", { patterns: ["^(a+)+$"] }).reasons, ["keyword"]);
  });

  it("an ignore phrase or an issue key pattern that backtracks without bound is switched off the same way", () => {
    const notices: string[] = [];
    const ignore = classifyCommit(`fix ${BOMB}`, { ignore: ["(a|aa)+$"] }, undefined, (n) => notices.push(n));
    assert.equal(ignore.isFix, true, "with the ignore phrase off, the keyword counts");
    const key = classifyCommit(
      `Release ${"1".repeat(32)}!`,
      { issueKeyPattern: "(\\w|\\d)+$" },
      undefined,
      (n) => notices.push(n),
    );
    assert.deepEqual(key.issues, []);
    assert.deepEqual(
      notices.map((n) => n.split(" ")[0]),
      ["fixes.ignore[0]", "fixes.issueKeyPattern"],
    );
  });

  it("a team's own fast expressions give the same answers as before", () => {
    const config = {
      patterns: ["\\bSEC-\\d+\\b"],
      ignore: ["\\bfix(?:es)? the build\\b"],
      issueKeyPattern: "[A-Z]+-\\d+",
    };
    assert.deepEqual(classifyCommit("Fix the build for SEC-9", config).reasons, ["keyword"]);
    assert.deepEqual(classifyCommit("fixes the build", config).reasons, []);
    assert.deepEqual(classifyCommit("Tidy up\n\nSee PROJ-7 and #12", config).issues, ["#12", "PROJ-7"]);
  });
});
