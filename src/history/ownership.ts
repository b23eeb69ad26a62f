import type { FileChange } from "../git/types.js";
import type { FileLineState } from "../index/store.js";

/**
 * Line ownership replayed from the log: for every file of a commit's tree, the id of the commit that
 * last changed each line, ignoring whitespace (the stream is read with `-w`, as `git blame -w` diffs).
 * Arrays are never mutated once stored, so trees can share them; only the Map is copied at forks.
 */

/** Owner not known (line predates what was mined, e.g. beyond a shallow boundary). */
export const UNKNOWN = -1;
/** Transient marker while resolving a merge: line not yet attributed to any parent. */
const PENDING = -2;

/** A frozen layer of file states: never changed once a fork has made it shared. */
interface Layer {
  own: Map<string, FileLineState | null>;
  base: Layer | null;
}

/** Lookups walk at most this many layers; a deeper tree is flattened (amortised over many forks). */
const MAX_DEPTH = 24;

/**
 * path → line state, forked in O(1). A fork freezes the current contents into a shared layer and both
 * trees continue above it, each holding only what changes after the fork (`null` marks a deletion).
 * Histories with thousands of open branches (git.git) would otherwise copy thousands of file maps.
 */
export class LayeredFiles implements Iterable<[string, FileLineState]> {
  private own: Map<string, FileLineState | null>;
  private base: Layer | null = null;
  private depth = 0;

  constructor(init?: Iterable<[string, FileLineState]>) {
    this.own = new Map(init ?? []);
  }

  get(path: string): FileLineState | undefined {
    const v = this.own.get(path);
    if (v !== undefined) return v ?? undefined;
    for (let l = this.base; l; l = l.base) {
      const x = l.own.get(path);
      if (x !== undefined) return x ?? undefined;
    }
    return undefined;
  }

  has(path: string): boolean {
    return this.get(path) !== undefined;
  }

  set(path: string, state: FileLineState): void {
    this.own.set(path, state);
  }

  delete(path: string): void {
    if (this.base) this.own.set(path, null);
    else this.own.delete(path);
  }

  fork(): LayeredFiles {
    const layer: Layer = { own: this.own, base: this.base };
    this.own = new Map();
    this.base = layer;
    this.depth++;
    const child = new LayeredFiles();
    child.base = layer;
    child.depth = this.depth;
    if (this.depth > MAX_DEPTH) {
      this.flatten();
      child.flatten();
    }
    return child;
  }

  private flatten(): void {
    this.own = new Map(this);
    this.base = null;
    this.depth = 0;
  }

  *[Symbol.iterator](): Iterator<[string, FileLineState]> {
    const seen = new Set<string>();
    for (let l: Layer | null = { own: this.own, base: this.base }; l; l = l.base) {
      for (const [path, v] of l.own) {
        if (seen.has(path)) continue;
        seen.add(path);
        if (v) yield [path, v];
      }
    }
  }
}

export class LineTree {
  readonly files: LayeredFiles;

  constructor(
    files?: LayeredFiles | Iterable<[string, FileLineState]>,
    /** When set, files missing from `files` are loaded on demand from `git blame` at this revision. */
    readonly lazyRev: string | null = null,
  ) {
    this.files = files instanceof LayeredFiles ? files : new LayeredFiles(files);
  }

  clone(): LineTree {
    return new LineTree(this.files.fork(), this.lazyRev);
  }
}

/** Owners of a file after `change`, from the owners before it; lines the change adds get `newOwner`. */
export function applyChange(base: Int32Array | undefined, change: FileChange, newOwner: number): Int32Array {
  if (change.status === "D") return new Int32Array(0);
  const old = change.status === "A" || !base ? new Int32Array(0) : base;
  if (change.hunks.length === 0) return old;
  let added = 0;
  let removed = 0;
  for (const h of change.hunks) {
    added += h.newLines;
    removed += h.oldLines;
  }
  const out = new Int32Array(Math.max(0, old.length - removed + added));
  let o = 0;
  let oldPos = 0;
  for (const h of change.hunks) {
    // With -U0 a pure insertion "@@ -3,0 +4 @@" goes after old line 3; otherwise old lines start at oldStart.
    const before = h.oldLines === 0 ? h.oldStart : h.oldStart - 1;
    // Hunks in order, inside the old file: anything else means the state is not the diff's old side
    // (a file that was binary in between, say), and replaying it would silently shift every owner.
    if (before < oldPos || before + h.oldLines > old.length) {
      throw new MisfitError(
        `hunk -${h.oldStart},${h.oldLines} does not fit a state of ${old.length} lines (line ${oldPos} reached)`,
      );
    }
    if (before > oldPos) {
      out.set(old.subarray(oldPos, before), o);
      o += before - oldPos;
    }
    oldPos = Math.max(oldPos, before + h.oldLines);
    out.fill(newOwner, o, o + h.newLines);
    o += h.newLines;
  }
  if (oldPos < old.length) {
    out.set(old.subarray(oldPos), o);
    o += old.length - oldPos;
  }
  return o === out.length ? out : out.slice(0, o);
}

/** A diff whose hunks do not fit the line state it is replayed on. */
export class MisfitError extends Error {
  override name = "MisfitError";
}

/**
 * Applies one diff to a tree in place (the caller owns the tree's Map). Returns the new paths whose
 * diff did not fit their state: they are left out of the tree for the caller to attribute otherwise.
 * Paths `untracked` says yes to (ignored by the rules, or given up on) get no line state at all.
 */
export function applyDiff(
  tree: LineTree,
  files: readonly FileChange[],
  owner: number,
  untracked: (path: string) => boolean = () => false,
): string[] {
  // Read all bases first: a rename chain (a→b, b→c) in one commit must see the parent's files.
  const bases = files.map((f) => (f.oldPath !== null ? tree.files.get(f.oldPath) : undefined));
  for (const f of files) {
    if (f.oldPath !== null && f.status !== "C") tree.files.delete(f.oldPath);
  }
  const misfits: string[] = [];
  files.forEach((f, i) => {
    if (f.newPath === null) return;
    if (untracked(f.newPath)) {
      tree.files.delete(f.newPath);
      return;
    }
    const base = bases[i];
    let owners: Int32Array;
    try {
      owners = f.binary ? new Int32Array(0) : applyChange(base?.owners, f, owner);
    } catch (e) {
      if (!(e instanceof MisfitError)) throw e;
      tree.files.delete(f.newPath);
      misfits.push(f.newPath);
      return;
    }
    tree.files.set(f.newPath, { blob: f.newBlob, owners });
  });
  return misfits;
}

/**
 * Supplies a merge's diff against its parent number k (k ≥ 1) for the given paths; only called for
 * content merges. A path missing from the parent must come back with its rename source, as blame finds it.
 */
export type ParentDiff = (k: number, paths: string[]) => Promise<FileChange[]>;

/**
 * A merge's tree, attributed the way `git blame` does (blame.c, pass_blame): a file identical to some
 * parent's version passes to the first such parent whole; otherwise a line unchanged against the first
 * parent keeps that parent's owner, else against the next parent; a line new against every parent
 * belongs to the merge. `first` is the first parent's tree (owned by the caller), `d0` the merge's diff
 * against it. Most merge files equal some parent's blob, so other diffs are rarely needed.
 */
export async function mergeTrees(
  trees: LineTree[],
  d0: readonly FileChange[],
  owner: number,
  first: LineTree,
  diffAgainst: ParentDiff,
  untracked: (path: string) => boolean = () => false,
): Promise<{ tree: LineTree; misfits: string[] }> {
  const misfits = applyDiff(first, d0, PENDING, untracked);
  const pending: string[] = [];
  for (const f of d0) {
    if (f.newPath === null || f.oldBlob === f.newBlob) continue;
    const state = first.files.get(f.newPath);
    const misfit = misfits.indexOf(f.newPath);
    if (!state && misfit < 0) continue;
    let whole: Int32Array | undefined;
    for (let k = 1; k < trees.length && !whole; k++) {
      const s = (trees[k] as LineTree).files.get(f.newPath);
      if (s && s.blob !== "" && s.blob === f.newBlob) whole = s.owners;
    }
    if (whole) {
      first.files.set(f.newPath, { blob: f.newBlob, owners: whole });
      if (misfit >= 0) misfits.splice(misfit, 1);
    } else if (!state) continue;
    else if (state.owners.includes(PENDING)) pending.push(f.newPath);
  }
  for (let k = 1; k < trees.length && pending.length > 0; k++) {
    const tree = trees[k] as LineTree;
    const entries = new Map<string, FileChange>();
    for (const e of await diffAgainst(k, pending)) if (e.newPath !== null) entries.set(e.newPath, e);
    for (let j = pending.length - 1; j >= 0; j--) {
      const path = pending[j] as string;
      const state = first.files.get(path) as FileLineState;
      const entry = entries.get(path);
      const base = tree.files.get(entry?.oldPath ?? path)?.owners;
      if (!entry || entry.oldBlob === entry.newBlob) {
        if (base) {
          first.files.set(path, { blob: state.blob, owners: base });
          pending.splice(j, 1);
        }
        continue;
      }
      if (entry.binary) continue;
      let theirs: Int32Array;
      try {
        theirs = applyChange(base, entry, PENDING);
      } catch (e) {
        if (e instanceof MisfitError) continue; // that parent's lines stay unattributed: the merge's
        throw e;
      }
      if (theirs.length !== state.owners.length) continue;
      const owners = state.owners;
      for (let i = 0; i < owners.length; i++) {
        if (owners[i] === PENDING && theirs[i] !== PENDING) owners[i] = theirs[i] as number;
      }
    }
  }
  for (const f of d0) {
    const owners = f.newPath !== null ? first.files.get(f.newPath)?.owners : undefined;
    if (!owners) continue;
    for (let i = 0; i < owners.length; i++) if (owners[i] === PENDING) owners[i] = owner;
  }
  return { tree: first, misfits };
}
