import { basename } from "node:path";
import { blameOwners } from "../git/blame.js";
import { diffPair } from "../git/diffPair.js";
import { gitCommonDir, repoRoot, resolveCommit } from "../git/repo.js";
import { revGraph } from "../git/revList.js";
import { streamLog, streamPlainDiffs } from "../git/streamLog.js";
import type { CommitDiff, FileChange } from "../git/types.js";
import type { Batch, CommitRow, FileRow, IndexStore } from "../index/store.js";
import { defaultRules } from "../rules/defaults.js";
import type { EvidenceFilter } from "./evidence.js";
import { type HistorySettings, historySettings } from "./indexOptions.js";
import { lineStats } from "./lineStats.js";
import { applyDiff, LineTree, mergeTrees, UNKNOWN } from "./ownership.js";
import { blameCandidates } from "./szz.js";
import type { FixClassification } from "./types.js";

export interface MineOptions {
  repoDir: string;
  store: IndexStore;
  /** Revision whose history is mined (default HEAD). */
  rev?: string;
  classify?: (message: string) => FixClassification;
  evidence?: EvidenceFilter;
  /** Called after every commit; cheap to call, the caller throttles drawing. */
  onProgress?: (done: number, total: number) => void;
  /** Commits per write transaction: the unit of work a kill can lose. */
  batchSize?: number;
  role?: "self" | "related";
}

export interface MineResult {
  repoId: number;
  tip: string | null;
  /** Commits read in this run (0 when the index was already up to date). */
  mined: number;
  fixes: number;
  links: number;
  /** Files whose lines had to be attributed with `git blame` (history mined before this run). */
  blamedFiles: number;
  /** Content merges that needed a diff against a second parent. */
  mergeDiffs: number;
  seconds: number;
}

/** What the classifier says of a message that names no fix, issue or commit. */
const NOT_A_FIX: FixClassification = Object.freeze({ isFix: false, reasons: [], issues: [], declared: [] });

/** `Revert "X"` → X; `Reapply "X"`, `Re-land X`, `Reland: X` → X. */
const REVERTED = /^Revert\s+"(.+)"\s*(?:\(#\d+\))?$/;
const RELANDED = /^(?:Reapply|Re-?land(?:ed)?|Re-?apply|Re-?commit)\s*:?\s*"?(.+?)"?\s*(?:\(#\d+\))?$/i;

/**
 * A revert whose change came back later (the same subject again, or "Reapply …") undid a change for
 * a while, usually until something around it was ready: it repaired no bug in it, so it is no fix.
 */
function dropRelandedReverts(
  order: readonly string[],
  subjects: ReadonlyMap<string, string>,
  fixes: Map<string, FixClassification>,
): void {
  const later = new Map<string, number>(); // subject → last position it was (re)committed at
  order.forEach((sha, i) => {
    const subject = subjects.get(sha) ?? "";
    later.set(subject.replace(/\s*\(#\d+\)$/, ""), i);
    const back = RELANDED.exec(subject)?.[1];
    if (back) later.set(back.replace(/\s*\(#\d+\)$/, ""), i);
  });
  order.forEach((sha, i) => {
    const fix = fixes.get(sha);
    if (!fix?.isFix || !fix.reasons.includes("revert")) return;
    const target = REVERTED.exec(subjects.get(sha) ?? "")?.[1]?.replace(/\s*\(#\d+\)$/, "");
    if (target === undefined || (later.get(target) ?? -1) <= i) return;
    const reasons = fix.reasons.filter((r) => r !== "revert");
    fixes.set(sha, {
      ...fix,
      reasons,
      declared: fix.declared.filter((d) => d.how !== "revert"),
      // Whatever else its message says, it undid a change that came back: only a declared origin stays.
      isFix: reasons.includes("declared"),
    });
  });
}

/** Pulls the diffs of one commit at a time from a stream, in the order of the graph. */
class DiffQueue {
  private pending: CommitDiff | null = null;
  private done = false;
  constructor(private readonly it: AsyncGenerator<CommitDiff>) {}

  async take(sha: string): Promise<CommitDiff[]> {
    const out: CommitDiff[] = [];
    for (;;) {
      if (!this.pending && !this.done) {
        const n = await this.it.next();
        if (n.done) this.done = true;
        else this.pending = n.value;
      }
      if (!this.pending || this.pending.meta.sha !== sha) return out;
      out.push(this.pending);
      this.pending = null;
    }
  }

  leftover(): string | null {
    return this.pending?.meta.sha ?? null;
  }
}

/**
 * Mines history in one streaming pass: commits, per-file changes, fix classification and SZZ links by
 * replayed line ownership. Incremental: only commits not reachable from the tips of the last run are read.
 */
export async function mineHistory(opts: MineOptions): Promise<MineResult> {
  const t0 = performance.now();
  const { store } = opts;
  const root = await repoRoot(opts.repoDir).catch(() => opts.repoDir);
  // A repository is its git common dir: every worktree (and a bare clone) maps to the same history.
  const repoId = store.repoId(await gitCommonDir(root), basename(root), opts.role ?? "self");
  const tip = await resolveCommit(root, opts.rev ?? "HEAD");
  const result: MineResult = {
    repoId,
    tip,
    mined: 0,
    fixes: 0,
    links: 0,
    blamedFiles: 0,
    mergeDiffs: 0,
    seconds: 0,
  };
  if (!tip) return result;

  const oldTips = store.tips(repoId).filter((t) => t !== tip);
  if (store.tips(repoId).includes(tip)) {
    result.seconds = (performance.now() - t0) / 1000;
    return result;
  }
  const defaults = opts.classify && opts.evidence ? null : historySettings(defaultRules(), root);
  const classify = opts.classify ?? (defaults as HistorySettings).classify;
  const filter = opts.evidence ?? (defaults as HistorySettings).evidence;
  const batchSize = opts.batchSize ?? 500;
  // Messages come with the graph, so fixes are known up front and their plain diffs stream alongside.
  // Only classifications that say something are kept; a plain commit's is recomputed when it is stored.
  const fixes = new Map<string, FixClassification>();
  const subjects = new Map<string, string>();
  const graph = await revGraph(root, tip, oldTips, (sha, message) => {
    const c = classify(message);
    if (c.isFix || c.declared.length > 0 || c.issues.length > 0) fixes.set(sha, c);
    subjects.set(sha, message.split("\n", 1)[0]!.trim());
  });
  dropRelandedReverts(graph.order, subjects, fixes);

  const ids = store.commitIds(repoId);
  let nextId = store.maxCommitId() + 1;
  let seq = store.maxSeq(repoId);
  // A run that resumes an interrupted one (its tip was never saved) walks commits already stored: they
  // keep their ids and positions, so the index ends as one uninterrupted run would have left it.
  const storedSeq = graph.order.some((s) => ids.has(s))
    ? store.commitSeqs(repoId)
    : new Map<string, number>();

  // Line trees of commits whose children are still to come; freed as soon as the last child is done.
  const trees = new Map<string, LineTree>();
  const remaining = new Map(graph.children);
  const savedTip = oldTips.length === 1 ? oldTips[0] : undefined;

  const treeOf = (sha: string): LineTree => {
    const t = trees.get(sha);
    if (t) return t;
    // A parent mined in an earlier run: the saved tip has its full state; any other is blamed lazily.
    const loaded =
      sha === savedTip ? new LineTree(store.loadTipState(repoId, sha)) : new LineTree(new Map(), sha);
    trees.set(sha, loaded);
    return loaded;
  };
  const ensure = async (tree: LineTree, paths: Iterable<string>): Promise<void> => {
    if (tree.lazyRev === null) return;
    for (const p of paths) {
      if (tree.files.has(p)) continue;
      let owners: string[];
      try {
        owners = await blameOwners(root, tree.lazyRev, p);
      } catch {
        continue; // not in that revision
      }
      result.blamedFiles++;
      tree.files.set(p, { blob: "", owners: Int32Array.from(owners, (s) => ids.get(s) ?? UNKNOWN) });
    }
  };
  /** The tree a child starts from: taken over by the last child, copied for the others. */
  const takeTree = (sha: string): LineTree => {
    const t = treeOf(sha);
    const left = (remaining.get(sha) ?? 1) - 1;
    remaining.set(sha, left);
    if (left <= 0) {
      trees.delete(sha);
      return t;
    }
    return t.clone();
  };
  const release = (sha: string): void => {
    const left = (remaining.get(sha) ?? 1) - 1;
    remaining.set(sha, left);
    if (left <= 0) trees.delete(sha);
  };

  let batch: Batch = { commits: [], files: [], links: [], hunks: [] };
  const flush = (): void => {
    if (batch.commits.length === 0) return;
    store.writeBatch(batch);
    batch = { commits: [], files: [], links: [], hunks: [] };
  };

  const plainFixes = graph.order.filter(
    (s) => fixes.get(s)?.isFix && (graph.parents.get(s)?.length ?? 0) <= 1,
  );

  const runId = store.startRun(repoId);
  const queue = new DiffQueue(streamLog(root, [tip, ...(oldTips.length > 0 ? ["--not", ...oldTips] : [])]));
  const plainQueue = new DiffQueue(streamPlainDiffs(root, plainFixes));
  try {
    for (const sha of graph.order) {
      const parents = graph.parents.get(sha) ?? [];
      const diffs = await queue.take(sha);
      const id = ids.get(sha) ?? nextId++;
      ids.set(sha, id);
      const meta = diffs[0]?.meta;
      if (!meta)
        throw new Error(`git log printed nothing for ${sha}; the history changed while it was read?`);

      let tree: LineTree;
      let firstDiff: FileChange[] = [];
      let firstParentTree: LineTree | null = null;
      let fileRows: FileRow[] = [];
      if (parents.length <= 1) {
        firstDiff = diffs[0]?.files ?? [];
        tree = parents[0] ? takeTree(parents[0]) : new LineTree();
        await ensure(tree, oldPaths(firstDiff));
        firstParentTree = tree;
      } else {
        const parentTrees = parents.map(treeOf);
        firstDiff = diffs[0]?.files ?? [];
        await ensure(parentTrees[0] as LineTree, oldPaths(firstDiff));
        for (const t of parentTrees.slice(1)) await ensure(t, newPaths(firstDiff));
        fileRows = firstDiff.map((f) => fileRow(id, f, parentTrees[0] as LineTree));
        const first = takeTree(parents[0] as string);
        tree = await mergeTrees(parentTrees, firstDiff, id, first, async (k, paths) => {
          result.mergeDiffs++;
          const parent = parents[k] as string;
          let d = await diffPair(root, parent, sha, paths);
          // A path new to that parent may be a rename: only a whole-tree diff finds its source.
          if (d.some((e) => e.status === "A")) d = await diffPair(root, parent, sha);
          await ensure(parentTrees[k] as LineTree, oldPaths(d));
          return d;
        });
        for (const p of parents.slice(1)) release(p);
      }
      // Sizes before the change (LT) come from the parent tree, before it is updated in place.
      if (firstParentTree) fileRows = firstDiff.map((f) => fileRow(id, f, firstParentTree as LineTree));
      const fix = fixes.get(sha) ?? NOT_A_FIX;
      const links = new Map<number, { blame: number; declared: boolean; paths: Set<string> }>();
      let fixHunksFrom = firstDiff;
      if (fix.isFix && parents.length <= 1 && firstParentTree) {
        const plain = (await plainQueue.take(sha))[0]?.files ?? firstDiff;
        await ensure(firstParentTree, oldPaths(plain));
        fixHunksFrom = plain;
        for (const c of blameCandidates(firstParentTree, plain, filter).values()) {
          links.set(c.owner, { blame: c.lines, declared: false, paths: c.paths });
        }
      }
      if (parents.length <= 1) applyDiff(tree, firstDiff, id);
      if (fix.isFix) {
        for (const d of fix.declared) {
          const target = resolvePrefix(d.sha, ids);
          if (target === undefined || target === id) continue;
          const l = links.get(target) ?? { blame: 0, declared: false, paths: new Set<string>() };
          l.declared = true;
          links.set(target, l);
        }
      }

      let la = 0;
      let ld = 0;
      for (const r of fileRows) {
        la += r.added;
        ld += r.deleted;
      }
      const stats = parents.length <= 1 ? lineStats(firstDiff) : null;
      const trivial = stats ? { added: stats.trivialAdded, deleted: stats.trivialDeleted } : null;
      const position = storedSeq.get(sha) ?? ++seq;
      const row: CommitRow = {
        id,
        repoId,
        seq: position,
        meta,
        nFiles: fileRows.length,
        la,
        ld,
        fix,
        trivial,
      };
      batch.commits.push(row);
      batch.files.push(...fileRows);
      for (const [owner, l] of links) {
        batch.links.push({
          fixId: id,
          inducingId: owner,
          viaBlame: l.blame > 0,
          viaDeclared: l.declared,
          lines: l.blame,
          paths: [...l.paths],
        });
      }
      if (fix.isFix) {
        result.fixes++;
        result.links += links.size;
        for (const f of fixHunksFrom) {
          for (const h of f.hunks) {
            batch.hunks.push({
              commitId: id,
              path: f.newPath ?? f.oldPath ?? "",
              oldPath: f.oldPath ?? "",
              hunk: h,
            });
          }
        }
      }
      if ((remaining.get(sha) ?? 0) > 0 || sha === tip) trees.set(sha, tree);
      result.mined++;
      if (batch.commits.length >= batchSize) flush();
      opts.onProgress?.(result.mined, graph.order.length);
    }
    const extra = queue.leftover();
    if (extra) throw new Error(`git log and git rev-list disagree on the order of history (at ${extra})`);
    flush();
    const tipTree = trees.get(tip);
    if (tipTree && tipTree.lazyRev === null) store.saveTip(repoId, tip, tipTree.files);
    store.finishRun(runId, result.mined, "done");
  } catch (e) {
    flush();
    store.finishRun(runId, result.mined, "failed");
    throw e;
  }
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

function oldPaths(files: readonly FileChange[]): string[] {
  return files.flatMap((f) => (f.oldPath !== null ? [f.oldPath] : []));
}

function newPaths(files: readonly FileChange[]): string[] {
  return files.flatMap((f) => (f.newPath !== null ? [f.newPath] : []));
}

function fileRow(commitId: number, f: FileChange, parent: LineTree): FileRow {
  // The history pass is -U0: a hunk's counts are exactly its added and deleted lines.
  let added = 0;
  let deleted = 0;
  for (const h of f.hunks) {
    added += h.newLines;
    deleted += h.oldLines;
  }
  const before = f.oldPath !== null ? (parent.files.get(f.oldPath)?.owners.length ?? 0) : 0;
  return {
    commitId,
    path: f.newPath ?? f.oldPath ?? "",
    oldPath: f.oldPath !== f.newPath ? f.oldPath : null,
    status: f.status,
    binary: f.binary,
    added,
    deleted,
    linesBefore: before,
    oldBlob: f.oldBlob,
    newBlob: f.newBlob,
  };
}

/** Resolves an abbreviated sha written by a developer against the commits mined so far (unique prefix only). */
function resolvePrefix(prefix: string, ids: ReadonlyMap<string, number>): number | undefined {
  const p = prefix.toLowerCase();
  if (p.length === 40) return ids.get(p);
  let found: number | undefined;
  for (const [sha, id] of ids) {
    if (sha.startsWith(p)) {
      if (found !== undefined) return undefined; // ambiguous
      found = id;
    }
  }
  return found;
}
