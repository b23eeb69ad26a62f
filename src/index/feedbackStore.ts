/**
 * Marks a team puts on suggestions (`dejafix feedback <match-id> useful|wrong`). The latest mark of a
 * defect block decides: a block marked wrong is no longer proposed until someone marks it useful.
 */
import type { Db } from "./db.js";

/** Table of the marks, to be appended to the migrations in db.ts. */
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
  verdict: FeedbackVerdict;
  note: string | null;
  author: string | null;
  createdAt: number;
}

function hasTable(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Creates the feedback table when missing (until db.ts carries FEEDBACK_MIGRATION). */
export function createFeedbackTables(db: Db): void {
  if (hasTable(db, "feedback")) return;
  db.transaction(() => db.exec(FEEDBACK_MIGRATION))();
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
  db: Db,
  mark: {
    defectBlockId: number;
    fixSha: string;
    verdict: FeedbackVerdict;
    note?: string | null;
    author?: string | null;
  },
  now: number = Math.floor(Date.now() / 1000),
): void {
  createFeedbackTables(db);
  db.prepare(
    "INSERT INTO feedback (defect_block_id, fix_sha, verdict, note, author, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  ).run(mark.defectBlockId, mark.fixSha, mark.verdict, mark.note ?? null, mark.author ?? null, now);
}

/** Defect blocks whose latest mark is "wrong": they are not proposed. */
export function suppressedBlocks(db: Db): Set<number> {
  if (!hasTable(db, "feedback")) return new Set();
  const rows = db
    .prepare(
      `SELECT f.defect_block_id FROM feedback f
       WHERE f.id = (SELECT MAX(id) FROM feedback g WHERE g.defect_block_id = f.defect_block_id)
         AND f.verdict = 'wrong'`,
    )
    .pluck()
    .all() as number[];
  return new Set(rows.map(Number));
}

/** Every mark, oldest first (for `dejafix eval` and reports). */
export function feedbackMarks(db: Db): FeedbackMark[] {
  if (!hasTable(db, "feedback")) return [];
  const rows = db
    .prepare("SELECT defect_block_id, fix_sha, verdict, note, author, created_at FROM feedback ORDER BY id")
    .all() as Array<{
    defect_block_id: number;
    fix_sha: string;
    verdict: string;
    note: string | null;
    author: string | null;
    created_at: number;
  }>;
  return rows.map((r) => ({
    matchId: matchId(r.defect_block_id, r.fix_sha),
    defectBlockId: r.defect_block_id,
    fixSha: r.fix_sha,
    verdict: r.verdict === "wrong" ? "wrong" : "useful",
    note: r.note,
    author: r.author,
    createdAt: r.created_at,
  }));
}

export interface FeedbackSummary {
  useful: number;
  wrong: number;
  /** Defect blocks currently not proposed. */
  suppressed: number;
}

export function feedbackSummary(db: Db): FeedbackSummary {
  const marks = feedbackMarks(db);
  return {
    useful: marks.filter((m) => m.verdict === "useful").length,
    wrong: marks.filter((m) => m.verdict === "wrong").length,
    suppressed: suppressedBlocks(db).size,
  };
}
