import { blockLayout } from "./blockLayout.js";
import type { BlockRange } from "./types.js";

export interface ExpandOptions {
  /** Growth cap: an enclosing block longer than this (and than the hunk) is not taken. Default 200. */
  maxLines?: number;
}

export const DEFAULT_MAX_BLOCK_LINES = 200;

/**
 * CLEVER's Algorithm 1: grows the hunk's line range `startLine..endLine` (1-based, inclusive) to the
 * smallest complete block that contains it — for brace languages the statement that owns a balanced
 * `{...}` pair, header included (`if (...) {...} else {...}`, a whole function, a callback with its
 * call); for indentation languages the header line with lower indentation and its whole body
 * (decorators and a closing `end` included).
 *
 * When that block is longer than `maxLines` (and than the hunk), or when the hunk sits outside any
 * block (top-level statements), the result is only the smallest range around the hunk whose brackets
 * balance (brace languages) or whose logical lines are whole (indentation languages); `capped` says
 * the cap decided. A hunk without lines (a pure deletion) is treated as the one line it sits on.
 */
export function expandToBlock(
  fileLines: string[],
  startLine: number,
  endLine: number,
  language: string,
  options: ExpandOptions = {},
): BlockRange {
  const maxLines = options.maxLines ?? DEFAULT_MAX_BLOCK_LINES;
  const last = Math.max(0, fileLines.length - 1);
  const s = Math.min(Math.max(0, startLine - 1), last);
  const e = Math.min(Math.max(s, endLine - 1), last);
  const limit = Math.max(maxLines, e - s + 1);
  const layout = blockLayout(fileLines, language);

  let best: { start: number; end: number } | null = null;
  let tooLong = false;
  for (const b of layout.blocks) {
    if (b.start > s) break; // sorted by start: no later block can contain the hunk
    if (b.end < e) continue;
    if (best === null || b.end - b.start < best.end - best.start) best = b;
  }
  if (best !== null && best.end - best.start + 1 <= limit)
    return { start: best.start + 1, end: best.end + 1, capped: false };
  if (best !== null) tooLong = true;

  const balanced = layout.balance({ start: s, end: e }, limit);
  const span = balanced ?? { start: s, end: e };
  return { start: span.start + 1, end: span.end + 1, capped: tooLong || balanced === null };
}
