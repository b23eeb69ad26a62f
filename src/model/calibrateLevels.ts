/**
 * Calibrated levels: the newest commits of the index scored with the model in use, and the percentiles of
 * their scores stored, so rules can gate by share of this repository's own commits. Runs inside
 * `dejafix index` on the index handle it already has open.
 */
import { gitCommonDir } from "../git/repo.js";
import { readAdaptation } from "../index/adaptationStore.js";
import { recentCommits, saveCalibration } from "../index/calibrationStore.js";
import type { IndexStore } from "../index/store.js";
import type { Rules } from "../rules/types.js";
import { type AdaptationOutcome, applyAdaptation, scoringKey } from "./adapt.js";
import { HistoryScores } from "./historyScores.js";
import { loadModel } from "./load.js";
import { percentiles as percentilesOf } from "./percentile.js";

export interface LevelOptions {
  /** How many of the newest non-merge commits to score (default 2,000). */
  commits?: number;
  /** ONNX model; default: the repository's own, else the shipped one (ModelUnavailableError when none). */
  model?: string;
  /** Fewer scored commits than this store nothing: percentiles of a handful of commits mislead (default 50). */
  minCommits?: number;
  /** The scores of history shared with the adaptation of the same run (its model is the one used). */
  scores?: HistoryScores;
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
  const model =
    opts.scores?.model ?? (await loadModel(opts.model, { gitCommonDir: await gitCommonDir(root) }));
  {
    const shas = recentCommits(store, repoId, opts.commits ?? 2000);
    if (shas.length < (opts.minCommits ?? 50)) return { commits: 0, percentiles: [], model: model.path };
    const history = opts.scores ?? new HistoryScores(store, repoId, root, rules, model);
    const scored = await history.scores(shas);
    // What the hook scores with: the model, or its adaptation to this repository when index kept one.
    const adaptation = readAdaptation<AdaptationOutcome>(store, repoId, model.digest);
    const weights = adaptation?.kept ? adaptation.outcome.weights : null;
    const scores = scored.map((c) =>
      weights ? applyAdaptation(model.meta, weights, c.score, c.metrics) : c.score,
    );
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
