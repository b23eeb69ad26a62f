import { streamLog } from "../git/streamLog.js";
import { lineStats } from "../history/lineStats.js";
import { commitsWithoutLineStats, type LineStatsRow, writeLineStats } from "../index/metricsStore.js";
import type { IndexStore } from "../index/store.js";

/** Commits per git process: keeps the command line well under the OS limit (41 bytes a sha). */
const CHUNK = 2000;

/**
 * Stores the trivial-line counts of indexed commits that have none, for indexes mined before the miner
 * recorded them itself. Reads the same `-w` diffs as the miner, with one `git log --no-walk` process per
 * 2,000 commits (never one per commit). Returns how many commits got their counts.
 */
export async function fillLineStats(store: IndexStore, repoId: number, repoDir: string): Promise<number> {
  const missing = commitsWithoutLineStats(store, repoId);
  const shas = [...missing.keys()];
  let filled = 0;
  for (let i = 0; i < shas.length; i += CHUNK) {
    const rows: LineStatsRow[] = [];
    for await (const diff of streamLog(repoDir, ["--no-walk=unsorted", ...shas.slice(i, i + CHUNK)])) {
      const commitId = missing.get(diff.meta.sha);
      if (commitId === undefined) continue;
      rows.push({ commitId, ...lineStats(diff.files) });
    }
    writeLineStats(store, rows);
    filled += rows.length;
  }
  return filled;
}
