import { blockLayout } from "./blockLayout.js";

export interface FindBlocksOptions {
  /** Smallest block kept, in source lines. Default 1. */
  minLines?: number;
  /** Largest block kept, in source lines. Default unlimited. */
  maxLines?: number;
}

/**
 * Every complete block of a file — each function, class, `if`/loop body with its header for brace
 * languages, each header line and its indented body for indentation languages — as 1-based inclusive
 * line ranges sorted by start. Nested blocks are all listed.
 */
export function findBlocks(
  fileLines: string[],
  language: string,
  options: FindBlocksOptions = {},
): Array<{ start: number; end: number }> {
  const minLines = options.minLines ?? 1;
  const maxLines = options.maxLines ?? Number.POSITIVE_INFINITY;
  const out: Array<{ start: number; end: number }> = [];
  for (const b of blockLayout(fileLines, language).blocks) {
    const size = b.end - b.start + 1;
    if (size >= minLines && size <= maxLines) out.push({ start: b.start + 1, end: b.end + 1 });
  }
  return out;
}
