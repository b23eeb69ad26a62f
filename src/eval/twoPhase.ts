/**
 * The two-phase verdict (CLEVER) replayed: a commit counts as flagged when the model finds it risky
 * and the change writes again the bug of a fix that came before it (an ancestor). Each replayed
 * commit is read as pre-push reads a pushed commit (`readCommitChanges`: the same changes as
 * `readCommitChange`, with a few git processes per chunk of commits rather than per commit) and matched
 * by the hook's own code (`matchChange`) against the index's defect blocks, restricted to the fixes the
 * hook would have known then: no defect is matched against a fix from its own future.
 */

import { readParents } from "../git/parents.js";
import { readCommitChanges } from "../git/readChange.js";
import { TargetAncestry } from "../history/ancestry.js";
import { heapPacer } from "../history/heapPacer.js";
import { hasDefectBlocks, matchableFixes } from "../index/defectBlocks.js";
import { openIndex } from "../index/openIndex.js";
import type { Rules } from "../rules/types.js";
import { matchChange } from "../verdict/matchChange.js";

/** Whether each commit (in order) matched an earlier fix's defect block; null when the index has none. */
export async function replayMatches(
  repoDir: string,
  rules: Rules,
  commits: readonly { commit: string; time: number }[],
  onProgress?: (done: number, total: number) => void,
): Promise<boolean[] | null> {
  const store = await openIndex(repoDir, { readonly: true });
  try {
    if (!hasDefectBlocks(store)) return null;
    const out: boolean[] = [];
    const parents = await readParents(
      repoDir,
      commits.map((c) => c.commit),
    );
    const changes = readCommitChanges(
      repoDir,
      commits.map((c) => c.commit),
      { ignore: rules.paths.ignore, generated: rules.paths.generated },
    );
    const ancestry = new TargetAncestry(parents, matchableFixes(store));
    const pacer = heapPacer();
    for (const c of commits) {
      pacer.tick();
      const change = changes.next();
      if (change.done) throw new Error(`no change read for commit ${c.commit}`);
      const matches = await matchChange(store, change.value, rules, {
        applyCheck: false,
        knownFix: (sha) => ancestry.has(c.commit, sha),
      });
      out.push(matches.length > 0);
      if (out.length % 500 === 0) onProgress?.(out.length, commits.length);
    }
    return out;
  } finally {
    store.close();
  }
}

/**
 * The two-phase score of a commit: the model's score when the change matches an earlier defect, else 0.
 * At the model's threshold it flags exactly what the two-phase verdict flags; ranked, matched commits
 * come first by score and unmatched ones tie below them.
 */
export function twoPhaseScores(modelScores: readonly number[], matched: readonly boolean[]): number[] {
  return modelScores.map((score, i) => (matched[i] ? score : 0));
}
