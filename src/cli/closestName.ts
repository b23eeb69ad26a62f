/**
 * The did-you-mean of usage errors: the known name nearest to what was typed (`chek` → `check`,
 * `formt` → `format`), or undefined when none is near enough to be a likely typo.
 */
export function closestName(typed: string, names: readonly string[]): string | undefined {
  const word = typed.toLowerCase();
  if (word.length === 0) return undefined;
  // A typo of a short name is one edit; of a long one, up to a third of its letters.
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const d = name.startsWith(word) && word.length >= 2 ? 0.5 : editDistance(word, name.toLowerCase());
    if (d <= limit && (!best || d < best.distance)) best = { name, distance: d };
  }
  return best?.name;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  const row0 = rows[0] as number[];
  for (let j = 0; j <= b.length; j++) row0[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const r = rows[i] as number[];
    const up = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((up[j] as number) + 1, (r[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      r[j] = d;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}
