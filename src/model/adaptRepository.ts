/**
 * The adaptation step of `dejafix index`: the newest settled commits of this repository (older than
 * the label latency, so their SZZ labels had time to appear) scored by the model in use, and a
 * logistic regression fitted on top of it with the model as its prior (src/model/adapt.ts). It is
 * used only when it beat the model on the repository's later validation period; both figures are
 * stored either way, and `doctor` shows them.
 */
import {
  readAdaptation,
  type StoredAdaptation,
  saveAdaptation,
  settledCommits,
} from "../index/adaptationStore.js";
import { newestCommitTime, recentCommits } from "../index/calibrationStore.js";
import type { IndexStore } from "../index/store.js";
import type { Rules } from "../rules/types.js";
import { type AdaptationOutcome, type AdaptationRow, adapt } from "./adapt.js";
import { HistoryScores } from "./historyScores.js";
import type { RiskModel } from "./load.js";

/** Settled commits read for a fit: enough for a stable validation AUC, few enough for seconds. */
export const ADAPT_COMMITS = 2000;
/** New commits after which the adaptation is fitted again. */
export const REFIT_AFTER = 500;
/** SZZ labels of commits younger than this are not settled (the default label latency). */
export const ADAPT_LATENCY_DAYS = 90;

export type Adaptation = StoredAdaptation<AdaptationOutcome>;

export interface AdaptOptions {
  /** Defect-introducing commits by SZZ (blame and declared links), as the index selects them. */
  buggy: ReadonlySet<string>;
  commits?: number;
  latencyDays?: number;
  /** Fit again even when the stored one is recent. */
  force?: boolean;
  /** The scores of history shared with the calibration of the same run (default: read here). */
  scores?: HistoryScores;
}

/** Whether the stored adaptation of `model` is missing or stale (enough new history since). */
export function adaptationDue(store: IndexStore, repoId: number, model: RiskModel): boolean {
  const stored = readAdaptation(store, repoId, model.digest);
  if (!stored?.lastSha) return true;
  return store.commitsAfter(repoId, stored.lastSha) >= REFIT_AFTER;
}

/** Fits, judges and stores the adaptation of `model` to this repository; returns what was stored. */
export async function adaptRepository(
  store: IndexStore,
  repoId: number,
  root: string,
  rules: Rules,
  model: RiskModel,
  opts: AdaptOptions,
): Promise<Adaptation> {
  const started = performance.now();
  const newest = newestCommitTime(store, repoId);
  const settledUntil = newest === null ? 0 : newest - (opts.latencyDays ?? ADAPT_LATENCY_DAYS) * 86_400;
  const commits = settledCommits(store, repoId, settledUntil, opts.commits ?? ADAPT_COMMITS).sort(
    (a, b) => a.time - b.time,
  );
  // Too few settled commits or defects decide before any diff is read: labels alone say so.
  const early = adapt(
    model.meta,
    commits.map((c) => ({
      score: 0.5,
      metrics: {},
      label: (opts.buggy.has(c.sha) ? 1 : 0) as 0 | 1,
      time: c.time,
    })),
  );
  if (early.weights === null) return saveOutcome(store, repoId, model, settledUntil, early, started);
  const time = new Map(commits.map((c) => [c.sha, c.time]));
  const history = opts.scores ?? new HistoryScores(store, repoId, root, rules, model);
  const scored = await history.scores(commits.map((c) => c.sha));
  const rows: AdaptationRow[] = scored
    .map((c) => ({
      score: c.score,
      metrics: c.metrics,
      label: (opts.buggy.has(c.sha) ? 1 : 0) as 0 | 1,
      time: time.get(c.sha) ?? 0,
    }))
    .sort((a, b) => a.time - b.time);
  return saveOutcome(store, repoId, model, settledUntil, adapt(model.meta, rows), started);
}

function saveOutcome(
  store: IndexStore,
  repoId: number,
  model: RiskModel,
  settledUntil: number,
  outcome: AdaptationOutcome,
  started: number,
): Adaptation {
  const record: Adaptation = {
    model: model.digest,
    modelPath: model.path,
    computedAt: Math.floor(Date.now() / 1000),
    settledUntil,
    // Newest commit of the index: "enough new history" counts from here.
    lastSha: recentCommits(store, repoId, 1)[0] ?? null,
    kept: outcome.kept,
    outcome,
    seconds: (performance.now() - started) / 1000,
  };
  saveAdaptation(store, repoId, record);
  return record;
}
