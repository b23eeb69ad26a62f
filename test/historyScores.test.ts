/**
 * The adaptation and the calibration of one `dejafix index` run share one diff pass and one scoring of
 * history (src/model/historyScores.ts): commits announced in advance are read with the first request,
 * nothing is read twice, and the scores are those the model gives each commit scored on its own.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { generateRepo } from "../fixtures/generate.js";
import { repoRules } from "../src/history/repoRules.js";
import { readAdaptation } from "../src/index/adaptationStore.js";
import { readCalibration, recentCommits } from "../src/index/calibrationStore.js";
import { openIndex } from "../src/index/openIndex.js";
import { historyMetrics } from "../src/metrics/dataset.js";
import { commitTokens } from "../src/metrics/diffTokens.js";
import { scoringKey } from "../src/model/adapt.js";
import { calibrateLevels } from "../src/model/calibrateLevels.js";
import { HistoryScores } from "../src/model/historyScores.js";
import { loadModel } from "../src/model/load.js";
import { score } from "../src/model/score.js";
import { indexRepository } from "../src/pipeline/indexRepository.js";

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
