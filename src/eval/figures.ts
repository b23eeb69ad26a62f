export { rocAuc } from "../model/auc.js";
export { percentiles } from "../model/percentile.js";

import { rocAuc } from "../model/auc.js";
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
 * - Effort@20%Recall: share of the total effort reviewed, in ranking order, when 20% of the
 *   defect-introducing commits have been found (lower is better; JITLine, JIT-Smart).
 * - Popt (Kamei et al. 2013): the area under the curve of defects found against effort spent,
 *   between the worst ranking (0) and the optimal one (1): 1 − (opt − model) / (opt − worst).
 *   Optimal reviews defect-introducing commits first, smallest first; worst the reverse.
 *   The published tools rank per changed line for these figures, so the `Density` variants are theirs.
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
  /** Share of the effort reviewed, riskiest first, to find 20% of the defects (lower is better). */
  effortAt20Recall: number | null;
  /** The same, ranked by score per changed line: the figure JITLine and JIT-Smart publish. */
  effortAt20RecallDensity: number | null;
  /** Popt with commits in risk order. */
  popt: number | null;
  /** Popt ranked by score per changed line: the figure JITLine and JIT-Smart publish. */
  poptDensity: number | null;
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

/**
 * Share of the total effort spent, reviewing in `order`, when at least `recall` of the
 * defect-introducing commits have been found (the commit that reaches it counts in full).
 *
 *   efforts 10 (clean), 30 (defect), 60 (defect), order as given, recall 0.5 → (10 + 30) / 100 = 0.4
 */
export function effortAtRecall(
  rows: readonly ScoredCommit[],
  recall = 0.2,
  order = riskOrder(rows),
): number | null {
  const pos = rows.reduce((s, r) => s + r.label, 0);
  const total = rows.reduce((s, r) => s + Math.max(r.effort, 0), 0);
  if (pos === 0 || total <= 0) return null;
  let spent = 0;
  let found = 0;
  for (const i of order) {
    const row = rows[i]!;
    spent += Math.max(row.effort, 0);
    found += row.label;
    if (found >= recall * pos) break;
  }
  return spent / total;
}

/** Area under the curve of defects found (share) against effort spent (share), reviewing in `order`. */
export function effortCurveArea(rows: readonly ScoredCommit[], order: readonly number[]): number | null {
  const pos = rows.reduce((s, r) => s + r.label, 0);
  const total = rows.reduce((s, r) => s + Math.max(r.effort, 0), 0);
  if (pos === 0 || total <= 0) return null;
  let area = 0;
  let found = 0;
  for (const i of order) {
    const row = rows[i]!;
    const before = found / pos;
    found += row.label;
    // A trapezoid: a defect found in a commit counts as found gradually over its lines.
    area += (Math.max(row.effort, 0) / total) * ((before + found / pos) / 2);
  }
  return area;
}

/**
 * Popt = 1 − (opt − model) / (opt − worst) with the areas of `effortCurveArea`; null when the
 * optimal and worst rankings do not differ (one class only, or no effort).
 *
 *   efforts 50 (defect), 50 (clean): optimal 0.75, worst 0.25; ranked clean first → 0.25 → Popt 0
 */
export function popt(rows: readonly ScoredCommit[], order = riskOrder(rows)): number | null {
  const model = effortCurveArea(rows, order);
  const perLine = (r: ScoredCommit) => r.label / Math.max(r.effort, 1);
  const best = rows.map((_, i) => i).sort((a, b) => perLine(rows[b]!) - perLine(rows[a]!) || a - b);
  const worst = [...best].reverse();
  const opt = effortCurveArea(rows, best);
  const low = effortCurveArea(rows, worst);
  if (model === null || opt === null || low === null || opt - low <= 0) return null;
  return 1 - (opt - model) / (opt - low);
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
  const density = densityOrder(rows);
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
    recallAt20EffortDensity: recallAtEffort(rows, 0.2, density),
    effortAt20Recall: effortAtRecall(rows, 0.2, order),
    effortAt20RecallDensity: effortAtRecall(rows, 0.2, density),
    popt: popt(rows, order),
    poptDensity: popt(rows, density),
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
