/**
 * Per-repository adaptation of the shipped risk model: a logistic regression on top of it, fitted
 * on the repository's own settled history, with the shipped model as its prior.
 *
 *   adapted(x) = σ(bias + base · logit(shipped(x)) + Σ w_m · z_m(x))
 *
 * z_m is metric m standardized exactly as the shipped model does (its metadata's transforms). The
 * prior is the shipped model itself (base = 1, w = 0): a Gaussian penalty λ/2·((base − 1)² + Σ w²)
 * pulls the fit back to it, so little history moves the score little. The bias is free: the shipped
 * model was trained with resampling and on other repositories' base rates.
 *
 * λ is chosen on the newest quarter of the training part (oldest first, never at random); the fit is
 * kept only when it beats the shipped model on the repository's later validation period by
 * `KEEP_MARGIN` ROC AUC. Fitting is Newton's method on 22 parameters: milliseconds.
 */
import { createHash } from "node:crypto";
import { rocAuc } from "./auc.js";
import type { ModelMeta } from "./meta.js";
import { type MetricValue, metricNumber, standardize } from "./vector.js";

/** The weights of a kept (or rejected) adaptation, enough to score with it. */
export interface AdaptationWeights {
  bias: number;
  /** Weight of logit(shipped score). */
  base: number;
  /** Weight per metric name (standardized with the shipped model's transforms). */
  metrics: Record<string, number>;
  /** Prior strength the fit used. */
  lambda: number;
}

/** One settled commit of the repository, oldest first. */
export interface AdaptationRow {
  /** The shipped model's score of the commit. */
  score: number;
  metrics: Readonly<Record<string, MetricValue>>;
  label: 0 | 1;
  time: number;
}

export interface AdaptationOutcome {
  kept: boolean;
  /** Why it is (not) used, in words for `doctor`. */
  reason: string;
  weights: AdaptationWeights | null;
  train: { commits: number; positives: number; from: number | null; to: number | null };
  validation: { commits: number; positives: number; from: number | null; to: number | null };
  /** ROC AUC on the validation period: the shipped model, the adaptation fitted on the training part. */
  aucShipped: number | null;
  aucAdapted: number | null;
}

/** The adapted model must beat the shipped one by this much validation ROC AUC to be used. */
export const KEEP_MARGIN = 0.005;
/** Below these, the validation AUC is too noisy to decide on. */
export const MIN_COMMITS = 300;
export const MIN_TRAIN_POSITIVES = 20;
export const MIN_VALIDATION_POSITIVES = 10;
const LAMBDAS = [1, 10, 100, 1000];
/** A standardized metric beyond ±6 is an outlier the fit should not chase. */
const Z_LIMIT = 6;

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));
const logit = (p: number) => {
  const q = Math.min(Math.max(p, 1e-6), 1 - 1e-6);
  return Math.log(q / (1 - q));
};

/** The feature row of one commit: logit of the shipped score, then the standardized metrics. */
export function adaptationFeatures(
  meta: ModelMeta,
  score: number,
  metrics: Readonly<Record<string, MetricValue>>,
): number[] {
  const out = [logit(score)];
  for (const spec of meta.transforms.metrics) {
    const raw = metricNumber(metrics[spec.name]) ?? spec.neutral;
    out.push(Math.min(Math.max(standardize(spec, raw), -Z_LIMIT), Z_LIMIT));
  }
  return out;
}

/** The adapted score of one commit. */
export function applyAdaptation(
  meta: ModelMeta,
  weights: AdaptationWeights,
  score: number,
  metrics: Readonly<Record<string, MetricValue>>,
): number {
  const x = adaptationFeatures(meta, score, metrics);
  let t = weights.bias + weights.base * x[0]!;
  meta.transforms.metrics.forEach((spec, i) => {
    t += (weights.metrics[spec.name] ?? 0) * x[i + 1]!;
  });
  return sigmoid(t);
}

/**
 * MAP logistic regression around the prior (bias 0, base 1, metrics 0) by Newton's method.
 * `xs` rows are `adaptationFeatures`; returns [bias, base, ...metric weights].
 */
export function fitPrior(xs: readonly number[][], ys: readonly (0 | 1)[], lambda: number): number[] {
  const d = (xs[0]?.length ?? 1) + 1;
  const prior = Array.from({ length: d }, (_, j) => (j === 1 ? 1 : 0));
  // The bias is nearly free: a weak penalty only keeps a one-class sample finite.
  const penalty = Array.from({ length: d }, (_, j) => (j === 0 ? 1e-4 : lambda));
  const theta = [...prior];
  for (let iter = 0; iter < 50; iter++) {
    const grad = theta.map((t, j) => -penalty[j]! * (t - prior[j]!));
    const hess = Array.from({ length: d }, (_, j) => {
      const row = new Array<number>(d).fill(0);
      row[j] = penalty[j]!;
      return row;
    });
    xs.forEach((x, i) => {
      let t = theta[0]!;
      for (let j = 1; j < d; j++) t += theta[j]! * x[j - 1]!;
      const p = sigmoid(t);
      const w = Math.max(p * (1 - p), 1e-9);
      const r = ys[i]! - p;
      for (let a = 0; a < d; a++) {
        const xa = a === 0 ? 1 : x[a - 1]!;
        grad[a]! += r * xa;
        const row = hess[a]!;
        for (let b = a; b < d; b++) row[b]! += w * xa * (b === 0 ? 1 : x[b - 1]!);
      }
    });
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) hess[a]![b] = hess[b]![a]!;
    const step = solve(hess, grad);
    let moved = 0;
    for (let j = 0; j < d; j++) {
      theta[j]! += step[j]!;
      moved = Math.max(moved, Math.abs(step[j]!));
    }
    if (moved < 1e-7) break;
  }
  return theta;
}

/** Solves A·x = b (A symmetric positive definite here) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    const head = m[c]![c]!;
    if (Math.abs(head) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / head;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => (Math.abs(row[i]!) < 1e-12 ? 0 : row[n]! / row[i]!));
}

function toWeights(meta: ModelMeta, theta: readonly number[], lambda: number): AdaptationWeights {
  const metrics: Record<string, number> = {};
  meta.transforms.metrics.forEach((spec, i) => {
    metrics[spec.name] = theta[i + 2]!;
  });
  return { bias: theta[0]!, base: theta[1]!, metrics, lambda };
}

function fitWeights(meta: ModelMeta, rows: readonly AdaptationRow[], lambda: number): AdaptationWeights {
  const xs = rows.map((r) => adaptationFeatures(meta, r.score, r.metrics));
  return toWeights(
    meta,
    fitPrior(
      xs,
      rows.map((r) => r.label),
      lambda,
    ),
    lambda,
  );
}

function aucOf(meta: ModelMeta, rows: readonly AdaptationRow[], w: AdaptationWeights | null): number | null {
  return rocAuc(
    rows.map((r) => ({ score: w ? applyAdaptation(meta, w, r.score, r.metrics) : r.score, label: r.label })),
  );
}

function part(rows: readonly AdaptationRow[]): AdaptationOutcome["train"] {
  return {
    commits: rows.length,
    positives: rows.reduce((s, r) => s + r.label, 0),
    from: rows[0]?.time ?? null,
    to: rows[rows.length - 1]?.time ?? null,
  };
}

/**
 * Fits the adaptation on the oldest `1 − validationShare` of `rows` (oldest first), compares it
 * with the shipped model on the rest, and when it wins refits on all rows (the weights to use).
 */
export function adapt(
  meta: ModelMeta,
  rows: readonly AdaptationRow[],
  validationShare = 0.25,
): AdaptationOutcome {
  const cut = Math.floor(rows.length * (1 - validationShare));
  const train = rows.slice(0, cut);
  const validation = rows.slice(cut);
  const outcome: AdaptationOutcome = {
    kept: false,
    reason: "",
    weights: null,
    train: part(train),
    validation: part(validation),
    aucShipped: null,
    aucAdapted: null,
  };
  const vPos = outcome.validation.positives;
  if (
    rows.length < MIN_COMMITS ||
    outcome.train.positives < MIN_TRAIN_POSITIVES ||
    vPos < MIN_VALIDATION_POSITIVES ||
    validation.length - vPos < MIN_VALIDATION_POSITIVES
  ) {
    outcome.reason = `too little settled history to judge an adaptation (${rows.length} commits, ${outcome.train.positives + vPos} defect-introducing; needs ${MIN_COMMITS} commits, ${MIN_TRAIN_POSITIVES} defects to fit and ${MIN_VALIDATION_POSITIVES} to validate)`;
    return outcome;
  }
  // λ from the newest quarter of the training part; the validation period stays unseen until the end.
  const inner = Math.floor(train.length * 0.75);
  let lambda = LAMBDAS[LAMBDAS.length - 1]!;
  let best = Number.NEGATIVE_INFINITY;
  for (const l of LAMBDAS) {
    const auc = aucOf(meta, train.slice(inner), fitWeights(meta, train.slice(0, inner), l)) ?? 0;
    if (auc > best) {
      best = auc;
      lambda = l;
    }
  }
  const fitted = fitWeights(meta, train, lambda);
  outcome.aucShipped = aucOf(meta, validation, null);
  outcome.aucAdapted = aucOf(meta, validation, fitted);
  const shipped = outcome.aucShipped ?? 0;
  const adapted = outcome.aucAdapted ?? 0;
  outcome.kept = adapted >= shipped + KEEP_MARGIN;
  outcome.weights = outcome.kept ? fitWeights(meta, rows, lambda) : fitted;
  outcome.reason = outcome.kept
    ? `adapted, it beat the model as is on this repository's later commits (ROC AUC ${adapted.toFixed(3)} against ${shipped.toFixed(3)})`
    : `adapted, it did not beat the model as is by ${KEEP_MARGIN} on this repository's later commits (ROC AUC ${adapted.toFixed(3)} against ${shipped.toFixed(3)})`;
  return outcome;
}

/**
 * The key under which score percentiles are stored for what actually scores: the model alone, or
 * the model with this repository's kept adaptation (other weights, other scores, another key).
 */
export function scoringKey(
  digest: string,
  adaptation: { kept: boolean; outcome: { weights: AdaptationWeights | null } } | null,
): string {
  const weights = adaptation?.kept ? adaptation.outcome.weights : null;
  if (!weights) return digest;
  return `${digest}+adapted-${createHash("sha256").update(JSON.stringify(weights)).digest("hex").slice(0, 16)}`;
}
