/**
 * Defect blocks: for every fix with selected defect-introducing commits, the blocks of the fix's parent
 * that the fix changed (each hunk grown to a balanced block, CLEVER Algorithm 1), normalized and put in
 * the clone index, with the fix's edits restricted to the block so the fix can be re-applied elsewhere.
 */
import { blockLayout, type LineSpan } from "../blocks/blockLayout.js";
import { DEFAULT_MAX_BLOCK_LINES } from "../blocks/expandToBlock.js";
import { languageOf } from "../blocks/languageOf.js";
import { normalizeBlock } from "../blocks/normalizeBlock.js";
import type { NormalizedBlock } from "../blocks/types.js";
import { catFile } from "../git/catFile.js";
import type { HunkLine } from "../git/types.js";
import { historySettings } from "../history/indexOptions.js";
import { selectInducing } from "../history/szz.js";
import { isGeneratedPath, isIgnoredPath } from "../rules/paths.js";
import type { Rules } from "../rules/types.js";
import { openBlockStore } from "./blockStore.js";
import type { Db } from "./db.js";
import type { IndexStore } from "./store.js";

/**
 * Tables of the defect blocks, to be appended to the migrations in db.ts. `defect_blocks.id` is the
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

function hasTable(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Creates the defect block tables when missing (until db.ts carries DEFECT_BLOCKS_MIGRATION). */
export function createDefectBlockTables(db: Db): void {
  if (hasTable(db, "defect_blocks")) return;
  db.transaction(() => db.exec(DEFECT_BLOCKS_MIGRATION))();
}

export function hasDefectBlocks(db: Db): boolean {
  return (
    hasTable(db, "defect_blocks") && db.prepare("SELECT 1 FROM defect_blocks LIMIT 1").get() !== undefined
  );
}

/**
 * One change of a fix inside a block: `del` lines starting at block line `at` (0-based) became `add`,
 * which start at line `afterAt` of the block's after text. A pure insertion has no `del` and goes
 * before line `at`.
 */
export interface FixEdit {
  at: number;
  afterAt: number;
  del: string[];
  add: string[];
}

export interface ExtractedBlock {
  /** 1-based inclusive range in the old file. */
  start: number;
  end: number;
  before: string[];
  after: string[];
  edits: FixEdit[];
}

interface Group {
  /** 1-based old line of the first deleted line, or the line the insertion goes before. */
  pos: number;
  del: string[];
  add: string[];
}

/** A fix hunk as stored: old start and the body lines with their markers. */
export interface StoredHunk {
  oldStart: number;
  lines: HunkLine[];
}

/*
 * fix_hunks.body is the hunk's lines with their markers, joined by LF (plain -U3 diff), e.g.
 *   " \tfor (i = 0; i <= n; i++)"
 *   "-\t\tsum += a[i];"
 *   "+\t\tsum += a[i - 1];"
 */
export function parseHunkBody(body: string): HunkLine[] {
  if (body === "") return [];
  const out: HunkLine[] = [];
  for (const raw of body.split("\n")) {
    const kind = raw[0];
    if (kind === "+" || kind === "-" || kind === " ") out.push({ kind, text: raw.slice(1) });
  }
  return out;
}

function groupsOf(hunks: readonly StoredHunk[]): Group[] {
  const groups: Group[] = [];
  for (const h of hunks) {
    let old = Math.max(1, h.oldStart);
    let current: Group | null = null;
    for (const l of h.lines) {
      if (l.kind === " ") {
        current = null;
        old++;
        continue;
      }
      if (current === null) {
        current = { pos: old, del: [], add: [] };
        groups.push(current);
      }
      if (l.kind === "-") {
        current.del.push(l.text);
        old++;
      } else current.add.push(l.text);
    }
  }
  // Whitespace-only groups (blank lines added or removed) carry no fix.
  return groups.filter((g) => [...g.del, ...g.add].some((t) => t.trim() !== ""));
}

/** Old-file line range a group is anchored on (an insertion: the lines around it). */
function rangeOf(g: Group, n: number): { s: number; e: number } {
  if (g.del.length > 0) return { s: g.pos, e: g.pos + g.del.length - 1 };
  return { s: Math.max(1, g.pos - 1), e: Math.min(Math.max(1, n), g.pos) };
}

function inside(g: Group, start: number, end: number): boolean {
  if (g.del.length > 0) return g.pos >= start && g.pos + g.del.length - 1 <= end;
  return g.pos - 1 >= start && g.pos <= end; // strictly between two lines of the block
}

export interface LineRange {
  start: number;
  end: number;
}

/** The blocks of one file with its layout computed once (expandToBlock recomputes it per call). */
export interface FileBlocks {
  /** Every block, 1-based inclusive, sorted by start (as `findBlocks`). */
  all: LineRange[];
  /** `expandToBlock(lines, start, end, language)`, from the shared layout. */
  expand(start: number, end: number): LineRange;
  /** The normalized block of a range (lexes only that range; cached). */
  normalize(r: LineRange): NormalizedBlock;
}

export function fileBlocks(lines: string[], language: string): FileBlocks {
  const layout = blockLayout(lines, language);
  const all = layout.blocks.map((b) => ({ start: b.start + 1, end: b.end + 1 }));
  const cache = new Map<string, NormalizedBlock>();
  return {
    all,
    expand(startLine, endLine) {
      // The same choice as expandToBlock: the smallest enclosing block, else the balanced range.
      const last = Math.max(0, lines.length - 1);
      const s = Math.min(Math.max(0, startLine - 1), last);
      const e = Math.min(Math.max(s, endLine - 1), last);
      const limit = Math.max(DEFAULT_MAX_BLOCK_LINES, e - s + 1);
      let best: LineSpan | null = null;
      for (const b of layout.blocks) {
        if (b.start > s) break;
        if (b.end < e) continue;
        if (best === null || b.end - b.start < best.end - best.start) best = b;
      }
      if (best !== null && best.end - best.start + 1 <= limit)
        return { start: best.start + 1, end: best.end + 1 };
      const span = layout.balance({ start: s, end: e }, limit) ?? { start: s, end: e };
      return { start: span.start + 1, end: span.end + 1 };
    },
    normalize(r) {
      const key = `${r.start}-${r.end}`;
      let n = cache.get(key);
      if (!n) {
        n = normalizeBlock(lines.slice(r.start - 1, r.end), language, r.start);
        cache.set(key, n);
      }
      return n;
    },
  };
}

/**
 * Grows a block that normalizes to fewer than `minLines` lines to its enclosing blocks, one level at a
 * time, until it is long enough or no enclosing block of at most `maxLines` lines is left: a one-line
 * fix inside a short `if` is matched through the function around it. `all` is every block of the file
 * (`findBlocks`), sorted by start.
 */
export function growBlock(
  all: readonly LineRange[],
  range: LineRange,
  size: (r: LineRange) => number,
  minLines: number,
  maxLines: number = DEFAULT_MAX_BLOCK_LINES,
): LineRange {
  let r = range;
  while (size(r) < minLines) {
    let next: LineRange | null = null;
    for (const b of all) {
      if (b.start > r.start) break;
      const contains = b.end >= r.end && (b.start < r.start || b.end > r.end);
      if (contains && b.end - b.start + 1 <= maxLines && (!next || b.end - b.start < next.end - next.start))
        next = b;
    }
    if (!next) break;
    r = next;
  }
  return r;
}

/**
 * The blocks one fix changed in one file: each change group grown to a balanced block of the old file
 * (then to enclosing blocks while shorter than `minLines` normalized lines), with every change group
 * that lies inside that block applied to get its after text.
 */
export function blocksOfFix(
  oldLines: string[],
  hunks: readonly StoredHunk[],
  language: string,
  minLines = 0,
): Array<ExtractedBlock & { norm: NormalizedBlock }> {
  const groups = groupsOf(hunks);
  if (groups.length === 0) return [];
  const file = fileBlocks(oldLines, language);
  const byRange = new Map<string, { start: number; end: number; groups: Set<Group> }>();
  for (const g of groups) {
    const { s, e } = rangeOf(g, oldLines.length);
    if (s > oldLines.length) continue;
    const x = file.expand(s, Math.min(e, oldLines.length));
    const r = minLines > 0 ? growBlock(file.all, x, (b) => file.normalize(b).lines.length, minLines) : x;
    const key = `${r.start}-${r.end}`;
    let b = byRange.get(key);
    if (!b) {
      b = { start: r.start, end: r.end, groups: new Set() };
      byRange.set(key, b);
    }
    b.groups.add(g);
  }
  const out: Array<ExtractedBlock & { norm: NormalizedBlock }> = [];
  for (const b of byRange.values()) {
    for (const g of groups) if (inside(g, b.start, b.end)) b.groups.add(g);
    const mine = [...b.groups].sort((x, y) => x.pos - y.pos);
    const before = oldLines.slice(b.start - 1, b.end);
    const after: string[] = [];
    const edits: FixEdit[] = [];
    let k = 0;
    for (const g of mine) {
      const at = g.pos - b.start;
      if (at < k) continue; // overlaps an earlier group (cannot happen with well-formed hunks)
      after.push(...before.slice(k, at));
      edits.push({ at, afterAt: after.length, del: g.del, add: g.add });
      after.push(...g.add);
      k = at + g.del.length;
    }
    after.push(...before.slice(k));
    out.push({ start: b.start, end: b.end, before, after, edits, norm: file.normalize(b) });
  }
  return out.sort((x, y) => x.start - y.start);
}

/** Formats whose "blocks" are prose or data, not code. */
const NOT_CODE = new Set(["markdown", "txt", "csv", "json", "plaintext"]);

/** The tokenizer format of a path when its blocks are code worth matching, else undefined. */
export function codeLanguageOf(path: string): string | undefined {
  const lang = languageOf(path);
  return lang === undefined || NOT_CODE.has(lang) ? undefined : lang;
}

export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
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

/**
 * Builds the defect blocks of every fix of `repoId` not processed before (incremental): the fix must have
 * defect-introducing commits under the rules' SZZ selection; ignored and generated files and blocks
 * shorter than `rules.clones.minLines` normalized lines are left out. Reads blobs through one
 * `git cat-file --batch` process. Call after mining (`indexRepository` does).
 */
export async function buildDefectBlocks(
  store: IndexStore,
  repoId: number,
  repoDir: string,
  rules: Rules,
): Promise<{ added: number }> {
  const db = store.db;
  createDefectBlockTables(db);
  const select = historySettings(rules, repoDir).select;
  const ids = store.commitIds(repoId);
  const done = new Set(
    (
      db.prepare("SELECT fix_id FROM defect_block_fixes WHERE repo_id = ?").pluck().all(repoId) as number[]
    ).map(Number),
  );
  const todo = store.fixes(repoId).filter((f) => {
    const id = ids.get(f.sha);
    return id !== undefined && !done.has(id);
  });
  if (todo.length === 0) return { added: 0 };

  const hunkRows = db.prepare(
    `SELECT fh.path, fh.old_path, fh.old_start, fh.body, fc.old_blob
     FROM fix_hunks fh JOIN file_changes fc ON fc.commit_id = fh.commit_id AND fc.path = fh.path
     WHERE fh.commit_id = ? ORDER BY fh.path, fh.old_start`,
  );
  const blockStore = openBlockStore(db, { indexThreshold: Math.max(0.3, rules.clones.threshold) });
  const insertBlock = db.prepare(
    `INSERT INTO defect_blocks (id, repo_id, fix_id, inducing, path, new_path, start_line, end_line, language,
       norm_lines, before_text, after_text, edits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const markFix = db.prepare(
    "INSERT OR REPLACE INTO defect_block_fixes (fix_id, repo_id, blocks) VALUES (?, ?, ?)",
  );

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

  const cat = catFile(repoDir);
  try {
    let pending: PendingBlock[] = [];
    let fixes: Array<[number, number]> = [];
    for (const fix of todo) {
      const fixId = ids.get(fix.sha)!;
      const chosen = selectInducing(fix, select);
      if (chosen.length === 0) {
        fixes.push([fixId, 0]);
        continue;
      }
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
          codeLanguageOf(f.oldPath) !== undefined,
      );
      const contents = await Promise.all(usable.map((f) => cat.read(f.blob)));
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
          .map((c) => ids.get(c.commit))
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
      fixes.push([fixId, n]);
      if (fixes.length >= 200) {
        write(pending, fixes);
        pending = [];
        fixes = [];
      }
    }
    write(pending, fixes);
  } finally {
    await cat.close();
  }
  // Element frequencies decide the prefix order: recount them over the whole index once per build.
  if (added > 0) blockStore.freeze();
  return { added };
}

export interface CommitInfo {
  sha: string;
  message: string;
  authorName: string;
  authorTime: number;
  issues: string[];
}

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
  private readonly commits = new Map<number, CommitInfo | null>();

  constructor(private readonly db: Db) {
    this.byId = db.prepare(`${BLOCK_SELECT} WHERE d.id = ?`);
    this.commit = db.prepare(
      "SELECT sha, message, author_name, author_time, issues FROM commits WHERE id = ?",
    );
  }

  get(id: number): DefectBlock | undefined {
    const row = this.byId.get(id) as BlockRow | undefined;
    return row === undefined ? undefined : this.toBlock(row);
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
      defects: (JSON.parse(r.inducing) as number[])
        .map((id) => this.commitInfo(id))
        .filter((c): c is CommitInfo => c !== null),
    };
  }
}
