/**
 * Plain data read from git. Every later stage consumes these shapes; only `src/git` produces them.
 */

export interface Person {
  name: string;
  /** Lower-cased e-mail: authors are keyed by e-mail, never by name (Commit-guru keys by name). */
  email: string;
}

export interface CommitMeta {
  sha: string;
  parents: string[];
  author: Person;
  /** Unix seconds. */
  authorTime: number;
  /** Author's UTC offset in minutes (used for weekend/local-time rules). */
  authorTzMinutes: number;
  committerTime: number;
  /** Full message: subject, blank line, body (trailers included). */
  message: string;
}

export type ChangeStatus = "A" | "D" | "M" | "R" | "C" | "T";

export type LineKind = "+" | "-" | " ";

export interface HunkLine {
  kind: LineKind;
  /** Line text without the leading marker and without the newline; a trailing CR is kept. */
  text: string;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Text after the second `@@` (git's function-context hint), trimmed. */
  section: string;
  /** The hunk's lines; empty when `elided`. */
  lines: HunkLine[];
  /** Lines not kept because the hunk was huge (a vendored import): only the counts above are known. */
  elided?: boolean;
}

export interface FileChange {
  status: ChangeStatus;
  /** Path in the parent (null when added). */
  oldPath: string | null;
  /** Path in the commit (null when deleted). */
  newPath: string | null;
  oldMode: string;
  newMode: string;
  /** Blob ids as printed by `--raw` (full length with --no-abbrev). */
  oldBlob: string;
  newBlob: string;
  binary: boolean;
  /** Rename/copy similarity 0..100 when status is R or C. */
  similarity?: number;
  hunks: Hunk[];
}

/** One commit as seen against one of its parents (merges appear once per parent with `-m`). */
export interface CommitDiff {
  meta: CommitMeta;
  /** The parent this diff is against; null for a root commit. */
  against: string | null;
  files: FileChange[];
}
