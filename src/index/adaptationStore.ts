/**
 * The per-repository adaptation of a risk model (src/model/adapt.ts), as `dejafix index` fitted it:
 * whether it is used, why, its validation figures beside the shipped model's, and its weights.
 * One row per repository and base model (sha256 of the ONNX file): a new model starts over.
 */
import { sqlite } from "./connection.js";
import type { IndexStore } from "./store.js";

/** Migration 8 of src/index/db.ts (IF NOT EXISTS: an index that created it on first use keeps it). */
export const ADAPTATION_TABLE_SQL = `
  CREATE TABLE IF NOT EXISTS adaptation (
    repo_id INTEGER NOT NULL REFERENCES repos(id),
    model TEXT NOT NULL,                       -- sha256 of the base ONNX file
    computed_at INTEGER NOT NULL,              -- unix seconds
    last_sha TEXT,                             -- newest settled commit the fit read
    kept INTEGER NOT NULL,                     -- 1 when the adapted model scores
    seconds REAL NOT NULL,                     -- what the fit took
    record TEXT NOT NULL,                      -- JSON: StoredAdaptation without computedAt and seconds
    PRIMARY KEY (repo_id, model)
  ) WITHOUT ROWID;
`;

/** What is stored; `outcome` is src/model/adapt.ts's AdaptationOutcome (kept opaque here). */
export interface StoredAdaptation<Outcome = unknown> {
  model: string;
  modelPath: string;
  computedAt: number;
  /** Author time up to which labels were taken as settled (label latency). */
  settledUntil: number;
  lastSha: string | null;
  kept: boolean;
  outcome: Outcome;
  /** Seconds the step took (tokens, scoring, fitting). */
  seconds: number;
}

function tableExists(store: IndexStore): boolean {
  return Boolean(
    sqlite(store).prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'adaptation'").get(),
  );
}

export function saveAdaptation(store: IndexStore, repoId: number, a: StoredAdaptation): void {
  sqlite(store).exec(ADAPTATION_TABLE_SQL);
  // The record holds what a rerun would find again; the time and duration of the run stay in columns.
  const { computedAt, seconds, ...record } = a;
  sqlite(store)
    .prepare(
      "INSERT OR REPLACE INTO adaptation (repo_id, model, computed_at, last_sha, kept, seconds, record) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .run(repoId, a.model, computedAt, a.lastSha, a.kept ? 1 : 0, seconds, JSON.stringify(record));
}

export function readAdaptation<Outcome = unknown>(
  store: IndexStore,
  repoId: number,
  model: string,
): StoredAdaptation<Outcome> | null {
  if (!tableExists(store)) return null;
  const row = sqlite(store)
    .prepare("SELECT computed_at, seconds, record FROM adaptation WHERE repo_id = ? AND model = ?")
    .get(repoId, model) as { computed_at: number; seconds: number; record: string } | undefined;
  if (!row) return null;
  const record = JSON.parse(row.record) as Omit<StoredAdaptation<Outcome>, "computedAt" | "seconds">;
  return { ...record, computedAt: row.computed_at, seconds: row.seconds };
}

/**
 * The newest `n` non-merge commits authored up to `until`, oldest first, with their author time:
 * the settled history an adaptation is fitted on.
 */
export function settledCommits(
  store: IndexStore,
  repoId: number,
  until: number,
  n: number,
): { sha: string; time: number }[] {
  const rows = sqlite(store)
    .prepare(
      "SELECT sha, author_time FROM commits WHERE repo_id = ? AND is_merge = 0 AND author_time <= ? ORDER BY seq DESC LIMIT ?",
    )
    .raw()
    .all(repoId, until, n) as [string, number][];
  return rows.map(([sha, time]) => ({ sha, time })).reverse();
}
