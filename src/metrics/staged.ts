import type { StagedChange } from "../git/readChange.js";
import type { FileChange } from "../git/types.js";
import { lineStats } from "../history/lineStats.js";
import {
  authorCommits,
  dirDefects,
  fileLineage,
  hasHistoryTables,
  historyBound,
} from "../index/metricsStore.js";
import type { IndexStore } from "../index/store.js";
import { changeDirectories, changeSubsystems, computeMetrics } from "./computeMetrics.js";
import { ignoringWhitespace } from "./diffIgnoringWhitespace.js";
import type { ChangedFile, FileLineage, Metrics } from "./types.js";

/** Lines of a text as git counts them (a last line without newline counts). */
function lineCount(text: string | null): number {
  if (!text) return 0;
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return text.endsWith("\n") ? n : n + 1;
}

/**
 * Metrics of a change about to be committed (or pushed), from the index, with the same formulas and
 * the same history as `computeHistoryMetrics` would give the commit. Lines are counted on a
 * whitespace-insensitive diff, as the miner's `git log -w` counts them. Files the reader skipped
 * (binary, too large, generated, ignored, submodules) count as touched files without lines.
 */
export function stagedMetrics(
  store: IndexStore,
  repoId: number,
  change: StagedChange,
  who: { authorEmail: string; time: number; isFix: boolean },
  /** `ignoringWhitespace(change)`, when the caller already has it (the hook shares it with the token bags). */
  diffs: readonly FileChange[] = ignoringWhitespace(change),
): Metrics {
  if (!hasHistoryTables(store))
    throw new Error(
      `The index at ${store.file} has no change history for metrics yet. Run \`dejafix index\` once, then commit again.`,
    );
  const email = who.authorEmail.toLowerCase();
  const bound = historyBound(store, repoId, change.source === "commit" ? change.commit : null, change.base);
  const files: ChangedFile[] = change.files.map((f, i) => {
    const path = f.newPath ?? f.oldPath ?? "";
    const readable = f.skipped === null && !f.binary;
    let added = 0;
    let deleted = 0;
    for (const h of diffs[i]?.hunks ?? []) {
      added += h.newLines;
      deleted += h.oldLines;
    }
    return {
      path,
      oldPath: f.status === "R" || f.status === "C" ? f.oldPath : null,
      status: f.status,
      added,
      deleted,
      linesBefore: readable ? lineCount(f.oldText) : 0,
    };
  });
  const lineages = files.map((f): FileLineage => {
    if (f.status === "A" || f.status === "C") return { commits: [], creator: null };
    return fileLineage(store, repoId, f.status === "R" && f.oldPath !== null ? f.oldPath : f.path, bound);
  });
  const paths = files.map((f) => f.path);
  const trivial = lineStats(diffs);
  return computeMetrics({
    files,
    authorEmail: email,
    time: who.time,
    isFix: who.isFix,
    trivialAdded: trivial.trivialAdded,
    trivialDeleted: trivial.trivialDeleted,
    bound,
    lineages,
    author: authorCommits(store, repoId, email, bound, changeSubsystems(paths)),
    dirDefects: dirDefects(store, repoId, [...changeDirectories(paths)], bound),
  });
}
