import type { FileChange } from "../git/types.js";
import type { StoredFix } from "../index/store.js";
import type { EvidenceFilter } from "./evidence.js";
import type { LineTree } from "./ownership.js";
import type { LinkEvidence } from "./types.js";

export interface Candidate {
  owner: number;
  lines: number;
  paths: Set<string>;
}

/**
 * B-SZZ evidence without `git blame`: the owners, in the fix's parent tree, of the lines the fix deletes
 * or changes (blank and comment-only lines skipped, AG-SZZ). Tried in tiers, the first that yields a
 * candidate wins: deleted lines of primary paths (code), then of secondary paths (tests, build files);
 * then, for fixes that only add lines (a missing guard), the nearest code lines around each insertion,
 * as the defect is usually the code the new lines protect.
 */
export function blameCandidates(
  parent: LineTree,
  files: readonly FileChange[],
  filter: EvidenceFilter,
): Map<number, Candidate> {
  const usable = files.filter((f) => f.oldPath !== null && !f.binary && filter.secondary(f.oldPath));
  const primary = usable.filter((f) => filter.primary(f.oldPath as string));
  const secondary = usable.filter((f) => !filter.primary(f.oldPath as string));
  for (const tier of [
    () => deletedLines(parent, primary, filter),
    () => deletedLines(parent, secondary, filter),
    () => insertionContext(parent, primary, filter),
    () => insertionContext(parent, secondary, filter),
  ]) {
    const out = tier();
    if (out.size > 0) return out;
  }
  return new Map();
}

function adder(out: Map<number, Candidate>) {
  return (owner: number | undefined, path: string): void => {
    if (owner === undefined || owner < 0) return;
    let c = out.get(owner);
    if (!c) {
      c = { owner, lines: 0, paths: new Set() };
      out.set(owner, c);
    }
    c.lines++;
    c.paths.add(path);
  };
}

/** Each file of a fix with the owners of its lines in the fix's parent (files the tree lacks are skipped). */
function* withOwners(parent: LineTree, files: FileChange[]): Generator<[FileChange, string, Int32Array]> {
  for (const f of files) {
    const oldPath = f.oldPath as string;
    const owners = parent.files.get(oldPath)?.owners;
    if (owners) yield [f, oldPath, owners];
  }
}

function deletedLines(parent: LineTree, files: FileChange[], filter: EvidenceFilter): Map<number, Candidate> {
  const out = new Map<number, Candidate>();
  const add = adder(out);
  for (const [f, oldPath, owners] of withOwners(parent, files)) {
    for (const h of f.hunks) {
      let line = h.oldStart - 1;
      for (const l of h.lines) {
        if (l.kind === "+") continue;
        if (l.kind === "-" && filter.line(l.text, oldPath)) add(owners[line], f.newPath ?? oldPath);
        line++;
      }
    }
  }
  return out;
}

function insertionContext(
  parent: LineTree,
  files: FileChange[],
  filter: EvidenceFilter,
): Map<number, Candidate> {
  const out = new Map<number, Candidate>();
  const add = adder(out);
  for (const [f, oldPath, owners] of withOwners(parent, files)) {
    for (const h of f.hunks) {
      // Old line number of every hunk line (context and deleted), to look around each insertion.
      let line = h.oldStart - 1;
      const at = h.lines.map((l) => (l.kind === "+" ? -1 : line++));
      h.lines.forEach((l, i) => {
        if (l.kind !== "+" || h.lines[i - 1]?.kind === "+") return;
        for (let j = i - 1; j >= 0; j--) {
          const c = h.lines[j];
          if (c?.kind === " " && filter.line(c.text, oldPath)) {
            add(owners[at[j] as number], f.newPath ?? oldPath);
            break;
          }
        }
        let k = i;
        while (h.lines[k]?.kind === "+") k++;
        for (; k < h.lines.length; k++) {
          const c = h.lines[k];
          if (c?.kind === " " && filter.line(c.text, oldPath)) {
            add(owners[at[k] as number], f.newPath ?? oldPath);
            break;
          }
        }
      });
    }
  }
  return out;
}

export type SzzStrategy = "lines" | "recent" | "all";

export interface SelectOptions {
  /**
   * "lines": L-SZZ, the candidate owning most evidence lines (ties: the most recent); "recent": R-SZZ, the
   * most recent candidate; "all": B-SZZ, every candidate. L-SZZ measured best here (docs/history.md).
   */
  strategy: SzzStrategy;
  /** AG-SZZ: candidates that changed more files than this are not defect-introducing evidence. */
  maxCandidateFiles: number;
  /** "lines" only: the chosen candidate must own at least this share of the evidence lines, else none. */
  minShare: number;
  /** Which kinds of evidence to use ("blame" alone, "declared" alone, or both). */
  evidence: LinkEvidence[];
  /** Issue id → unix time the issue was reported; candidates authored after it are dropped. */
  issueDates?: ReadonlyMap<string, number>;
}

export interface Inducing {
  commit: string;
  via: LinkEvidence[];
}

/** R-SZZ or L-SZZ choice among blame candidates given in history order (the last is the most recent). */
function pickOne<T extends { lines: number }>(candidates: T[], opts: SelectOptions): T[] {
  const recent = candidates[candidates.length - 1] as T;
  if (opts.strategy === "recent") return [recent];
  let best = recent;
  let total = 0;
  for (const c of candidates) {
    total += c.lines;
    if (c.lines > best.lines) best = c;
  }
  // No candidate owns enough of the evidence: too uncertain to name one (the evidence stays stored).
  return best.lines >= opts.minShare * total ? [best] : [];
}

/** The defect-introducing commits of one fix under a selection policy (stored evidence is never lost). */
export function selectInducing(fix: StoredFix, opts: SelectOptions): Inducing[] {
  const useBlame = opts.evidence.includes("blame");
  const useDeclared = opts.evidence.includes("declared");
  let reportedAt = Number.POSITIVE_INFINITY;
  if (opts.issueDates) {
    for (const id of fix.issues)
      reportedAt = Math.min(reportedAt, opts.issueDates.get(id) ?? Number.POSITIVE_INFINITY);
  }
  let blame = fix.links.filter(
    (l) => useBlame && l.viaBlame && l.nFiles <= opts.maxCandidateFiles && l.authorTime <= reportedAt,
  );
  if (opts.strategy !== "all" && blame.length > 1) blame = pickOne(blame, opts);
  const chosen = new Map<string, Inducing>();
  for (const l of blame) chosen.set(l.sha, { commit: l.sha, via: ["blame"] });
  if (useDeclared) {
    for (const l of fix.links) {
      if (!l.viaDeclared) continue;
      const c = chosen.get(l.sha);
      if (c) c.via.push("declared");
      else chosen.set(l.sha, { commit: l.sha, via: ["declared"] });
    }
  }
  return [...chosen.values()];
}
