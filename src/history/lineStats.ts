import type { FileChange } from "../git/types.js";
import { isNonCodeLine } from "./evidence.js";

export interface LineStats {
  /** Added lines that are blank or only a comment (or a lone brace) in the file's language. */
  trivialAdded: number;
  trivialDeleted: number;
}

/**
 * Counts the changed lines of one commit that carry no code, for the `trivial_share` metric.
 * `files` is the commit's `-w` diff (the miner's stream, or a staged change diffed the same way),
 * so whitespace-only edits are not changed lines at all and never reach this count.
 * Binary files have no hunks and count nothing.
 */
export function lineStats(files: readonly FileChange[]): LineStats {
  let trivialAdded = 0;
  let trivialDeleted = 0;
  for (const f of files) {
    if (f.binary) continue;
    const newPath = f.newPath ?? f.oldPath ?? "";
    const oldPath = f.oldPath ?? newPath;
    for (const h of f.hunks) {
      for (const l of h.lines) {
        if (l.kind === "+" && isNonCodeLine(l.text, newPath)) trivialAdded++;
        else if (l.kind === "-" && isNonCodeLine(l.text, oldPath)) trivialDeleted++;
      }
    }
  }
  return { trivialAdded, trivialDeleted };
}
