/**
 * The repository's own score percentiles (calibrated levels) and the few history reads that
 * calibration, replay and the dataset export need from the index.
 *
 * Rules gate by share of commits (Meta: 5% / 10% / 50% riskiest): a level at percentile 90 fires
 * when a change scores above p90 of this repository's own history under the model in use.
 */
import { sqlite } from "./connection.js";
import { faultPoint } from "./faultPoint.js";
import type { IndexStore } from "./store.js";

/**
 * The table, as a migration step for src/index/db.ts (paste it as a new MIGRATIONS entry; until
 * then `ensureCalibrationTable` creates it on first use, and IF NOT EXISTS keeps both ways safe).
 */
export const CALIBRATION_TABLE_SQL = `
  CREATE TABLE IF NOT EXISTS calibration (
    repo_id INTEGER NOT NULL REFERENCES repos(id),
    model TEXT NOT NULL,                       -- sha256 of the ONNX file the scores came from
    model_path TEXT NOT NULL,
    computed_at INTEGER NOT NULL,              -- unix seconds
    commits INTEGER NOT NULL,                  -- non-merge commits scored
    first_sha TEXT,                            -- oldest and newest commit scored
    last_sha TEXT,
    percentiles TEXT NOT NULL,                 -- JSON array p1..p99, ascending
    PRIMARY KEY (repo_id, model)
  ) WITHOUT ROWID;
`;

export function ensureCalibrationTable(store: IndexStore): void {
  sqlite(store).exec(CALIBRATION_TABLE_SQL);
}

export interface Calibration {
  /** sha256 of the model file: percentiles of another model do not apply. */
  model: string;
  modelPath: string;
  computedAt: number;
  commits: number;
  firstSha: string | null;
  lastSha: string | null;
  /** p1..p99 ascending. */
  percentiles: number[];
}

/** Stores (replacing) the percentiles of one model for one repository, in one transaction. */
export function saveCalibration(store: IndexStore, repoId: number, c: Calibration): void {
  if (c.percentiles.length !== 99)
    throw new RangeError(`expected 99 percentiles, got ${c.percentiles.length}`);
  faultPoint("calibration");
  ensureCalibrationTable(store);
  sqlite(store)
    .prepare(
      `INSERT OR REPLACE INTO calibration (repo_id, model, model_path, computed_at, commits, first_sha, last_sha, percentiles)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      repoId,
      c.model,
      c.modelPath,
      c.computedAt,
      c.commits,
      c.firstSha,
      c.lastSha,
      JSON.stringify(c.percentiles),
    );
}

/** The stored percentiles for a model (by its sha256), or null when none were computed. */
export function readCalibration(store: IndexStore, repoId: number, model: string): Calibration | null {
  const exists = sqlite(store)
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'calibration'")
    .get();
  if (!exists) return null;
  const row = sqlite(store)
    .prepare(
      "SELECT model, model_path, computed_at, commits, first_sha, last_sha, percentiles FROM calibration WHERE repo_id = ? AND model = ?",
    )
    .get(repoId, model) as
    | {
        model: string;
        model_path: string;
        computed_at: number;
        commits: number;
        first_sha: string | null;
        last_sha: string | null;
        percentiles: string;
      }
    | undefined;
  if (!row) return null;
  return {
    model: row.model,
    modelPath: row.model_path,
    computedAt: row.computed_at,
    commits: row.commits,
    firstSha: row.first_sha,
    lastSha: row.last_sha,
    percentiles: JSON.parse(row.percentiles) as number[],
  };
}

/** The newest `n` non-merge commits of a repository, oldest first (index order). */
export function recentCommits(store: IndexStore, repoId: number, n: number): string[] {
  const rows = sqlite(store)
    .prepare("SELECT sha FROM commits WHERE repo_id = ? AND is_merge = 0 ORDER BY seq DESC LIMIT ?")
    .raw()
    .all(repoId, n) as [string][];
  return rows.map((r) => r[0]).reverse();
}

/** Author time of the newest non-merge commit (the history's "now"), or null for an empty index. */
export function newestCommitTime(store: IndexStore, repoId: number): number | null {
  const row = sqlite(store)
    .prepare("SELECT MAX(author_time) AS t FROM commits WHERE repo_id = ? AND is_merge = 0")
    .get(repoId) as { t: number | null };
  return row.t;
}
