/**
 * Hashed token bags of one change's added and removed lines: the same function for a historical
 * commit (dataset export, calibration) and for a staged change at hook time, so that the model sees
 * the same features in both. No git here: the hook imports this without the history reader.
 *
 * Left out, as in the dataset: binary files, ignored paths and generated files (by path, and for a
 * file the commit creates also by its header or minified lines, since the diff holds its whole text).
 */
import type { StagedChange } from "../git/readChange.js";
import type { FileChange } from "../git/types.js";
import { isGeneratedPath, isIgnoredPath } from "../rules/paths.js";
import type { Rules } from "../rules/types.js";
import { ignoringWhitespace } from "./diffIgnoringWhitespace.js";
import { linesBag, TOKEN_HASH_DIM } from "./tokens.js";

export interface TokenBags {
  added: Map<number, number>;
  removed: Map<number, number>;
}

/** Whether a changed file's lines count as code of the change. */
export function tokenFile(file: FileChange, rules: Rules): boolean {
  if (file.binary) return false;
  const path = file.newPath ?? file.oldPath;
  if (path === null || isIgnoredPath(rules, path)) return false;
  // A created file's diff is its whole content: let the header and minified-line checks see it.
  const content =
    file.status === "A" ? file.hunks.flatMap((h) => h.lines.map((l) => l.text)).join("\n") : undefined;
  return !isGeneratedPath(rules, path, content);
}

/** Bags of one commit's diff: `+` lines into `added`, `-` lines into `removed` (context lines ignored). */
export function diffTokens(files: readonly FileChange[], rules: Rules, dim = TOKEN_HASH_DIM): TokenBags {
  const added: string[] = [];
  const removed: string[] = [];
  for (const file of files) {
    if (!tokenFile(file, rules)) continue;
    for (const hunk of file.hunks) {
      for (const line of hunk.lines) {
        if (line.kind === "+") added.push(line.text);
        else if (line.kind === "-") removed.push(line.text);
      }
    }
  }
  return { added: linesBag(added, dim), removed: linesBag(removed, dim) };
}

/**
 * Bags of a staged change (or a pushed commit) as the model was trained to read them: lines from the
 * whitespace-insensitive diff (a re-indented line is no change, as in `git log -w`), and the same files
 * left out as in the dataset export.
 */
export function stagedTokens(
  change: StagedChange,
  rules: Rules,
  dim = TOKEN_HASH_DIM,
  /** `ignoringWhitespace(change)`, when the caller already has it. */
  files: readonly FileChange[] = ignoringWhitespace(change),
): TokenBags {
  return diffTokens(files, rules, dim);
}
