import type { CommitDiff, FileChange } from "../git/types.js";
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

export class LineTree {
  constructor(
    readonly files: Map<string, FileLineState> = new Map(),
    /** When set, files missing from `files` are loaded on demand from `git blame` at this revision. */
    readonly lazyRev: string | null = null,
  ) {}

  clone(): LineTree {
    return new LineTree(new Map(this.files), this.lazyRev);
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
    if (before > oldPos) {
      out.set(old.subarray(oldPos, before), o);
      o += before - oldPos;
    }
    oldPos = before + h.oldLines;
    out.fill(newOwner, o, o + h.newLines);
    o += h.newLines;
  }
  if (oldPos < old.length) {
    out.set(old.subarray(oldPos), o);
    o += old.length - oldPos;
  }
  return o === out.length ? out : out.slice(0, o);
}

/** Applies one diff to a tree in place (the caller owns the tree's Map). */
export function applyDiff(tree: LineTree, files: readonly FileChange[], owner: number): void {
  // Read all bases first: a rename chain (a→b, b→c) in one commit must see the parent's files.
  const bases = files.map((f) => (f.oldPath !== null ? tree.files.get(f.oldPath) : undefined));
  for (const f of files) {
    if (f.oldPath !== null && f.status !== "C") tree.files.delete(f.oldPath);
  }
  files.forEach((f, i) => {
    if (f.newPath === null) return;
    const base = bases[i];
    const owners = f.binary ? new Int32Array(0) : applyChange(base?.owners, f, owner);
    tree.files.set(f.newPath, { blob: f.newBlob, owners });
  });
}

/** Which parent each `-m` diff of a merge is against (git prints only the parents the merge differs from). */
export function assignMergeDiffs(
  diffs: CommitDiff[],
  parents: string[],
  trees: LineTree[],
): (CommitDiff | null)[] {
  const out: (CommitDiff | null)[] = parents.map(() => null);
  if (diffs.length === parents.length) {
    diffs.forEach((d, i) => {
      out[i] = d;
    });
    return out;
  }
  let p = 0;
  for (const d of diffs) {
    while (p < parents.length && !consistent(d, trees[p] as LineTree)) p++;
    if (p >= parents.length) break;
    out[p] = d;
    p++;
  }
  return out;
}

/** A diff can be against a tree when the blobs it starts from are the tree's blobs. */
function consistent(d: CommitDiff, tree: LineTree): boolean {
  for (const f of d.files) {
    if (f.oldPath === null) {
      if (f.newPath !== null && tree.files.has(f.newPath) && tree.lazyRev === null) return false;
      continue;
    }
    const s = tree.files.get(f.oldPath);
    if (s && s.blob !== "" && s.blob !== f.oldBlob) return false;
    if (!s && tree.lazyRev === null) return false;
  }
  return true;
}

/**
 * A merge's tree, attributed the way `git blame` does (blame.c, pass_blame): a file identical to some
 * parent's version passes to the first such parent whole; otherwise a line unchanged against the first
 * parent keeps that parent's owner, else against the next parent; a line new against every parent
 * belongs to the merge. `diffs[i]` is the merge's diff against parent i, or null when the trees are equal.
 */
export function mergeTrees(
  trees: LineTree[],
  diffs: (CommitDiff | null)[],
  owner: number,
  first: LineTree,
): LineTree {
  const d0 = diffs[0];
  if (!d0) return first; // identical to the first parent: everything stays as the first parent has it
  applyDiff(first, d0.files, PENDING);
  for (const f of d0.files) {
    if (f.newPath === null) continue;
    const state = first.files.get(f.newPath);
    if (!state || f.oldBlob === f.newBlob) continue;
    const others: { tree: LineTree; entry: FileChange | undefined }[] = [];
    for (let k = 1; k < trees.length; k++) {
      others.push({
        tree: trees[k] as LineTree,
        entry: diffs[k]?.files.find((x) => x.newPath === f.newPath),
      });
    }
    const same = others.find((o) => !o.entry || o.entry.oldBlob === o.entry.newBlob);
    if (same) {
      const theirs = same.tree.files.get(same.entry?.oldPath ?? f.newPath)?.owners;
      if (theirs) {
        first.files.set(f.newPath, { blob: state.blob, owners: theirs });
        continue;
      }
    }
    if (!state.owners.includes(PENDING)) continue;
    const owners = state.owners;
    for (const { tree, entry } of others) {
      if (!entry || entry.binary) continue;
      const theirs = applyChange(
        entry.oldPath !== null ? tree.files.get(entry.oldPath)?.owners : undefined,
        entry,
        PENDING,
      );
      if (theirs.length !== owners.length) continue;
      for (let i = 0; i < owners.length; i++) {
        if (owners[i] === PENDING && theirs[i] !== PENDING) owners[i] = theirs[i] as number;
      }
    }
    for (let i = 0; i < owners.length; i++) if (owners[i] === PENDING) owners[i] = owner;
  }
  return first;
}
