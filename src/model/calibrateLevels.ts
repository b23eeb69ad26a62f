/**
 * Calibrated levels: the newest commits of the index scored with the model in use, and the percentiles of
 * their scores stored, so rules can gate by share of this repository's own commits. Runs inside
 * `dejafix index` on the index handle it already has open.
 */
import { gitCommonDir } from "../git/repo.js";
import { readAdaptation } from "../index/adaptationStore.js";
import { recentCommits, saveCalibration } from "../index/calibrationStore.js";
import type { IndexStore } from "../index/store.js";
import { historyMetrics } from "../metrics/dataset.js";
import { commitTokens } from "../metrics/diffTokens.js";
import type { Rules } from "../rules/types.js";
import { type AdaptationOutcome, scoringKey } from "./adapt.js";
import { loadModel } from "./load.js";
import { percentiles as percentilesOf } from "./percentile.js";
import { scoreValues } from "./score.js";
import type { ScoreInput } from "./vector.js";

export interface LevelOptions {
  /** How many of the newest non-merge commits to score (default 2,000). */
  commits?: number;
  /** ONNX model; default: the repository's own, else the shipped one (ModelUnavailableError when none). */
  model?: string;
  /** Fewer scored commits than this store nothing: percentiles of a handful of commits mislead (default 50). */
  minCommits?: number;
}

export interface LevelResult {
  /** Commits scored (0 when too few to store). */
  commits: number;
  /** p1..p99 ascending; empty when nothing was stored. */
  percentiles: number[];
  model: string;
}

/**
 * Scores the newest non-merge commits of the index with the model in use (tokens from one
 * `git diff-tree --stdin` pass) and stores the percentiles of their scores.
 */
export async function calibrateLevels(
  store: IndexStore,
  repoId: number,
  root: string,
  rules: Rules,
  opts: LevelOptions = {},
): Promise<LevelResult> {
  const common = await gitCommonDir(root);
  const model = await loadModel(opts.model, { gitCommonDir: common });
  const dim = model.meta.features.token_hash.dim;
  {
    const shas = recentCommits(store, repoId, opts.commits ?? 2000);
    if (shas.length < (opts.minCommits ?? 50)) return { commits: 0, percentiles: [], model: model.path };
    const metrics = await historyMetrics(store, repoId);
    const inputs: ScoreInput[] = [];
    for await (const bags of commitTokens(root, shas, rules, { dim }))
      inputs.push({ metrics: metrics.get(bags.meta.sha) ?? {}, added: bags.added, removed: bags.removed });
    // What the hook scores with: the model, or its adaptation to this repository when index kept one.
    const adaptation = readAdaptation<AdaptationOutcome>(store, repoId, model.digest);
    const weights = adaptation?.kept ? adaptation.outcome.weights : null;
    const scores = await scoreValues(model, inputs, 512, weights);
    const points = percentilesOf(scores);
    saveCalibration(store, repoId, {
      model: scoringKey(model.digest, adaptation),
      modelPath: model.path,
      computedAt: Math.floor(Date.now() / 1000),
      commits: scores.length,
      firstSha: shas[0] ?? null,
      lastSha: shas[shas.length - 1] ?? null,
      percentiles: points,
    });
    return { commits: scores.length, percentiles: points, model: model.path };
  }
}
