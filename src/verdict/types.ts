/**
 * What a check concludes, as plain data. The checker (risk score + clone match, src/verdict/checkChange.ts)
 * produces a Verdict; the hook harness (src/hooks) acts on `action`; the renderers of src/report show it.
 */
import type { StagedChange } from "../git/readChange.js";
import type { GatedHook } from "../rules/types.js";

export type { StagedChange } from "../git/readChange.js";

/**
 * What the hook does: let it through silently, let it through with a quiet one-line note (a past bug
 * written again, below the rules' warning level), let it through with a warning, or stop it (exit 1).
 */
export type Action = "pass" | "note" | "warn" | "block";

export interface ScoreReport {
  /** Model output, 0..1 (probability that the change introduces a defect). */
  value: number;
  /** Share of this repository's past commits that scored lower, 0..100, when calibrated. */
  percentile?: number;
  /** The features that pushed the score up most, in plain words ("touches 14 files"). */
  reasons: string[];
}

/** One commit, as shown to people: enough to recognise it without opening git. */
export interface CommitRef {
  sha: string;
  /** First line of the message. */
  subject: string;
  /** Full message (subject, body, trailers); shown shortened. */
  message?: string;
  /** ISO 8601 author date. */
  date?: string;
  author?: string;
}

/** A block of the change that resembles a block a past defect-introducing commit wrote. */
export interface MatchReport {
  /** Stable id of the suggestion, for `dejafix feedback ID useful|wrong`. */
  id?: string;
  /** The repository the past defect comes from ("related" ones were added with `index --add-repo`). */
  repository?: { name: string; role: "self" | "related" };
  /** Path of the developer's file (new side) and the lines of their block, 1-based, inclusive. */
  path: string;
  startLine: number;
  endLine: number;
  /** 1 − (n − LCS)/n on the normalized lines, the weaker of both sides, 0..1. */
  similarity: number;
  /** The commit that introduced the past defect, and where. */
  defect: CommitRef & { path: string };
  /** The commit that fixed it. */
  fix: CommitRef;
  /** Issue ids named by the defect or the fix (`#123`, `LANG-788`). */
  issues: string[];
  /**
   * How the change writes the past bug again: `revert` when the code descends from the fixed code and
   * gets the lines the fix removed back (a revert, a bad merge, old code copied over new); `copy` when
   * the same bug is written in other code. `lines` are the developer's lines that write it.
   */
  recurrence: { kind: "revert" | "copy"; lines: number[] };
  /**
   * How sure the link from the past defect to its fix is: `declared` (the developers named the defect
   * commit), `strong` (the fix says so in its subject or type), `weak` (only its body does).
   */
  evidence: "declared" | "strong" | "weak";
  /**
   * The fix of that time as a unified diff: placed in the developer's code (renamed, re-indented, real
   * line numbers of their file) when that is sound, else the historical diff as it was, in its own file.
   */
  suggestion?: {
    diff: string;
    /** True when the diff is against the developer's file; false for the historical diff as it was. */
    placed: boolean;
    /** Result of `git apply --check` of a placed diff; null when not tried or not placed. */
    appliesCleanly: boolean | null;
    /** Why the fix could not be placed. */
    why?: string;
  };
}

export interface Verdict {
  /** Gating level name from the rules ("green", "yellow", "red", ...); "none" when nothing was scored. */
  level: string;
  action: Action;
  /**
   * What set `action`: the risk level the score reached (`level`; in two-phase mode confirmed by a match)
   * or a match with a past defect (`match`). Absent when nothing did (`pass`).
   */
  decidedBy?: "level" | "match";
  /** Absent when no model ran (e.g. no index yet). */
  score?: ScoreReport;
  /** Best matches first; empty for most changes. */
  matches: MatchReport[];
  /** One-line remarks for the developer (time budget reached, files skipped, ...). */
  notices: string[];
}

export interface CheckContext {
  repoDir: string;
  /** Milliseconds left before the harness lets the change through without a verdict. */
  budgetMs: number;
  /** Which hook asked; pre-push may be stricter than pre-commit. */
  hook: GatedHook | "check";
  /** Where the repository is, when the caller already asked git (spares the checker a few git runs). */
  layout?: { topLevel: string; gitDir: string; commonDir: string };
  /**
   * Only past fixes this accepts (by sha) are matched: checking an existing commit asks what was known
   * when it was made, its ancestors (`dejafix check REV`, replays). Absent: every fix in the index.
   */
  knownFix?: (fixSha: string) => boolean;
  /** Told of every past defect block the change resembles and why it is shown or not (`--explain`). */
  explain?: (e: MatchExplanation) => void;
}

/** One clone of a past defect block found in the change, and what became of it. */
export interface MatchExplanation {
  fix: string;
  defectBlockId: number;
  path: string;
  line: number;
  similarity: number;
  /** `shown as a revert|copy` when it became a match; otherwise why not. */
  outcome: string;
}

/** The risk score + clone match, plugged into the harness (src/hooks/runHook.ts) as a parameter. */
export type Checker = (change: StagedChange, ctx: CheckContext) => Promise<Verdict>;

/** What one report is about, for renderers that need a place to point at (SARIF). */
export interface ReportItem {
  verdict: Verdict;
  /** The pushed commit checked, or null for the staged change. */
  commit: string | null;
  /** Where a score-only result points: the first changed line of the change, if any. */
  anchor?: { path: string; line: number };
}
