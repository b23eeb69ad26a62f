/**
 * NiCad's clone criterion over normalized line hashes: blocks A (n1 lines) and B (n2 lines) are
 * clones iff both have at least `minLines` lines and, with L = LCS(A, B),
 *   (n1 − L) / n1 ≤ T  and  (n2 − L) / n2 ≤ T.
 * The inequality is evaluated in integers through `allowedDiff`, so the retrieval filters (which use
 * the same function) and this check can never disagree by a rounding error.
 */

export const DEFAULT_THRESHOLD = 0.3;
/** NiCad's default minimum block size, in pretty-printed lines. */
export const DEFAULT_MIN_LINES = 10;

export interface VerifyOptions {
  /** Largest fraction of differing lines allowed on each side, in [0, 1). Default 0.3. */
  threshold?: number;
  /** Both blocks need at least this many normalized lines. Default 10. */
  minLines?: number;
}

export interface CloneCheck {
  clone: boolean;
  lcs: number;
  /** LCS / max(n1, n2). */
  similarity: number;
}

/** d(n) = floor(T·n): the most lines of an n-line block that may be missing from the LCS. */
export function allowedDiff(n: number, threshold: number): number {
  return Math.floor(threshold * n + 1e-9);
}

/** need(n) = n − d(n): the smallest LCS an n-line block accepts. Non-decreasing in n for T < 1. */
export function requiredCommon(n: number, threshold: number): number {
  return n - allowedDiff(n, threshold);
}

export function checkThreshold(threshold: number): void {
  if (!(threshold >= 0 && threshold < 1)) {
    throw new RangeError(`clone threshold must be in [0, 1), got ${threshold}; 0.3 is NiCad's default`);
  }
}

/**
 * Bit-parallel LCS length (Allison–Dix / Hyyrö): the pattern's positions live in bit vectors, one
 * word per 32 lines, and each line of the other sequence costs ⌈m/32⌉ word operations. Build one
 * matcher per query and reuse it against every candidate.
 */
export class LcsMatcher {
  readonly length: number;
  private readonly words: number;
  // Open-addressing table from line hash to its bit mask (a row of `masks`): the lookup runs once per
  // line of every candidate, and a typed-array probe is several times cheaper than a Map.
  private readonly slotMask: number;
  private readonly slotHash: Uint32Array;
  private readonly slotRow: Int32Array;
  private readonly masks: Uint32Array;
  private readonly v: Uint32Array;

  constructor(pattern: ArrayLike<number>) {
    this.length = pattern.length;
    this.words = Math.max(1, Math.ceil(pattern.length / 32));
    let size = 8;
    while (size < pattern.length * 2) size *= 2;
    this.slotMask = size - 1;
    this.slotHash = new Uint32Array(size);
    this.slotRow = new Int32Array(size).fill(-1);
    this.masks = new Uint32Array(Math.max(1, pattern.length) * this.words);
    let rows = 0;
    for (let i = 0; i < pattern.length; i++) {
      const h = pattern[i]! >>> 0;
      let slot = this.slot(h);
      if (this.slotRow[slot] === -1) {
        this.slotHash[slot] = h;
        this.slotRow[slot] = rows++;
      }
      slot = this.slotRow[slot]! * this.words + (i >>> 5);
      this.masks[slot] = this.masks[slot]! | (1 << (i & 31));
    }
    this.v = new Uint32Array(this.words);
  }

  /** Slot holding `h`, or the empty slot where it would go (linear probing). */
  private slot(h: number): number {
    let s = (Math.imul(h, 0x9e3779b1) >>> 0) & this.slotMask;
    while (this.slotRow[s] !== -1 && this.slotHash[s] !== h) s = (s + 1) & this.slotMask;
    return s;
  }

  /**
   * LCS of the pattern with every prefix of `text[from..from+max)` in one pass: `out[k]` is the LCS with
   * the first k + 1 lines. The bit vector after each line holds the answer for that prefix.
   */
  lcsOfPrefixes(text: ArrayLike<number>, from: number, max: number, out: Int32Array): number {
    const v = this.v;
    const words = this.words;
    const masks = this.masks;
    v.fill(0xffffffff);
    const end = Math.min(text.length, from + max);
    let zeros = 0;
    for (let j = from; j < end; j++) {
      const row = this.slotRow[this.slot(text[j]! >>> 0)]!;
      if (row >= 0) {
        const base = row * words;
        let carry = 0;
        for (let w = 0; w < words; w++) {
          const x = v[w]!;
          const u = x & masks[base + w]!;
          const sum = x + (u >>> 0) + carry;
          carry = sum > 0xffffffff ? 1 : 0;
          v[w] = (sum >>> 0) | (x & ~u);
        }
        zeros = this.zeros();
      }
      out[j - from] = zeros;
    }
    return end - from;
  }

  /** Zero bits of the state vector within the pattern's length: the LCS so far. */
  private zeros(): number {
    let zeros = 0;
    for (let w = 0; w < this.words; w++) {
      let x = ~this.v[w]!;
      if (w === this.words - 1 && this.length % 32 !== 0) x &= (1 << (this.length % 32)) - 1;
      x >>>= 0;
      x -= (x >>> 1) & 0x55555555;
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
      zeros += (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return zeros;
  }

  /** Length of the longest common subsequence of the pattern and `text`. */
  lcs(text: ArrayLike<number>): number {
    const v = this.v;
    const words = this.words;
    const masks = this.masks;
    v.fill(0xffffffff);
    for (let j = 0; j < text.length; j++) {
      const row = this.slotRow[this.slot(text[j]! >>> 0)]!;
      if (row < 0) continue; // no match: V' = (V + 0) | V = V
      const base = row * words;
      let carry = 0;
      for (let w = 0; w < words; w++) {
        const x = v[w]!;
        const u = x & masks[base + w]!;
        // V' = (V + U) | (V − U); U ⊆ V, so V − U = V & ~U and only the addition carries.
        const sum = x + (u >>> 0) + carry;
        carry = sum > 0xffffffff ? 1 : 0;
        v[w] = (sum >>> 0) | (x & ~u);
      }
    }
    let zeros = 0;
    for (let w = 0; w < words; w++) {
      let x = ~v[w]!;
      if (w === words - 1 && this.length % 32 !== 0) x &= (1 << (this.length % 32)) - 1;
      x >>>= 0;
      // popcount
      x -= (x >>> 1) & 0x55555555;
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
      zeros += (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return zeros;
  }
}

/** LCS length of two hash sequences. */
export function lcsLength(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return a.length === 0 || b.length === 0
    ? 0
    : new LcsMatcher(a.length <= b.length ? a : b).lcs(a.length <= b.length ? b : a);
}

/** The NiCad decision for two blocks whose LCS is already known. */
export function judge(n1: number, n2: number, lcs: number, options: VerifyOptions = {}): CloneCheck {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const minLines = options.minLines ?? DEFAULT_MIN_LINES;
  const clone =
    n1 >= minLines &&
    n2 >= minLines &&
    n1 - lcs <= allowedDiff(n1, threshold) &&
    n2 - lcs <= allowedDiff(n2, threshold);
  return { clone, lcs, similarity: Math.max(n1, n2) === 0 ? 0 : lcs / Math.max(n1, n2) };
}

/** Full check of two normalized blocks (their line hashes). */
export function verify(a: ArrayLike<number>, b: ArrayLike<number>, options: VerifyOptions = {}): CloneCheck {
  return judge(a.length, b.length, lcsLength(a, b), options);
}

/**
 * One longest common subsequence as pairs [index in a, index in b] of equal lines, in order.
 * Quadratic dynamic programming: run it only on verified clones (blocks of a few hundred lines).
 */
export function alignLines(a: ArrayLike<number>, b: ArrayLike<number>): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  const w = m + 1;
  // suffix[i*w + j] = LCS of a[i..] and b[j..]; suffix form lets the walk go forward.
  const suffix = new Uint16Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      suffix[i * w + j] =
        a[i] === b[j]
          ? suffix[(i + 1) * w + j + 1]! + 1
          : Math.max(suffix[(i + 1) * w + j]!, suffix[i * w + j + 1]!);
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (suffix[(i + 1) * w + j]! >= suffix[i * w + j + 1]!) i++;
    else j++;
  }
  return pairs;
}
