/**
 * The index as a team snapshot: copied out whole (one consistent copy, taken by SQLite itself), and
 * taken in whole (checked, made this clone's, then renamed over the index), so a clone starts from what
 * CI mined and mines only the commits after its tip. The file format is snapshotFile.ts.
 */
import { existsSync, renameSync, rmSync } from "node:fs";
import Database from "better-sqlite3";
import { sqlite } from "./connection.js";
import { openDb, SCHEMA_VERSION } from "./db.js";
import { SnapshotRefusedError } from "./snapshotFile.js";
import type { IndexStore } from "./store.js";

export interface SnapshotCopy {
  tip: string;
  counts: { commits: number; fixes: number; links: number; defectBlocks: number };
}

/**
 * Copies the index into `out` (a new file) as it stands: `VACUUM INTO` reads one transaction, so a
 * hook reading meanwhile is not disturbed and the copy is compact. The copy leaves out what belongs to
 * this machine: the log of runs, and this clone's path (a clone that takes the copy writes its own).
 * Refuses an index that is empty or stopped mid-run (several tips): run `dejafix index` first.
 */
export function copyIndexForSnapshot(store: IndexStore, out: string): SnapshotCopy {
  const self = store.selfRepoId();
  if (self === null) throw new Error("the index is empty: run `dejafix index` before exporting it");
  const tips = store.tips(self);
  if (tips.length !== 1 || !store.tipsWithState(self).has(tips[0]!))
    throw new Error(
      "the index stopped in the middle of a run (no single tip with its line ownership): run `dejafix index` to finish it, then export",
    );
  rmSync(out, { force: true });
  sqlite(store).prepare("VACUUM INTO ?").run(out);
  const db = new Database(out);
  try {
    db.exec("DELETE FROM runs");
    db.prepare("UPDATE repos SET path = '', name = '' WHERE id = ?").run(self);
    const s = store.summary(self);
    const defectBlocks = db.prepare("SELECT COUNT(*) FROM defect_blocks WHERE repo_id = ?").pluck().get(self);
    return {
      tip: tips[0]!,
      counts: { commits: s.commits, fixes: s.fixes, links: s.links, defectBlocks: Number(defectBlocks) },
    };
  } finally {
    db.close();
  }
}

/**
 * Makes an unpacked snapshot this clone's: the schema and tip are those its head promised, the
 * repository's row gets this clone's git dir and name, and the marks this clone's team put on
 * suggestions (`dejafix feedback`) in the index it replaces are carried over (keyed by fix and path).
 */
export function adoptSnapshotDb(
  file: string,
  opts: { tip: string; gitDir: string; name: string; previous: string | null },
): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    // The file came from elsewhere: no function of its schema runs, and its schema must be ours exactly
    // (a trigger or a view planted in it would otherwise live on in this clone's index).
    db.pragma("trusted_schema = OFF");
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version !== SCHEMA_VERSION)
      throw new SnapshotRefusedError(
        "schema",
        `the index inside is schema ${version}, this dejafix reads schema ${SCHEMA_VERSION}`,
      );
    if (db.pragma("quick_check", { simple: true }) !== "ok")
      throw new SnapshotRefusedError("corrupt", "the index inside fails SQLite's quick_check");
    if (schemaOf(db) !== schemaOf(freshSchema()))
      throw new SnapshotRefusedError(
        "schema",
        `the index inside has tables, indexes or triggers that schema ${SCHEMA_VERSION} does not`,
      );
    const self = db.prepare("SELECT id FROM repos WHERE role = 'self' ORDER BY id LIMIT 1").pluck().get() as
      | number
      | undefined;
    const tips =
      self === undefined
        ? []
        : (db.prepare("SELECT sha FROM tips WHERE repo_id = ?").pluck().all(self) as string[]);
    if (self === undefined || tips.length !== 1 || tips[0] !== opts.tip)
      throw new SnapshotRefusedError("corrupt", "the index inside does not hold the tip its head names");
    db.transaction(() => {
      db.prepare("UPDATE repos SET path = ?, name = ? WHERE id = ?").run(opts.gitDir, opts.name, self);
      if (opts.previous && existsSync(opts.previous)) carryFeedback(db, opts.previous);
    })();
    db.pragma("journal_mode = DELETE");
  } finally {
    db.close();
  }
}

/** Every table, index, view and trigger with its SQL, in one text. */
function schemaOf(db: Database.Database): string {
  return JSON.stringify(
    db
      .prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
      )
      .raw()
      .all(),
  );
}

let fresh: Database.Database | null = null;
/** An empty index of this schema, made by the migrations themselves (once per process). */
function freshSchema(): Database.Database {
  fresh ??= openDb(":memory:");
  return fresh;
}

/** Copies the marks of the index `previous` into `db`, each on the block of the same fix and path. */
function carryFeedback(db: Database.Database, previous: string): void {
  let old: Database.Database;
  try {
    old = new Database(previous, { readonly: true, fileMustExist: true });
  } catch {
    return; // damaged or unreadable: its marks are lost with it, as they would be on a rebuild
  }
  try {
    const hasPath = (
      old.prepare("SELECT name FROM pragma_table_info('feedback')").pluck().all() as string[]
    ).includes("path");
    if (!hasPath) return;
    const marks = old
      .prepare(
        "SELECT defect_block_id, fix_sha, verdict, note, author, created_at, path FROM feedback ORDER BY id",
      )
      .raw()
      .all() as Array<[number, string, string, string | null, string | null, number, string | null]>;
    const block = db.prepare(
      "SELECT d.id FROM defect_blocks d JOIN commits c ON c.id = d.fix_id WHERE c.sha = ? AND d.path = ? ORDER BY d.id LIMIT 1",
    );
    const ins = db.prepare(
      "INSERT INTO feedback (defect_block_id, fix_sha, verdict, note, author, created_at, path) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    for (const [blockId, sha, verdict, note, author, at, path] of marks) {
      const now = path === null ? undefined : (block.pluck().get(sha, path) as number | undefined);
      ins.run(now ?? blockId, sha, verdict, note, author, at, path);
    }
  } catch {
    // an index too old or too damaged to read its marks: they go with it
  } finally {
    old.close();
  }
}

/**
 * Puts `file` in the place of the index `indexFile`, atomically (one rename on one file system).
 * The old index's write-ahead log goes first: left beside the new file, SQLite would replay it into it.
 * Call with the writer lock held.
 */
export function replaceIndexFile(indexFile: string, file: string): void {
  if (existsSync(indexFile)) {
    try {
      const old = new Database(indexFile, { fileMustExist: true });
      try {
        old.pragma("busy_timeout = 2000");
        // Folds the log into the file and removes it; fails while a reader holds the old file open.
        old.pragma("journal_mode = DELETE");
      } finally {
        old.close();
      }
    } catch {
      // damaged, or read meanwhile: its log is dropped with it below
    }
  }
  for (const suffix of ["-wal", "-shm"]) rmSync(indexFile + suffix, { force: true });
  renameSync(file, indexFile);
}
