import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { classifyCommit } from "../src/history/classify.js";
import { defaultRules } from "../src/rules/defaults.js";
import {
  DEFAULT_RULES_FILE,
  defaultRulesText,
  loadRules,
  MAX_RULES_BYTES,
  parseRules,
  RulesError,
  SCHEMA_FILE,
} from "../src/rules/loadRules.js";
import { generatedReason, isGeneratedPath, isIgnoredPath, isTestPath } from "../src/rules/paths.js";
import { activeLevelAction, levelForScore, parseRuleTime } from "../src/rules/schedule.js";
import type { Rules } from "../src/rules/types.js";
import { decideVerdict } from "../src/rules/verdict.js";

const FILE = ".dejafix/rules.yml";

function errorOf(text: string): RulesError {
  try {
    parseRules(text, FILE);
  } catch (err) {
    assert.ok(err instanceof RulesError, `expected a RulesError, got ${String(err)}`);
    return err;
  }
  assert.fail(`rules were accepted:\n${text}`);
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}

interface SchemaNode {
  default?: unknown;
  properties?: Record<string, SchemaNode>;
}

describe("defaults", () => {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as SchemaNode;

  it("loadRules(null) gives the built-in defaults", () => {
    const rules = loadRules(null);
    assert.deepEqual(rules, defaultRules());
    assert.equal(rules.clones.threshold, 0.3);
    assert.equal(rules.szz.maxFiles, 200);
    assert.deepEqual(
      Object.entries(rules.levels).map(([name, l]) => [name, l.percentile, l.action]),
      [
        ["yellow", 90, "warn"],
        ["weekend", 95, "block"],
        ["red", 50, "block"],
      ],
    );
  });

  it("rules/default.rules.yml validates against the schema and equals the defaults", () => {
    const text = fs.readFileSync(DEFAULT_RULES_FILE, "utf8");
    assert.match(text.split("\n")[0]!, /^# yaml-language-server: \$schema=\S+rules\.schema\.json$/);
    const ajv = new Ajv({ allErrors: true, strict: false });
    const valid = ajv.validate(schema, parse(text));
    assert.equal(valid, true, ajv.errorsText());
    const rules = parseRules(text, FILE);
    assert.deepEqual({ ...rules, source: null }, defaultRules());
  });

  it("the schema's defaults equal the built-in defaults", () => {
    const defaults: unknown = defaultRules();
    let compared = 0;
    const walk = (node: SchemaNode, value: unknown, at: string) => {
      if (node.default !== undefined) {
        assert.deepEqual(withoutNulls(node.default), withoutNulls(value), `default of ${at}`);
        compared++;
      }
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        walk(child, (value as Record<string, unknown>)[key], `${at}.${key}`);
      }
    };
    walk(schema, defaults, "rules");
    // Every leaf setting carries a default for editors.
    assert.ok(compared >= 40, `only ${compared} defaults compared`);
  });

  it("writes the schema reference it is given on the first line", () => {
    const text = defaultRulesText("../node_modules/dejafix/rules/rules.schema.json");
    assert.equal(
      text.split("\n")[0],
      "# yaml-language-server: $schema=../node_modules/dejafix/rules/rules.schema.json",
    );
    assert.deepEqual({ ...parseRules(text, FILE), source: null }, defaultRules());
  });

  it("an empty or comment-only file gives the defaults", () => {
    assert.deepEqual({ ...parseRules("", FILE), source: null }, defaultRules());
    assert.deepEqual({ ...parseRules("# nothing yet\n", FILE), source: null }, defaultRules());
    assert.equal(parseRules("", FILE).source, FILE);
  });
});

describe("merging onto the defaults", () => {
  it("merges mappings key by key and replaces lists", () => {
    const rules = parseRules(
      "clones:\n  threshold: 0.2\npaths:\n  ignore: [legacy/**]\nhooks:\n  prePush:\n    levels: [red]\n",
      FILE,
    );
    assert.equal(rules.clones.threshold, 0.2);
    assert.equal(rules.clones.minLines, 10);
    assert.deepEqual(rules.paths.ignore, ["legacy/**"]);
    assert.deepEqual(rules.paths.generated, defaultRules().paths.generated);
    assert.deepEqual(rules.hooks.prePush, {
      enabled: true,
      levels: ["red"],
      timeBudgetMs: 10000,
      maxCommits: 100,
    });
  });

  it("a level's new threshold replaces the default one; new levels default to warn", () => {
    const rules = parseRules("levels:\n  yellow:\n    score: 0.7\n  orange:\n    percentile: 80\n", FILE);
    assert.deepEqual(rules.levels.yellow, {
      percentile: null,
      score: 0.7,
      action: "warn",
      description: defaultRules().levels.yellow!.description,
    });
    assert.deepEqual(rules.levels.orange, { percentile: 80, score: null, action: "warn", description: "" });
    assert.ok(rules.levels.red, "default levels are kept");
  });

  it("fills freeze windows and branch rules with their defaults", () => {
    const rules = parseRules(
      "schedule:\n  freezes:\n    - from: 2025-11-27\n      to: 2025-12-01\n  branches:\n    - match: release/**\n",
      FILE,
    );
    assert.deepEqual(rules.schedule.freezes, [
      {
        name: "freeze",
        from: "2025-11-27",
        to: "2025-12-01",
        levels: ["red"],
        branches: ["**"],
        hooks: ["pre-commit", "pre-push"],
      },
    ]);
    assert.deepEqual(rules.schedule.branches, [
      { match: "release/**", levels: [], replace: false, hooks: ["pre-commit", "pre-push"] },
    ]);
  });

  it("gives fix detection settings that classifyCommit accepts", () => {
    const rules = parseRules(
      "fixes:\n  keywords: [oops]\n  conventional: false\n  wordingThreshold: 1\n",
      FILE,
    );
    assert.equal(classifyCommit("oops: forgot a file", rules.fixes).isFix, true);
    assert.equal(classifyCommit("Fix crash", rules.fixes).isFix, false);
    // With the wording model on, a subject that reads like a bug report is a symptom whatever the keywords.
    const worded = parseRules("fixes:\n  keywords: [oops]\n", FILE);
    assert.deepEqual(classifyCommit("Fix crash", worded.fixes).reasons, ["symptom"]);
    assert.throws(() => parseRules("fixes:\n  wordingThreshold: 2\n", FILE), /fixes\.wordingThreshold/);
    assert.equal(classifyCommit("Fix crash", loadRules(null).fixes).isFix, true);
  });
});

describe("errors name the line, the column and the field", () => {
  const cases: [string, string, string][] = [
    [
      "wrong type",
      "version: 1\nlevels:\n  red:\n    percentile: ten\n",
      `${FILE}:4:5: levels.red.percentile: must be a number from 0 to 100 (got "ten")`,
    ],
    [
      "out of range",
      "clones:\n  threshold: 1.5\n",
      `${FILE}:2:3: clones.threshold: must be a number from 0 to 1 (got 1.5)`,
    ],
    [
      "integer",
      "clones:\n  minLines: 2.5\n",
      `${FILE}:2:3: clones.minLines: must be a whole number of at least 1 (got 2.5)`,
    ],
    [
      "empty value",
      "hooks:\n  timeBudgetMs:\n",
      `${FILE}:2:3: hooks.timeBudgetMs: must be a whole number from 100 to 600000 (got nothing)`,
    ],
    [
      "enum with suggestion",
      "levels:\n  red:\n    action: blok\n",
      `${FILE}:3:5: levels.red.action: must be one of warn, block or off (got "blok"); did you mean "block"?`,
    ],
    [
      "enum list item",
      "schedule:\n  weekend:\n    days: [friday, sat]\n",
      `${FILE}:3:20: schedule.weekend.days[1]: must be one of monday, tuesday, wednesday, thursday, friday, saturday or sunday (got "sat"); did you mean "saturday"?`,
    ],
    [
      "list expected",
      "paths:\n  ignore: vendor/**\n",
      `${FILE}:2:3: paths.ignore: must be a list (got "vendor/**")`,
    ],
    [
      "date pattern",
      "schedule:\n  freezes:\n    - from: Dec 1\n      to: 2025-12-01\n",
      `${FILE}:3:7: schedule.freezes[0].from: must be a date like 2025-11-27 or a date and time like 2025-11-27T18:00 (got "Dec 1")`,
    ],
    [
      "missing key",
      "schedule:\n  freezes:\n    - name: x\n      to: 2025-12-01\n",
      `${FILE}:3:7: schedule.freezes[0]: missing "from" (a date like 2025-11-27 or a date and time like 2025-11-27T18:00)`,
    ],
    [
      "bad level name",
      "levels:\n  Orange:\n    percentile: 80\n",
      `${FILE}:2:3: levels.Orange: the name "Orange" must be a level name in lower case (a-z, 0-9, -)`,
    ],
    [
      "not a mapping",
      "- a\n- b\n",
      `${FILE}:1:1: must be a mapping of keys (version:, levels:, schedule:, ...)`,
    ],
    ["version", "version: 2\n", `${FILE}:1:1: version: must be 1 (got 2)`],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => {
      const err = errorOf(text);
      assert.equal(err.message, message);
      assert.equal(err.kind, "invalid");
    });
  }

  it("suggests the key meant for an unknown key", () => {
    assert.equal(
      errorOf("clones:\n  treshold: 0.2\n").message,
      `${FILE}:2:3: clones.treshold: unknown key "treshold"; did you mean "threshold"?`,
    );
    assert.equal(
      errorOf("hooks:\n  time_budget_ms: 500\n").message,
      `${FILE}:2:3: hooks.time_budget_ms: unknown key "time_budget_ms"; did you mean "timeBudgetMs"?`,
    );
    assert.equal(
      errorOf("clones:\n  colour: red\n").message,
      `${FILE}:2:3: clones.colour: unknown key "colour" (expected threshold, minLines, excludeTests, exclude or copySimilarity)`,
    );
    assert.equal(
      errorOf("verdict:\n  mode: either\nschedul:\n  always: []\n").message,
      `${FILE}:3:1: schedul: unknown key "schedul"; did you mean "schedule"?`,
    );
  });

  it("reports every problem, in file order", () => {
    const err = errorOf("clones:\n  threshold: -1\nhooks:\n  failure: maybe\n");
    assert.deepEqual(
      err.issues.map((i) => [i.line, i.path]),
      [
        [2, "clones.threshold"],
        [4, "hooks.failure"],
      ],
    );
    assert.equal(err.message.split("\n").length, 2);
  });

  it("checks level names used by the schedule", () => {
    assert.equal(
      errorOf("schedule:\n  always: [yellow, wekend]\n").message,
      `${FILE}:2:20: schedule.always[1]: unknown level "wekend"; did you mean "weekend"? (levels: yellow, weekend, red)`,
    );
    assert.equal(
      errorOf("hooks:\n  prePush:\n    levels: [purple]\n").message,
      `${FILE}:3:14: hooks.prePush.levels[0]: unknown level "purple" (levels: yellow, weekend, red)`,
    );
  });

  it("checks thresholds, dates and regular expressions", () => {
    assert.equal(
      errorOf("levels:\n  orange:\n    action: block\n").message,
      `${FILE}:2:3: levels.orange: has no threshold; add percentile (0 to 100, share of past commits) or score (0 to 1)`,
    );
    assert.equal(
      errorOf("levels:\n  red:\n    percentile: 10\n    score: 0.5\n").message,
      `${FILE}:4:5: levels.red.score: give either percentile or score, not both`,
    );
    assert.equal(
      errorOf("schedule:\n  freezes:\n    - from: 2025-02-30\n      to: 2025-03-02\n").message,
      `${FILE}:3:7: schedule.freezes[0].from: 2025-02-30 is not a calendar date`,
    );
    assert.equal(
      errorOf("schedule:\n  freezes:\n    - from: 2025-12-05\n      to: 2025-12-01\n").message,
      `${FILE}:4:7: schedule.freezes[0].to: ends before it starts (from 2025-12-05)`,
    );
    assert.match(
      errorOf("fixes:\n  patterns: ['ok', '(oops']\n").message,
      /^\.dejafix\/rules\.yml:2:20: fixes\.patterns\[1\]: not a valid regular expression/,
    );
  });

  it("reports YAML syntax errors with their line", () => {
    const dup = errorOf("hooks:\n  failure: open\n  failure: closed\n");
    assert.equal(dup.kind, "syntax");
    assert.match(dup.message, /^\.dejafix\/rules\.yml:3:3: YAML syntax error: Map keys must be unique/);
    const tab = errorOf("levels:\n\tred: 1\n");
    assert.match(tab.message, /^\.dejafix\/rules\.yml:2:1: YAML syntax error: /);
    const flow = errorOf("version: 1\nclones: {threshold: 0.3\nhooks:\n  failure: open\n");
    assert.equal(flow.kind, "syntax");
    assert.ok(flow.issues[0]!.line >= 2, flow.message);
  });

  it("keeps escape sequences from the file out of messages", () => {
    const err = errorOf('verdict:\n  mode: "\\u001b[31mred"\n');
    assert.ok(!err.message.includes("\u001b"), JSON.stringify(err.message));
    assert.match(err.message, /\\u001b/);
  });
});

describe("loadRules from files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-rules-"));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));

  it("says what to do when the file is missing", () => {
    const file = path.join(dir, "absent.yml");
    assert.throws(
      () => loadRules(file),
      (err: unknown) => {
        assert.ok(err instanceof RulesError);
        assert.equal(err.kind, "missing");
        assert.equal(
          err.message,
          `${file}: file not found; run "dejafix init" to write the default rules there`,
        );
        return true;
      },
    );
  });

  it("uses the cache while the text is unchanged and reparses when it changes", () => {
    const file = path.join(dir, "rules.yml");
    const cacheFile = path.join(dir, "cache", "rules.json");
    fs.writeFileSync(file, "clones:\n  threshold: 0.25\n");
    assert.equal(loadRules(file, { cacheFile }).clones.threshold, 0.25);
    assert.ok(fs.existsSync(cacheFile));
    // Prove the cache is read: edit the cached rules behind the loader's back.
    const cached = JSON.parse(fs.readFileSync(cacheFile, "utf8")) as { key: string; rules: Rules };
    cached.rules.clones.threshold = 0.11;
    fs.writeFileSync(cacheFile, JSON.stringify(cached));
    assert.equal(loadRules(file, { cacheFile }).clones.threshold, 0.11);
    fs.writeFileSync(file, "clones:\n  threshold: 0.2\n");
    assert.equal(loadRules(file, { cacheFile }).clones.threshold, 0.2);
    fs.writeFileSync(cacheFile, "{ not json");
    assert.equal(loadRules(file, { cacheFile }).clones.threshold, 0.2);
    // A broken file is never served from the cache.
    fs.writeFileSync(file, "clones:\n  threshold: high\n");
    assert.throws(() => loadRules(file, { cacheFile }), RulesError);
  });

  it("reads only a regular file of at most 1 MiB: a FIFO, /dev/zero, a directory or 10 MB is refused at once", () => {
    const shapes: Array<[string, (file: string) => void, string]> = [
      ["fifo.yml", (f) => execFileSync("mkfifo", [f]), "is a named pipe (FIFO)"],
      ["zero.yml", (f) => fs.symlinkSync("/dev/zero", f), "is a character device"],
      ["dir.yml", (f) => fs.mkdirSync(f), "is a directory"],
      [
        "big.yml",
        (f) => {
          fs.writeFileSync(f, "");
          fs.truncateSync(f, 10 * 1024 * 1024);
        },
        "is 10485760 bytes",
      ],
    ];
    for (const [name, make, what] of shapes) {
      const file = path.join(dir, name);
      make(file);
      assert.throws(
        () => loadRules(file),
        (err: unknown) => {
          assert.ok(err instanceof RulesError, name);
          assert.equal(
            err.message,
            `${file}: ${what}; rules must be a regular file of at most 1 MiB: replace it with a plain YAML file`,
          );
          return true;
        },
      );
    }
    // Exactly the limit is fine; a link to a regular file is followed.
    const ok = path.join(dir, "limit.yml");
    fs.writeFileSync(ok, `version: 1\n${"#".repeat(MAX_RULES_BYTES - 12)}\n`);
    assert.equal(fs.statSync(ok).size, MAX_RULES_BYTES);
    fs.symlinkSync(ok, path.join(dir, "link.yml"));
    assert.equal(loadRules(path.join(dir, "link.yml")).version, 1);
  });

  it("names the file and the line of a YAML alias bomb", () => {
    const file = path.join(dir, "bomb.yml");
    fs.writeFileSync(
      file,
      [
        "version: 1",
        'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
        "",
      ].join("\n"),
    );
    assert.throws(
      () => loadRules(file),
      (err: unknown) => {
        assert.ok(err instanceof RulesError);
        assert.equal(err.kind, "syntax");
        assert.equal(
          err.message,
          `${file}:3:8: its aliases (*name) expand to too much data (more than 100 expansions); write the values out instead`,
        );
        return true;
      },
    );
  });

  it("refuses a time budget a timer cannot hold (past 10 minutes)", () => {
    const file = path.join(dir, "budget.yml");
    for (const key of ["timeBudgetMs: 3000000000", "prePush:\n    timeBudgetMs: 3000000000"]) {
      fs.writeFileSync(file, `version: 1\nhooks:\n  ${key}\n`);
      assert.throws(() => loadRules(file), /must be a whole number from 100 to 600000 \(got 3000000000\)/);
    }
    fs.writeFileSync(file, "version: 1\nhooks:\n  timeBudgetMs: 600000\n");
    assert.equal(loadRules(file).hooks.timeBudgetMs, 600000);
  });
});

describe("schedule", () => {
  const rules = parseRules(
    [
      "schedule:",
      "  freezes:",
      "    - name: black-friday",
      "      from: 2025-11-27",
      "      to: 2025-12-01",
      "      branches: [main, release/**]",
      "  branches:",
      "    - match: hotfix/**",
      "      levels: [red]",
      "    - match: experiments/**",
      "      levels: []",
      "      replace: true",
    ].join("\n"),
    FILE,
  );
  const names = (ctx: Parameters<typeof activeLevelAction>[1]) =>
    activeLevelAction(rules, ctx).map((a) => a.name);
  // 2025-11-14 is a Friday, 2025-11-15 a Saturday.
  const friday = new Date("2025-11-14T12:00:00Z");

  it("applies only the always-levels on a weekday", () => {
    assert.deepEqual(names({ when: friday, tzMinutes: 0, branch: "main" }), ["yellow"]);
    assert.deepEqual(names({ when: friday, tzMinutes: 0, branch: "main", hook: "pre-push" }), ["yellow"]);
  });

  it("adds weekend gating to pushes on the author's Saturday", () => {
    // Friday 23:30 UTC is already Saturday 01:30 for an author at UTC+2.
    const when = new Date("2025-11-14T23:30:00Z");
    const push = activeLevelAction(rules, { when, tzMinutes: 120, branch: "main", hook: "pre-push" });
    assert.deepEqual(
      push.map((a) => [a.name, a.action]),
      [
        ["weekend", "block"],
        ["yellow", "warn"],
      ],
    );
    assert.equal(push[0]!.because, "weekend (Saturday, author's time)");
    assert.deepEqual(names({ when, tzMinutes: 0, branch: "main", hook: "pre-push" }), ["yellow"]);
    // Weekend gating applies to pushes only by default.
    assert.deepEqual(names({ when, tzMinutes: 120, branch: "main", hook: "pre-commit" }), ["yellow"]);
  });

  it("reads the weekend on the schedule's own clock when it is not author", () => {
    const utc = parseRules("schedule:\n  timezone: utc\n  weekend:\n    hooks: [pre-commit]\n", FILE);
    const when = new Date("2025-11-14T23:30:00Z");
    assert.deepEqual(
      activeLevelAction(utc, { when, tzMinutes: 120, branch: null }).map((a) => a.name),
      ["yellow"],
    );
    const fixed = parseRules("schedule:\n  timezone: '+01:00'\n  weekend:\n    hooks: [pre-commit]\n", FILE);
    assert.deepEqual(
      activeLevelAction(fixed, { when, tzMinutes: -300, branch: null }).map((a) => a.name),
      ["weekend", "yellow"],
    );
  });

  it("applies freeze windows through their last day, on their branches only", () => {
    const during = new Date("2025-12-01T22:00:00Z");
    const after = new Date("2025-12-02T00:30:00Z");
    const before = new Date("2025-11-26T23:59:00Z");
    assert.deepEqual(names({ when: during, tzMinutes: 0, branch: "release/2.x" }), ["red", "yellow"]);
    assert.equal(
      activeLevelAction(rules, { when: during, tzMinutes: 0, branch: "main" })[0]!.because,
      `freeze "black-friday" (2025-11-27 to 2025-12-01, author's time)`,
    );
    assert.deepEqual(names({ when: after, tzMinutes: 0, branch: "main" }), ["yellow"]);
    // 00:30 UTC on Dec 2 is still Dec 1 for an author at UTC-5.
    assert.deepEqual(names({ when: after, tzMinutes: -300, branch: "main" }), ["red", "yellow"]);
    assert.deepEqual(names({ when: before, tzMinutes: 0, branch: "main" }), ["yellow"]);
    assert.deepEqual(names({ when: during, tzMinutes: 0, branch: "feature/x" }), ["yellow"]);
    assert.deepEqual(names({ when: during, tzMinutes: 0, branch: null }), ["yellow"]);
  });

  it("adds branch levels and lets a branch rule replace everything", () => {
    assert.deepEqual(names({ when: friday, tzMinutes: 0, branch: "hotfix/login" }), ["red", "yellow"]);
    assert.deepEqual(names({ when: friday, tzMinutes: 0, branch: "refs/heads/hotfix/login" }), [
      "red",
      "yellow",
    ]);
    assert.deepEqual(names({ when: friday, tzMinutes: 0, branch: "experiments/a" }), []);
    const during = new Date("2025-11-28T12:00:00Z");
    assert.deepEqual(names({ when: during, tzMinutes: 0, branch: "experiments/a" }), []);
  });

  it("adds pre-push levels when pushing", () => {
    const strict = parseRules("hooks:\n  prePush:\n    levels: [red]\n", FILE);
    assert.deepEqual(
      activeLevelAction(strict, { when: friday, tzMinutes: 0, branch: "main", hook: "pre-push" }).map(
        (a) => a.name,
      ),
      ["red", "yellow"],
    );
    assert.deepEqual(
      activeLevelAction(strict, { when: friday, tzMinutes: 0, branch: "main" }).map((a) => a.name),
      ["yellow"],
    );
  });

  it("picks the reached level with the strongest action", () => {
    const active = activeLevelAction(rules, { when: friday, tzMinutes: 0, branch: "hotfix/x" });
    assert.equal(levelForScore(active, { score: 0.9, percentile: 97 })?.name, "red");
    assert.equal(levelForScore(active, { score: 0.4, percentile: 60 })?.name, "red");
    assert.equal(levelForScore(active, { score: 0.1, percentile: 20 }), null);
    assert.equal(levelForScore(active, { score: 0.99, percentile: null }), null);
    const plain = activeLevelAction(rules, { when: friday, tzMinutes: 0, branch: "main" });
    assert.equal(levelForScore(plain, { score: 0.4, percentile: 92 })?.name, "yellow");
    assert.equal(levelForScore(plain, { score: 0.4, percentile: 89.9 }), null);
    const absolute = parseRules("levels:\n  yellow:\n    score: 0.6\n", FILE);
    const abs = activeLevelAction(absolute, { when: friday, tzMinutes: 0, branch: "main" });
    assert.equal(levelForScore(abs, { score: 0.6, percentile: null })?.name, "yellow");
    assert.equal(levelForScore(abs, { score: 0.59, percentile: 99 }), null);
  });

  it("parses rule dates as calendar days on the given clock", () => {
    assert.equal(parseRuleTime("2025-11-27", 0, "start"), Date.UTC(2025, 10, 27));
    assert.equal(parseRuleTime("2025-11-27", 0, "end"), Date.UTC(2025, 10, 28));
    assert.equal(parseRuleTime("2025-11-27T18:00", 60, "end"), Date.UTC(2025, 10, 27, 17));
    assert.equal(parseRuleTime("2025-02-29", 0, "start"), null);
    assert.equal(parseRuleTime("2024-02-29", 0, "start"), Date.UTC(2024, 1, 29));
    assert.equal(parseRuleTime("2025-11-27T25:00", 0, "start"), null);
  });
});

describe("verdict", () => {
  const friday = new Date("2025-11-14T12:00:00Z");
  const decide = (mode: string, percentile: number, matched: boolean) => {
    const rules = parseRules(`verdict:\n  mode: ${mode}\n`, FILE);
    const active = activeLevelAction(rules, { when: friday, tzMinutes: 0, branch: "main" });
    return decideVerdict(rules, active, { score: 0.5, percentile, matched });
  };

  it("two-phase needs a risky score confirmed by a match, and never hides a match", () => {
    assert.equal(decide("two-phase", 95, true).outcome, "warn");
    assert.equal(decide("two-phase", 95, true).level?.name, "yellow");
    assert.equal(decide("two-phase", 95, false).outcome, "pass");
    assert.equal(decide("two-phase", 95, false).reached?.name, "yellow");
    assert.equal(decide("two-phase", 10, true).outcome, "note");
  });

  it("score, match and either modes", () => {
    assert.equal(decide("score", 95, false).outcome, "warn");
    assert.equal(decide("score", 10, true).outcome, "note");
    assert.equal(decide("match", 10, true).outcome, "warn");
    assert.equal(decide("match", 95, false).outcome, "pass");
    assert.equal(decide("either", 95, false).outcome, "warn");
    assert.equal(decide("either", 10, true).outcome, "warn");
    assert.equal(decide("either", 10, false).outcome, "pass");
  });

  it("takes the level's block action when the schedule gates", () => {
    const rules = parseRules("verdict:\n  mode: either\n  matchAction: off\n", FILE);
    const when = new Date("2025-11-15T12:00:00Z");
    const active = activeLevelAction(rules, { when, tzMinutes: 0, branch: "main", hook: "pre-push" });
    const verdict = decideVerdict(rules, active, { score: 0.9, percentile: 99, matched: true });
    assert.equal(verdict.outcome, "block");
    assert.equal(verdict.level?.name, "weekend");
    assert.equal(decideVerdict(rules, active, { score: 0.1, percentile: 5, matched: true }).outcome, "note");
  });
});

describe("paths", () => {
  const rules = loadRules(null);

  it("matches ignored and test paths with globs", () => {
    assert.equal(isIgnoredPath(rules, "node_modules/a/index.js"), true);
    assert.equal(isIgnoredPath(rules, "packages/x/node_modules/a/index.js"), true);
    assert.equal(isIgnoredPath(rules, "./vendor/github.com/x/y.go"), true);
    assert.equal(isIgnoredPath(rules, "src/vendored.js"), false);
    assert.equal(isTestPath(rules, "test/parser.test.ts"), true);
    assert.equal(isTestPath(rules, "src/main/java/FooTest.java"), true);
    assert.equal(isTestPath(rules, "pkg/parse_test.go"), true);
    assert.equal(isTestPath(rules, "src/contest.js"), false);
    const custom = parseRules("paths:\n  ignore: ['legacy/**', '**/*.gen.ts']\n", FILE);
    assert.equal(isIgnoredPath(custom, "legacy\\old.c"), true);
    assert.equal(isIgnoredPath(custom, "src/api.gen.ts"), true);
    assert.equal(isIgnoredPath(custom, "node_modules/a.js"), false);
  });

  it("detects generated files by path", () => {
    assert.equal(generatedReason(rules, "web/package-lock.json"), "path matches **/package-lock.json");
    assert.equal(isGeneratedPath(rules, "static/app.min.js"), true);
    assert.equal(isGeneratedPath(rules, "src/app.js"), false);
  });

  it("detects generated headers in comment lines near the top", () => {
    const go = "// Code generated by protoc-gen-go. DO NOT EDIT.\npackage api\n";
    assert.equal(generatedReason(rules, "api/api.go", go), 'line 1 says "DO NOT EDIT"');
    const js = "/**\n * Copyright\n *\n * @generated SignedSource<<abc>>\n */\nexport const a = 1;\n";
    assert.equal(generatedReason(rules, "src/a.js", js), 'line 4 says "@generated"');
    assert.equal(isGeneratedPath(rules, "x.py", Buffer.from("# Autogenerated by tool\nx = 1\n")), true);
  });

  it("does not take code that mentions a marker, or a late marker, for a generated file", () => {
    const code = 'const marker = "@generated";\nif (text.includes("DO NOT EDIT")) skip();\n';
    assert.equal(generatedReason(rules, "src/check.ts", code), null);
    const late = `${"x = 1\n".repeat(30)}# DO NOT EDIT below\n`;
    assert.equal(generatedReason(rules, "late.py", late), null);
  });

  it("detects minified lines and oversized files", () => {
    const minified = `!function(e,t){${"var a=e+t;".repeat(80)}}(1,2);\n`;
    assert.equal(
      generatedReason(rules, "lib/bundle.js", minified),
      `line 1 is minified (${minified.length - 1} characters)`,
    );
    const prose = `${"This is a long paragraph written on one line. ".repeat(20)}\n`;
    assert.equal(generatedReason(rules, "README.md", prose), null);
    const small = parseRules("paths:\n  maxFileBytes: 10\n", FILE);
    assert.equal(generatedReason(small, "a.txt", Buffer.from("01234567890")), "larger than 10 bytes (11)");
    assert.equal(generatedReason(small, "a.txt", "0123456789"), null);
  });
});
