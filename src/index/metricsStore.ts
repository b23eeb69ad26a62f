/**
 * SQLite side of the change metrics: the `commit_metrics` and `commit_line_stats` tables, the rows the
 * history replay reads, and the indexed look-ups the hook makes for one staged change.
 * The formulas are not here (src/metrics/computeMetrics.ts); this file only reads and writes.
 */

import type {
  AuthorCommit,
  ChangedFile,
  DefectRef,
  FileLineage,
  MetricName,
  Metrics,
  PastCommit,
} from "../metrics/types.js";
import { sqlite } from "./connection.js";
import type { Db } from "./db.js";
import { faultPoint } from "./faultPoint.js";
import type { IndexStore } from "./store.js";

/**
 * The metric columns of `commit_metrics`, as migration 2 created them: frozen with the schema (a new
 * metric is a new migration, never a model change). test/metrics.test.ts checks that they are the
 * metrics stage's names.
 */
export const METRIC_COLUMNS: readonly MetricName[] = Object.freeze([
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
]);

/**
 * Schema of the metrics tables, written to be pasted as one migration step of db.ts.
 * `commit_line_stats` is filled by the miner (or by fillLineStats for older indexes): the blank and
 * comment-only lines among each commit's `-w` changed lines, which `file_changes` only counts.
 * `trivial_known` is 0 when the metrics were computed before the line stats existed (trivial_share 0);
 * such rows are recomputed once the stats arrive.
 */
export const METRICS_MIGRATION = `
  CREATE TABLE IF NOT EXISTS commit_line_stats (
    commit_id INTEGER PRIMARY KEY REFERENCES commits(id),
    trivial_added INTEGER NOT NULL,
    trivial_deleted INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS commit_metrics (
    commit_id INTEGER PRIMARY KEY REFERENCES commits(id),
    ns INTEGER NOT NULL,
    nd INTEGER NOT NULL,
    nf INTEGER NOT NULL,
    entropy REAL NOT NULL,
    la INTEGER NOT NULL,
    ld INTEGER NOT NULL,
    lt REAL NOT NULL,
    fix INTEGER NOT NULL,
    ndev INTEGER NOT NULL,
    age REAL NOT NULL,
    nuc INTEGER NOT NULL,
    exp INTEGER NOT NULL,
    rexp REAL NOT NULL,
    sexp INTEGER NOT NULL,
    only_new_files INTEGER NOT NULL,
    prior_defects_file INTEGER NOT NULL,
    prior_defects_dir INTEGER NOT NULL,
    author_created_file INTEGER NOT NULL,
    n_languages INTEGER NOT NULL,
    trivial_share REAL NOT NULL,
    trivial_known INTEGER NOT NULL
  );
  -- Compact copies of what the hook needs, so one staged change costs a few index range scans and
  -- never touches the wide commits rows. Rewritten by computeHistoryMetrics; merges are left out.
  CREATE TABLE IF NOT EXISTS metrics_state (
    repo_id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL                       -- history_* rows exist for every commit up to this seq
  );
  CREATE TABLE IF NOT EXISTS history_files (
    repo_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    seq INTEGER NOT NULL,
    commit_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    old_path TEXT,                             -- rename/copy source only
    author_email TEXT NOT NULL,
    author_time INTEGER NOT NULL,
    PRIMARY KEY (repo_id, path, seq)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS history_authors (
    repo_id INTEGER NOT NULL,
    author_email TEXT NOT NULL,
    seq INTEGER NOT NULL,
    author_time INTEGER NOT NULL,
    subsystems TEXT NOT NULL,                  -- "/" before each top-level directory: "/src/docs", "/" = root, "" = none
    PRIMARY KEY (repo_id, author_email, seq)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS history_defects (
    commit_id INTEGER PRIMARY KEY,             -- a commit linked by SZZ to a fix
    repo_id INTEGER NOT NULL,
    first_fix_seq INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS history_defect_dirs (
    repo_id INTEGER NOT NULL,
    dir TEXT NOT NULL,                         -- "src/a/" ("" at the root)
    commit_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    first_fix_seq INTEGER NOT NULL,
    PRIMARY KEY (repo_id, dir, commit_id)
  ) WITHOUT ROWID;
`;

function hasTable(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Creates the metrics tables when missing (until db.ts carries METRICS_MIGRATION as a migration). */
export function createMetricsTables(db: Db): void {
  if (hasTable(db, "commit_metrics")) return;
  db.transaction(() => db.exec(METRICS_MIGRATION))();
}

export interface LineStatsRow {
  commitId: number;
  trivialAdded: number;
  trivialDeleted: number;
}

/** Stores the trivial-line counts of commits (one transaction). */
export function writeLineStats(store: IndexStore, rows: readonly LineStatsRow[]): void {
  const db = sqlite(store);
  createMetricsTables(db);
  const ins = db.prepare(
    "INSERT OR REPLACE INTO commit_line_stats (commit_id, trivial_added, trivial_deleted) VALUES (?, ?, ?)",
  );
  db.transaction(() => {
    for (const r of rows) ins.run(r.commitId, r.trivialAdded, r.trivialDeleted);
  })();
}

/** Non-merge commits of a repository that have no line stats yet: sha → id. */
export function commitsWithoutLineStats(store: IndexStore, repoId: number): Map<string, number> {
  const db = sqlite(store);
  createMetricsTables(db);
  const out = new Map<string, number>();
  for (const r of db
    .prepare(
      `SELECT c.sha, c.id FROM commits c LEFT JOIN commit_line_stats s ON s.commit_id = c.id
       WHERE c.repo_id = ? AND c.is_merge = 0 AND s.commit_id IS NULL ORDER BY c.seq`,
    )
    .raw()
    .iterate(repoId)) {
    const [sha, id] = r as [string, number];
    out.set(sha, id);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// history replay

/** One commit as the replay walks it, in seq order. */
export interface ReplayCommit {
  id: number;
  sha: string;
  seq: number;
  email: string;
  time: number;
  isMerge: boolean;
  isFix: boolean;
  files: ChangedFile[];
  lineStats: { trivialAdded: number; trivialDeleted: number } | null;
  /** Whether metrics must be (re)computed: none stored, or stored before the line stats existed. */
  needed: boolean;
}

/** Keeps the old path only where history follows it (renames, copies); deletions keep theirs in `path`. */
function changedFile(
  path: string,
  oldPath: string | null,
  status: string,
  added: number,
  deleted: number,
  linesBefore: number,
): ChangedFile {
  return {
    path,
    oldPath: status === "R" || status === "C" ? oldPath : null,
    status,
    added,
    deleted,
    linesBefore,
  };
}

/**
 * Everything the replay needs, read in four sequential scans: commits in seq order with their files,
 * line stats and metrics state, and, per commit linked to a fix, the seq of its first fix.
 */
export function loadReplay(
  store: IndexStore,
  repoId: number,
): { commits: ReplayCommit[]; firstFixSeq: Map<number, number> } {
  const db = sqlite(store);
  createMetricsTables(db);
  const commits: ReplayCommit[] = [];
  const byId = new Map<number, ReplayCommit>();
  for (const r of db
    .prepare(
      `SELECT c.id, c.sha, c.seq, c.author_email, c.author_time, c.is_merge, c.is_fix,
              s.trivial_added, s.trivial_deleted, m.trivial_known
       FROM commits c
       LEFT JOIN commit_line_stats s ON s.commit_id = c.id
       LEFT JOIN commit_metrics m ON m.commit_id = c.id
       WHERE c.repo_id = ? ORDER BY c.seq`,
    )
    .raw()
    .iterate(repoId)) {
    const [id, sha, seq, email, time, isMerge, isFix, ta, td, known] = r as [
      number,
      string,
      number,
      string,
      number,
      number,
      number,
      number | null,
      number | null,
      number | null,
    ];
    const lineStats = ta === null || td === null ? null : { trivialAdded: ta, trivialDeleted: td };
    const c: ReplayCommit = {
      id,
      sha,
      seq,
      email,
      time,
      isMerge: isMerge === 1,
      isFix: isFix === 1,
      files: [],
      lineStats,
      needed: isMerge !== 1 && (known === null || (known === 0 && lineStats !== null)),
    };
    commits.push(c);
    byId.set(id, c);
  }
  for (const r of db
    .prepare(
      `SELECT fc.commit_id, fc.path, fc.old_path, fc.status, fc.added, fc.deleted, fc.lines_before
       FROM file_changes fc JOIN commits c ON c.id = fc.commit_id WHERE c.repo_id = ? AND c.is_merge = 0`,
    )
    .raw()
    .iterate(repoId)) {
    const [commitId, path, oldPath, status, added, deleted, linesBefore] = r as [
      number,
      string,
      string | null,
      string,
      number,
      number,
      number,
    ];
    byId.get(commitId)?.files.push(changedFile(path, oldPath, status, added, deleted, linesBefore));
  }
  const firstFixSeq = new Map<number, number>();
  for (const r of db
    .prepare(
      `SELECT l.inducing_id, MIN(f.seq) FROM links l JOIN commits f ON f.id = l.fix_id
       WHERE f.repo_id = ? GROUP BY l.inducing_id`,
    )
    .raw()
    .iterate(repoId)) {
    const [id, seq] = r as [number, number];
    firstFixSeq.set(id, seq);
  }
  return { commits, firstFixSeq };
}

export interface MetricsRow {
  commitId: number;
  metrics: Metrics;
  trivialKnown: boolean;
}

/** Stores computed metrics (one transaction per call). */
export function writeMetrics(store: IndexStore, rows: readonly MetricsRow[]): void {
  const db = sqlite(store);
  createMetricsTables(db);
  const names = METRIC_COLUMNS.join(", ");
  const ins = db.prepare(
    `INSERT OR REPLACE INTO commit_metrics (commit_id, ${names}, trivial_known)
     VALUES (?, ${METRIC_COLUMNS.map(() => "?").join(", ")}, ?)`,
  );
  db.transaction(() => {
    for (const r of rows)
      ins.run(r.commitId, ...METRIC_COLUMNS.map((m) => r.metrics[m]), r.trivialKnown ? 1 : 0);
  })();
}

/** Stored metrics of a repository's commits: sha → metrics (merges have none). */
export function readMetrics(store: IndexStore, repoId: number): Map<string, Metrics> {
  const db = sqlite(store);
  const out = new Map<string, Metrics>();
  if (!hasTable(db, "commit_metrics")) return out;
  const stmt = db.prepare(
    `SELECT c.sha, ${METRIC_COLUMNS.map((m) => `m.${m}`).join(", ")}
     FROM commit_metrics m JOIN commits c ON c.id = m.commit_id WHERE c.repo_id = ? ORDER BY c.seq`,
  );
  for (const r of stmt.raw().iterate(repoId)) {
    const [sha, ...values] = r as [string, ...number[]];
    const metrics = {} as Metrics;
    METRIC_COLUMNS.forEach((m, i) => {
      metrics[m] = values[i] ?? 0;
    });
    out.set(sha, metrics);
  }
  return out;
}

/** Derived rows of one commit for the hook-time tables. */
export interface HistoryRows {
  commitId: number;
  seq: number;
  email: string;
  time: number;
  files: readonly ChangedFile[];
  subsystems: readonly string[];
}

/** Seq up to which the history_* tables are written (0 when never). */
export function historyStateSeq(store: IndexStore, repoId: number): number {
  const db = sqlite(store);
  createMetricsTables(db);
  const row = db.prepare("SELECT seq FROM metrics_state WHERE repo_id = ?").get(repoId) as
    | { seq: number }
    | undefined;
  return row?.seq ?? 0;
}

/**
 * Appends the file and author history of new commits and replaces the defect tables (a later fix can
 * link an old commit), in one transaction, then records `upToSeq`.
 */
export function writeHistoryTables(
  store: IndexStore,
  repoId: number,
  rows: readonly HistoryRows[],
  defects: readonly { commitId: number; firstFixSeq: number; seq: number; dirs: readonly string[] }[],
  upToSeq: number,
): void {
  faultPoint("metrics");
  const db = sqlite(store);
  createMetricsTables(db);
  const insFile = db.prepare(
    `INSERT OR REPLACE INTO history_files (repo_id, path, seq, commit_id, status, old_path, author_email, author_time)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insAuthor = db.prepare(
    "INSERT OR REPLACE INTO history_authors (repo_id, author_email, seq, author_time, subsystems, commit_id) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const insDefect = db.prepare(
    "INSERT INTO history_defects (commit_id, repo_id, first_fix_seq) VALUES (?, ?, ?)",
  );
  const insDir = db.prepare(
    "INSERT INTO history_defect_dirs (repo_id, dir, commit_id, seq, first_fix_seq) VALUES (?, ?, ?, ?, ?)",
  );
  db.transaction(() => {
    for (const r of rows) {
      for (const f of r.files)
        insFile.run(repoId, f.path, r.seq, r.commitId, f.status, f.oldPath, r.email, r.time);
      insAuthor.run(repoId, r.email, r.seq, r.time, r.subsystems.map((x) => `/${x}`).join(""), r.commitId);
    }
    db.prepare("DELETE FROM history_defects WHERE repo_id = ?").run(repoId);
    db.prepare("DELETE FROM history_defect_dirs WHERE repo_id = ?").run(repoId);
    for (const d of defects) {
      insDefect.run(d.commitId, repoId, d.firstFixSeq);
      for (const dir of d.dirs) insDir.run(repoId, dir, d.commitId, d.seq, d.firstFixSeq);
    }
    db.prepare(
      "INSERT INTO metrics_state (repo_id, seq) VALUES (?, ?) ON CONFLICT (repo_id) DO UPDATE SET seq = excluded.seq",
    ).run(repoId, upToSeq);
  })();
}

/**
 * Forgets a repository's computed metrics and hook-time history (line stats are kept: they only depend
 * on the commit), so the next computeHistoryMetrics recomputes everything, e.g. after fixes were
 * re-classified with new rules.
 */
export function clearMetrics(store: IndexStore, repoId: number): void {
  const db = sqlite(store);
  createMetricsTables(db);
  db.transaction(() => {
    db.prepare(
      "DELETE FROM commit_metrics WHERE commit_id IN (SELECT id FROM commits WHERE repo_id = ?)",
    ).run(repoId);
    for (const table of [
      "metrics_state",
      "history_files",
      "history_authors",
      "history_defects",
      "history_defect_dirs",
    ])
      db.prepare(`DELETE FROM ${table} WHERE repo_id = ?`).run(repoId);
  })();
}

// ---------------------------------------------------------------------------------------------------------------
// hook-time look-ups: primary-key range scans of the history_* tables

/**
 * The seq below which commits are "earlier" than a change. A commit already in the index is judged
 * against exactly the commits its historical metrics saw; a staged change sits right after its base;
 * with a base the index does not know yet (stale index, unborn branch), every indexed commit is earlier.
 */
export function historyBound(
  store: IndexStore,
  repoId: number,
  commit: string | null,
  base: string | null,
): number {
  const db = sqlite(store);
  const seqOf = db.prepare("SELECT seq FROM commits WHERE repo_id = ? AND sha = ?");
  if (commit !== null) {
    const row = seqOf.get(repoId, commit) as { seq: number } | undefined;
    if (row) return row.seq;
  }
  if (base !== null) {
    const row = seqOf.get(repoId, base) as { seq: number } | undefined;
    if (row) return row.seq + 1;
  }
  const max = db.prepare("SELECT COALESCE(MAX(seq), 0) AS m FROM commits WHERE repo_id = ?").get(repoId) as {
    m: number;
  };
  return max.m + 1;
}

/** True when computeHistoryMetrics has written the hook-time tables of this index. */
export function hasHistoryTables(store: IndexStore): boolean {
  const db = sqlite(store);
  return hasTable(db, "history_files");
}

/**
 * Earlier commits of the file at `path`, oldest first. Walks back through renames (an `R` row
 * continues at its old path, before that commit) and stops at the file's creation (`A`/`C`, included:
 * its author is the creator) or at an earlier deletion (excluded: a file re-created at the same path is
 * a new file). The history replay keeps the same lists in memory (src/metrics/history.ts).
 */
export function fileLineage(store: IndexStore, repoId: number, path: string, bound: number): FileLineage {
  const db = sqlite(store);
  const stmt = db.prepare(
    `SELECT h.commit_id, h.seq, h.author_email, h.author_time, h.status, h.old_path, d.first_fix_seq
     FROM history_files h LEFT JOIN history_defects d ON d.commit_id = h.commit_id
     WHERE h.repo_id = ? AND h.path = ? AND h.seq < ?
     ORDER BY h.seq DESC`,
  );
  const newestFirst: PastCommit[] = [];
  let creator: string | null = null;
  let at: string | null = path;
  let below = bound;
  walk: while (at !== null) {
    const rows = stmt.raw().all(repoId, at, below) as [
      number,
      number,
      string,
      number,
      string,
      string | null,
      number | null,
    ][];
    at = null;
    for (const [id, seq, email, time, status, oldPath, firstFix] of rows) {
      if (status === "D") break walk;
      newestFirst.push({ id, seq, email, time, firstFixSeq: firstFix ?? Number.POSITIVE_INFINITY });
      if (status === "A" || status === "C") {
        creator = email;
        break walk;
      }
      if (status === "R" && oldPath !== null) {
        at = oldPath;
        below = seq;
        continue walk;
      }
    }
  }
  return { commits: newestFirst.reverse(), creator };
}

/** The author's earlier commits, oldest first, each marked when it touched one of `subsystems`. */
export function authorCommits(
  store: IndexStore,
  repoId: number,
  email: string,
  bound: number,
  subsystems: ReadonlySet<string>,
): AuthorCommit[] {
  const db = sqlite(store);
  const rows = db
    .prepare(
      `SELECT author_time, subsystems FROM history_authors
       WHERE repo_id = ? AND author_email = ? AND seq < ? ORDER BY seq`,
    )
    .raw()
    .all(repoId, email, bound) as [number, string][];
  return rows.map(([time, subs]) => ({
    time,
    // A commit without files (allowed by git) touched no subsystem, not the root one.
    inSubsystems:
      subs !== "" &&
      subs
        .slice(1)
        .split("/")
        .some((s) => subsystems.has(s)),
  }));
}

/** Earlier commits linked by SZZ to a fix committed before `bound` that touched a file directly in one of `dirs`. */
export function dirDefects(
  store: IndexStore,
  repoId: number,
  dirs: readonly string[],
  bound: number,
): DefectRef[] {
  const db = sqlite(store);
  const stmt = db.prepare(
    `SELECT commit_id, seq, first_fix_seq FROM history_defect_dirs
     WHERE repo_id = ? AND dir = ? AND seq < ? AND first_fix_seq < ?`,
  );
  const out: DefectRef[] = [];
  for (const dir of dirs) {
    for (const r of stmt.raw().iterate(repoId, dir, bound, bound)) {
      const [id, seq, firstFixSeq] = r as [number, number, number];
      out.push({ id, seq, firstFixSeq });
    }
  }
  return out;
}
