/**
 * Marks a team puts on suggestions (`dejafix feedback <match-id> useful|wrong`). The latest mark of a
 * defect block decides: a block marked wrong is no longer proposed until someone marks it useful.
 */
import { sqlite } from "./connection.js";
import type { IndexStore } from "./store.js";

/** Table of the marks (migration 4 of db.ts; migration 5 adds `path`). */
export const FEEDBACK_MIGRATION = `
  CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    defect_block_id INTEGER NOT NULL,       -- defect_blocks.id
    fix_sha TEXT NOT NULL,                  -- the fix the block came from (ids survive only one index)
    verdict TEXT NOT NULL,                  -- 'useful' | 'wrong'
    note TEXT,
    author TEXT,
    created_at INTEGER NOT NULL             -- unix seconds
  );
  CREATE INDEX IF NOT EXISTS feedback_block ON feedback(defect_block_id, id);
`;

export type FeedbackVerdict = "useful" | "wrong";

export interface FeedbackMark {
  matchId: string;
  defectBlockId: number;
  fixSha: string;
  /** Path of the defect block (marks outlive block ids: a rebuilt index matches them by fix and path). */
  path: string | null;
  verdict: FeedbackVerdict;
  note: string | null;
  author: string | null;
  createdAt: number;
}

const SHORT = 10;

/** The stable id of a suggestion: its defect block and the fix it proposes, e.g. `42-1a2b3c4d5e`. */
export function matchId(defectBlockId: number, fixSha: string): string {
  return `${defectBlockId}-${fixSha.slice(0, SHORT)}`;
}

export function parseMatchId(id: string): { defectBlockId: number; fixPrefix: string } | null {
  const m = /^(\d+)-([0-9a-f]{4,40})$/i.exec(id.trim());
  if (!m) return null;
  return { defectBlockId: Number(m[1]), fixPrefix: m[2]!.toLowerCase() };
}

export function addFeedback(
  store: IndexStore,
  mark: {
    defectBlockId: number;
    fixSha: string;
    path: string;
    verdict: FeedbackVerdict;
    note?: string | null;
    author?: string | null;
  },
  now: number = Math.floor(Date.now() / 1000),
): void {
  const db = sqlite(store);
  db.prepare(
    "INSERT INTO feedback (defect_block_id, fix_sha, path, verdict, note, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  ).run(
    mark.defectBlockId,
    mark.fixSha,
    mark.path,
    mark.verdict,
    mark.note ?? null,
    mark.author ?? null,
    now,
  );
}

/** The key a mark applies to: one fix in one file (`${fixSha}\0${path}`). */
export function markKey(fixSha: string, path: string): string {
  return `${fixSha}\u0000${path}`;
}

/** Fixes-in-a-file whose latest mark is "wrong" (`markKey`): they are not proposed. */
export function suppressedFixes(store: IndexStore): Set<string> {
  const db = sqlite(store);
  const rows = db
    .prepare(
      `SELECT f.fix_sha, f.path FROM feedback f
       WHERE f.path IS NOT NULL AND f.id = (SELECT MAX(id) FROM feedback g WHERE g.fix_sha = f.fix_sha AND g.path = f.path)
         AND f.verdict = 'wrong'`,
    )
    .all() as Array<{ fix_sha: string; path: string }>;
  return new Set(rows.map((r) => markKey(r.fix_sha, r.path)));
}

/** Every mark, oldest first (for `dejafix eval` and reports). */
export function feedbackMarks(store: IndexStore): FeedbackMark[] {
  const db = sqlite(store);
  const rows = db
    .prepare(
      "SELECT defect_block_id, fix_sha, path, verdict, note, author, created_at FROM feedback ORDER BY id",
    )
    .all() as Array<{
    defect_block_id: number;
    fix_sha: string;
    path: string | null;
    verdict: string;
    note: string | null;
    author: string | null;
    created_at: number;
  }>;
  return rows.map((r) => ({
    matchId: matchId(r.defect_block_id, r.fix_sha),
    defectBlockId: r.defect_block_id,
    fixSha: r.fix_sha,
    path: r.path,
    verdict: r.verdict === "wrong" ? "wrong" : "useful",
    note: r.note,
    author: r.author,
    createdAt: r.created_at,
  }));
}

export interface FeedbackSummary {
  useful: number;
  wrong: number;
  /** Fixes (in one file each) currently not proposed. */
  suppressed: number;
}

export function feedbackSummary(store: IndexStore): FeedbackSummary {
  const marks = feedbackMarks(store);
  return {
    useful: marks.filter((m) => m.verdict === "useful").length,
    wrong: marks.filter((m) => m.verdict === "wrong").length,
    suppressed: suppressedFixes(store).size,
  };
}
