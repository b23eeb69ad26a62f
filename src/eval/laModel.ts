/**
 * LApredict (Yan et al. 2020), the baseline every risk model must beat: logistic regression on the
 * lines a commit adds, p = σ(a + b·log(1 + la)). Classes are weighted to balance (as resampling
 * does in training), so 0.5 is the threshold. Its ranking is la's own ranking when b > 0.
 */

export interface LaModel {
  intercept: number;
  slope: number;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Newton's method on the weighted log-likelihood, with a small ridge so separable data converge. */
export function fitLaModel(rows: readonly { la: number; label: 0 | 1 }[]): LaModel | null {
  const pos = rows.reduce((s, r) => s + r.label, 0);
  const neg = rows.length - pos;
  if (pos === 0 || neg === 0) return null;
  const wPos = rows.length / (2 * pos);
  const wNeg = rows.length / (2 * neg);
  const ridge = 1e-3;
  let a = 0;
  let b = 0;
  for (let iter = 0; iter < 50; iter++) {
    // Gradient g and Hessian H of the penalised negative log-likelihood.
    let ga = 0;
    let gb = ridge * b;
    let haa = 0;
    let hab = 0;
    let hbb = ridge;
    for (const r of rows) {
      const x = Math.log1p(Math.max(r.la, 0));
      const p = sigmoid(a + b * x);
      const w = r.label === 1 ? wPos : wNeg;
      const e = w * (p - r.label);
      ga += e;
      gb += e * x;
      const v = w * p * (1 - p);
      haa += v;
      hab += v * x;
      hbb += v * x * x;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-12)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { intercept: a, slope: b };
}

export function laScore(model: LaModel, la: number): number {
  return sigmoid(model.intercept + model.slope * Math.log1p(Math.max(la, 0)));
}
