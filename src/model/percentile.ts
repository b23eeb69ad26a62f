/**
 * Where a score falls among the validation scores (or the repository's own history), from the
 * 99 stored percentile points p1..p99 in ascending order.
 */

/**
 * The percentile of `score`: how many of the 99 points lie below it, counting points equal to the
 * score as half (so a flat distribution does not put every commit at the top). 0..99; null when
 * there are no points.
 *
 *   percentileOf(0.5, [0.1, 0.2, ..., 0.99]) → the number of points below 0.5
 */
export function percentileOf(score: number, points: readonly number[]): number | null {
  if (points.length === 0 || !Number.isFinite(score)) return null;
  let below = 0;
  let equal = 0;
  for (const point of points) {
    if (point < score) below++;
    else if (point === score) equal++;
  }
  const value = below + equal / 2;
  // Scale when fewer than 99 points were stored (e.g. quartiles).
  return points.length === 99 ? value : (value * 99) / points.length;
}

/**
 * Score percentiles p1..p99 with linear interpolation between closest ranks (numpy's default, the
 * way train.py computes a model's validation percentiles).
 */
export function percentiles(scores: readonly number[]): number[] {
  if (scores.length === 0) return [];
  const sorted = [...scores].sort((a, b) => a - b);
  const out: number[] = [];
  for (let q = 1; q <= 99; q++) {
    const pos = ((sorted.length - 1) * q) / 100;
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, sorted.length - 1);
    const a = sorted[lo]!;
    out.push(a + (sorted[hi]! - a) * (pos - lo));
  }
  return out;
}
