import type { BlockStore, StoredBlock } from "./types.js";
import { alignLines, DEFAULT_MIN_LINES, DEFAULT_THRESHOLD, judge, LcsMatcher } from "./verify.js";

export interface FindClonesOptions {
  /** NiCad threshold T: largest fraction of differing lines on each side. Default 0.3. */
  threshold?: number;
  /** Minimum normalized lines of both blocks. Default 10. */
  minLines?: number;
  /** Compute the aligned line pairs of each match (quadratic; default true). */
  align?: boolean;
}

export interface Match {
  id: number;
  ref: string | null;
  /** LCS / max(n1, n2). */
  similarity: number;
  lcs: number;
  queryLines: number;
  blockLines: number;
  /** Aligned normalized lines [query line index, block line index]; empty when `align` is false. */
  pairs: Array<[number, number]>;
}

function verifyAll(
  query: ArrayLike<number>,
  blocks: Iterable<StoredBlock>,
  options: FindClonesOptions,
): Match[] {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const minLines = options.minLines ?? DEFAULT_MIN_LINES;
  const matches: Match[] = [];
  if (query.length < minLines) return matches;
  const matcher = new LcsMatcher(query);
  for (const b of blocks) {
    if (b.hashes.length < minLines) continue;
    const verdict = judge(query.length, b.hashes.length, matcher.lcs(b.hashes), { threshold, minLines });
    if (!verdict.clone) continue;
    matches.push({
      id: b.id,
      ref: b.ref,
      similarity: verdict.similarity,
      lcs: verdict.lcs,
      queryLines: query.length,
      blockLines: b.hashes.length,
      pairs: options.align === false ? [] : alignLines(query, b.hashes),
    });
  }
  matches.sort((a, b) => b.similarity - a.similarity || a.id - b.id);
  return matches;
}

/**
 * Stored blocks that are NiCad clones of `query` (its normalized line hashes), most similar first:
 * prefix-filtered candidates from the store, each verified by LCS. Returns exactly what
 * `findClonesBruteForce` returns over the same blocks, only faster.
 */
export function findClones(
  query: { hashes: ArrayLike<number> },
  store: BlockStore,
  options: FindClonesOptions = {},
): Match[] {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const minLines = options.minLines ?? DEFAULT_MIN_LINES;
  return verifyAll(query.hashes, store.candidates(query.hashes, threshold, minLines), options);
}

/** The reference answer: verify `query` against every block. Used to check the index, and by the bench. */
export function findClonesBruteForce(
  query: { hashes: ArrayLike<number> },
  blocks: Iterable<StoredBlock>,
  options: FindClonesOptions = {},
): Match[] {
  return verifyAll(query.hashes, blocks, options);
}
