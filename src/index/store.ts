import { join } from "node:path";
import type { CommitMeta, Hunk } from "../git/types.js";
import type { DeclaredRef, FixClassification, FixReason } from "../history/types.js";
import { attach } from "./connection.js";
import { type Db, openDb } from "./db.js";
import { faultPoint } from "./faultPoint.js";

/** The index file of a repository: under the git common dir, shared by worktrees, never committed. */
export function indexPath(dejafixDir: string): string {
  return join(dejafixDir, "index.sqlite");
}

export interface CommitRow {
  id: number;
  repoId: number;
  seq: number;
  meta: CommitMeta;
  nFiles: number;
  la: number;
  ld: number;
  fix: FixClassification;
  /** Blank or comment-only lines among the added and deleted ones (trivial_share); null for merges. */
  trivial: { added: number; deleted: number } | null;
}

export interface FileRow {
  commitId: number;
  path: string;
  oldPath: string | null;
  status: string;
  binary: boolean;
  added: number;
  deleted: number;
  linesBefore: number;
  oldBlob: string;
  newBlob: string;
}

export interface LinkRow {
  fixId: number;
  inducingId: number;
  viaBlame: boolean;
  viaDeclared: boolean;
  lines: number;
  paths: string[];
}

export interface HunkRow {
  commitId: number;
  path: string;
  oldPath: string;
  hunk: Hunk;
}

export interface Batch {
  commits: CommitRow[];
  files: FileRow[];
  links: LinkRow[];
  hunks: HunkRow[];
}

export interface FileLineState {
  blob: string;
  owners: Int32Array;
}

/** A fix commit with the commits linked to it, as stored. */
export interface StoredFix {
  sha: string;
  authorTime: number;
  message: string;
  reasons: FixReason[];
  issues: string[];
  declared: DeclaredRef[];
  links: {
    sha: string;
    authorTime: number;
    nFiles: number;
    viaBlame: boolean;
    viaDeclared: boolean;
    lines: number;
    paths: string[];
  }[];
}

export interface IndexSummary {
  commits: number;
  fixes: number;
  links: number;
  blameLinks: number;
  declaredLinks: number;
  tips: string[];
}

/** Every read and write of the SQLite index goes through this class; each write is one transaction. */
export class IndexStore {
  private readonly db: Db;

  constructor(
    readonly file: string,
    opts: { readonly?: boolean } = {},
  ) {
    this.db = openDb(file, opts);
    attach(this, this.db);
  }

  close(): void {
    this.db.close();
  }

  repoId(path: string, name: string, role: "self" | "related" = "self"): number {
    const row = this.db.prepare("SELECT id FROM repos WHERE path = ?").get(path) as
      | { id: number }
      | undefined;
    if (row) return row.id;
    this.db
      .prepare("INSERT INTO repos (path, name, role) VALUES (?, ?, ?) ON CONFLICT (path) DO NOTHING")
      .run(path, name, role);
    return (this.db.prepare("SELECT id FROM repos WHERE path = ?").get(path) as { id: number }).id;
  }

  /** sha → id of every commit already indexed for a repository. */
  commitIds(repoId: number): Map<string, number> {
    const m = new Map<string, number>();
    for (const r of this.db.prepare("SELECT sha, id FROM commits WHERE repo_id = ?").raw().iterate(repoId)) {
      const [sha, id] = r as [string, number];
      m.set(sha, id);
    }
    return m;
  }

  /** sha → position of every commit already indexed for a repository. */
  commitSeqs(repoId: number): Map<string, number> {
    const m = new Map<string, number>();
    for (const r of this.db.prepare("SELECT sha, seq FROM commits WHERE repo_id = ?").raw().iterate(repoId)) {
      const [sha, seq] = r as [string, number];
      m.set(sha, seq);
    }
    return m;
  }

  /** Per commit id: number of files it changed (the SZZ size filter needs it for old candidates). */
  commitSizes(repoId: number): Map<number, { nFiles: number; authorTime: number }> {
    const m = new Map<number, { nFiles: number; authorTime: number }>();
    for (const r of this.db
      .prepare("SELECT id, n_files, author_time FROM commits WHERE repo_id = ?")
      .raw()
      .iterate(repoId)) {
      const [id, nFiles, authorTime] = r as [number, number, number];
      m.set(id, { nFiles, authorTime });
    }
    return m;
  }

  maxCommitId(): number {
    return (this.db.prepare("SELECT COALESCE(MAX(id), 0) AS m FROM commits").get() as { m: number }).m;
  }

  maxSeq(repoId: number): number {
    return (
      this.db.prepare("SELECT COALESCE(MAX(seq), 0) AS m FROM commits WHERE repo_id = ?").get(repoId) as {
        m: number;
      }
    ).m;
  }

  startRun(repoId: number): number {
    return Number(
      this.db
        .prepare("INSERT INTO runs (repo_id, started_at, status) VALUES (?, ?, 'running')")
        .run(repoId, Math.floor(Date.now() / 1000)).lastInsertRowid,
    );
  }

  finishRun(runId: number, commits: number, status: "done" | "failed"): void {
    this.db
      .prepare("UPDATE runs SET finished_at = ?, commits = ?, status = ? WHERE id = ?")
      .run(Math.floor(Date.now() / 1000), commits, status, runId);
  }

  /** Writes a batch atomically; re-writing an already stored commit replaces its rows (a resumed run). */
  writeBatch(b: Batch): void {
    // Updated in place by id: a commit stored under another id or at a taken position is an error,
    // never a silent replacement (REPLACE would delete the other row and orphan its files and links).
    const insCommit = this.db.prepare(
      `INSERT INTO commits (id, repo_id, sha, seq, parents, author_name, author_email, author_time, author_tz,
        committer_time, message, is_merge, n_files, la, ld, is_fix, fix_reasons, issues, declared)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET repo_id = excluded.repo_id, sha = excluded.sha, seq = excluded.seq,
         parents = excluded.parents, author_name = excluded.author_name, author_email = excluded.author_email,
         author_time = excluded.author_time, author_tz = excluded.author_tz, committer_time = excluded.committer_time,
         message = excluded.message, is_merge = excluded.is_merge, n_files = excluded.n_files, la = excluded.la,
         ld = excluded.ld, is_fix = excluded.is_fix, fix_reasons = excluded.fix_reasons, issues = excluded.issues,
         declared = excluded.declared`,
    );
    const insTrivial = this.db.prepare(
      "INSERT OR REPLACE INTO commit_line_stats (commit_id, trivial_added, trivial_deleted) VALUES (?, ?, ?)",
    );
    const delFiles = this.db.prepare("DELETE FROM file_changes WHERE commit_id = ?");
    const delLinks = this.db.prepare("DELETE FROM links WHERE fix_id = ?");
    const delHunks = this.db.prepare("DELETE FROM fix_hunks WHERE commit_id = ?");
    const insFile = this.db.prepare(
      `INSERT OR REPLACE INTO file_changes (commit_id, path, old_path, status, binary, added, deleted, lines_before, old_blob, new_blob)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insLink = this.db.prepare(
      "INSERT OR REPLACE INTO links (fix_id, inducing_id, via_blame, via_declared, lines, paths) VALUES (?, ?, ?, ?, ?, ?)",
    );
    const insHunk = this.db.prepare(
      `INSERT INTO fix_hunks (commit_id, ord, path, old_path, old_start, old_lines, new_start, new_lines, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const ord = new Map<number, number>();
    this.db.transaction(() => {
      for (const c of b.commits) {
        const m = c.meta;
        insCommit.run(
          c.id,
          c.repoId,
          m.sha,
          c.seq,
          m.parents.join(" "),
          m.author.name,
          m.author.email,
          m.authorTime,
          m.authorTzMinutes,
          m.committerTime,
          m.message,
          m.parents.length > 1 ? 1 : 0,
          c.nFiles,
          c.la,
          c.ld,
          c.fix.isFix ? 1 : 0,
          JSON.stringify(c.fix.reasons),
          JSON.stringify(c.fix.issues),
          JSON.stringify(c.fix.declared),
        );
        if (c.trivial) insTrivial.run(c.id, c.trivial.added, c.trivial.deleted);
        delFiles.run(c.id);
        delLinks.run(c.id);
        delHunks.run(c.id);
      }
      for (const f of b.files) {
        insFile.run(
          f.commitId,
          f.path,
          f.oldPath,
          f.status,
          f.binary ? 1 : 0,
          f.added,
          f.deleted,
          f.linesBefore,
          f.oldBlob,
          f.newBlob,
        );
      }
      for (const l of b.links) {
        insLink.run(
          l.fixId,
          l.inducingId,
          l.viaBlame ? 1 : 0,
          l.viaDeclared ? 1 : 0,
          l.lines,
          JSON.stringify(l.paths),
        );
      }
      for (const h of b.hunks) {
        const body = h.hunk.lines.map((l) => l.kind + l.text).join("\n");
        const n = ord.get(h.commitId) ?? 0;
        ord.set(h.commitId, n + 1);
        insHunk.run(
          h.commitId,
          n,
          h.path,
          h.oldPath,
          h.hunk.oldStart,
          h.hunk.oldLines,
          h.hunk.newStart,
          h.hunk.newLines,
          body,
        );
      }
    })();
    faultPoint("batch");
  }

  tips(repoId: number): string[] {
    return (this.db.prepare("SELECT sha FROM tips WHERE repo_id = ?").all(repoId) as { sha: string }[]).map(
      (r) => r.sha,
    );
  }

  /** Replaces the mined tips and the line ownership saved for incremental runs, in one transaction. */
  saveTip(repoId: number, tip: string, state: Iterable<[string, FileLineState]>): void {
    this.saveTips(repoId, [tip], { tip, state });
  }

  /**
   * Replaces the mined tips: every commit whose history is wholly in the index and that has children
   * still to mine (a checkpoint of an unfinished run), or the one tip of a finished run. The line
   * ownership of at most one of them is kept; the others are attributed by `git blame` when resumed.
   */
  saveTips(
    repoId: number,
    tips: readonly string[],
    withState: { tip: string; state: Iterable<[string, FileLineState]> } | null,
  ): void {
    const ins = this.db.prepare(
      "INSERT INTO line_state (repo_id, tip, path, blob, owners) VALUES (?, ?, ?, ?, ?)",
    );
    const insTip = this.db.prepare("INSERT OR IGNORE INTO tips (repo_id, sha, mined_at) VALUES (?, ?, ?)");
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM line_state WHERE repo_id = ?").run(repoId);
      this.db.prepare("DELETE FROM tips WHERE repo_id = ?").run(repoId);
      const now = Math.floor(Date.now() / 1000);
      for (const t of tips) insTip.run(repoId, t, now);
      if (!withState) return;
      for (const [path, s] of withState.state) {
        ins.run(
          repoId,
          withState.tip,
          path,
          s.blob,
          Buffer.from(s.owners.buffer, s.owners.byteOffset, s.owners.byteLength),
        );
      }
    })();
    faultPoint("tip");
  }

  /** Tips whose line ownership is saved (the others are blamed on demand). */
  tipsWithState(repoId: number): Set<string> {
    return new Set(
      this.db
        .prepare("SELECT DISTINCT tip FROM line_state WHERE repo_id = ?")
        .pluck()
        .all(repoId) as string[],
    );
  }

  /** Commits stored without parents: roots, or the boundary of a shallow clone when it was mined. */
  parentlessCommits(repoId: number): string[] {
    return this.db
      .prepare("SELECT sha FROM commits WHERE repo_id = ? AND parents = ''")
      .pluck()
      .all(repoId) as string[];
  }

  loadTipState(repoId: number, tip: string): Map<string, FileLineState> {
    const m = new Map<string, FileLineState>();
    for (const r of this.db
      .prepare("SELECT path, blob, owners FROM line_state WHERE repo_id = ? AND tip = ?")
      .raw()
      .iterate(repoId, tip)) {
      const [path, blob, owners] = r as [string, string, Buffer];
      const copy = new Int32Array(owners.byteLength / 4);
      Buffer.from(copy.buffer).set(owners);
      m.set(path, { blob, owners: copy });
    }
    return m;
  }

  /**
   * Fix commits in history order with their links (all evidence kept; selection happens at read time);
   * with `afterSeq`, only those after that position (the ones a history pass has just stored).
   */
  fixes(repoId: number, afterSeq = Number.MIN_SAFE_INTEGER): StoredFix[] {
    const fixes = this.db
      .prepare(
        "SELECT id, sha, author_time, message, fix_reasons, issues, declared FROM commits WHERE repo_id = ? AND is_fix = 1 AND seq > ? ORDER BY seq",
      )
      .all(repoId, afterSeq) as {
      id: number;
      sha: string;
      author_time: number;
      message: string;
      fix_reasons: string;
      issues: string;
      declared: string;
    }[];
    const linkStmt = this.db.prepare(
      `SELECT c.sha, c.author_time, c.n_files, l.via_blame, l.via_declared, l.lines, l.paths
       FROM links l JOIN commits c ON c.id = l.inducing_id WHERE l.fix_id = ? ORDER BY c.seq`,
    );
    return fixes.map((f) => ({
      sha: f.sha,
      authorTime: f.author_time,
      message: f.message,
      reasons: JSON.parse(f.fix_reasons) as FixReason[],
      issues: JSON.parse(f.issues) as string[],
      declared: JSON.parse(f.declared) as DeclaredRef[],
      links: (
        linkStmt.all(f.id) as {
          sha: string;
          author_time: number;
          n_files: number;
          via_blame: number;
          via_declared: number;
          lines: number;
          paths: string;
        }[]
      ).map((l) => ({
        sha: l.sha,
        authorTime: l.author_time,
        nFiles: l.n_files,
        viaBlame: l.via_blame === 1,
        viaDeclared: l.via_declared === 1,
        lines: l.lines,
        paths: JSON.parse(l.paths) as string[],
      })),
    }));
  }

  /** Id of the repository the index belongs to (not a related one), or null while it is empty. */
  selfRepoId(): number | null {
    const row = this.db.prepare("SELECT id FROM repos WHERE role = 'self' ORDER BY id LIMIT 1").get() as
      | { id: number }
      | undefined;
    return row?.id ?? null;
  }

  repoName(repoId: number): string {
    return (
      (this.db.prepare("SELECT name FROM repos WHERE id = ?").pluck().get(repoId) as string | undefined) ?? ""
    );
  }

  /** Git dirs of the related repositories added with `index --add-repo`, in the order they were added. */
  relatedRepoPaths(): string[] {
    return this.db
      .prepare("SELECT path FROM repos WHERE role = 'related' ORDER BY id")
      .pluck()
      .all() as string[];
  }

  /**
   * Commits that a later commit reverted: written sha (as the revert names it, maybe abbreviated) →
   * the reverting commit. A fix that was reverted is no fix to propose any more.
   */
  revertedCommits(): Map<string, string> {
    const out = new Map<string, string>();
    // instr, not LIKE: the same rows once `how` is checked below (JSON writes "revert" as is), in half the
    // time of the case-folding LIKE over every commit (the hook pays this scan when a candidate matches).
    const rows = this.db
      .prepare(`SELECT sha, declared FROM commits WHERE instr(declared, '"revert"') > 0`)
      .all() as Array<{ sha: string; declared: string }>;
    for (const r of rows)
      for (const d of JSON.parse(r.declared) as DeclaredRef[]) if (d.how === "revert") out.set(d.sha, r.sha);
    return out;
  }

  /** The latest mining run. */
  lastRun(): { finishedAt: number | null; status: string; commits: number } | null {
    const r = this.db
      .prepare("SELECT finished_at, status, commits FROM runs ORDER BY id DESC LIMIT 1")
      .get() as { finished_at: number | null; status: string; commits: number } | undefined;
    return r ? { finishedAt: r.finished_at, status: r.status, commits: r.commits } : null;
  }

  /** Non-merge commits indexed after `sha` in history order (how stale something computed at `sha` is). */
  commitsAfter(repoId: number, sha: string): number {
    return (
      this.db
        .prepare(
          `SELECT COUNT(*) AS n FROM commits WHERE repo_id = ? AND is_merge = 0
           AND seq > (SELECT seq FROM commits WHERE repo_id = ? AND sha = ?)`,
        )
        .get(repoId, repoId, sha) as { n: number }
    ).n;
  }

  /** Every non-merge commit in history order, with what a replay of metrics needs. */
  nonMergeCommits(
    repoId: number,
  ): Array<{ sha: string; authorEmail: string; authorTime: number; isFix: boolean; nFiles: number }> {
    return (
      this.db
        .prepare(
          "SELECT sha, author_email, author_time, is_fix, n_files FROM commits WHERE repo_id = ? AND is_merge = 0 ORDER BY seq",
        )
        .all(repoId) as Array<{
        sha: string;
        author_email: string;
        author_time: number;
        is_fix: number;
        n_files: number;
      }>
    ).map((r) => ({
      sha: r.sha,
      authorEmail: r.author_email,
      authorTime: r.author_time,
      isFix: r.is_fix === 1,
      nFiles: r.n_files,
    }));
  }

  summary(repoId: number): IndexSummary {
    const one = (sql: string): number => (this.db.prepare(sql).get(repoId) as { n: number }).n;
    return {
      commits: one("SELECT COUNT(*) AS n FROM commits WHERE repo_id = ?"),
      fixes: one("SELECT COUNT(*) AS n FROM commits WHERE repo_id = ? AND is_fix = 1"),
      links: one("SELECT COUNT(*) AS n FROM links l JOIN commits c ON c.id = l.fix_id WHERE c.repo_id = ?"),
      blameLinks: one(
        "SELECT COUNT(*) AS n FROM links l JOIN commits c ON c.id = l.fix_id WHERE c.repo_id = ? AND via_blame = 1",
      ),
      declaredLinks: one(
        "SELECT COUNT(*) AS n FROM links l JOIN commits c ON c.id = l.fix_id WHERE c.repo_id = ? AND via_declared = 1",
      ),
      tips: this.tips(repoId),
    };
  }
}
