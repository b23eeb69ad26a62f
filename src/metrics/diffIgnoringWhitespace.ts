import { diffHunks } from "../git/diffLines.js";
import type { StagedChange } from "../git/readChange.js";
import type { FileChange, Hunk } from "../git/types.js";

/** Whitespace as git's ctype sees it (git-compat-util.h: space, \t, \n, \r). */
const GIT_SPACE = /[ \t\n\r]+/g;

/** Lines of a text as git numbers them: a missing final newline still ends the last line. */
function lines(text: string): string[] {
  if (text === "") return [];
  const out = text.split("\n");
  if (out[out.length - 1] === "") out.pop();
  return out;
}

/**
 * Zero-context hunks between two texts with whitespace ignored, as `git diff -U0 -w` (the miner's
 * stream) would count them: lines are compared with all whitespace removed, so a re-indented line or
 * a changed line ending is no change, while an inserted blank line still is. Hunk lines carry the
 * original text. Counts equal git's whenever git's diff is minimal (it is, except for very large
 * edits where xdiff gives up on minimality).
 *
 * `plainHunks`, the exact diff of the same texts when the caller has it, narrows the work to the span
 * from its first to its last hunk: lines outside are identical on both sides, and stripping a common
 * prefix and suffix never changes a minimal diff's counts. A one-line edit in a 9,000-line file then
 * costs microseconds instead of normalising the whole file.
 */
export function diffIgnoringWhitespace(
  oldText: string,
  newText: string,
  plainHunks?: readonly Hunk[],
): Hunk[] {
  if (plainHunks !== undefined && plainHunks.length === 0) return [];
  const a = lines(oldText);
  const b = lines(newText);
  let oldFrom = 0;
  let oldTo = a.length;
  let newFrom = 0;
  let newTo = b.length;
  if (plainHunks !== undefined) {
    oldFrom = Number.POSITIVE_INFINITY;
    newFrom = Number.POSITIVE_INFINITY;
    oldTo = 0;
    newTo = 0;
    for (const h of plainHunks) {
      // -U0 numbering: an empty side's start is the line before the change.
      const o = h.oldLines > 0 ? h.oldStart - 1 : h.oldStart;
      const n = h.newLines > 0 ? h.newStart - 1 : h.newStart;
      oldFrom = Math.min(oldFrom, o);
      newFrom = Math.min(newFrom, n);
      oldTo = Math.max(oldTo, o + h.oldLines);
      newTo = Math.max(newTo, n + h.newLines);
    }
  }
  const oa = a.slice(oldFrom, oldTo);
  const nb = b.slice(newFrom, newTo);
  // Every key ends with "\n" so the final-newline difference disappears, as it does under -w.
  const key = (l: string): string => `${l.replace(GIT_SPACE, "")}\n`;
  const hunks = diffHunks(oa.map(key).join(""), nb.map(key).join(""));
  return hunks.map((h) => {
    const o = h.oldLines > 0 ? h.oldStart - 1 : h.oldStart;
    const n = h.newLines > 0 ? h.newStart - 1 : h.newStart;
    return {
      ...h,
      oldStart: h.oldStart + oldFrom,
      newStart: h.newStart + newFrom,
      lines: [
        ...oa.slice(o, o + h.oldLines).map((text) => ({ kind: "-" as const, text })),
        ...nb.slice(n, n + h.newLines).map((text) => ({ kind: "+" as const, text })),
      ],
    };
  });
}

/**
 * The files of a staged change with whitespace-insensitive hunks, as the miner's `git log -w` sees a
 * commit; files the reader skipped (binary, too large, generated, ignored, submodules) get none. The
 * hook computes this once for both the metrics and the token bags.
 */
export function ignoringWhitespace(change: StagedChange): FileChange[] {
  return change.files.map((f) => ({
    ...f,
    hunks:
      f.skipped === null && !f.binary
        ? diffIgnoringWhitespace(f.oldText ?? "", f.newText ?? "", f.hunks)
        : [],
  }));
}
