/**
 * A damaged index heals on the writer's side: before a writer touches it, the file must open as a
 * SQLite database and pass `PRAGMA quick_check` (O(N), ~60 ms for a 33 MB index, no cross-check of
 * indexes against tables); otherwise it is moved aside, kept for a bug report, and the writer
 * rebuilds the index from history. Readers (the hooks) never pay for the check: they only learn of
 * damage when opening or reading fails (src/index/damage.ts).
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isIndexDamage } from "./damage.js";
import { openSqlite, type SqlDatabase } from "./sqlite.js";

export interface MovedAside {
  /** Where the damaged file now is. */
  file: string;
  /** What was wrong, in SQLite's words or ours. */
  reason: string;
}

/** Damaged copies kept beside the index; older ones are deleted so a recurring fault cannot fill the disk. */
const KEEP_COPIES = 2;
const ASIDE = ".corrupt-";

/**
 * Checks the index file and moves it aside when it is damaged (with its -wal and -shm, which belong to
 * it). Returns what was moved, or null when the file is healthy or missing. Call with the writer lock
 * held: nobody may write the file while it moves.
 */
export function healIndex(file: string): MovedAside | null {
  let reason: string | null;
  try {
    const st = statSync(file);
    reason = st.isFile()
      ? quickCheck(file)
      : st.isDirectory()
        ? "a directory is in its place"
        : "something that is not a file is in its place";
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    // A WAL without its database would be replayed into the new one: it goes too.
    dropOrphans(file);
    return null;
  }
  if (reason === null) return null;
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  let aside = `${file}${ASIDE}${stamp}`;
  for (let n = 2; existsSync(aside); n++) aside = `${file}${ASIDE}${stamp}-${n}`;
  renameSync(file, aside);
  for (const suffix of ["-wal", "-shm"]) {
    if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  }
  pruneCopies(file);
  return { file: aside, reason };
}

/** null when SQLite reads the file and its quick_check passes, else the first problem found. */
function quickCheck(file: string): string | null {
  let db: SqlDatabase | undefined;
  try {
    // Read-write (never created here): a WAL left by a killed writer is recovered as SQLite always does.
    db = openSqlite(file, { fileMustExist: true });
    db.pragma("busy_timeout = 5000");
    const rows = db.pragma("quick_check") as Array<{ quick_check: string }>;
    const first = rows[0]?.quick_check ?? "quick_check returned nothing";
    return first === "ok" ? null : first;
  } catch (e) {
    if (isIndexDamage(e)) return (e as Error).message;
    throw e;
  } finally {
    db?.close();
  }
}

function dropOrphans(file: string): void {
  for (const suffix of ["-wal", "-shm"]) rmSync(file + suffix, { force: true });
}

/** Copies of damaged index files kept beside `file`, newest first (their names end in the time they moved). */
export function movedAsideCopies(file: string): Array<{ file: string; bytes: number }> {
  const prefix = basename(file) + ASIDE;
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && !n.endsWith("-wal") && !n.endsWith("-shm"))
    .sort()
    .reverse()
    .map((n) => {
      const p = join(dirname(file), n);
      const st = statSync(p);
      return { file: p, bytes: st.isFile() ? st.size : 0 };
    });
}

function pruneCopies(file: string): void {
  for (const old of movedAsideCopies(file).slice(KEEP_COPIES)) {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(old.file + suffix, { recursive: true, force: true });
  }
}
