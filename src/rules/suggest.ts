/** "Did you mean" for mistyped keys, level names and enum values. */

function squash(word: string): string {
  return word.toLowerCase().replace(/[-_\s]/g, "");
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `word`, or null when none is close enough to be a likely typo. */
export function suggest(word: string, candidates: Iterable<string>): string | null {
  const w = squash(word);
  let best: string | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const c = squash(candidate);
    // `time_budget_ms`, `TimeBudgetMs` → timeBudgetMs; `timeBudget` → timeBudgetMs.
    let score = c === w ? 0 : distance(w, c);
    if (score > 0 && w.length >= 3 && (c.startsWith(w) || w.startsWith(c))) score = Math.min(score, 1);
    const allowed = w.length <= 4 ? 1 : w.length <= 8 ? 2 : 3;
    if (score <= allowed && score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
