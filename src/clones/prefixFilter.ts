import { allowedDiff, requiredCommon } from "./verify.js";

/*
 * Lossless candidate retrieval for NiCad's criterion (SourcererCC-style prefix filtering).
 *
 * Notation: Q is the query block (n1 normalized lines), C a stored block (n2 lines), T the query
 * threshold, T* ≥ T the threshold the index was built with, d_T(n) = floor(T·n), need_T(n) = n − d_T(n).
 *
 * Elements. A block's lines form a multiset of hashes. Number the copies of each hash in order of
 * appearance: the k-th copy of hash h becomes the element (h, k). The multiset intersection of Q and C
 * (their "bag overlap") is then exactly the set intersection of their elements: (h, k) is in both iff h
 * appears at least k times in each.
 *
 * Claim 1 (overlap bound). If Q and C are clones then |Q ∩ C| ≥ K := max(need_T(n1), need_T(n2)).
 *   The LCS is a common subsequence, so its lines are a sub-multiset of both blocks: |Q ∩ C| ≥ LCS.
 *   Passing on Q's side means n1 − LCS ≤ d_T(n1), i.e. LCS ≥ need_T(n1); likewise LCS ≥ need_T(n2).
 *
 * Claim 2 (size bound). Clones satisfy need_T(n1) ≤ n2 and need_T(n2) ≤ n1, because LCS ≤ min(n1, n2).
 *   need_T is non-decreasing (n ↦ n+1 raises floor(T·n) by 0 or 1 when T < 1), so the admissible n2
 *   form an interval [lo, hi] computed by `sizeRange`; blocks outside it need not be looked at.
 *
 * Claim 3 (prefix filter). Fix any total order on elements. Sort each block's elements by it and call
 * the first p(n) = d(n) + 1 of them the block's prefix. If |Q ∩ C| ≥ K then the prefix of Q under
 * d_T and the prefix of C under d_T* share an element.
 *   Let w be the smallest common element. The ≥ K common elements are all ≥ w, so at most n1 − K
 *   elements of Q come before w: w's 1-based position in Q is ≤ n1 − K + 1 ≤ n1 − need_T(n1) + 1 =
 *   d_T(n1) + 1. In C likewise w's position is ≤ d_T(n2) + 1 ≤ d_T*(n2) + 1 since T ≤ T*. So w lies in
 *   both prefixes.
 *
 * Claim 4 (position filter, PPJoin). Store with each prefix element its 0-based position j in its block's
 * order, and probe the query's prefix elements in order. When a probe at query position i meets C's
 * prefix at position j, let A be the number of earlier probes that met C. Every common element e
 * smaller than the current one was met by an earlier probe: e precedes position i in Q, so it is in Q's
 * prefix, and precedes position j in C, so it is in C's prefix. Common elements after the current one
 * number at most min(n1 − i − 1, n2 − j − 1). Hence |Q ∩ C| ≤ A + min(n1 − i, n2 − j); if that is
 * below K, C is no clone and later probes skip it.
 *
 * Hence: index every stored block under the elements of its T*-prefix, look up the elements of the
 * query's T-prefix, keep blocks whose size lies in [lo, hi], and every clone pair is among the
 * candidates. The proof holds for ANY order, provided both sides use the same one; the order only
 * decides speed. We order by frequency (rarest first) from a table frozen when the index is built:
 * rare elements make short posting lists. Elements missing from the table (seen after the freeze, or
 * seen once) count as frequency 0. Ties break by element value, so the order is total and never
 * changes while blocks are added; re-freezing rewrites every stored prefix at once.
 *
 * Claim 5 (a clone inside a region). Let R be a region (a longer run of lines) and C a stored block
 * that is a clone of some contiguous part W of R. Then |C ∩ R| ≥ |C ∩ W| ≥ need_T(n2) (Claim 1; W's
 * lines are a sub-multiset of R's), so by the argument of Claim 3 the smallest common element lies in
 * C's T*-prefix, while on R's side it may be anywhere. Hence: look up every element of R (not only its
 * prefix), keep blocks with need_T(n2) ≤ |R|, and every block that is a clone of some part of R is
 * among the candidates. The position filter does not apply (R's elements are not a prefix).
 */

/** Copies of one line a block may hold: keys stay exact integers (hash · 2^21 + copy < 2^53). */
const MAX_COPIES = 1 << 21;

/** Element key of the `copy`-th (0-based) occurrence of `hash`. */
export function elementKey(hash: number, copy: number): number {
  if (copy >= MAX_COPIES) throw new RangeError(`a block repeats one line more than ${MAX_COPIES} times`);
  return (hash >>> 0) * MAX_COPIES + copy;
}

/** The elements of a block: one key per line, copies of a hash numbered in order of appearance. */
export function elementsOf(hashes: ArrayLike<number>): number[] {
  const seen = new Map<number, number>();
  const out = new Array<number>(hashes.length);
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i]! >>> 0;
    const copy = seen.get(h) ?? 0;
    seen.set(h, copy + 1);
    out[i] = elementKey(h, copy);
  }
  return out;
}

/** Frozen frequency of an element key (0 when unknown). */
export type FrequencyOf = (key: number) => number;

/**
 * The first d_T(n) + 1 elements of a block in the global order (rarest first, ties by key).
 * Use the index threshold T* for stored blocks and the query threshold T for queries.
 */
export function prefixOf(hashes: ArrayLike<number>, threshold: number, frequency: FrequencyOf): number[] {
  const elements = elementsOf(hashes);
  const p = Math.min(elements.length, allowedDiff(elements.length, threshold) + 1);
  const freq = new Map<number, number>();
  for (const e of elements) freq.set(e, frequency(e));
  elements.sort((a, b) => freq.get(a)! - freq.get(b)! || a - b);
  elements.length = p;
  return elements;
}

/**
 * Claim 4: can a block of n2 lines, met at query position i and block position j after `earlier`
 * previous meetings, still be a clone?
 */
export function positionAllows(
  n1: number,
  i: number,
  n2: number,
  j: number,
  earlier: number,
  threshold: number,
): boolean {
  const need = Math.max(requiredCommon(n1, threshold), requiredCommon(n2, threshold));
  return earlier + Math.min(n1 - i, n2 - j) >= need;
}

/** Sizes a block can have to be a clone of some part of an n-line region (Claim 5), at least minLines. */
export function regionSizeRange(n: number, threshold: number, minLines: number): { lo: number; hi: number } {
  return { lo: minLines, hi: sizeRange(n, threshold, minLines).hi };
}

/** Sizes n2 a clone of an n1-line query can have (Claim 2), intersected with n2 ≥ minLines. */
export function sizeRange(n1: number, threshold: number, minLines: number): { lo: number; hi: number } {
  const lo = Math.max(minLines, requiredCommon(n1, threshold));
  // need(n) ≥ n·(1 − T), so need(n) ≤ n1 forces n ≤ n1 / (1 − T); step down to the exact bound.
  let hi = Math.floor(n1 / (1 - threshold)) + 1;
  while (hi > 0 && requiredCommon(hi, threshold) > n1) hi--;
  return { lo, hi };
}
