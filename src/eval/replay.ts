/**
 * `dejafix eval`: replay history in time order and measure each scorer on the later part —
 * precision, recall, F1, ROC AUC, defects captured when gating the riskiest 5/10/20/50%,
 * false-alarm rate, Recall@20%Effort — overall and per month.
 */
import type { HistoryRecord } from "../metrics/dataset.js";
import { captureCurve, evaluate, type Figures, rocCurve, type ScoredCommit } from "./figures.js";
import { type ScoreHistoryOptions, type ScorerName, scoreHistory } from "./scoreHistory.js";

export interface MonthFigures {
  /** "2024-03" (UTC). */
  month: string;
  n: number;
  positives: number;
  flagged: number;
  truePositives: number;
  falseAlarms: number;
  precision: number | null;
  recall: number | null;
  falseAlarmRate: number | null;
  rocAuc: number | null;
}

export interface ScorerReport {
  name: ScorerName;
  description: string;
  figures: Figures;
  months: MonthFigures[];
  curves: {
    roc: { fpr: number; tpr: number }[];
    capture: { gated: number; caught: number }[];
  };
}

export interface Period {
  commits: number;
  from: string | null;
  to: string | null;
}

export interface ReplayReport {
  repo: string;
  labelSource: "szz" | "file";
  labelLatencyDays: number;
  training: Period;
  replay: Period & { positives: number; unsettled: number };
  scorers: ScorerReport[];
  unavailable: { name: string; why: string }[];
}

export function isoDay(time: number): string {
  return new Date(time * 1000).toISOString().slice(0, 10);
}

export function period(records: readonly Pick<HistoryRecord, "time">[]): Period {
  const first = records[0];
  const last = records[records.length - 1];
  return {
    commits: records.length,
    from: first ? isoDay(first.time) : null,
    to: last ? isoDay(last.time) : null,
  };
}

/** Scored commits of a replay, in the replay's order. */
export function scoredCommits(records: readonly HistoryRecord[], scores: readonly number[]): ScoredCommit[] {
  return records.map((r, i) => ({
    score: scores[i] ?? Number.NaN,
    label: r.label,
    effort: (r.metrics.la ?? 0) + (r.metrics.ld ?? 0),
  }));
}

/** Figures per calendar month (UTC) of the commits' author time, at the scorer's threshold. */
export function monthly(
  records: readonly Pick<HistoryRecord, "time">[],
  rows: readonly ScoredCommit[],
  threshold: number,
): MonthFigures[] {
  const groups = new Map<string, ScoredCommit[]>();
  records.forEach((r, i) => {
    const month = isoDay(r.time).slice(0, 7);
    const group = groups.get(month) ?? [];
    group.push(rows[i]!);
    groups.set(month, group);
  });
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([month, group]) => {
      const f = evaluate(group, threshold);
      const truePositives = Math.round((f.recall ?? 0) * f.positives);
      return {
        month,
        n: f.n,
        positives: f.positives,
        flagged: f.flagged,
        truePositives,
        falseAlarms: f.flagged - truePositives,
        precision: f.precision,
        recall: f.recall,
        falseAlarmRate: f.falseAlarmRate,
        rocAuc: f.rocAuc,
      };
    });
}

/** At most `max` points of a curve, evenly spaced, ends kept (HTML and JSON stay small). */
export function thin<T>(points: readonly T[], max = 200): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  for (let k = 0; k < max; k++) out.push(points[Math.round((k * (points.length - 1)) / (max - 1))]!);
  return out;
}

export async function replay(opts: ScoreHistoryOptions): Promise<ReplayReport> {
  const scored = await scoreHistory(opts);
  const { replayed } = scored;
  return {
    repo: scored.history.name,
    labelSource: scored.history.labels.kind,
    labelLatencyDays: scored.labelLatencyDays,
    training: period(scored.split.before),
    replay: {
      ...period(replayed),
      positives: replayed.reduce((s, r) => s + r.label, 0),
      unsettled: scored.unsettled,
    },
    scorers: scored.scorers.map((s) => {
      const rows = scoredCommits(replayed, s.scores);
      return {
        name: s.name,
        description: s.description,
        figures: evaluate(rows, s.threshold),
        months: monthly(replayed, rows, s.threshold),
        curves: { roc: thin(rocCurve(rows)), capture: captureCurve(rows, 100) },
      };
    }),
    unavailable: scored.unavailable,
  };
}
