/** The metric names, in the order the dataset header lists them (docs/metrics.md defines each). */
export const METRIC_NAMES = [
  "ns",
  "nd",
  "nf",
  "entropy",
  "la",
  "ld",
  "lt",
  "fix",
  "ndev",
  "age",
  "nuc",
  "exp",
  "rexp",
  "sexp",
  "only_new_files",
  "prior_defects_file",
  "prior_defects_dir",
  "author_created_file",
  "n_languages",
  "trivial_share",
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

/** One value per metric; see docs/metrics.md for every definition. */
export type Metrics = Record<MetricName, number>;

/** One file of a change, as both the miner's rows and a staged change can describe it. */
export interface ChangedFile {
  /** Path after the change (the old path for a deletion). */
  path: string;
  /** Path before the change when renamed or copied; null otherwise. */
  oldPath: string | null;
  /** Git status letter: A, M, D, R, C, T. */
  status: string;
  /** Lines added / deleted, whitespace-only edits excluded (git diff -w). */
  added: number;
  deleted: number;
  /** Lines of the file before the change (0 when new, binary or unread). */
  linesBefore: number;
}

/** An earlier commit, with when its defect (if any) became known. */
export interface DefectRef {
  id: number;
  seq: number;
  /** Smallest seq of a fix linked to this commit by SZZ (any evidence); Infinity when none. */
  firstFixSeq: number;
}

/** An earlier commit as the file-history aggregates need it. */
export interface PastCommit extends DefectRef {
  email: string;
  time: number;
}

/** Earlier commits of one touched file, following renames back to its creation. */
export interface FileLineage {
  /** Oldest first. */
  commits: readonly PastCommit[];
  /** E-mail of the author who created the file (its `A`/`C` change), when the index holds it. */
  creator: string | null;
}

/** One earlier commit of the change's author. */
export interface AuthorCommit {
  time: number;
  /** Whether it touched at least one of the subsystems this change touches. */
  inSubsystems: boolean;
}

/** Everything a change's metrics need: the change itself and what history knew before it. */
export interface ChangeFacts {
  files: readonly ChangedFile[];
  authorEmail: string;
  /** Author time of the change, Unix seconds. */
  time: number;
  isFix: boolean;
  /** Changed lines that are blank or comment-only (see lineStats). */
  trivialAdded: number;
  trivialDeleted: number;
  /** Commits with seq below this are "earlier"; a fix counts only when its seq is below it too. */
  bound: number;
  /** Same order as `files`; empty lineage for new files. */
  lineages: readonly FileLineage[];
  /** The author's earlier commits, oldest first. */
  author: readonly AuthorCommit[];
  /** Earlier commits linked to a fix that touched a directory of the change (duplicates allowed). */
  dirDefects: readonly DefectRef[];
}
