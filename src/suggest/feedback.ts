import { DefectBlockReader, hasDefectBlocks } from "../index/defectBlocks.js";
import {
  addFeedback,
  type FeedbackMark,
  type FeedbackSummary,
  type FeedbackVerdict,
  feedbackMarks,
  feedbackSummary,
  matchId,
  parseMatchId,
} from "../index/feedbackStore.js";
import { openIndex } from "../index/openIndex.js";

export class FeedbackError extends Error {}

/**
 * `dejafix feedback <match-id> useful|wrong [--note TEXT]`: records a mark in this repository's index.
 * A suggestion marked wrong is no longer proposed (until someone marks it useful). Returns what was
 * marked, for the confirmation line.
 */
export async function recordFeedback(
  repoDir: string,
  id: string,
  verdict: FeedbackVerdict,
  opts: { note?: string; author?: string } = {},
): Promise<{ matchId: string; fix: string; path: string }> {
  const parsed = parseMatchId(id);
  if (!parsed) {
    throw new FeedbackError(
      `"${id}" is not a suggestion id: copy the id printed with the suggestion (it looks like 42-1a2b3c4d5e).`,
    );
  }
  const store = await openIndex(repoDir);
  try {
    const block = hasDefectBlocks(store) ? new DefectBlockReader(store).get(parsed.defectBlockId) : undefined;
    if (!block?.fix.sha.startsWith(parsed.fixPrefix)) {
      throw new FeedbackError(
        `no suggestion ${id} in this repository's index (it may have been rebuilt since): mark the id of a suggestion shown after the last \`dejafix index\`.`,
      );
    }
    addFeedback(store, {
      defectBlockId: block.id,
      fixSha: block.fix.sha,
      path: block.path,
      verdict,
      note: opts.note ?? null,
      author: opts.author ?? null,
    });
    return { matchId: matchId(block.id, block.fix.sha), fix: block.fix.sha, path: block.path };
  } finally {
    store.close();
  }
}

/** Every mark and the totals, for `dejafix eval` and reports. */
export async function listFeedback(
  repoDir: string,
): Promise<{ marks: FeedbackMark[]; summary: FeedbackSummary }> {
  const store = await openIndex(repoDir);
  try {
    return { marks: feedbackMarks(store), summary: feedbackSummary(store) };
  } finally {
    store.close();
  }
}
