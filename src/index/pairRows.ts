/**
 * Bug→fix pairs as the index holds them: every defect block (the buggy code and the same block after the
 * fix) with its fix commit and, per defect-introducing commit linked to that fix, that commit and the
 * kinds of evidence of the link. Streamed in history order of the fixes: a large index is never read whole.
 */
import { sqlite } from "./connection.js";
import type { IndexStore } from "./store.js";

export interface PairRow {
  blockId: number;
  /** Path in the fix's parent, and in the fix. */
  path: string;
  newPath: string;
  startLine: number;
  endLine: number;
  /** The tokenizer format the block was cut with (the language registry's name). */
  language: string;
  before: string;
  after: string;
  fix: { sha: string; message: string; time: number; issues: string[] };
  defect: { sha: string; message: string; time: number };
  viaBlame: boolean;
  viaDeclared: boolean;
}

/** One row per defect block and defect commit of the repository `repoId`. */
export function* pairRows(store: IndexStore, repoId: number): Generator<PairRow> {
  const db = sqlite(store);
  const blocks = db.prepare(
    `SELECT d.id, d.fix_id, d.inducing, d.path, d.new_path, d.start_line, d.end_line, d.language,
            d.before_text, d.after_text, f.sha, f.message, f.author_time, f.issues
     FROM defect_blocks d JOIN commits f ON f.id = d.fix_id
     WHERE d.repo_id = ? ORDER BY f.seq, d.id`,
  );
  const link = db.prepare(
    `SELECT c.sha, c.message, c.author_time, l.via_blame, l.via_declared
     FROM links l JOIN commits c ON c.id = l.inducing_id WHERE l.fix_id = ? AND l.inducing_id = ?`,
  );
  type Block = {
    id: number;
    fix_id: number;
    inducing: string;
    path: string;
    new_path: string;
    start_line: number;
    end_line: number;
    language: string;
    before_text: string;
    after_text: string;
    sha: string;
    message: string;
    author_time: number;
    issues: string;
  };
  type Link = { sha: string; message: string; author_time: number; via_blame: number; via_declared: number };
  // Read while iterating (better-sqlite3 allows reads beside an open iterator; the index is not written here).
  for (const b of blocks.iterate(repoId) as IterableIterator<Block>) {
    const fix = {
      sha: b.sha,
      message: b.message,
      time: b.author_time,
      issues: JSON.parse(b.issues) as string[],
    };
    for (const id of JSON.parse(b.inducing) as number[]) {
      const l = link.get(b.fix_id, id) as Link | undefined;
      if (!l) continue;
      yield {
        blockId: b.id,
        path: b.path,
        newPath: b.new_path,
        startLine: b.start_line,
        endLine: b.end_line,
        language: b.language,
        before: b.before_text,
        after: b.after_text,
        fix,
        defect: { sha: l.sha, message: l.message, time: l.author_time },
        viaBlame: l.via_blame === 1,
        viaDeclared: l.via_declared === 1,
      };
    }
  }
}
