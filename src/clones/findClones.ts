import { sizeRange } from "./prefixFilter.js";
import type { BlockStore, StoredBlock } from "./types.js";
import {
  alignLines,
  allowedDiff,
  DEFAULT_MIN_LINES,
  DEFAULT_THRESHOLD,
  judge,
  LcsMatcher,
} from "./verify.js";

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

/** A stored block that is a clone of one part of a region: the part, and the aligned lines. */
export interface RegionMatch extends Match {
  /** The part of the region matched: normalized-line indexes of the region, inclusive. */
  from: number;
  to: number;
}

/**
 * The part of the region a block is a clone of: of the runs of region lines whose length a clone may
 * have, the one with the longest LCS with the block that passes NiCad's criterion on both sides, the
 * one closest to the block's size on a tie. Exact over those runs (a bit-parallel LCS each): a region
 * of r lines costs r × (hi − lo + 1) short LCS, a few hundred.
 */
function bestPart(
  block: ArrayLike<number>,
  region: ArrayLike<number>,
  threshold: number,
  minLines: number,
): { from: number; to: number; pairs: Array<[number, number]>; lcs: number } | null {
  const n = block.length;
  const { lo, hi } = sizeRange(n, threshold, minLines);
  const matcher = new LcsMatcher(block);
  const prefixes = new Int32Array(hi);
  const blockNeed = n - allowedDiff(n, threshold);
  const spanAllows = Array.from({ length: hi + 1 }, (_, span) => allowedDiff(span, threshold));
  let best: { from: number; to: number; lcs: number } | null = null;
  for (let from = 0; from + lo <= region.length; from++) {
    // One pass gives the LCS of every run starting here, up to the longest a clone may be.
    const got = matcher.lcsOfPrefixes(region, from, hi, prefixes);
    if (got < lo || prefixes[got - 1]! < blockNeed) continue; // no run from here keeps enough of the block
    for (let span = lo; span <= got; span++) {
      const lcs = prefixes[span - 1]!;
      // NiCad on both sides (judge's rule, inlined: this loop runs a few hundred times per candidate).
      if (lcs < blockNeed || span - lcs > spanAllows[span]!) continue;
      const size = best === null ? 0 : best.to - best.from + 1;
      if (best === null || lcs > best.lcs || (lcs === best.lcs && Math.abs(span - n) < Math.abs(size - n)))
        best = { from, to: from + span - 1, lcs };
    }
  }
  if (best === null) return null;
  const { from, to, lcs } = best;
  const part = Array.prototype.slice.call(region, from, to + 1) as number[];
  const pairs = alignLines(part, block).map(([i, j]): [number, number] => [i + from, j]);
  return { from, to, pairs, lcs };
}

function verifyInRegion(
  region: ArrayLike<number>,
  blocks: Iterable<StoredBlock>,
  options: FindClonesOptions,
): RegionMatch[] {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const minLines = options.minLines ?? DEFAULT_MIN_LINES;
  const out: RegionMatch[] = [];
  if (region.length < minLines) return out;
  const matcher = new LcsMatcher(region);
  for (const b of blocks) {
    if (b.hashes.length < minLines) continue;
    // The LCS with the whole region bounds the LCS with any part: a block that misses its own need
    // against the whole region is no clone of a part of it.
    if (b.hashes.length - matcher.lcs(b.hashes) > allowedDiff(b.hashes.length, threshold)) continue;
    const part = bestPart(b.hashes, region, threshold, minLines);
    if (part === null) continue;
    const span = part.to - part.from + 1;
    out.push({
      id: b.id,
      ref: b.ref,
      similarity: part.lcs / Math.max(span, b.hashes.length),
      lcs: part.lcs,
      queryLines: span,
      blockLines: b.hashes.length,
      pairs: part.pairs,
      from: part.from,
      to: part.to,
    });
  }
  out.sort((a, b) => b.similarity - a.similarity || a.id - b.id);
  return out;
}

/**
 * Stored blocks that are NiCad clones of some part of `region` (the normalized lines around a change),
 * each with the part it matches and the aligned lines (region index, block index). Candidates come
 * from every element of the region (Claim 5 of prefixFilter.ts), so a block cut around the same code
 * is found whatever the extent of the region around it.
 */
export function findInRegion(
  region: { hashes: ArrayLike<number> },
  store: BlockStore,
  options: FindClonesOptions = {},
): RegionMatch[] {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const minLines = options.minLines ?? DEFAULT_MIN_LINES;
  return verifyInRegion(region.hashes, store.candidatesIn(region.hashes, threshold, minLines), options);
}

/** The reference answer of `findInRegion`: every stored block verified. */
export function findInRegionBruteForce(
  region: { hashes: ArrayLike<number> },
  blocks: Iterable<StoredBlock>,
  options: FindClonesOptions = {},
): RegionMatch[] {
  return verifyInRegion(region.hashes, blocks, options);
}
