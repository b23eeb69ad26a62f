/**
 * Defect blocks: for every fix with selected defect-introducing commits, the blocks of the fix's parent
 * that the fix changed (src/blocks/fixBlocks: statement windows around each change, cosmetic ones left
 * out), normalized and put in the clone index, with the fix's edits restricted to the block so the fix
 * can be re-applied elsewhere. Tests, fixtures, CI files, docs and non-code formats give none.
 */
import { splitLines } from "../blocks/fileBlocks.js";
import {
  blocksOfFix,
  type ExtractedBlock,
  type FixEdit,
  parseHunkBody,
  type StoredHunk,
} from "../blocks/fixBlocks.js";
import { codeLanguageOf } from "../blocks/languageOf.js";
import { type CatFile, catFile } from "../git/catFile.js";
import { heapPacer } from "../history/heapPacer.js";
import { historySettings } from "../history/indexOptions.js";
import { selectInducing } from "../history/szz.js";
import type { FixReason } from "../history/types.js";
import { isExcludedFromMatching, isGeneratedPath, isIgnoredPath } from "../rules/paths.js";
import type { Rules } from "../rules/types.js";
import { cloneIndex } from "./blockStore.js";
import { sqlite } from "./connection.js";
import type { Db } from "./db.js";
import { faultPoint } from "./faultPoint.js";
import type { IndexStore, StoredFix } from "./store.js";

/**
 * Tables of the defect blocks (migration 4 of db.ts). `defect_blocks.id` is the
 * block's id in `clone_blocks` (the clone index of src/index/blockStore.ts, created by openBlockStore).
 */
export const DEFECT_BLOCKS_MIGRATION = `
  CREATE TABLE IF NOT EXISTS defect_blocks (
    id INTEGER PRIMARY KEY,                  -- = clone_blocks.id
    repo_id INTEGER NOT NULL REFERENCES repos(id),
    fix_id INTEGER NOT NULL REFERENCES commits(id),
    inducing TEXT NOT NULL,                  -- JSON array of commit ids (the defect commits)
    path TEXT NOT NULL,                      -- path in the fix's parent
    new_path TEXT NOT NULL,                  -- path in the fix
    start_line INTEGER NOT NULL,             -- block in the fix's parent, 1-based inclusive
    end_line INTEGER NOT NULL,
    language TEXT NOT NULL,
    norm_lines INTEGER NOT NULL,
    before_text TEXT NOT NULL,               -- the block as the fix found it
    after_text TEXT NOT NULL,                -- the same block after the fix
    edits TEXT NOT NULL                      -- JSON array of FixEdit, block-relative
  );
  CREATE INDEX IF NOT EXISTS defect_blocks_fix ON defect_blocks(fix_id);
  CREATE INDEX IF NOT EXISTS defect_blocks_repo ON defect_blocks(repo_id, fix_id);
  CREATE TABLE IF NOT EXISTS defect_block_fixes (          -- fixes already turned into blocks (incremental builds)
    fix_id INTEGER PRIMARY KEY,
    repo_id INTEGER NOT NULL,
    blocks INTEGER NOT NULL
  ) WITHOUT ROWID;
`;

/** Whether the index holds any defect block (none yet: matching has nothing to do). */
export function hasDefectBlocks(store: IndexStore): boolean {
  const db = sqlite(store);
  return db.prepare("SELECT 1 FROM defect_blocks LIMIT 1").get() !== undefined;
}

/** The fixes the index has defect blocks of, and the reverts that withdrew a fix (what a replay may ask about). */
export function matchableFixes(store: IndexStore): string[] {
  const fixes = sqlite(store)
    .prepare("SELECT DISTINCT c.sha FROM defect_blocks d JOIN commits c ON c.id = d.fix_id")
    .pluck()
    .all() as string[];
  return [...fixes, ...store.revertedCommits().values()];
}

interface PendingBlock {
  fixId: number;
  inducing: number[];
  path: string;
  newPath: string;
  language: string;
  hashes: ArrayLike<number>;
  block: ExtractedBlock;
}

/** Turns fixes into defect blocks as they come (`add`), while the caller goes on with other work. */
export interface DefectBlockBuilder {
  /**
   * Queues fixes (in history order) whose commits, hunks and links are stored: they are built in the
   * background, one fix between two turns of the event loop, so the history pass they come from (which
   * waits on git most of the time) is held up little.
   */
  add(fixes: readonly StoredFix[]): void;
  /** Builds every fix not built yet (queued or not), writes the blocks, freezes the clone index. */
  finish(): Promise<{ added: number }>;
  /** Stops building (the run failed): what was written stays, the rest is built by the next run. */
  abort(): Promise<void>;
}

/** Fixes whose blobs are read ahead of the one being built. */
const READ_AHEAD = 8;

/**
 * Builds the defect blocks of every fix of `repoId` not processed before (incremental): the fix must have
 * defect-introducing commits under the rules' SZZ selection; ignored and generated files and blocks
 * shorter than `rules.clones.minLines` normalized lines are left out. Reads blobs through one
 * `git cat-file --batch` process. Call after mining, or use `defectBlockBuilder` during it
 * (`indexRepository` does).
 */
export async function buildDefectBlocks(
  store: IndexStore,
  repoId: number,
  repoDir: string,
  rules: Rules,
): Promise<{ added: number }> {
  return defectBlockBuilder(store, repoId, repoDir, rules).finish();
}

export function defectBlockBuilder(
  store: IndexStore,
  repoId: number,
  repoDir: string,
  rules: Rules,
): DefectBlockBuilder {
  const db = sqlite(store);
  const select = historySettings(rules, repoDir).select;
  let ids: Map<string, number> | null = null;
  const idOf = (sha: string): number | undefined => {
    // Read again when a sha is new: the history pass stores commits as it goes.
    if (ids === null || !ids.has(sha)) ids = store.commitIds(repoId);
    return ids.get(sha);
  };
  const done = new Set(
    (
      db.prepare("SELECT fix_id FROM defect_block_fixes WHERE repo_id = ?").pluck().all(repoId) as number[]
    ).map(Number),
  );
  const hunkRows = db.prepare(
    `SELECT fh.path, fh.old_path, fh.old_start, fh.body, fc.old_blob
     FROM fix_hunks fh JOIN file_changes fc ON fc.commit_id = fh.commit_id AND fc.path = fh.path
     WHERE fh.commit_id = ? ORDER BY fh.path, fh.old_start`,
  );
  const blockStore = cloneIndex(store, { indexThreshold: Math.max(0.3, rules.clones.threshold) });
  const insertBlock = db.prepare(
    `INSERT INTO defect_blocks (id, repo_id, fix_id, inducing, path, new_path, start_line, end_line, language,
       norm_lines, before_text, after_text, edits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // A plain INSERT: a fix already turned into blocks fails the transaction that would add them twice.
  const markFix = db.prepare("INSERT INTO defect_block_fixes (fix_id, repo_id, blocks) VALUES (?, ?, ?)");

  let added = 0;
  const write = db.transaction((pending: PendingBlock[], fixes: Array<[number, number]>) => {
    for (const p of pending) {
      const id = blockStore.add({ hashes: p.hashes, ref: `defect:${p.fixId}` });
      insertBlock.run(
        id,
        repoId,
        p.fixId,
        JSON.stringify(p.inducing),
        p.path,
        p.newPath,
        p.block.start,
        p.block.end,
        p.language,
        p.hashes.length,
        p.block.before.join("\n"),
        p.block.after.join("\n"),
        JSON.stringify(p.block.edits),
      );
      added++;
    }
    for (const [fixId, n] of fixes) markFix.run(fixId, repoId, n);
  });
  let pending: PendingBlock[] = [];
  let built: Array<[number, number]> = [];
  const writeBatch = (): void => {
    write(pending, built);
    pending = [];
    built = [];
    faultPoint("blocks");
  };

  let cat: CatFile | null = null;
  interface Prepared {
    fix: StoredFix;
    fixId: number;
    chosen: ReturnType<typeof selectInducing>;
    usable: Array<{ path: string; oldPath: string; blob: string; hunks: StoredHunk[] }>;
    contents: Promise<Array<Buffer | null>>;
  }
  /** What a fix needs, its blobs asked for at once (git answers while earlier fixes are built). */
  const prepare = (fix: StoredFix): Prepared => {
    const fixId = idOf(fix.sha)!;
    const chosen = selectInducing(fix, select);
    if (chosen.length === 0) return { fix, fixId, chosen, usable: [], contents: Promise.resolve([]) };
    const rows = hunkRows.all(fixId) as Array<{
      path: string;
      old_path: string;
      old_start: number;
      body: string;
      old_blob: string;
    }>;
    const files = new Map<string, { path: string; oldPath: string; blob: string; hunks: StoredHunk[] }>();
    for (const r of rows) {
      if (r.old_path === "") continue; // added file: no old block
      let f = files.get(r.path);
      if (!f) {
        f = { path: r.path, oldPath: r.old_path, blob: r.old_blob, hunks: [] };
        files.set(r.path, f);
      }
      f.hunks.push({ oldStart: r.old_start, lines: parseHunkBody(r.body) });
    }
    const usable = [...files.values()].filter(
      (f) =>
        !isIgnoredPath(rules, f.oldPath) &&
        !isIgnoredPath(rules, f.path) &&
        !isGeneratedPath(rules, f.oldPath) &&
        !isExcludedFromMatching(rules, f.oldPath) &&
        !isExcludedFromMatching(rules, f.path) &&
        codeLanguageOf(f.oldPath) !== undefined,
    );
    if (usable.length > 0) cat ??= catFile(repoDir);
    const reader = cat;
    const contents = reader ? Promise.all(usable.map((f) => reader.read(f.blob))) : Promise.resolve([]);
    contents.catch(() => undefined);
    return { fix, fixId, chosen, usable, contents };
  };
  /** Blocks of one fix (whole files are lexed for it: collected as we go, see the pacer). */
  const build = ({ fix, fixId, chosen, usable }: Prepared, contents: Array<Buffer | null>): void => {
    let n = 0;
    usable.forEach((f, i) => {
      const content = contents[i];
      if (!content || content.byteLength > rules.paths.maxFileBytes || content.includes(0)) return;
      if (isGeneratedPath(rules, f.oldPath, content)) return;
      const language = codeLanguageOf(f.oldPath)!;
      // The defect commits of this file: links whose evidence lies in it, else every chosen one.
      const inFile = chosen.filter((c) =>
        fix.links.some((l) => l.sha === c.commit && l.paths.includes(f.path)),
      );
      const inducing = (inFile.length > 0 ? inFile : chosen)
        .map((c) => idOf(c.commit))
        .filter((id): id is number => id !== undefined);
      const lines = splitLines(content.toString("utf8"));
      for (const block of blocksOfFix(lines, f.hunks, language, rules.clones.minLines)) {
        const norm = block.norm;
        if (norm.lines.length < rules.clones.minLines) continue;
        pending.push({
          fixId,
          inducing,
          path: f.oldPath,
          newPath: f.path,
          language,
          hashes: norm.hashes,
          block,
        });
        n++;
      }
    });
    built.push([fixId, n]);
    processed++;
    if (built.length >= 200) writeBatch();
  };

  const queue: StoredFix[] = [];
  const queued = new Set<string>();
  const ahead: Prepared[] = [];
  const pacer = heapPacer();
  let running: Promise<void> | null = null;
  let failure: unknown = null;
  let stopped = false;
  const turn = () => new Promise<void>((ok) => setImmediate(ok));
  const loop = async (): Promise<void> => {
    try {
      while (!stopped && (ahead.length > 0 || queue.length > 0)) {
        // Refilled half a window at a time: the blobs asked in one turn go to git in one write, and each
        // write wakes git (on redis, a write per fix cost about a second).
        if (ahead.length <= READ_AHEAD / 2)
          while (ahead.length < READ_AHEAD && queue.length > 0) ahead.push(prepare(queue.shift()!));
        const next = ahead.shift()!;
        pacer.tick();
        build(next, await next.contents);
        // Let the caller's own work (the history pass reading git's output) go on between two fixes.
        await turn();
      }
    } catch (e) {
      failure = e;
    } finally {
      running = null;
    }
  };
  const add = (fixes: readonly StoredFix[]): void => {
    for (const f of fixes) {
      if (queued.has(f.sha)) continue;
      const id = idOf(f.sha);
      if (id === undefined || done.has(id)) continue;
      queued.add(f.sha);
      queue.push(f);
    }
    if (failure === null && running === null && queue.length > 0) running = loop();
  };
  let processed = 0;
  const closeCat = async (): Promise<void> => {
    const c = cat;
    cat = null;
    if (c) await c.close();
  };
  return {
    add,
    async finish() {
      try {
        // Fixes stored before this run (an interrupted one), and any not queued during it.
        add(store.fixes(repoId));
        while (running !== null) await running;
        if (failure !== null) throw failure;
        if (processed > 0) writeBatch();
      } finally {
        await closeCat();
      }
      if (processed === 0) {
        // A build killed after its last blocks and before the freeze left the clone index unfrozen.
        if (db.prepare("SELECT 1 FROM defect_blocks LIMIT 1").get() !== undefined && !blockStore.frozen())
          blockStore.freeze();
        return { added };
      }
      // Element frequencies decide the prefix order: recount them over the whole index once per build.
      if (added > 0 || !blockStore.frozen()) blockStore.freeze();
      return { added };
    },
    async abort() {
      stopped = true;
      while (running !== null) await running;
      await closeCat();
    },
  };
}

export interface CommitInfo {
  sha: string;
  message: string;
  authorName: string;
  authorTime: number;
  issues: string[];
}

/**
 * How sure the link from the defect to its fix is: `declared` when the developers named the defect
 * commit (`Fixes: <sha>`, "regression from", a revert); `strong` when the fix says it is one in its
 * subject or type (`fix:`, a bug keyword in the subject, a tracked bug); `weak` when its subject only
 * describes a symptom ("X fails on postgres"), which is a bug fix a little more than half the time.
 */
export type Evidence = "declared" | "strong" | "weak";

export interface DefectBlock {
  id: number;
  repo: { id: number; name: string; path: string; role: "self" | "related" };
  fixId: number;
  /** Position of the fix in its repository's history (for replays in time order). */
  fixSeq: number;
  path: string;
  newPath: string;
  startLine: number;
  endLine: number;
  language: string;
  normLines: number;
  before: string[];
  after: string[];
  edits: FixEdit[];
  fix: CommitInfo;
  defects: CommitInfo[];
  evidence: Evidence;
}

interface BlockRow {
  id: number;
  repo_id: number;
  repo_name: string;
  repo_path: string;
  repo_role: string;
  fix_id: number;
  fix_seq: number;
  inducing: string;
  path: string;
  new_path: string;
  start_line: number;
  end_line: number;
  language: string;
  norm_lines: number;
  before_text: string;
  after_text: string;
  edits: string;
}

const BLOCK_SELECT = `SELECT d.*, r.name AS repo_name, r.path AS repo_path, r.role AS repo_role, c.seq AS fix_seq
  FROM defect_blocks d JOIN repos r ON r.id = d.repo_id JOIN commits c ON c.id = d.fix_id`;

/** Reads defect blocks with their provenance (fix and defect commits with messages, dates, issues). */
export class DefectBlockReader {
  private readonly byId;
  private readonly commit;
  private readonly declaredLinks;
  private readonly reasons;
  private readonly commits = new Map<number, CommitInfo | null>();
  private readonly siblings;
  private readonly elsewhere;
  private readonly byPath;

  private readonly db: Db;

  constructor(store: IndexStore) {
    const db = sqlite(store);
    this.db = db;
    this.byId = db.prepare(`${BLOCK_SELECT} WHERE d.id = ?`);
    this.byPath = db.prepare(`${BLOCK_SELECT} WHERE d.new_path = ? AND r.role = 'self' ORDER BY c.seq, d.id`);
    this.siblings = db.prepare(`${BLOCK_SELECT} WHERE d.fix_id = ? AND d.path = ? AND d.id != ?`);
    this.elsewhere = db.prepare(`${BLOCK_SELECT} WHERE d.fix_id = ? AND d.path != ?`);
    this.commit = db.prepare(
      "SELECT sha, message, author_name, author_time, issues FROM commits WHERE id = ?",
    );
    this.declaredLinks = db
      .prepare("SELECT inducing_id FROM links WHERE fix_id = ? AND via_declared = 1")
      .pluck();
    this.reasons = db.prepare("SELECT fix_reasons FROM commits WHERE id = ?").pluck();
  }

  private evidenceOf(fixId: number, inducing: number[]): Evidence {
    const declared = new Set(this.declaredLinks.all(fixId) as number[]);
    if (inducing.some((id) => declared.has(id))) return "declared";
    const reasons = JSON.parse((this.reasons.get(fixId) as string | undefined) ?? "[]") as FixReason[];
    return reasons.some((r) => r !== "symptom" && r !== "body") ? "strong" : "weak";
  }

  get(id: number): DefectBlock | undefined {
    const row = this.byId.get(id) as BlockRow | undefined;
    return row === undefined ? undefined : this.toBlock(row);
  }

  /** Every defect block of this repository's fixes in one file (as the fix left it), oldest fix first. */
  inFile(path: string): DefectBlock[] {
    return (this.byPath.all(path) as BlockRow[]).map((r) => this.toBlock(r));
  }

  /** The defect blocks of one fix in its other files. */
  ofFixOutside(fixId: number, path: string): DefectBlock[] {
    return (this.elsewhere.all(fixId, path) as BlockRow[]).map((r) => this.toBlock(r));
  }

  /** The other defect blocks of one fix in one file (the fix's whole footprint there). */
  ofFixInFile(fixId: number, path: string, except: number): DefectBlock[] {
    return (this.siblings.all(fixId, path, except) as BlockRow[]).map((r) => this.toBlock(r));
  }

  /** Every defect block of a repository, fixes in history order. */
  *inHistoryOrder(repoId: number): Generator<DefectBlock> {
    const rows = this.db
      .prepare(`${BLOCK_SELECT} WHERE d.repo_id = ? ORDER BY c.seq, d.id`)
      .all(repoId) as BlockRow[];
    for (const r of rows) yield this.toBlock(r);
  }

  private commitInfo(id: number): CommitInfo | null {
    let c = this.commits.get(id);
    if (c === undefined) {
      const r = this.commit.get(id) as
        | { sha: string; message: string; author_name: string; author_time: number; issues: string }
        | undefined;
      c = r
        ? {
            sha: r.sha,
            message: r.message,
            authorName: r.author_name,
            authorTime: r.author_time,
            issues: JSON.parse(r.issues) as string[],
          }
        : null;
      this.commits.set(id, c);
    }
    return c;
  }

  private toBlock(r: BlockRow): DefectBlock {
    const fix = this.commitInfo(r.fix_id);
    const inducing = JSON.parse(r.inducing) as number[];
    return {
      id: r.id,
      repo: {
        id: r.repo_id,
        name: r.repo_name,
        path: r.repo_path,
        role: r.repo_role === "related" ? "related" : "self",
      },
      fixId: r.fix_id,
      fixSeq: r.fix_seq,
      path: r.path,
      newPath: r.new_path,
      startLine: r.start_line,
      endLine: r.end_line,
      language: r.language,
      normLines: r.norm_lines,
      before: r.before_text === "" ? [] : r.before_text.split("\n"),
      after: r.after_text === "" ? [] : r.after_text.split("\n"),
      edits: JSON.parse(r.edits) as FixEdit[],
      fix: fix ?? { sha: "", message: "", authorName: "", authorTime: 0, issues: [] },
      defects: inducing.map((id) => this.commitInfo(id)).filter((c): c is CommitInfo => c !== null),
      evidence: this.evidenceOf(r.fix_id, inducing),
    };
  }
}
