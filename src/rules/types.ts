/**
 * The rules a team sets in `.dejafix/rules.yml`, after validation and merging onto the defaults.
 * Every field is present; `docs/rules.md` explains each one and `rules/rules.schema.json` is the
 * published schema for editors.
 */

import type { FixConfig } from "./fixes.js";

/** What a level does when a change reaches it. */
export type Action = "warn" | "block" | "off";

/** The hooks that check a change (and so can be gated by levels, freeze windows and weekends). */
export type GatedHook = "pre-commit" | "pre-push";

export type Weekday = "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday" | "sunday";

export interface Level {
  /**
   * Reached when the change scores at or above this percentile of the repository's past commits:
   * 90 flags the riskiest 10%. Null when the level uses an absolute `score`.
   */
  percentile: number | null;
  /** Reached when the model's score (0..1) is at or above this value. Null when `percentile` is used. */
  score: number | null;
  action: Action;
  /** Shown to developers next to the level's name. */
  description: string;
}

export interface Freeze {
  name: string;
  /** First day (or instant) of the window: `2025-11-27` or `2025-11-27T18:00`, in `schedule.timezone`. */
  from: string;
  /** Last day (inclusive) or instant (exclusive) of the window. */
  to: string;
  levels: string[];
  /** Branch globs the freeze applies to; `**` is every branch, detached HEAD included. */
  branches: string[];
  hooks: GatedHook[];
}

export interface BranchRule {
  /** Branch glob (picomatch), matched against the short branch name: `release/**`, `main`. */
  match: string;
  levels: string[];
  /** When true, `levels` replace every other level in force on these branches (an empty list turns gating off). */
  replace: boolean;
  hooks: GatedHook[];
}

export interface Schedule {
  /** `author` (the committer's own UTC offset), `utc`, or a fixed offset such as `+02:00`. */
  timezone: string;
  /** Levels in force at all times. */
  always: string[];
  weekend: { days: Weekday[]; levels: string[]; hooks: GatedHook[] };
  freezes: Freeze[];
  branches: BranchRule[];
}

export type VerdictMode = "two-phase" | "score" | "match" | "either";

export interface Rules {
  version: 1;
  levels: Record<string, Level>;
  schedule: Schedule;
  verdict: {
    /** two-phase: a reached level counts only when a clone match confirms it (CLEVER). */
    mode: VerdictMode;
    /** What a clone match does on its own in `match` and `either` modes. */
    matchAction: Action;
  };
  clones: {
    /** NiCad's dissimilarity threshold T: a pair matches when (n − LCS)/n ≤ T on both sides. */
    threshold: number;
    /** Minimum block size in pretty-printed lines. */
    minLines: number;
    /** Test files (`szz.tests`) give no defect blocks and are not matched. */
    excludeTests: boolean;
    /** Other paths that give no defect blocks and are not matched: fixtures, CI workflows, docs. */
    exclude: string[];
    /** Least similarity at which code elsewhere counts as a copy of a defect block (not a look-alike). */
    copySimilarity: number;
  };
  paths: {
    ignore: string[];
    generated: string[];
    /** Header texts (in comment lines near the top of a file) that mark generated files. */
    generatedMarkers: string[];
    /** How many lines from the top are searched for markers and minified lines. */
    headerLines: number;
    /** A line at least this long with almost no whitespace marks a minified file. */
    minifiedLineLength: number;
    /** Files larger than this are skipped like generated ones. */
    maxFileBytes: number;
  };
  fixes: FixConfig & {
    /** Tracker export of bug issue ids (path relative to the repository root), or null. */
    bugIssues: string | null;
  };
  szz: {
    /** Candidate commits touching more files than this are not blamed (AG-SZZ: 20). */
    maxFiles: number;
    excludeTests: boolean;
    tests: string[];
    /** Drop candidates committed after the bug was reported (needs dates in `fixes.bugIssues`). */
    issueDateFilter: boolean;
  };
  hooks: {
    /** Counted from the hook process's start: reading the rules, loading modules and the checker. */
    timeBudgetMs: number;
    /** open: a crash lets the commit through; closed: a crash stops it. */
    failure: "open" | "closed";
    /** During rebase, merge, cherry-pick, revert and am sequences. */
    sequences: "skip" | "warn" | "check";
    /** When the CI environment variable is set (GitHub Actions, GitLab CI…): skip the hooks, or check. */
    ci: "skip" | "check";
    preCommit: { enabled: boolean };
    prePush: {
      enabled: boolean;
      levels: string[];
      timeBudgetMs: number;
      /** A push checks at most this many new commits, the newest. */
      maxCommits: number;
    };
  };
  /** The file these rules were read from, or null for the built-in defaults. */
  source: string | null;
}
