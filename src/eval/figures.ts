export { percentiles } from "../model/percentile.js";
/**
 * The figures of a replay: how well a score ranks and flags defect-introducing commits.
 * Definitions follow `models/train.py` (`evaluate`) so a model's metadata and `dejafix eval` agree:
 *
 * - ROC AUC: Mann-Whitney U with average ranks for ties (a tie counts half).
 * - capture at k%: share of all defect-introducing commits among the riskiest ceil(n·k/100) commits
 *   (ties broken by history order, as a gate sees commits one at a time).
 * - Recall@20%Effort: share of defect-introducing commits found while inspecting commits, riskiest
 *   first, until their effort (la + ld) would exceed 20% of the total effort.
 *   The density variant ranks by score per changed line instead (JITLine), which favours small commits.
 * - false-alarm rate: flagged clean commits / all clean commits (FP / (FP + TN)).
 */

/** One commit as the figures see it. */
export interface ScoredCommit {
  score: number;
  /** 1 = defect-introducing. */
  label: 0 | 1;
  /** Lines added + deleted: the review effort of the commit. */
  effort: number;
}

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface Figures {
  n: number;
  positives: number;
  threshold: number;
  flagged: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  falseAlarmRate: number | null;
  rocAuc: number | null;
  /** "5" | "10" | "20" | "50" → captured share, null without defect-introducing commits. */
  capture: Record<string, number | null>;
  /** capture / k: how many times better than gating k% at random (≥ 1 is better than chance). */
  captureLift: Record<string, number | null>;
  recallAt20Effort: number | null;
  /** The same with commits ranked by score per changed line (JITLine's effort-aware ranking). */
  recallAt20EffortDensity: number | null;
}

export const GATING_SHARES = [5, 10, 20, 50] as const;

/** Commits flagged when gating at `threshold` (flag when score ≥ threshold). */
export function confusion(rows: readonly ScoredCommit[], threshold: number): Confusion {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const r of rows) {
    const flagged = r.score >= threshold;
    if (r.label === 1) flagged ? c.tp++ : c.fn++;
    else flagged ? c.fp++ : c.tn++;
  }
  return c;
}

export function ratio(num: number, den: number): number | null {
  return den > 0 ? num / den : null;
}

/**
 * ROC AUC with average ranks for tied scores; null when one class is absent.
 *
 *   rocAuc([{score:1,label:1},{score:1,label:0},{score:0,label:0}]) → (1·0.5 + 1·1) / 2 = 0.75
 */
export function rocAuc(rows: readonly Pick<ScoredCommit, "score" | "label">[]): number | null {
  const n = rows.length;
  const pos = rows.reduce((s, r) => s + r.label, 0);
  const neg = n - pos;
  if (pos === 0 || neg === 0) return null;
  const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.score - rows[b]!.score);
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && rows[order[j + 1]!]!.score === rows[order[i]!]!.score) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) rankSum += rows[order[k]!]!.label * rank;
    i = j + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Indices riskiest first; equal scores keep history order (the order of `rows`). */
export function riskOrder(rows: readonly Pick<ScoredCommit, "score">[]): number[] {
  return rows.map((_, i) => i).sort((a, b) => rows[b]!.score - rows[a]!.score || a - b);
}

/** Indices by score per changed line (effort under 1 counts as 1), highest first, ties in history order. */
export function densityOrder(rows: readonly ScoredCommit[]): number[] {
  const density = rows.map((r) => r.score / Math.max(r.effort, 1));
  return rows.map((_, i) => i).sort((a, b) => density[b]! - density[a]! || a - b);
}

/** Share of defect-introducing commits among the riskiest ceil(n·pct/100) commits. */
export function captureAt(
  rows: readonly ScoredCommit[],
  pct: number,
  order = riskOrder(rows),
): number | null {
  const pos = rows.reduce((s, r) => s + r.label, 0);
  if (pos === 0) return null;
  const top = Math.ceil((rows.length * pct) / 100);
  let found = 0;
  for (let k = 0; k < top; k++) found += rows[order[k]!]!.label;
  return found / pos;
}

/**
 * Recall when inspecting commits in risk order until their effort would exceed `share` of the total
 * (the first commit that does not fit ends the inspection, as in train.py).
 */
export function recallAtEffort(
  rows: readonly ScoredCommit[],
  share = 0.2,
  order = riskOrder(rows),
): number | null {
  const pos = rows.reduce((s, r) => s + r.label, 0);
  const total = rows.reduce((s, r) => s + Math.max(r.effort, 0), 0);
  if (pos === 0 || total <= 0) return null;
  const budget = share * total;
  let spent = 0;
  let found = 0;
  for (const i of order) {
    const row = rows[i]!;
    const effort = Math.max(row.effort, 0);
    if (spent + effort > budget) break;
    spent += effort;
    found += row.label;
  }
  return found / pos;
}

export function evaluate(rows: readonly ScoredCommit[], threshold: number): Figures {
  const c = confusion(rows, threshold);
  const positives = c.tp + c.fn;
  const precision = ratio(c.tp, c.tp + c.fp);
  const recall = ratio(c.tp, positives);
  const f1 =
    precision === null || recall === null
      ? null
      : precision + recall > 0
        ? (2 * precision * recall) / (precision + recall)
        : 0;
  const order = riskOrder(rows);
  const capture: Record<string, number | null> = {};
  const captureLift: Record<string, number | null> = {};
  for (const pct of GATING_SHARES) {
    const got = captureAt(rows, pct, order);
    capture[String(pct)] = got;
    captureLift[String(pct)] = got === null ? null : got / (pct / 100);
  }
  return {
    n: rows.length,
    positives,
    threshold,
    flagged: c.tp + c.fp,
    precision,
    recall,
    f1,
    falseAlarmRate: ratio(c.fp, c.fp + c.tn),
    rocAuc: rocAuc(rows),
    capture,
    captureLift,
    recallAt20Effort: recallAtEffort(rows, 0.2, order),
    recallAt20EffortDensity: recallAtEffort(rows, 0.2, densityOrder(rows)),
  };
}

/** ROC points (false-alarm rate, recall) from the strictest threshold to the loosest, ties as one step. */
export function rocCurve(rows: readonly ScoredCommit[]): { fpr: number; tpr: number }[] {
  const pos = rows.reduce((s, r) => s + r.label, 0);
  const neg = rows.length - pos;
  const points = [{ fpr: 0, tpr: 0 }];
  if (pos === 0 || neg === 0) return points;
  const order = riskOrder(rows);
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const row = rows[order[k]!]!;
    row.label === 1 ? tp++ : fp++;
    const next = order[k + 1];
    if (next !== undefined && rows[next]!.score === row.score) continue;
    points.push({ fpr: fp / neg, tpr: tp / pos });
  }
  return points;
}

/** Capture curve: share of commits gated (riskiest first) → share of defect-introducing commits caught. */
export function captureCurve(
  rows: readonly ScoredCommit[],
  steps = 100,
): { gated: number; caught: number }[] {
  const pos = rows.reduce((s, r) => s + r.label, 0);
  const points = [{ gated: 0, caught: 0 }];
  if (pos === 0 || rows.length === 0) return points;
  const order = riskOrder(rows);
  let found = 0;
  let k = 0;
  for (let step = 1; step <= steps; step++) {
    const top = Math.ceil((rows.length * step) / steps);
    for (; k < top; k++) found += rows[order[k]!]!.label;
    points.push({ gated: step / steps, caught: found / pos });
  }
  return points;
}
