/**
 * The blocks of one file with its layout computed once: every block, CLEVER's growth of a range to its
 * enclosing block, and the statement-level window around a range that defect blocks and the blocks of a
 * change are both cut with, so that the same code cut on either side gives the same block.
 */
import { blockLayout, type LineSpan } from "./blockLayout.js";
import { DEFAULT_MAX_BLOCK_LINES } from "./expandToBlock.js";
import { normalizeFile } from "./normalizeBlock.js";
import type { NormalizedBlock } from "./types.js";

/** 1-based inclusive line range. */
export interface LineRange {
  start: number;
  end: number;
}

export interface FileBlocks {
  /** Every block, 1-based inclusive, sorted by start (as `findBlocks`). */
  all: LineRange[];
  /** `expandToBlock(lines, start, end, language)`, from the shared layout. */
  expand(start: number, end: number): LineRange;
  /**
   * The smallest window of whole statements around `seed` with at least `minLines` normalized lines:
   * grown one line at a time inside the innermost enclosing block (re-balanced after each step, the
   * shorter side first, so the seed stays near the middle), and only when that block's body is used
   * up, to the block itself and on into its parent. A fix deep in a long function gives the dozen
   * statements around it, not the function. Never longer than `maxLines` unless the seed is. With
   * `maxSize`, a window that had to take in a statement so large that it holds more normalized lines
   * than that is cut instead line by line around the seed, brackets or not.
   */
  window(seed: LineRange, minLines: number, maxLines?: number, maxSize?: number): LineRange;
  /** The normalized block of a range (from one lexing of the whole file; cached). */
  normalize(r: LineRange): NormalizedBlock;
  /** Normalized lines of a range, counted from one lexing of the whole file (cheap; for growth). */
  size(r: LineRange): number;
}

export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function fileBlocks(lines: string[], language: string): FileBlocks {
  const layout = blockLayout(lines, language);
  const all = layout.blocks.map((b) => ({ start: b.start + 1, end: b.end + 1 }));
  const cache = new Map<string, NormalizedBlock>();
  let whole: ((start: number, end: number) => NormalizedBlock) | undefined;
  const sizes = new Map<string, number>();
  const last = Math.max(0, lines.length - 1);

  const size = (r: LineRange): number => {
    const key = `${r.start}-${r.end}`;
    let n = sizes.get(key);
    if (n === undefined) {
      whole ??= normalizeFile(lines, language);
      n = whole(r.start, r.end).lines.length;
      sizes.set(key, n);
    }
    return n;
  };

  /** Smallest block (0-based) strictly containing `r`, or null at the top level. */
  const parentOf = (r: LineSpan): LineSpan | null => {
    let best: LineSpan | null = null;
    for (const b of layout.blocks) {
      if (b.start > r.start) break;
      if (b.end < r.end || (b.start === r.start && b.end === r.end)) continue;
      if (best === null || b.end - b.start < best.end - best.start) best = b;
    }
    return best;
  };

  /** `r` grown by the next non-blank line in `dir`, balanced, inside [lo, hi]; null when it cannot be. */
  const extend = (r: LineSpan, dir: -1 | 1, lo: number, hi: number, maxLines: number): LineSpan | null => {
    let ln = dir < 0 ? r.start - 1 : r.end + 1;
    while (ln >= lo && ln <= hi && lines[ln]!.trim() === "") ln += dir;
    if (ln < lo || ln > hi) return null;
    const grown = layout.balance(dir < 0 ? { start: ln, end: r.end } : { start: r.start, end: ln }, maxLines);
    if (grown === null || grown.start < lo || grown.end > hi) return null;
    return grown;
  };

  return {
    all,
    expand(startLine, endLine) {
      // The same choice as expandToBlock: the smallest enclosing block, else the balanced range.
      const s = Math.min(Math.max(0, startLine - 1), last);
      const e = Math.min(Math.max(s, endLine - 1), last);
      const limit = Math.max(DEFAULT_MAX_BLOCK_LINES, e - s + 1);
      let best: LineSpan | null = null;
      for (const b of layout.blocks) {
        if (b.start > s) break;
        if (b.end < e) continue;
        if (best === null || b.end - b.start < best.end - best.start) best = b;
      }
      if (best !== null && best.end - best.start + 1 <= limit)
        return { start: best.start + 1, end: best.end + 1 };
      const span = layout.balance({ start: s, end: e }, limit) ?? { start: s, end: e };
      return { start: span.start + 1, end: span.end + 1 };
    },
    window(seed, minLines, maxLines = DEFAULT_MAX_BLOCK_LINES, maxSize = Number.POSITIVE_INFINITY) {
      const s = Math.min(Math.max(0, seed.start - 1), last);
      const e = Math.min(Math.max(s, seed.end - 1), last);
      const limit = Math.max(maxLines, e - s + 1);
      let r: LineSpan = layout.balance({ start: s, end: e }, limit) ?? { start: s, end: e };
      const sizeOf = (x: LineSpan): number => size({ start: x.start + 1, end: x.end + 1 });
      for (;;) {
        if (sizeOf(r) >= minLines) break;
        const parent = parentOf(r);
        const lo = parent ? parent.start + 1 : 0;
        const hi = parent ? parent.end - 1 : last;
        const up = extend(r, -1, lo, hi, limit);
        const down = extend(r, 1, lo, hi, limit);
        if (up !== null || down !== null) {
          // The side that adds fewer lines; on a tie, the side with less context so far.
          const cost = (x: LineSpan | null): number =>
            x === null ? Number.POSITIVE_INFINITY : x.end - x.start - (r.end - r.start);
          const cu = cost(up);
          const cd = cost(down);
          r = cu < cd || (cu === cd && s - r.start < r.end - e) ? up! : down!;
          continue;
        }
        if (parent === null || parent.end - parent.start + 1 > limit) break;
        r = parent;
      }
      if (sizeOf(r) > maxSize) {
        // A huge neighbour came in with the last step: take lines around the seed instead.
        r = { start: s, end: e };
        while (sizeOf(r) < minLines && (r.start > 0 || r.end < last)) {
          const up = r.start > 0 && (s - r.start <= r.end - e || r.end >= last);
          r = up ? { start: r.start - 1, end: r.end } : { start: r.start, end: r.end + 1 };
        }
      }
      return { start: r.start + 1, end: r.end + 1 };
    },
    normalize(r) {
      const key = `${r.start}-${r.end}`;
      let n = cache.get(key);
      if (!n) {
        // One lexing of the file serves every range (equal to lexing the range alone for ranges that
        // start and end outside strings and comments, as blocks do).
        whole ??= normalizeFile(lines, language);
        n = whole(r.start, r.end);
        cache.set(key, n);
      }
      return n;
    },
    size,
  };
}
