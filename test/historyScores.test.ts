/**
 * The adaptation and the calibration of one `dejafix index` run share one diff pass and one scoring of
 * history (src/model/historyScores.ts): commits announced in advance are read with the first request,
 * nothing is read twice, and the scores are those the model gives each commit scored on its own.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { generateRepo } from "../fixtures/generate.js";
import { mineHistory } from "../src/history/mine.js";
import { repoRules } from "../src/history/repoRules.js";
import { readAdaptation } from "../src/index/adaptationStore.js";
import { readCalibration, recentCommits } from "../src/index/calibrationStore.js";
import { openIndex } from "../src/index/openIndex.js";
import { diffTokens, type TokenBags } from "../src/metrics/changeTokens.js";
import { historyMetrics } from "../src/metrics/dataset.js";
import { commitTokens } from "../src/metrics/diffTokens.js";
import { scoringKey } from "../src/model/adapt.js";
import { calibrateLevels } from "../src/model/calibrateLevels.js";
import { HistoryScores } from "../src/model/historyScores.js";
import { loadModel } from "../src/model/load.js";
import { score } from "../src/model/score.js";
import { indexRepository } from "../src/pipeline/indexRepository.js";

const sameBag = (a: Map<number, number>, b: Map<number, number>): boolean =>
  a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

const ROOT = mkdtempSync(join(tmpdir(), "dejafix-history-scores-"));
after(() => rmSync(ROOT, { recursive: true, force: true }));

test("history is read once for adaptation and calibration, and scores as each commit alone", async () => {
  const dir = join(ROOT, "shop");
  generateRepo(dir, { seed: 1, commits: 300 });
  const result = await indexRepository({ repoDir: dir });
  assert.ok(result.calibrated > 0, "the run calibrated");
  const { rules } = await repoRules(dir);
  const model = await loadModel(undefined);
  const store = await openIndex(dir);
  try {
    const repoId = store.selfRepoId()!;
    const shas = recentCommits(store, repoId, 1000);
    const older = shas.slice(0, 120);
    const newer = shas.slice(100);

    const shared = new HistoryScores(store, repoId, dir, rules, model);
    shared.expect(newer);
    const first = await shared.scores(older);
    assert.equal(shared.passes, 1);
    const second = await shared.scores(newer);
    assert.equal(shared.passes, 1, "the announced commits were read with the first pass");
    assert.deepEqual(
      first.map((c) => c.sha),
      older.filter((sha) => first.some((c) => c.sha === sha)),
      "in the order asked",
    );
    assert.ok(first.length > 100 && second.length > 150, `${first.length} and ${second.length} scored`);
    // Commits read before are not read again.
    await shared.scores(newer.slice(0, 5));
    assert.equal(shared.passes, 1);

    // Each score is the model's score of that commit alone, from its own diff.
    const metrics = await historyMetrics(store, repoId);
    const dim = model.meta.features.token_hash.dim;
    const alone = new Map<string, number>();
    for await (const bags of commitTokens(dir, newer, rules, { dim })) {
      const input = { metrics: metrics.get(bags.meta.sha) ?? {}, added: bags.added, removed: bags.removed };
      alone.set(bags.meta.sha, (await score(model, input)).score);
    }
    assert.equal(alone.size, second.length);
    for (const c of second) assert.equal(c.score, alone.get(c.sha), c.sha);

    // The percentiles index stored from the shared pass are those a calibration of its own computes.
    const key = scoringKey(model.digest, readAdaptation(store, repoId, model.digest));
    const stored = readCalibration(store, repoId, key);
    assert.ok(stored && stored.percentiles.length > 0, "index stored percentiles");
    const own = await calibrateLevels(store, repoId, dir, rules, { commits: 1000 });
    assert.deepEqual(own.percentiles, stored.percentiles);
  } finally {
    store.close();
  }
});

test("the history pass hands on its newest one-parent commits' diffs, whose bags are those a diff pass reads", async () => {
  const dir = join(ROOT, "kept");
  generateRepo(dir, { seed: 2, commits: 200 });
  const { rules } = await repoRules(dir);
  const model = await loadModel(undefined);
  const dim = model.meta.features.token_hash.dim;
  const store = await openIndex(dir);
  try {
    const kept = new Map<string, TokenBags>();
    const res = await mineHistory({
      repoDir: dir,
      store,
      keepDiffs: { last: 60, take: (d) => kept.set(d.meta.sha, diffTokens(d.files, rules, dim)) },
    });
    // The newest 60 commits with one parent, in the pass's (topological) order: merges and the root left out.
    const newest = execFileSync(
      "git",
      ["rev-list", "--topo-order", "--min-parents=1", "--max-parents=1", "-n", "60", "HEAD"],
      { cwd: dir, encoding: "utf8" },
    )
      .trim()
      .split("\n");
    assert.deepEqual(new Set(kept.keys()), new Set(newest));
    let read = 0;
    for await (const bags of commitTokens(dir, newest, rules, { dim })) {
      const mine = kept.get(bags.meta.sha)!;
      assert.ok(sameBag(mine.added, bags.added) && sameBag(mine.removed, bags.removed), bags.meta.sha);
      read++;
    }
    assert.equal(read, 60);
    assert.ok(
      [...kept.values()].some((b) => b.added.size > 0 && b.removed.size > 0),
      "bags with lines on both sides",
    );

    // Scored from the kept bags, without a diff pass, as from the diffs read again; the rest are read.
    const older = recentCommits(store, res.repoId, 100).slice(0, 40);
    const withKept = new HistoryScores(store, res.repoId, dir, rules, model, new Map(kept));
    const fromBags = await withKept.scores(newest);
    assert.equal(withKept.passes, 0, "no diff pass for commits the history pass kept");
    const reading = new HistoryScores(store, res.repoId, dir, rules, model);
    assert.deepEqual(fromBags, await reading.scores(newest));
    assert.deepEqual(await withKept.scores(older), await reading.scores(older));
    assert.equal(withKept.passes, 1);
  } finally {
    store.close();
  }
});
