import type { NormalizedBlock, NormToken } from "../blocks/types.js";
import { alignLines } from "../clones/verify.js";

export interface BlockAlignment {
  /** Source line of the defect block → source line of the developer's block (each in its own numbering). */
  lineMap: Map<number, number>;
  /** Defect lines whose normalized line equals the developer's (not just paired up in a gap). */
  exact: Set<number>;
  /** Aligned tokens [defect token, developer token] with equal normalized text. */
  tokenPairs: Array<[NormToken, NormToken]>;
}

function tokensByLineIndex(block: NormalizedBlock): NormToken[][] {
  const out: NormToken[][] = block.lines.map(() => []);
  for (const t of block.tokens) out[t.lineIndex]?.push(t);
  return out;
}

/** LCS of two token lists compared by one of their texts, as index pairs. */
export function alignTokensBy(
  a: readonly NormToken[],
  b: readonly NormToken[],
  key: (t: NormToken) => string,
): Array<[number, number]> {
  const ids = new Map<string, number>();
  const code = (s: string): number => {
    let id = ids.get(s);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(s, id);
    }
    return id;
  };
  return alignLines(
    a.map((t) => code(key(t))),
    b.map((t) => code(key(t))),
  );
}

/** LCS of two token lists on their normalized text, as index pairs. */
function alignTokens(a: NormToken[], b: NormToken[]): Array<[number, number]> {
  if (a.length === b.length && a.every((t, i) => t.norm === b[i]!.norm)) return a.map((_, i) => [i, i]);
  return alignTokensBy(a, b, (t) => t.norm);
}

/** Maps the source lines of two aligned normalized lines: ends to ends, the middle by offset. */
function mapSpans(
  def: { first: number; last: number },
  dev: { first: number; last: number },
  into: Map<number, number>,
): void {
  const width = def.last - def.first;
  for (let k = 0; k <= width; k++) {
    const line = def.first + k;
    if (into.has(line)) continue;
    const target = k === width ? dev.last : Math.min(dev.first + k, dev.last);
    into.set(line, target);
  }
}

/**
 * Aligns the developer's block with a defect block: normalized lines by LCS (the pairs clone
 * verification found), then tokens within aligned lines. Between two aligned lines, gaps of the same
 * size on both sides (a line changed in both, e.g. `<` against `<=`) are paired up too, by position.
 */
export function alignBlocks(
  defect: NormalizedBlock,
  dev: NormalizedBlock,
  pairs: Array<[number, number]> = alignLines(dev.hashes, defect.hashes),
): BlockAlignment {
  const defTokens = tokensByLineIndex(defect);
  const devTokens = tokensByLineIndex(dev);
  const lineMap = new Map<number, number>();
  const exact = new Set<number>();
  const tokenPairs: Array<[NormToken, NormToken]> = [];
  const pairLines = (j: number, i: number, same: boolean): void => {
    const a = defTokens[j] ?? [];
    const b = devTokens[i] ?? [];
    for (const [x, y] of alignTokens(a, b)) tokenPairs.push([a[x]!, b[y]!]);
    const ds = defect.spans[j];
    const vs = dev.spans[i];
    if (ds && vs) {
      mapSpans(ds, vs, lineMap);
      if (same) for (let l = ds.first; l <= ds.last; l++) exact.add(l);
    }
  };
  let pi = 0;
  let pj = 0;
  for (const [i, j] of [...pairs, [dev.lines.length, defect.lines.length] as [number, number]]) {
    if (i - pi === j - pj) for (let k = 0; k < i - pi; k++) pairLines(pj + k, pi + k, false);
    if (i < dev.lines.length && j < defect.lines.length) pairLines(j, i, true);
    pi = i + 1;
    pj = j + 1;
  }
  return { lineMap, exact, tokenPairs };
}

/**
 * One-to-one identifier mapping, defect name → developer name, by majority over aligned identifier
 * tokens: the most frequent pairs are taken first, and a name on either side is used only once.
 */
export function identifierMap(tokenPairs: ReadonlyArray<[NormToken, NormToken]>): Map<string, string> {
  const votes = new Map<string, { def: string; dev: string; count: number; first: number }>();
  tokenPairs.forEach(([a, b], k) => {
    if (a.kind !== "identifier" || b.kind !== "identifier") return;
    const key = `${a.text}\u0000${b.text}`;
    const v = votes.get(key);
    if (v) v.count++;
    else votes.set(key, { def: a.text, dev: b.text, count: 1, first: k });
  });
  const ranked = [...votes.values()].sort((x, y) => y.count - x.count || x.first - y.first);
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const v of ranked) {
    if (out.has(v.def) || taken.has(v.dev)) continue;
    out.set(v.def, v.dev);
    taken.add(v.dev);
  }
  return out;
}
