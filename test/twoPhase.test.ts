import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { generateRepo } from "../fixtures/generate.js";
import { indexRepository, openIndex, repoRules } from "../src/api.js";
import { replayMatches, twoPhaseScores } from "../src/eval/twoPhase.js";
import { readParents } from "../src/git/parents.js";
import { readCommitChange } from "../src/git/readChange.js";
import { ancestorsOf } from "../src/history/ancestry.js";
import { matchChange } from "../src/verdict/matchChange.js";
import { gitOut, tempDir } from "./helpers/repo.js";

const authorTime = (repo: string, sha: string): number =>
  Number(gitOut(repo, ["log", "-1", "--format=%at", sha]).trim());

test("two-phase replay: a recurrence matches the earlier fix's defect, a defect never matches its own future fix", async (t) => {
  const repo = join(tempDir(t), "shop");
  const manifest = generateRepo(repo);
  await indexRepository({ repoDir: repo });
  const { rules } = await repoRules(repo);

  // Recurrences written after the original defect was fixed: the hook would have known that fix.
  const fixOf = new Map(manifest.planted.map((p) => [p.id, p.fix]));
  const recurrences = manifest.recurrences
    .map((r) => ({ commit: r.commit, time: authorTime(repo, r.commit), fix: fixOf.get(r.of) }))
    .filter((r) => r.fix !== undefined && authorTime(repo, r.fix) < r.time);
  assert.ok(recurrences.length >= 2, "the fixture plants recurrences after their fixes");
  const matched = await replayMatches(repo, rules, recurrences);
  const store = await openIndex(repo, { readonly: true });
  try {
    // The time limit keeps every earlier fix: replayed, a recurrence matches exactly when the hook
    // (which knows all of history) finds its original fix.
    const expected: boolean[] = [];
    for (const r of recurrences) {
      const now = await matchChange(store, readCommitChange(repo, r.commit), rules, { applyCheck: false });
      expected.push(now.some((m) => m.fix.sha === r.fix));
    }
    assert.deepEqual(matched, expected);
    assert.ok(expected.filter(Boolean).length >= 2, "at least two recurrences match their original defect");

    // The planted defects themselves: their own fix is no ancestor, so as of their commit nothing of it is known.
    const parents = await readParents(
      repo,
      manifest.planted.map((p) => p.inducing),
    );
    let ownFixFound = 0;
    for (const p of manifest.planted) {
      const change = readCommitChange(repo, p.inducing);
      const known = ancestorsOf(parents, p.inducing);
      const then = await matchChange(store, change, rules, {
        applyCheck: false,
        knownFix: (s) => known.has(s),
      });
      assert.ok(
        !then.some((m) => m.fix.sha === p.fix),
        `${p.id}: its own later fix is not known at its commit`,
      );
      // Without the limit, the defect's code does match the block of its own fix: the limit matters.
      const later = await matchChange(store, change, rules, { applyCheck: false });
      if (later.some((m) => m.fix.sha === p.fix)) ownFixFound++;
    }
    assert.ok(ownFixFound > 0, "some planted defect matches its own fix once the limit is lifted");
  } finally {
    store.close();
  }
});

test("two-phase scores keep the model's score only where the change matched", () => {
  assert.deepEqual(twoPhaseScores([0.9, 0.2, 0.7, 0.4], [true, true, false, false]), [0.9, 0.2, 0, 0]);
});
