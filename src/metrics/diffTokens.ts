/**
 * Hashed token bags of the added and removed lines of historical commits, for the dataset export
 * and for scoring history. The index keeps no diff text for ordinary commits, so the diffs are read
 * again — always in ONE git process: `streamLog` (the miner's `-U0 -w` pass over the whole history)
 * or `streamPlainDiffs` (chosen commits, one `git diff-tree --stdin`). Never one process per commit.
 *
 * Which lines count, and how they are hashed, is `changeTokens.ts`, shared with the hook.
 */
import { streamLog, streamPlainDiffs } from "../git/streamLog.js";
import type { CommitDiff, CommitMeta } from "../git/types.js";
import { heapPacer } from "../history/heapPacer.js";
import type { Rules } from "../rules/types.js";
import { diffTokens, type TokenBags } from "./changeTokens.js";
import { TOKEN_HASH_DIM } from "./tokens.js";

export interface CommitBags extends TokenBags {
  meta: CommitMeta;
}

async function* bagsOf(
  diffs: AsyncGenerator<CommitDiff>,
  rules: Rules,
  dim: number,
): AsyncGenerator<CommitBags> {
  const pacer = heapPacer();
  for await (const diff of diffs) {
    pacer.tick();
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
 * Bags of chosen commits (merges skipped), in the order given, from one `git diff-tree --stdin -w -U0`
 * against the first parent: the same whitespace-blind lines as `historyTokens` (the dataset the model is
 * trained on) and `stagedTokens`. With -w, more context can make git align a hunk differently (redis
 * 2237131: 2 lines of 311), so the context is the history pass's own.
 */
export function commitTokens(
  repoDir: string,
  shas: readonly string[],
  rules: Rules,
  opts: { dim?: number } = {},
): AsyncGenerator<CommitBags> {
  return bagsOf(
    streamPlainDiffs(repoDir, [...shas], { ignoreWhitespace: true, context: 0 }),
    rules,
    opts.dim ?? TOKEN_HASH_DIM,
  );
}
