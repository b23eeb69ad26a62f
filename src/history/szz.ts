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
 * or changes. Blank and comment-only lines and non-evidence paths are skipped (AG-SZZ).
 * A fix that only adds code (a missing guard, a forgotten call) deletes nothing; for those, the nearest
 * code lines around each insertion (from the diff's context) stand in, as the defect is usually the
 * code the new lines protect.
 */
export function blameCandidates(
  parent: LineTree,
  files: readonly FileChange[],
  filter: EvidenceFilter,
): Map<number, Candidate> {
  const out = new Map<number, Candidate>();
  const add = (owner: number | undefined, path: string): void => {
    if (owner === undefined || owner < 0) return;
    let c = out.get(owner);
    if (!c) {
      c = { owner, lines: 0, paths: new Set() };
      out.set(owner, c);
    }
    c.lines++;
    c.paths.add(path);
  };
  const usable = files.filter((f) => f.oldPath !== null && !f.binary && filter.path(f.oldPath));
  for (const f of usable) {
    const oldPath = f.oldPath as string;
    const owners = parent.files.get(oldPath)?.owners;
    if (!owners) continue;
    for (const h of f.hunks) {
      let line = h.oldStart - 1;
      for (const l of h.lines) {
        if (l.kind === "+") continue;
        if (l.kind === "-" && filter.line(l.text, oldPath)) add(owners[line], f.newPath ?? oldPath);
        line++;
      }
    }
  }
  if (out.size > 0) return out;
  for (const f of usable) {
    const oldPath = f.oldPath as string;
    const owners = parent.files.get(oldPath)?.owners;
    if (!owners) continue;
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

export type SzzStrategy = "recent" | "all";

export interface SelectOptions {
  /** "recent": R-SZZ, the most recent blame candidate (Rosa et al.'s most precise variant); "all": B-SZZ. */
  strategy: SzzStrategy;
  /** AG-SZZ: candidates that changed more files than this are not defect-introducing evidence. */
  maxCandidateFiles: number;
  /** Which kinds of evidence to use ("blame" alone, "declared" alone, or both). */
  evidence: LinkEvidence[];
  /** Issue id → unix time the issue was reported; candidates authored after it are dropped. */
  issueDates?: ReadonlyMap<string, number>;
}

export const DEFAULT_SELECT: SelectOptions = {
  strategy: "recent",
  maxCandidateFiles: 20,
  evidence: ["blame", "declared"],
};

export interface Inducing {
  commit: string;
  via: LinkEvidence[];
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
  if (opts.strategy === "recent" && blame.length > 1) {
    // Links come in history order; the last one is the most recent candidate.
    blame = [blame[blame.length - 1] as (typeof blame)[number]];
  }
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
