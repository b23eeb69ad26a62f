/**
 * Hashed token bags of the added and removed lines of historical commits, for the dataset export
 * and for scoring history. The index keeps no diff text for ordinary commits, so the diffs are read
 * again — always in ONE git process: `streamLog` (the miner's `-U0 -w` pass over the whole history)
 * or `streamPlainDiffs` (chosen commits, one `git diff-tree --stdin`). Never one process per commit.
 *
 * Left out, as at hook time: binary files, ignored paths and generated files (by path, and for a
 * file the commit creates also by its header or minified lines, since the diff holds its whole text).
 */
import type { StagedChange } from "../git/staged.js";
import { streamLog, streamPlainDiffs } from "../git/streamLog.js";
import type { CommitDiff, CommitMeta, FileChange } from "../git/types.js";
import { isGeneratedPath, isIgnoredPath } from "../rules/paths.js";
import type { Rules } from "../rules/types.js";
import { diffIgnoringWhitespace } from "./diffIgnoringWhitespace.js";
import { linesBag, TOKEN_HASH_DIM } from "./tokens.js";

export interface TokenBags {
  added: Map<number, number>;
  removed: Map<number, number>;
}

export interface CommitBags extends TokenBags {
  meta: CommitMeta;
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

async function* bagsOf(
  diffs: AsyncGenerator<CommitDiff>,
  rules: Rules,
  dim: number,
): AsyncGenerator<CommitBags> {
  for await (const diff of diffs) {
    if (diff.meta.parents.length > 1) continue;
    yield { meta: diff.meta, ...diffTokens(diff.files, rules, dim) };
  }
}

/**
 * Bags of every non-merge commit reachable from `rev`, oldest first (topological order), from the
 * miner's single `git log -p -U0 -w` pass: the same whitespace-blind diffs the metrics were mined from.
 */
export function historyTokens(
  repoDir: string,
  rules: Rules,
  opts: { rev?: string; dim?: number } = {},
): AsyncGenerator<CommitBags> {
  return bagsOf(streamLog(repoDir, [opts.rev ?? "HEAD"]), rules, opts.dim ?? TOKEN_HASH_DIM);
}

/**
 * Bags of chosen commits (merges skipped), in the order given, from one `git diff-tree --stdin -w`
 * against the first parent: the same whitespace-blind lines as `historyTokens` and `stagedTokens`.
 */
export function commitTokens(
  repoDir: string,
  shas: readonly string[],
  rules: Rules,
  opts: { dim?: number } = {},
): AsyncGenerator<CommitBags> {
  return bagsOf(
    streamPlainDiffs(repoDir, [...shas], { ignoreWhitespace: true }),
    rules,
    opts.dim ?? TOKEN_HASH_DIM,
  );
}

/**
 * Bags of a staged change (or a pushed commit) as the model was trained to read them: lines from the
 * whitespace-insensitive diff (a re-indented line is no change, as in `git log -w`), and the same files
 * left out as in the dataset export.
 */
export function stagedTokens(change: StagedChange, rules: Rules, dim = TOKEN_HASH_DIM): TokenBags {
  const files = change.files
    .filter((f) => f.skipped === null && !f.binary)
    .map((f) => ({ ...f, hunks: diffIgnoringWhitespace(f.oldText ?? "", f.newText ?? "", f.hunks) }));
  return diffTokens(files, rules, dim);
}
