/**
 * The blocks of one file with its layout computed once: every block, CLEVER's growth of a range to its
 * enclosing block, and the statement-level window around a range that defect blocks and the blocks of a
 * change are both cut with, so that the same code cut on either side gives the same block.
 *
 * Work in proportion to the change, not to the file: a window is cut from the layout of a region around
 * its seed, scanned alone, and sizes come from lexing a stretch around the range alone. A region is cut at
 * lines where nothing of the whole file's scan crosses (src/blocks/regions.ts), so what it holds is what
 * the whole file's layout holds there; a window that would need more than its region knows (growth
 * reaching the region's edge) is cut again from a larger region, and at worst from the whole file. One
 * light pass over the file (no items, no tokens) finds the cut lines. The result is the same window.
 */
import { type BlockLayout, blockLayout, type LineSpan } from "./blockLayout.js";
import { DEFAULT_MAX_BLOCK_LINES } from "./expandToBlock.js";
import { canLex, lexPendingLines } from "./lexCode.js";
import { type FileNormalizer, normalizeFile } from "./normalizeBlock.js";
import { type Region, regionAround } from "./regions.js";
import { type ScanCuts, scanCuts } from "./scanCode.js";
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
  /** The normalized block of a range (cached). */
  normalize(r: LineRange): NormalizedBlock;
  /** Normalized lines of a range (cheap; for growth). */
  size(r: LineRange): number;
}

export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Lines of context lexed on each side of a range at least, so the ranges of one growth share a lexing. */
const LEX_PAD = 64;
/** Lines around a seed a region takes in; a window that needs more is cut from the whole file's layout. */
const FIRST_MARGIN = 40;
/** Files shorter than this are laid out whole: a region would save little. */
const SMALL_FILE = 600;

/** What a window needs of a layout, and the lines it may look at (the region, or the whole file). */
interface View {
  layout: BlockLayout;
  from: number;
  to: number;
  /** Brackets open around the region (its enclosing blocks are outside it). */
  enclosed: boolean;
}

/** A window needed lines its region does not hold: cut it again from a larger one. */
class Escaped extends Error {}

export interface FileBlocksOptions {
  /** false: every window from the whole file's layout, every size from lexing it whole (the reference). */
  local?: boolean;
}

export function fileBlocks(lines: string[], language: string, options: FileBlocksOptions = {}): FileBlocks {
  const local = options.local ?? true;
  const n = lines.length;
  const last = Math.max(0, n - 1);
  let wholeLayout: BlockLayout | undefined;
  const whole = (): BlockLayout => {
    wholeLayout ??= blockLayout(lines, language);
    return wholeLayout;
  };
  let cuts: ScanCuts | undefined;
  const views: View[] = [];

  // Normalization: stretches lexed alone where no token of the whole file crosses their edges.
  const lexable = local && canLex(language);
  let lexPending: ((line: number) => boolean) | undefined;
  const chunks: Array<{ from: number; to: number; norm: FileNormalizer }> = [];
  const normalizerOf = (r: LineRange): FileNormalizer => {
    for (const c of chunks) if (c.from <= r.start - 1 && r.end <= c.to) return c.norm;
    let from = 0;
    let to = n;
    if (lexable) {
      lexPending ??= lexPendingLines(lines.join("\n"), language);
      const pad = Math.max(LEX_PAD, r.end - r.start + 1);
      from = Math.max(0, r.start - 1 - pad);
      while (from > 0 && lexPending(from)) from--;
      to = Math.min(n, r.end + pad);
      while (to < n && lexPending(to)) to++;
    }
    const norm = normalizeFile(lines.slice(from, to), language, from + 1);
    chunks.push({ from, to, norm });
    return norm;
  };
  const cache = new Map<string, NormalizedBlock>();
  const sizes = new Map<string, number>();
  const size = (r: LineRange): number => {
    const key = `${r.start}-${r.end}`;
    let k = sizes.get(key);
    if (k === undefined) {
      k = normalizerOf(r).count(r.start, r.end);
      sizes.set(key, k);
    }
    return k;
  };

  /** The view to cut a window around lines s..e (0-based) from: a region when one is found, else the file. */
  const viewFor = (s: number, e: number, margin: number): View => {
    if (margin === Number.POSITIVE_INFINITY || !local || n < SMALL_FILE)
      return { layout: whole(), from: 0, to: n, enclosed: false };
    for (const v of views) if (v.from <= s - margin && e + margin < v.to) return v;
    cuts ??= scanCuts(lines, language);
    const region: Region | null = regionAround(lines, language, cuts, s, e, margin);
    if (region === null) return { layout: whole(), from: 0, to: n, enclosed: false };
    const view = {
      layout: blockLayout(lines, language, region),
      from: region.from,
      to: region.to,
      enclosed: region.base.length > 0,
    };
    views.push(view);
    return view;
  };

  const windowIn = (
    view: View,
    s: number,
    e: number,
    minLines: number,
    limit: number,
    maxSize: number,
  ): LineRange => {
    const { layout, from, to } = view;
    // Outside the region, and within the limit of the window: the region cannot say what is there.
    const unknown = (ln: number, r: LineSpan): boolean =>
      (ln < from || ln >= to) && Math.max(r.end, ln) - Math.min(r.start, ln) + 1 <= limit;
    /** Smallest block (0-based) strictly containing `r`, or null at the top level (of the region). */
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
    const extend = (r: LineSpan, dir: -1 | 1, lo: number, hi: number): LineSpan | null => {
      let ln = dir < 0 ? r.start - 1 : r.end + 1;
      while (ln >= lo && ln <= hi && ln >= from && ln < to && lines[ln]!.trim() === "") ln += dir;
      if (ln < lo || ln > hi) return null;
      if (ln < from || ln >= to) {
        // Growing this far makes the window longer than the limit (balance refuses it), unless the
        // region is smaller than that: then the whole file's layout decides.
        if (unknown(ln, r)) throw new Escaped();
        return null;
      }
      const grown = layout.balance(dir < 0 ? { start: ln, end: r.end } : { start: r.start, end: ln }, limit);
      if (grown === null || grown.start < lo || grown.end > hi) return null;
      return grown;
    };

    let r: LineSpan = layout.balance({ start: s, end: e }, limit) ?? { start: s, end: e };
    const sizeOf = (x: LineSpan): number => size({ start: x.start + 1, end: x.end + 1 });
    for (;;) {
      if (sizeOf(r) >= minLines) break;
      const parent = parentOf(r);
      const lo = parent ? parent.start + 1 : 0;
      const hi = parent ? parent.end - 1 : last;
      const up = extend(r, -1, lo, hi);
      const down = extend(r, 1, lo, hi);
      if (up !== null || down !== null) {
        // The side that adds fewer lines; on a tie, the side with less context so far.
        const cost = (x: LineSpan | null): number =>
          x === null ? Number.POSITIVE_INFINITY : x.end - x.start - (r.end - r.start);
        const cu = cost(up);
        const cd = cost(down);
        r = cu < cd || (cu === cd && s - r.start < r.end - e) ? up! : down!;
        continue;
      }
      if (parent === null && view.enclosed) {
        // The innermost enclosing block lies outside the region, spanning more than all of it.
        if (to - from + 2 <= limit) throw new Escaped();
        break;
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
  };

  return {
    get all() {
      return whole().blocks.map((b) => ({ start: b.start + 1, end: b.end + 1 }));
    },
    expand(startLine, endLine) {
      // The same choice as expandToBlock: the smallest enclosing block, else the balanced range.
      const layout = whole();
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
      // A window never spans more than `limit` lines, so a region `limit` lines wide on each side holds
      // any growth: a window that escaped the first region is cut from that one before the whole file.
      for (const margin of [FIRST_MARGIN, limit, Number.POSITIVE_INFINITY]) {
        try {
          return windowIn(viewFor(s, e, margin), s, e, minLines, limit, maxSize);
        } catch (err) {
          if (!(err instanceof Escaped)) throw err;
        }
      }
      throw new Error("unreachable: the whole file's layout holds every window");
    },
    normalize(r) {
      const key = `${r.start}-${r.end}`;
      let k = cache.get(key);
      if (!k) {
        k = normalizerOf(r)(r.start, r.end);
        cache.set(key, k);
      }
      return k;
    },
    size,
  };
}
