import {
  type HistoryRows,
  historyStateSeq,
  loadReplay,
  type MetricsRow,
  readMetrics,
  writeHistoryTables,
  writeMetrics,
} from "../index/metricsStore.js";
import type { IndexStore } from "../index/store.js";
import { computeMetrics } from "./computeMetrics.js";
import { directoryOf, subsystemOf } from "./paths.js";
import type { FileLineage, Metrics, PastCommit } from "./types.js";

/** One change of a file; `prev` is the change before it (a persistent list, shared after a rename). */
interface Node {
  commit: PastCommit;
  prev: Node | null;
}

/**
 * A path's history while the replay walks forward. Persistent lists mirror what the hook's SQL walk
 * sees: a renamed file continues its old path's list, and the old path keeps its own (a later change
 * at the old path, from a branch that did not rename, still sees it).
 */
interface FileState {
  head: Node;
  creator: string | null;
}

interface AuthorEntry {
  time: number;
  subsystems: ReadonlySet<string>;
}

const NO_HISTORY: FileLineage = { commits: [], creator: null };
/** Commits per write transaction: what a killed run can lose. */
const WRITE_BATCH = 2000;

/**
 * Computes and stores the metrics of every commit of the repository that has none yet (incremental).
 * One pass in seq order over rows already in the index, keeping per-file, per-directory and per-author
 * aggregates in memory; merges get no metrics and are not part of any file's or author's history.
 * The aggregates are rebuilt from the whole history on each run (cheap: no git, no per-commit query);
 * only the commits that lack metrics go through computeMetrics and are written. The same run brings
 * the compact history tables the hook reads (stagedMetrics) up to date: call it after every mining run.
 */
export function computeHistoryMetrics(store: IndexStore, repoId: number): { computed: number } {
  const { commits, firstFixSeq } = loadReplay(store, repoId);
  const writtenUpTo = historyStateSeq(store, repoId);
  const newRows: HistoryRows[] = [];
  const defects: { commitId: number; firstFixSeq: number; seq: number; dirs: string[] }[] = [];
  let lastSeq = writtenUpTo;
  const files = new Map<string, FileState>();
  const dirLinked = new Map<string, PastCommit[]>();
  const authors = new Map<string, AuthorEntry[]>();
  let pending: MetricsRow[] = [];
  let computed = 0;

  for (const c of commits) {
    lastSeq = Math.max(lastSeq, c.seq);
    if (c.isMerge) continue;
    const past: PastCommit = {
      id: c.id,
      seq: c.seq,
      email: c.email,
      time: c.time,
      firstFixSeq: firstFixSeq.get(c.id) ?? Number.POSITIVE_INFINITY,
    };
    const subsystems = new Set(c.files.map((f) => subsystemOf(f.path)));
    const dirs = new Set(c.files.map((f) => directoryOf(f.path)));
    const history = authors.get(c.email) ?? [];

    if (c.needed) {
      const lineages = c.files.map((f): FileLineage => {
        if (f.status === "A" || f.status === "C") return NO_HISTORY;
        const state = files.get(f.status === "R" && f.oldPath !== null ? f.oldPath : f.path);
        return state ? { commits: listOf(state.head), creator: state.creator } : NO_HISTORY;
      });
      const dirDefects: PastCommit[] = [];
      for (const d of dirs) for (const p of dirLinked.get(d) ?? []) dirDefects.push(p);
      const metrics: Metrics = computeMetrics({
        files: c.files,
        authorEmail: c.email,
        time: c.time,
        isFix: c.isFix,
        trivialAdded: c.lineStats?.trivialAdded ?? 0,
        trivialDeleted: c.lineStats?.trivialDeleted ?? 0,
        bound: c.seq,
        lineages,
        author: history.map((a) => ({ time: a.time, inSubsystems: overlaps(a.subsystems, subsystems) })),
        dirDefects,
      });
      pending.push({ commitId: c.id, metrics, trivialKnown: c.lineStats !== null });
      computed++;
      if (pending.length >= WRITE_BATCH) {
        writeMetrics(store, pending);
        pending = [];
      }
    }

    // Then this commit becomes history. Every new state is built from the states before the commit,
    // so a commit that renames a→b and creates a new a gives each its own history.
    const next: [string, FileState | null][] = [];
    for (const f of c.files) {
      if (f.status === "D") {
        next.push([f.path, null]); // a file re-created later at this path starts afresh
        continue;
      }
      const from =
        f.status === "A" || f.status === "C"
          ? undefined
          : files.get(f.status === "R" && f.oldPath !== null ? f.oldPath : f.path);
      const creator = f.status === "A" || f.status === "C" ? c.email : (from?.creator ?? null);
      next.push([f.path, { head: { commit: past, prev: from?.head ?? null }, creator }]);
    }
    for (const [path, state] of next) {
      if (state) files.set(path, state);
      else files.delete(path);
    }
    if (c.seq > writtenUpTo) {
      newRows.push({
        commitId: c.id,
        seq: c.seq,
        email: c.email,
        time: c.time,
        files: c.files,
        subsystems: [...subsystems],
      });
    }
    if (past.firstFixSeq !== Number.POSITIVE_INFINITY) {
      defects.push({ commitId: c.id, firstFixSeq: past.firstFixSeq, seq: c.seq, dirs: [...dirs] });
      for (const d of dirs) {
        const list = dirLinked.get(d);
        if (list) list.push(past);
        else dirLinked.set(d, [past]);
      }
    }
    history.push({ time: c.time, subsystems });
    authors.set(c.email, history);
  }
  if (pending.length > 0) writeMetrics(store, pending);
  writeHistoryTables(store, repoId, newRows, defects, lastSeq);
  return { computed };
}

/** The commits of a list, oldest first. */
function listOf(head: Node): PastCommit[] {
  const out: PastCommit[] = [];
  for (let n: Node | null = head; n !== null; n = n.prev) out.push(n.commit);
  return out.reverse();
}

function overlaps(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of a) if (b.has(x)) return true;
  return false;
}

/** Stored metrics of every non-merge commit: sha → metrics. */
export function readHistoryMetrics(store: IndexStore, repoId: number): Map<string, Metrics> {
  return readMetrics(store, repoId);
}
