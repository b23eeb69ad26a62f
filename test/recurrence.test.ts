import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { indexRepository, openIndex } from "../src/api.js";
import { type RecurrenceFigures, replayRecurrence } from "../src/eval/recurrence.js";
import { buildDefectBlocks } from "../src/index/defectBlocks.js";
import { defaultRules } from "../src/rules/defaults.js";
import { commit, git, takeFunction } from "./helpers/commit.js";

const TAKE = `export ${takeFunction("take")}`;

// The same code written again elsewhere, in other names.
const PICK = TAKE.replace("take(rows, limit)", "pick(items, max)")
  .replace("const out = []", "const picked = []")
  .replace("let seen = 0", "let count = 0")
  .replace("for (const row of rows)", "for (const item of items)")
  .replace("row.hidden", "item.hidden")
  .replace("seen += 1", "count += 1")
  .replace("seen > limit", "count > max")
  .replace("out.push(row.value)", "picked.push(item.value)")
  .replace("return out", "return picked");

const PARSE = `export function parsePairs(text) {
  const pairs = new Map();
  for (const part of text.split(";")) {
    const at = part.indexOf("=");
    if (at < 0) {
      throw new Error("missing =");
    }
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1);
    pairs.set(key, value);
  }
  return pairs;
}
`;

describe("replayRecurrence", () => {
  let dir = "";
  const shas: Record<string, string> = {};
  let fig: RecurrenceFigures;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-rec-"));
    git(dir, ["init", "-q", "-b", "main"]);
    shas.addTake = commit(dir, { "src/take.js": TAKE }, "Add take");
    shas.fixTake = commit(
      dir,
      { "src/take.js": TAKE.replace("seen > limit", "seen >= limit") },
      "fix: take returned one row too many",
    );
    shas.addPick = commit(dir, { "src/pick.js": PICK }, "Add pick");
    shas.fixPick = commit(
      dir,
      { "src/pick.js": PICK.replace("count > max", "count >= max") },
      "fix: pick returned one item too many",
    );
    shas.addParse = commit(dir, { "src/parse.js": PARSE }, "Add parsePairs");
    shas.fixParse = commit(
      dir,
      { "src/parse.js": PARSE.replace("part.slice(at + 1)", "part.slice(at + 1).trim()") },
      "fix: values kept their spaces",
    );
    // A second fix on code of the first defect commit: its match with take's own block is one bug
    // fixed twice, not a recurrence; pick's block (another defect commit) still counts.
    shas.fixTake2 = commit(
      dir,
      {
        "src/take.js": TAKE.replace("seen > limit", "seen >= limit").replace(
          "out.push(row.value)",
          "out.push(row.value ?? null)",
        ),
      },
      "fix: take dropped missing values",
    );
    const rules = defaultRules();
    const res = await indexRepository({ repoDir: dir, rules });
    const store = await openIndex(dir);
    try {
      await buildDefectBlocks(store, res.repoId, dir, rules);
      fig = replayRecurrence(store, res.repoId, rules.clones);
    } finally {
      store.close();
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("counts a defect that matches an earlier defect block, and only earlier ones", () => {
    assert.equal(fig.fixes, 4);
    assert.deepEqual(fig.cases.map((c) => c.fix).sort(), [shas.fixPick, shas.fixTake2].sort());
    const pick = fig.cases.find((c) => c.fix === shas.fixPick)!;
    assert.equal(pick.earlierFix, shas.fixTake, "matched the earlier fix, never a later one");
    assert.equal(pick.path, "src/pick.js");
    assert.equal(pick.earlierPath, "src/take.js");
    assert.equal(pick.samePath, false);
    assert.equal(fig.withEarlier, 2);
    assert.equal(fig.withEarlierElsewhere, 2);
  });

  it("says when the contextualised earlier fix equals the fix the developer wrote", () => {
    const pick = fig.cases.find((c) => c.fix === shas.fixPick)!;
    assert.equal(pick.changed, true);
    assert.equal(pick.equalNormalized, true);
    assert.equal(pick.equalExact, true, "count >= max, in pick's own names");
    const take2 = fig.cases.find((c) => c.fix === shas.fixTake2)!;
    assert.equal(take2.earlierFix, shas.fixPick, "take's own earlier block is the same defect commit");
    assert.equal(take2.equalNormalized, false, "pick's fix is not the fix take2 made");
    assert.equal(fig.suggestionEqual, 1);
    assert.equal(fig.suggestionEqualExact, 1);
    assert.equal(fig.elsewhereEqual, 1);
    assert.ok(fig.sameDefectSkipped >= 1);
  });
});
