import { basename } from "node:path";
import { blameOwners } from "../git/blame.js";
import { diffPair } from "../git/diffPair.js";
import { parentsOf } from "../git/parents.js";
import { gitCommonDir, repoRoot, resolveCommit } from "../git/repo.js";
import { revGraph } from "../git/revList.js";
import { type GitShell, gitShell } from "../git/shellRunner.js";
import { streamLog, streamPlainDiffs } from "../git/streamLog.js";
import type { CommitDiff, FileChange } from "../git/types.js";
import { blobProbe, commitSkippingUnreadable, unreadableObject } from "../git/unreadable.js";
import type { Batch, CommitRow, FileLineState, FileRow, IndexStore } from "../index/store.js";
import { defaultRules } from "../rules/defaults.js";
import type { EvidenceFilter } from "./evidence.js";
import { heapPacer } from "./heapPacer.js";
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
  /** Paths whose lines are not tracked (the rules' `paths.ignore`). */
  ignore?: (path: string) => boolean;
  /** Called once for each file the pass gave up on; it goes on with the rest of the history. */
  onNotice?: (notice: MineNotice) => void;
  /** At most this long between two saves of where the pass stands (what a kill can lose). */
  checkpointSeconds?: number;
  /** Called after each batch of commits is stored (their hunks and links with them). */
  onStored?: (repoId: number) => void;
  /**
   * The diffs of the newest `last` commits of this pass with one parent, handed to `take` as the pass reads
   * them (first-parent, `-U0 -w`: what the index's later stages would otherwise read again with
   * `git diff-tree`). A diff with hunks too long to keep their lines is not handed on.
   */
  keepDiffs?: { last: number; take: (diff: CommitDiff) => void };
}

/** A file whose lines the pass stopped tracking, from `commit` on; every other file is unaffected. */
export interface MineNotice {
  path: string;
  commit: string;
  /** unreadable: git could not read one of its blobs; unfit: its diffs never fitted its lines, even re-read. */
  reason: "unreadable" | "unfit";
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
  /** Files attributed again by `git blame` after a diff git printed as binary (text ↔ binary). */
  reblamed: number;
  /** Files given up on (also passed to `onNotice`). */
  skipped: MineNotice[];
  /** True when a deepened shallow clone made the whole history be mined again. */
  deepened: boolean;
  seconds: number;
}

/** `git blame` re-reads of one path before it is given up on (a file that flips on every commit). */
const MAX_REBLAMES_PER_PATH = 16;
/** New `git log` passes after unreadable objects before the run gives up. */
const MAX_RESTARTS = 64;

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

  /** Ends the stream's git process (it may be blocked writing ahead of us). */
  async close(): Promise<void> {
    this.pending = null;
    this.done = true;
    await this.it.return(undefined).catch(() => undefined);
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
    reblamed: 0,
    skipped: [],
    deepened: false,
    seconds: 0,
  };
  if (!tip) return result;

  // A shallow clone deepened since the last run: commits mined as parentless have parents now, and every
  // line they were credited with may be older. The whole history is mined again (ids are kept).
  const parentless = store.parentlessCommits(repoId);
  const nowParents = await parentsOf(root, parentless);
  result.deepened = parentless.some((sha) => (nowParents.get(sha)?.length ?? 0) > 0);
  const storedTips = result.deepened ? [] : store.tips(repoId);
  if (storedTips.includes(tip)) {
    result.seconds = (performance.now() - t0) / 1000;
    return result;
  }
  const oldTips = storedTips.filter((t) => t !== tip);
  const defaults = opts.classify && opts.evidence ? null : historySettings(defaultRules(), root);
  const classify = opts.classify ?? (defaults as HistorySettings).classify;
  const filter = opts.evidence ?? (defaults as HistorySettings).evidence;
  const batchSize = opts.batchSize ?? 500;
  const checkpointMs = (opts.checkpointSeconds ?? 60) * 1000;
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
  subjects.clear();
  const kept = newestWithOneParent(graph.order, graph.parents, opts.keepDiffs?.last ?? 0);

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
  // Children not yet mined, counted down only when a child is done: where the pass stands if it stops.
  const unmined = new Map(graph.children);
  const finished = new Set<string>();
  /** Mined commits (in this run or before it) with children still to mine. */
  const frontier = (): string[] =>
    [...unmined]
      .filter(([sha, n]) => n > 0 && (finished.has(sha) || !graph.parents.has(sha)))
      .map(([sha]) => sha);
  const withState = result.deepened ? new Set<string>() : store.tipsWithState(repoId);

  // Files whose lines are not followed: ignored by the rules, or given up on (with a notice).
  const given = new Set<string>();
  const newlyGiven: string[] = [];
  const untracked = (path: string): boolean => given.has(path) || (opts.ignore?.(path) ?? false);
  const giveUp = (path: string, commit: string, reason: MineNotice["reason"]): void => {
    if (given.has(path)) return;
    given.add(path);
    newlyGiven.push(path);
    const n: MineNotice = { path, commit, reason };
    result.skipped.push(n);
    opts.onNotice?.(n);
  };

  /** A tree's files but those given up on (other branches may still hold their old lines). */
  const tracked = (t: LineTree): [string, FileLineState][] =>
    [...t.files].filter(([path]) => !given.has(path));
  const treeOf = (sha: string): LineTree => {
    const t = trees.get(sha);
    if (t) return t;
    // A parent mined in an earlier run: a saved tip has its full state; any other is blamed lazily.
    const loaded = withState.has(sha)
      ? new LineTree(store.loadTipState(repoId, sha))
      : new LineTree(new Map(), sha);
    trees.set(sha, loaded);
    return loaded;
  };
  const ensure = async (tree: LineTree, paths: Iterable<string>): Promise<void> => {
    if (tree.lazyRev === null) return;
    for (const p of paths) {
      if (tree.files.has(p) || untracked(p)) continue;
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

  // A diff git printed as binary says nothing of the lines of a text side, and one that does not fit
  // the state it replays on is a state gone wrong: `git blame -w` at that commit gives the lines exactly.
  const probe = blobProbe(root);
  // Merge diffs, a few hundred short git commands per pass, run by one small shell: no fork of this process
  // each. Started at the first merge diff, so that a pass failing before its first commit leaves no shell.
  let shell: GitShell | null = null;
  const reblames = new Map<string, number>();
  const reattribute = async (
    tree: LineTree,
    sha: string,
    files: readonly FileChange[],
    misfits: string[],
  ) => {
    const todo = new Map<string, string>(); // path → new blob
    for (const f of files) {
      if (f.newPath === null || untracked(f.newPath)) continue;
      if (misfits.includes(f.newPath)) todo.set(f.newPath, f.newBlob);
      else if (f.binary && (tree.files.get(f.newPath)?.owners.length ?? 0) === 0) {
        if ((await probe.isText(f.newBlob)) === true) todo.set(f.newPath, f.newBlob);
      }
    }
    for (const [path, blob] of todo) {
      const n = (reblames.get(path) ?? 0) + 1;
      reblames.set(path, n);
      let owners: string[] | null = null;
      let reason: MineNotice["reason"] = "unfit";
      if (n <= MAX_REBLAMES_PER_PATH) {
        try {
          owners = await blameOwners(root, sha, path);
        } catch (e) {
          if (unreadableObject(e)) reason = "unreadable";
        }
      }
      if (!owners) {
        tree.files.delete(path);
        giveUp(path, sha, reason);
        continue;
      }
      result.reblamed++;
      tree.files.set(path, { blob, owners: Int32Array.from(owners, (o) => ids.get(o) ?? UNKNOWN) });
    }
  };

  let batch: Batch = { commits: [], files: [], links: [], hunks: [] };
  const flush = (): void => {
    if (batch.commits.length === 0) return;
    store.writeBatch(batch);
    batch = { commits: [], files: [], links: [], hunks: [] };
    opts.onStored?.(repoId);
  };
  /**
   * Saves where the pass stands (after a flush): every mined commit with children still to mine, and the
   * line ownership of the newest of them unless `busy` (a tree the commit in progress may have changed).
   * A new run starts from there; what a kill loses is at most one checkpoint interval.
   */
  let order = graph.order;
  const checkpoint = (pos: number, busy: ReadonlySet<string> = new Set()): void => {
    const tips = frontier();
    const open = new Set(tips);
    let newest: string | null = null;
    for (let i = Math.min(pos, order.length - 1); i >= 0 && newest === null; i--) {
      const sha = order[i] as string;
      if (open.has(sha) && !busy.has(sha) && trees.get(sha)?.lazyRev === null) newest = sha;
    }
    const t = newest === null ? undefined : trees.get(newest);
    store.saveTips(repoId, tips, t && newest ? { tip: newest, state: tracked(t) } : null);
  };

  const fixesFrom = (from: number): string[] =>
    order.slice(from).filter((s) => fixes.get(s)?.isFix && (graph.parents.get(s)?.length ?? 0) <= 1);
  const logRevs = (exclude: readonly string[]): string[] => [
    tip,
    ...(exclude.length > 0 ? ["--not", ...exclude] : []),
  ];

  const pacer = heapPacer();
  const runId = store.startRun(repoId);
  let queue = new DiffQueue(streamLog(root, logRevs(oldTips)));
  let plainQueue = new DiffQueue(streamPlainDiffs(root, fixesFrom(0)));
  let restarts = 0;
  let lastCheckpoint = performance.now();
  let pos = 0;
  let inProgress: readonly string[] = [];
  try {
    for (; pos < order.length; pos++) {
      const sha = order[pos] as string;
      const parents = graph.parents.get(sha) ?? [];
      inProgress = parents;
      let diffs: CommitDiff[];
      let restartAfter = false;
      try {
        diffs = await queue.take(sha);
      } catch (e) {
        const oid = unreadableObject(e);
        if (!oid || ++restarts > MAX_RESTARTS) throw e;
        // git log stopped on a blob it cannot read: this commit without that file, then a new pass.
        await queue.close();
        const unreadable = new Set([oid]);
        const alone = await commitSkippingUnreadable(root, sha, unreadable);
        for (const path of alone.skipped) giveUp(path, sha, "unreadable");
        diffs = [alone.diff];
        restartAfter = true;
      }
      const first = diffs[0];
      if (
        first &&
        !restartAfter &&
        kept.has(sha) &&
        first.files.every((f) => f.hunks.every((h) => !h.elided))
      )
        opts.keepDiffs?.take(first);
      const id = ids.get(sha) ?? nextId++;
      ids.set(sha, id);
      const meta = diffs[0]?.meta;
      if (!meta)
        throw new Error(`git log printed nothing for ${sha}; the history changed while it was read?`);

      let tree: LineTree;
      let firstDiff: FileChange[] = [];
      let firstParentTree: LineTree | null = null;
      let fileRows: FileRow[] = [];
      let misfits: string[] = [];
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
        const merged = await mergeTrees(
          parentTrees,
          firstDiff,
          id,
          first,
          async (k, paths) => {
            result.mergeDiffs++;
            const parent = parents[k] as string;
            try {
              shell ??= gitShell(root);
              let d = await diffPair(root, parent, sha, paths, shell);
              // A path new to that parent may be a rename: only a whole-tree diff finds its source.
              if (d.some((e) => e.status === "A")) d = await diffPair(root, parent, sha, [], shell);
              await ensure(parentTrees[k] as LineTree, oldPaths(d));
              return d;
            } catch (e) {
              if (!unreadableObject(e)) throw e;
              return []; // lines not attributed to that parent stay the merge's
            }
          },
          untracked,
        );
        tree = merged.tree;
        misfits = merged.misfits;
        for (const p of parents.slice(1)) release(p);
      }
      // Sizes before the change (LT) come from the parent tree, before it is updated in place.
      if (firstParentTree) fileRows = firstDiff.map((f) => fileRow(id, f, firstParentTree as LineTree));
      const fix = fixes.get(sha) ?? NOT_A_FIX;
      const links = new Map<number, { blame: number; declared: boolean; paths: Set<string> }>();
      let fixHunksFrom = firstDiff;
      if (fix.isFix && parents.length <= 1 && firstParentTree) {
        let plain = firstDiff;
        try {
          plain = (await plainQueue.take(sha))[0]?.files ?? firstDiff;
        } catch (e) {
          if (!unreadableObject(e)) throw e;
          // The plain diffs stopped on an unreadable blob: this fix's -w diff will do, the rest go on.
          await plainQueue.close();
          plainQueue = new DiffQueue(streamPlainDiffs(root, fixesFrom(pos + 1)));
        }
        await ensure(firstParentTree, oldPaths(plain));
        fixHunksFrom = plain;
        for (const c of blameCandidates(firstParentTree, plain, filter).values()) {
          links.set(c.owner, { blame: c.lines, declared: false, paths: c.paths });
        }
      }
      if (parents.length <= 1) misfits = applyDiff(tree, firstDiff, id, untracked);
      await reattribute(tree, sha, firstDiff, misfits);
      for (const path of newlyGiven.splice(0)) tree.files.delete(path);
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
      for (const p of parents) unmined.set(p, (unmined.get(p) ?? 1) - 1);
      finished.add(sha);
      inProgress = [];
      result.mined++;
      if (restartAfter) {
        // The rest of the history in a new pass that starts where this one stands.
        const from = frontier();
        const rest = await revGraph(root, tip, from);
        order = [...order.slice(0, pos + 1), ...rest.order];
        queue = new DiffQueue(streamLog(root, logRevs(from)));
        await plainQueue.close();
        plainQueue = new DiffQueue(streamPlainDiffs(root, fixesFrom(pos + 1)));
      }
      if (batch.commits.length >= batchSize) {
        flush();
        if (performance.now() - lastCheckpoint >= checkpointMs && sha !== tip) {
          checkpoint(pos);
          lastCheckpoint = performance.now();
        }
      }
      pacer.tick();
      opts.onProgress?.(result.mined, order.length);
    }
    const extra = queue.leftover();
    if (extra) throw new Error(`git log and git rev-list disagree on the order of history (at ${extra})`);
    flush();
    const tipTree = trees.get(tip);
    if (tipTree && tipTree.lazyRev === null) store.saveTip(repoId, tip, tracked(tipTree));
    store.finishRun(runId, result.mined, "done");
  } catch (e) {
    // The work done so far stays: its commits, and a checkpoint to resume from.
    try {
      flush();
      if (result.mined > 0) checkpoint(pos, new Set(inProgress));
      store.finishRun(runId, result.mined, "failed");
    } catch {
      // the first error is the one to report
    }
    throw e;
  } finally {
    await Promise.all([
      queue.close(),
      plainQueue.close(),
      probe.close(),
      (shell as GitShell | null)?.close(),
    ]);
  }
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

/** The newest `n` commits of `order` with exactly one parent. */
function newestWithOneParent(
  order: readonly string[],
  parents: ReadonlyMap<string, readonly string[]>,
  n: number,
): Set<string> {
  const out = new Set<string>();
  for (let i = order.length - 1; i >= 0 && out.size < n; i--) {
    const sha = order[i] as string;
    if (parents.get(sha)?.length === 1) out.add(sha);
  }
  return out;
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
