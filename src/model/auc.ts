/** ROC AUC, shared by the figures of `dejafix eval` and the per-repository adaptation. */

/**
 * ROC AUC with average ranks for tied scores; null when one class is absent.
 *
 *   rocAuc([{score:1,label:1},{score:1,label:0},{score:0,label:0}]) → (1·0.5 + 1·1) / 2 = 0.75
 */
export function rocAuc(rows: readonly { score: number; label: 0 | 1 }[]): number | null {
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
