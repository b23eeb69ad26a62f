/**
 * A full disk under the index, told apart from damage and from a crash. No SQLite here, so the hook
 * harness and the CLI can recognise it without loading the database.
 *
 * A full disk is not damage: SQLite rolls back the transaction it could not write, and what was
 * committed before stays (the WAL's frames carry checksums, so a frame half written is ignored). Nothing
 * is moved aside; the next run after space is freed goes on from there.
 */
import { statfsSync } from "node:fs";
import { dirname, isAbsolute } from "node:path";

/** The index's folder has no room left: writing (or opening, which writes the WAL index) failed for it. */
export class IndexDiskFullError extends Error {
  override name = "IndexDiskFullError";
  constructor(
    /** The folder of the index, on the disk that is full. */
    readonly dir: string,
    /** What failed, in SQLite's or the system's words. */
    readonly reason: string,
  ) {
    super(`the disk holding ${dir} is full (${reason})`);
  }
}

/**
 * Below this much free space, an I/O error on the index is the disk being full: SQLite reports some writes
 * that ran out of room (the WAL index of a reader, the -shm file) as a plain I/O error, not SQLITE_FULL.
 */
const NEARLY_FULL = 1024 * 1024;

/** `e` as an IndexDiskFullError when it came from the disk holding `indexFile` being full; else null. */
export function diskFullError(indexFile: string, e: unknown): IndexDiskFullError | null {
  if (e instanceof IndexDiskFullError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return null;
  const dir = dirname(indexFile);
  // A file of the system's error elsewhere (a temp file) is another disk's story.
  const path = (e as { path?: unknown }).path;
  if (typeof path === "string" && isAbsolute(path) && !path.startsWith(dir)) return null;
  const reason =
    code === "ENOSPC"
      ? "no space left on device"
      : code === "EDQUOT"
        ? "disk quota exceeded"
        : code === "SQLITE_FULL" || (code.startsWith("SQLITE_IOERR") && freeBytes(dir) < NEARLY_FULL)
          ? (e as Error).message
          : null;
  return reason === null ? null : new IndexDiskFullError(dir, reason);
}

/** `e`, or the IndexDiskFullError it means: for a writer's `catch` (`throw asDiskFull(file, e)`). */
export function asDiskFull(indexFile: string, e: unknown): unknown {
  return diskFullError(indexFile, e) ?? e;
}

function freeBytes(dir: string): number {
  try {
    const st = statfsSync(dir);
    return st.bavail * st.bsize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
