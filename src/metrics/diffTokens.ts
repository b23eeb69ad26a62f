/**
 * Hashed token bags of the added and removed lines of historical commits, for the dataset export
 * and for scoring history. The index keeps no diff text for ordinary commits, so the diffs are read
 * again — always in ONE git process: `streamLog` (the miner's `-U0 -w` pass over the whole history)
 * or `streamPlainDiffs` (chosen commits, one `git diff-tree --stdin`). Never one process per commit.
 *
 * Left out, as at hook time: binary files, ignored paths and generated files (by path, and for a
 * file the commit creates also by its header or minified lines, since the diff holds its whole text).
 */
import { streamLog, streamPlainDiffs } from "../git/streamLog.js";
import type { CommitDiff, CommitMeta, FileChange } from "../git/types.js";
import { isGeneratedPath, isIgnoredPath } from "../rules/paths.js";
import type { Rules } from "../rules/types.js";
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
 * Bags of chosen commits (merges skipped), in the order given, from one `git diff-tree --stdin`:
 * plain diffs against the first parent, whitespace changes included, as a hook sees a staged change.
 */
export function commitTokens(
  repoDir: string,
  shas: readonly string[],
  rules: Rules,
  opts: { dim?: number } = {},
): AsyncGenerator<CommitBags> {
  return bagsOf(streamPlainDiffs(repoDir, [...shas]), rules, opts.dim ?? TOKEN_HASH_DIM);
}
