import { basename } from "node:path";
import { gitCommonDir } from "../git/repo.js";
import { repoRules } from "../history/repoRules.js";
import { readCalibration } from "../index/calibrationStore.js";
import { asDiskFull } from "../index/diskFull.js";
import { lockIndex, openIndex, type WriterOptions } from "../index/openIndex.js";
import {
  calibrateLevels as calibrateIndex,
  type LevelOptions,
  type LevelResult,
} from "../model/calibrateLevels.js";
import type { RiskModel } from "../model/load.js";
import { evaluate, type Figures, type ScoredCommit } from "./figures.js";
import { isoDay, type MonthFigures, monthly, type Period, period, scoredCommits } from "./replay.js";
import { type ScoreHistoryOptions, type ScorerName, scoreHistory } from "./scoreHistory.js";
import { splitAt } from "./timeSplit.js";

// ---------------------------------------------------------------------------------------------
// Calibrated levels

export type { LevelOptions, LevelResult } from "../model/calibrateLevels.js";

/** `calibrateLevels` of src/model on the index of `repoDir` (for `dejafix calibrate --levels`). */
export async function calibrateLevels(
  repoDir: string,
  opts: LevelOptions & { writer?: WriterOptions } = {},
): Promise<LevelResult> {
  const { root, rules } = await repoRules(repoDir);
  const common = await gitCommonDir(root);
  const { writer: lockOpts, ...levelOpts } = opts;
  const writer = await lockIndex(repoDir, { command: "dejafix calibrate", ...lockOpts });
  try {
    const store = await openIndex(repoDir);
    try {
      return await calibrateIndex(store, store.repoId(common, basename(root)), root, rules, levelOpts);
    } catch (e) {
      throw asDiskFull(store.file, e);
    } finally {
      store.close();
    }
  } finally {
    writer.release();
  }
}

/** The repository's stored percentiles for this model, or null (then the model's own validation ones apply). */
export async function repositoryPercentiles(
  repoDir: string,
  model: Pick<RiskModel, "digest">,
): Promise<number[] | null> {
  const { root } = await repoRules(repoDir);
  const common = await gitCommonDir(root);
  const store = await openIndex(repoDir);
  try {
    const repoId = store.repoId(common, basename(root));
    return readCalibration(store, repoId, model.digest)?.percentiles ?? null;
  } finally {
    store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Thresholds under a false-alarm limit

export interface ThresholdPick {
  /** Flag when score ≥ threshold; +∞ when even the single riskiest score breaks the limit. */
  threshold: number;
  /** On the rows it was picked on. */
  falseAlarmRate: number | null;
  recall: number | null;
  flagged: number;
}

/**
 * The lowest threshold (so the highest recall) whose false-alarm rate on `rows` is at most
 * `maxFalseAlarm`. Thresholds are the rows' own scores; a tie group is flagged whole or not at all.
 */
export function pickThreshold(rows: readonly ScoredCommit[], maxFalseAlarm: number): ThresholdPick {
  if (!(maxFalseAlarm >= 0 && maxFalseAlarm <= 1))
    throw new RangeError(`the false-alarm limit must be between 0 and 1, got ${maxFalseAlarm}`);
  const pos = rows.reduce((s, r) => s + r.label, 0);
  const neg = rows.length - pos;
  const sorted = [...rows].sort((a, b) => b.score - a.score);
  let best: ThresholdPick = {
    threshold: Number.POSITIVE_INFINITY,
    falseAlarmRate: neg > 0 ? 0 : null,
    recall: pos > 0 ? 0 : null,
    flagged: 0,
  };
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < sorted.length; k++) {
    const row = sorted[k]!;
    row.label === 1 ? tp++ : fp++;
    if (sorted[k + 1]?.score === row.score) continue;
    const far = neg > 0 ? fp / neg : 0;
    if (far > maxFalseAlarm) break;
    best = {
      threshold: row.score,
      falseAlarmRate: neg > 0 ? far : null,
      recall: pos > 0 ? tp / pos : null,
      flagged: tp + fp,
    };
  }
  return best;
}

export interface DailyFigures {
  /** Calendar days from the first to the last commit of the period. */
  days: number;
  /** Days with at least one commit. */
  activeDays: number;
  flaggedPerDay: number;
  caughtPerDay: number;
  falseAlarmsPerDay: number;
  /** The worst day: most false alarms. */
  maxFalseAlarmsInADay: number;
  worstDay: string | null;
}

export function daily(
  records: readonly { time: number }[],
  rows: readonly ScoredCommit[],
  threshold: number,
): DailyFigures {
  const perDay = new Map<string, { flagged: number; caught: number; falseAlarms: number }>();
  records.forEach((r, i) => {
    const day = isoDay(r.time);
    const d = perDay.get(day) ?? { flagged: 0, caught: 0, falseAlarms: 0 };
    perDay.set(day, d);
    const row = rows[i]!;
    if (row.score >= threshold) {
      d.flagged++;
      row.label === 1 ? d.caught++ : d.falseAlarms++;
    }
  });
  const first = records[0];
  const last = records[records.length - 1];
  const days =
    first && last
      ? Math.floor((Date.parse(isoDay(last.time)) - Date.parse(isoDay(first.time))) / 86_400_000) + 1
      : 0;
  let flagged = 0;
  let caught = 0;
  let falseAlarms = 0;
  let worst: { day: string; falseAlarms: number } | null = null;
  for (const [day, d] of perDay) {
    flagged += d.flagged;
    caught += d.caught;
    falseAlarms += d.falseAlarms;
    if (!worst || d.falseAlarms > worst.falseAlarms) worst = { day, falseAlarms: d.falseAlarms };
  }
  const per = (x: number) => (days > 0 ? x / days : 0);
  return {
    days,
    activeDays: perDay.size,
    flaggedPerDay: per(flagged),
    caughtPerDay: per(caught),
    falseAlarmsPerDay: per(falseAlarms),
    maxFalseAlarmsInADay: worst?.falseAlarms ?? 0,
    worstDay: worst && worst.falseAlarms > 0 ? worst.day : null,
  };
}

export interface ThresholdOptions extends Omit<ScoreHistoryOptions, "trainShare"> {
  /** Highest acceptable share of clean commits flagged on the validation period, e.g. 0.05. */
  maxFalseAlarm: number;
  /** train, validation, test shares of history by author time (default 0.6, 0.2, 0.2). */
  shares?: [number, number, number];
}

export interface ThresholdResult {
  scorer: ScorerName;
  description: string;
  pick: ThresholdPick;
  /** The threshold on the later period. */
  test: Figures;
  daily: DailyFigures;
  months: MonthFigures[];
}

export interface ThresholdReport {
  repo: string;
  maxFalseAlarm: number;
  labelSource: "szz" | "file";
  training: Period;
  validation: Period & { positives: number };
  test: Period & { positives: number };
  results: ThresholdResult[];
  unavailable: { name: string; why: string }[];
}

export async function calibrateThreshold(opts: ThresholdOptions): Promise<ThresholdReport> {
  const [train, validation, test] = opts.shares ?? [0.6, 0.2, 0.2];
  const scored = await scoreHistory({ ...opts, trainShare: train });
  // `replayed` is oldest first; its first part validates, the rest is the later period.
  const indexed = scored.replayed.map((r, i) => ({ ...r, index: i }));
  const later = splitAt(indexed, validation + test > 0 ? validation / (validation + test) : 0);
  const valIdx = later.before.map((r) => r.index);
  const testIdx = later.after.map((r) => r.index);
  const positives = (idx: number[]) => idx.reduce((s, i) => s + scored.replayed[i]!.label, 0);
  const results = scored.scorers.map((s): ThresholdResult => {
    const all = scoredCommits(scored.replayed, s.scores);
    const valRows = valIdx.map((i) => all[i]!);
    const testRows = testIdx.map((i) => all[i]!);
    const testRecords = testIdx.map((i) => scored.replayed[i]!);
    const pick = pickThreshold(valRows, opts.maxFalseAlarm);
    return {
      scorer: s.name,
      description: s.description,
      pick,
      test: evaluate(testRows, pick.threshold),
      daily: daily(testRecords, testRows, pick.threshold),
      months: monthly(testRecords, testRows, pick.threshold),
    };
  });
  return {
    repo: scored.history.name,
    maxFalseAlarm: opts.maxFalseAlarm,
    labelSource: scored.history.labels.kind,
    training: period(scored.split.before),
    validation: { ...period(later.before), positives: positives(valIdx) },
    test: { ...period(later.after), positives: positives(testIdx) },
    results,
    unavailable: scored.unavailable,
  };
}
