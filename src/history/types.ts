/** What the history stage knows about a commit's message and its links to earlier commits. */

/** Why a commit was classified as a fix; several may hold at once. */
export type FixReason =
  | "keyword" // a whole-word bug keyword ("fix", "bug", "fault", ...) in the message
  | "conventional" // `fix:` / `fix(scope):` conventional-commit type
  | "issue" // references an issue id that is a known bug (or any issue when no tracker export is given)
  | "declared" // names the commit that introduced the defect (`Fixes: <sha>`, "regression from <sha>")
  | "revert" // reverts an earlier commit
  | "symptom" // the subject describes a failure the way a bug report does ("fails on postgres", "NPE in X")
  | "body"; // a bug keyword only in the body: recorded, but not enough to make a fix

export interface DeclaredRef {
  /** Abbreviated or full sha as written by the developer. */
  sha: string;
  how: "fixes-trailer" | "regression" | "introduced-in" | "revert";
}

export interface FixClassification {
  isFix: boolean;
  reasons: FixReason[];
  /** Issue ids mentioned in the message: `#123`, `GH-123`, `LANG-788`. */
  issues: string[];
  /** Commits the developer named as the origin of the defect. */
  declared: DeclaredRef[];
}

export type LinkEvidence = "blame" | "declared";

/** A defect-introducing commit → fix commit link with the evidence that supports it. */
export interface SzzLink {
  fix: string;
  inducing: string;
  via: LinkEvidence[];
  /** Number of fix-deleted lines (non-blank, non-comment) owned by the inducing commit. */
  lines: number;
  /** Paths (at fix time) whose lines led to this link. */
  paths: string[];
}
