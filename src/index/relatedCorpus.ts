/**
 * The related-repositories corpus: the defect blocks of many repositories as plain records, exported
 * from their own indexes (`dejafix corpus`, sharded across machines) and imported into another
 * repository's index (`dejafix index --add-repo corpus.jsonl`) under one "related" repository each,
 * as `--add-repo DIR` would have mined them, without their clones or their history.
 */
import { normalizeBlock } from "../blocks/normalizeBlock.js";
import type { Rules } from "../rules/types.js";
import { cloneIndex } from "./blockStore.js";
import { sqlite } from "./connection.js";
import { DefectBlockReader, type Evidence } from "./defectBlocks.js";
import type { IndexStore } from "./store.js";

export interface CorpusCommit {
  sha: string;
  message: string;
  author_name: string;
  author_time: number;
  issues: string[];
}

/** One line of a corpus file after its header. */
export interface CorpusBlock {
  repo: string;
  fix: CorpusCommit;
  defects: CorpusCommit[];
  evidence: Evidence;
  path: string;
  new_path: string;
  start_line: number;
  end_line: number;
  language: string;
  /** The block as the fix found it, and after the fix (lines joined by "\n"). */
  before: string;
  after: string;
  /** The fix's edits, block-relative (FixEdit[] of src/blocks/fixBlocks.ts). */
  edits: unknown[];
}

/** The corpus's header line. */
export const CORPUS_HEADER = { dejafix_corpus: 1 } as const;

/** The defect blocks of one repository of the index, fixes in history order, as corpus records. */
export function* corpusBlocks(store: IndexStore, repoId: number, name: string): Generator<CorpusBlock> {
  const commit = (c: {
    sha: string;
    message: string;
    authorName: string;
    authorTime: number;
    issues: string[];
  }) => ({
    sha: c.sha,
    message: c.message,
    author_name: c.authorName,
    author_time: c.authorTime,
    issues: c.issues,
  });
  for (const b of new DefectBlockReader(store).inHistoryOrder(repoId)) {
    yield {
      repo: name,
      fix: commit(b.fix),
      defects: b.defects.map(commit),
      evidence: b.evidence,
      path: b.path,
      new_path: b.newPath,
      start_line: b.startLine,
      end_line: b.endLine,
      language: b.language,
      before: b.before.join("\n"),
      after: b.after.join("\n"),
      edits: b.edits,
    };
  }
}

/** The git-dir column of a corpus repository: not a path, so `index` never tries to mine it. */
export function corpusRepoPath(name: string): string {
  return `corpus:${name}`;
}

/** Fix reasons that make the reader see the block's evidence again (DefectBlockReader.evidenceOf). */
const REASONS: Record<Evidence, string[]> = {
  declared: ["declared"],
  strong: ["keyword"],
  weak: ["symptom"],
};

/**
 * Adds the blocks of one corpus repository to the index (one transaction). Fixes already imported are
 * skipped, so importing a newer corpus adds only what is new. Returns the blocks added.
 */
export function importCorpusBlocks(
  store: IndexStore,
  name: string,
  blocks: readonly CorpusBlock[],
  rules: Rules,
): { repoId: number; added: number; fixes: number } {
  const db = sqlite(store);
  const repoId = store.repoId(corpusRepoPath(name), name, "related");
  const done = new Set(
    db
      .prepare("SELECT c.sha FROM defect_block_fixes f JOIN commits c ON c.id = f.fix_id WHERE f.repo_id = ?")
      .pluck()
      .all(repoId) as string[],
  );
  const ids = store.commitIds(repoId);
  let seq = Number(
    db.prepare("SELECT COALESCE(MAX(seq), -1) FROM commits WHERE repo_id = ?").pluck().get(repoId),
  );
  const insertCommit = db.prepare(
    `INSERT INTO commits (repo_id, sha, seq, parents, author_name, author_email, author_time, author_tz,
       committer_time, message, is_merge, n_files, la, ld, is_fix, fix_reasons, issues, declared)
     VALUES (?, ?, ?, '', ?, '', ?, 0, ?, ?, 0, 0, 0, 0, ?, ?, ?, '[]')`,
  );
  const setFix = db.prepare("UPDATE commits SET is_fix = 1, fix_reasons = ? WHERE id = ?");
  const insertLink = db.prepare(
    `INSERT OR IGNORE INTO links (fix_id, inducing_id, via_blame, via_declared, lines, paths) VALUES (?, ?, ?, ?, 0, ?)`,
  );
  const insertBlock = db.prepare(
    `INSERT INTO defect_blocks (id, repo_id, fix_id, inducing, path, new_path, start_line, end_line, language,
       norm_lines, before_text, after_text, edits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const markFix = db.prepare("INSERT INTO defect_block_fixes (fix_id, repo_id, blocks) VALUES (?, ?, ?)");
  const blockStore = cloneIndex(store, { indexThreshold: Math.max(0.3, rules.clones.threshold) });
  const commitId = (c: CorpusCommit, isFix: boolean): number => {
    let id = ids.get(c.sha);
    if (id === undefined) {
      seq++;
      id = Number(
        insertCommit.run(
          repoId,
          c.sha,
          seq,
          c.author_name,
          c.author_time,
          c.author_time,
          c.message,
          isFix ? 1 : 0,
          "[]",
          JSON.stringify(c.issues),
        ).lastInsertRowid,
      );
      ids.set(c.sha, id);
    }
    return id;
  };
  let added = 0;
  const perFix = new Map<number, number>();
  db.transaction(() => {
    for (const b of blocks) {
      if (done.has(b.fix.sha)) continue;
      const fixId = commitId(b.fix, true);
      setFix.run(JSON.stringify(REASONS[b.evidence]), fixId);
      const inducing = b.defects.map((d) => commitId(d, false));
      for (const d of inducing)
        insertLink.run(
          fixId,
          d,
          b.evidence === "declared" ? 0 : 1,
          b.evidence === "declared" ? 1 : 0,
          JSON.stringify([b.new_path]),
        );
      const before = b.before === "" ? [] : b.before.split("\n");
      // Normalized from its own text, as the block builder and every reader of the index do.
      const norm = normalizeBlock(before, b.language, b.start_line);
      const id = blockStore.add({ hashes: norm.hashes, ref: `defect:${fixId}` });
      insertBlock.run(
        id,
        repoId,
        fixId,
        JSON.stringify(inducing),
        b.path,
        b.new_path,
        b.start_line,
        b.end_line,
        b.language,
        norm.hashes.length,
        b.before,
        b.after,
        JSON.stringify(b.edits),
      );
      perFix.set(fixId, (perFix.get(fixId) ?? 0) + 1);
      added++;
    }
    for (const [fixId, n] of perFix) markFix.run(fixId, repoId, n);
  })();
  if (added > 0 || !blockStore.frozen()) blockStore.freeze();
  return { repoId, added, fixes: perFix.size };
}
