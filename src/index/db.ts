import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { ADAPTATION_TABLE_SQL } from "./adaptationStore.js";
import { CLONE_TABLES_SQL } from "./blockStore.js";
import { CALIBRATION_TABLE_SQL } from "./calibrationStore.js";
import { IndexDamagedError, isIndexDamage } from "./damage.js";
import { DEFECT_BLOCKS_MIGRATION } from "./defectBlocks.js";
import { asDiskFull, diskFullError } from "./diskFull.js";
import { FEEDBACK_MIGRATION } from "./feedbackStore.js";
import { METRICS_MIGRATION } from "./metricsStore.js";

export type Db = Database.Database;

/**
 * Schema migrations, applied in order inside one transaction each. Never edit a shipped step:
 * add a new one, so an index built by an older dejafix upgrades in place.
 */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE repos (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'self'           -- 'self' | 'related' (defect blocks only)
  );
  CREATE TABLE commits (
    id INTEGER PRIMARY KEY,
    repo_id INTEGER NOT NULL REFERENCES repos(id),
    sha TEXT NOT NULL,
    seq INTEGER NOT NULL,                      -- position in topological order of its repository
    parents TEXT NOT NULL,                     -- space-separated shas
    author_name TEXT NOT NULL,
    author_email TEXT NOT NULL,
    author_time INTEGER NOT NULL,
    author_tz INTEGER NOT NULL,
    committer_time INTEGER NOT NULL,
    message TEXT NOT NULL,
    is_merge INTEGER NOT NULL,
    n_files INTEGER NOT NULL,
    la INTEGER NOT NULL,
    ld INTEGER NOT NULL,
    is_fix INTEGER NOT NULL,
    fix_reasons TEXT NOT NULL,                 -- JSON array of FixReason
    issues TEXT NOT NULL,                      -- JSON array of issue ids
    declared TEXT NOT NULL,                    -- JSON array of DeclaredRef
    UNIQUE (repo_id, sha)
  );
  CREATE INDEX commits_time ON commits(repo_id, author_time);
  CREATE INDEX commits_author ON commits(author_email, author_time);
  CREATE TABLE file_changes (
    commit_id INTEGER NOT NULL REFERENCES commits(id),
    path TEXT NOT NULL,                        -- path in the commit ('' never: deletions keep the old path)
    old_path TEXT,                             -- path in the first parent, when renamed or deleted
    status TEXT NOT NULL,
    binary INTEGER NOT NULL,
    added INTEGER NOT NULL,                    -- lines, whitespace-only edits excluded
    deleted INTEGER NOT NULL,
    lines_before INTEGER NOT NULL,             -- size of the file in the first parent (LT)
    old_blob TEXT NOT NULL,
    new_blob TEXT NOT NULL,
    PRIMARY KEY (commit_id, path)
  ) WITHOUT ROWID;
  CREATE INDEX file_changes_path ON file_changes(path, commit_id);
  CREATE TABLE links (
    fix_id INTEGER NOT NULL REFERENCES commits(id),
    inducing_id INTEGER NOT NULL REFERENCES commits(id),
    via_blame INTEGER NOT NULL,
    via_declared INTEGER NOT NULL,
    lines INTEGER NOT NULL,                    -- evidence lines owned by the inducing commit
    paths TEXT NOT NULL,                       -- JSON array
    PRIMARY KEY (fix_id, inducing_id)
  ) WITHOUT ROWID;
  CREATE INDEX links_inducing ON links(inducing_id);
  CREATE TABLE fix_hunks (
    commit_id INTEGER NOT NULL REFERENCES commits(id),
    path TEXT NOT NULL,
    old_path TEXT NOT NULL,
    old_start INTEGER NOT NULL,
    old_lines INTEGER NOT NULL,
    new_start INTEGER NOT NULL,
    new_lines INTEGER NOT NULL,
    body TEXT NOT NULL                         -- the hunk's lines with their +/- markers
  );
  CREATE INDEX fix_hunks_commit ON fix_hunks(commit_id);
  CREATE TABLE tips (
    repo_id INTEGER NOT NULL REFERENCES repos(id),
    sha TEXT NOT NULL,
    mined_at INTEGER NOT NULL,
    PRIMARY KEY (repo_id, sha)
  ) WITHOUT ROWID;
  CREATE TABLE line_state (
    repo_id INTEGER NOT NULL,
    tip TEXT NOT NULL,
    path TEXT NOT NULL,
    blob TEXT NOT NULL,
    owners BLOB NOT NULL,                      -- Int32 little-endian commit ids, one per line
    PRIMARY KEY (repo_id, tip, path)
  ) WITHOUT ROWID;
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    repo_id INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    commits INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL                       -- 'running' | 'done' | 'failed'
  );
  `,
  // 2: change metrics and the compact history tables the hook reads (src/metrics).
  METRICS_MIGRATION,
  // 3: score percentiles of the repository's own history, per model (calibrated levels).
  CALIBRATION_TABLE_SQL,
  // 4: blocks of past defects with their fixes (clone matching, suggestions) and the team's marks on them.
  DEFECT_BLOCKS_MIGRATION + FEEDBACK_MIGRATION,
  // 5: a match means a recurrence: defect blocks are statement windows, fixes are classified more
  // strictly, so the history is mined again. The team's marks are kept, keyed by fix and path (block
  // ids do not survive a rebuild). The clone tables join the migrations.
  `
  ALTER TABLE feedback ADD COLUMN path TEXT;
  UPDATE feedback SET path = (SELECT d.path FROM defect_blocks d WHERE d.id = feedback.defect_block_id);
  ${CLONE_TABLES_SQL}
  DELETE FROM clone_postings; DELETE FROM clone_blocks; DELETE FROM clone_key_freq; DELETE FROM clone_meta;
  DELETE FROM defect_blocks; DELETE FROM defect_block_fixes; DELETE FROM calibration;
  DELETE FROM history_files; DELETE FROM history_authors; DELETE FROM history_defects;
  DELETE FROM history_defect_dirs; DELETE FROM commit_metrics; DELETE FROM commit_line_stats;
  DELETE FROM metrics_state; DELETE FROM line_state; DELETE FROM tips; DELETE FROM runs;
  DELETE FROM links; DELETE FROM fix_hunks; DELETE FROM file_changes; DELETE FROM commits;
  `,
  // 6: a duplicate row is impossible. Two writers at once (before the writer lock) could store one
  // commit under two ids or two positions, and everything derived from it twice. Mined rows are kept,
  // less the orphans and duplicates; derived tables (metrics, hook tables, defect blocks, the clone
  // index, percentiles) are emptied and recomputed by the next `dejafix index`, from the clean rows.
  `
  DELETE FROM file_changes WHERE commit_id NOT IN (SELECT id FROM commits);
  DELETE FROM links WHERE fix_id NOT IN (SELECT id FROM commits) OR inducing_id NOT IN (SELECT id FROM commits);
  DELETE FROM fix_hunks WHERE commit_id NOT IN (SELECT id FROM commits);
  DELETE FROM commit_line_stats WHERE commit_id NOT IN (SELECT id FROM commits);
  DELETE FROM fix_hunks WHERE rowid NOT IN (
    SELECT MIN(rowid) FROM fix_hunks GROUP BY commit_id, path, old_path, old_start, old_lines, new_start, new_lines, body);

  -- Positions 1..N per repository, in the order stored (ties by id), as one clean run numbers them: two
  -- commits on one position get two, and the gaps an interrupted run left by renumbering close.
  CREATE TEMP TABLE renumbered (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
  INSERT INTO renumbered SELECT id, ROW_NUMBER() OVER (PARTITION BY repo_id ORDER BY seq, id) FROM commits;
  UPDATE commits SET seq = r.seq FROM renumbered r WHERE r.id = commits.id AND r.seq <> commits.seq;
  DROP TABLE renumbered;
  CREATE UNIQUE INDEX commits_seq ON commits(repo_id, seq);

  -- A fix's hunks are numbered in diff order: a hunk stored twice has nowhere to go.
  ALTER TABLE fix_hunks ADD COLUMN ord INTEGER NOT NULL DEFAULT 0;
  CREATE TEMP TABLE hunk_ord (rid INTEGER PRIMARY KEY, ord INTEGER NOT NULL);
  INSERT INTO hunk_ord SELECT rowid, ROW_NUMBER() OVER (PARTITION BY commit_id ORDER BY rowid) - 1 FROM fix_hunks;
  UPDATE fix_hunks SET ord = (SELECT h.ord FROM hunk_ord h WHERE h.rid = fix_hunks.rowid);
  DROP TABLE hunk_ord;
  DROP INDEX fix_hunks_commit;
  CREATE UNIQUE INDEX fix_hunks_ord ON fix_hunks(commit_id, ord);

  -- Derived rows: one per commit (and path), whatever its position.
  DELETE FROM commit_metrics; DELETE FROM metrics_state; DELETE FROM history_files;
  DELETE FROM history_defects; DELETE FROM history_defect_dirs; DELETE FROM calibration;
  CREATE UNIQUE INDEX history_files_commit ON history_files(commit_id, path);
  DROP TABLE history_authors;
  CREATE TABLE history_authors (
    repo_id INTEGER NOT NULL,
    author_email TEXT NOT NULL,
    seq INTEGER NOT NULL,
    author_time INTEGER NOT NULL,
    subsystems TEXT NOT NULL,
    commit_id INTEGER NOT NULL UNIQUE,
    PRIMARY KEY (repo_id, author_email, seq)
  ) WITHOUT ROWID;

  -- Defect blocks: one per fix, file and range; a clone block only ever comes with its defect block (same
  -- id, same transaction), and a fix is marked done once (defect_block_fixes' key) in that transaction.
  DELETE FROM clone_postings; DELETE FROM clone_blocks; DELETE FROM clone_key_freq; DELETE FROM clone_meta;
  DELETE FROM defect_blocks; DELETE FROM defect_block_fixes;
  CREATE UNIQUE INDEX defect_blocks_range ON defect_blocks(fix_id, new_path, start_line, end_line);
  `,
  // 7: the defect blocks of one file, for a change that takes a fix's lines out again (src/suggest/lineRevert.ts).
  `CREATE INDEX IF NOT EXISTS defect_blocks_path ON defect_blocks(new_path);`,
  // 8: the risk model adapted to this repository, with its validation figures (src/model/adapt.ts).
  ADAPTATION_TABLE_SQL,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class IndexVersionError extends Error {}

/** The damage an opening error reveals, or null when it is some other failure (permissions, a full disk). */
function damaged(file: string, e: unknown): IndexDamagedError | null {
  if (e instanceof IndexDamagedError) return e;
  if (isIndexDamage(e)) return new IndexDamagedError(file, (e as Error).message);
  try {
    if (!statSync(file).isFile()) return new IndexDamagedError(file, "it is not a file");
  } catch {
    // missing: SQLite's own error says so
  }
  return null;
}

/** Opens (creating if needed) the index file, in WAL mode, migrated to the current schema. */
export function openDb(file: string, opts: { readonly?: boolean } = {}): Db {
  if (!opts.readonly) mkdirSync(dirname(file), { recursive: true });
  let db: Db | undefined;
  let version: number;
  try {
    db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
    db.pragma("busy_timeout = 5000");
    if (!opts.readonly) {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
    }
    // The first read of the file: a damaged one fails here (or, for bad pages, on a later read).
    version = db.pragma("user_version", { simple: true }) as number;
  } catch (e) {
    db?.close();
    throw damaged(file, e) ?? diskFullError(file, e) ?? e;
  }
  if (opts.readonly && version === 0) {
    db.close();
    throw new IndexVersionError(`${file} is empty: run \`dejafix index\`.`);
  }
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new IndexVersionError(
      `${file} was written by a newer dejafix (schema ${version}, this one knows ${SCHEMA_VERSION}). Upgrade dejafix, or delete the file and run \`dejafix index\` again.`,
    );
  }
  if (version < SCHEMA_VERSION) {
    if (opts.readonly) {
      db.close();
      throw new IndexVersionError(`${file} needs an upgrade: run \`dejafix index\`.`);
    }
    try {
      for (let v = version; v < SCHEMA_VERSION; v++) {
        db.transaction(() => {
          db.exec(MIGRATIONS[v] as string);
          db.pragma(`user_version = ${v + 1}`);
        })();
      }
    } catch (e) {
      db.close();
      throw asDiskFull(file, e);
    }
  }
  return db;
}
