/**
 * One writer per index. Every command that writes the index (index, init, the background update,
 * calibrate, eval's mining, --add-repo) holds this lock while it writes; a second writer waits, or
 * (the background update) gives up quietly.
 *
 * Why SQLite's own locking and not an O_EXCL lock file: the lock is a RESERVED lock (`BEGIN
 * IMMEDIATE`, never committed) on a small empty SQLite file beside the index, i.e. a POSIX advisory
 * lock that the kernel drops when its process dies, however it dies (kill -9, out of memory, a
 * reboot). So no lock is ever stale: nothing to judge from a pid that may have been reused, no
 * delete-and-recreate takeover that two waiters can race, and it holds across containers sharing a
 * kernel and on network file systems whose locks work. It works wherever the index itself works:
 * SQLite takes the same kind of lock for every transaction of the index.
 *
 * Who holds it is written to a JSON file beside it, for messages only. That file outlives a killed
 * holder, or may name a host or a pid that is not the holder (copied, hand-made): harmless, the kernel
 * lock decides; the file is only believed while its pid is a live dejafix process on this host.
 *
 * The holding process must never open the lock file otherwise (fs.readFile included): POSIX drops all
 * of a process's locks on a file when any descriptor of that file is closed.
 */
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { asDiskFull, diskFullError } from "./diskFull.js";
import { healIndex, type MovedAside } from "./health.js";

export interface WriterInfo {
  pid: number;
  host: string;
  /** What the holder runs, e.g. "dejafix index". */
  command: string;
  /** ISO time the lock was taken. */
  since: string;
  /** The holder's script (process.argv[1]), to tell a dejafix process from another one with its pid. */
  script: string;
}

export interface WriterEvents {
  /** Another process holds the lock: called once per holder seen while waiting (null: it left no name). */
  waiting?: (holder: WriterInfo | null) => void;
  /** The index was damaged and has been moved aside; the writer rebuilds it. */
  movedAside?: (moved: MovedAside) => void;
}

export interface IndexWriter {
  readonly indexFile: string;
  /** Set when taking the lock found the index damaged and moved it aside. */
  readonly movedAside: MovedAside | null;
  /** Gives the lock back (the last release of this process frees it). */
  release(): void;
}

export interface LockOptions {
  command: string;
  events?: WriterEvents;
  /** How often a waiting writer tries again (ms). */
  pollMs?: number;
}

/** The lock file of an index (SQLite's naming for files that belong to a database: never delete it). */
export function writerLockFile(indexFile: string): string {
  return `${indexFile}-writer`;
}

/** Who holds (or last held) the lock. */
export function writerInfoFile(indexFile: string): string {
  return `${indexFile}-writer.json`;
}

interface Held {
  db: Database.Database;
  count: number;
  movedAside: MovedAside | null;
  info: WriterInfo;
}

/** Locks this process holds, by index file: nested writers of one command share the lock. */
const held = new Map<string, Held>();

/**
 * Takes the writer lock of `indexFile` without waiting; null when another process holds it. The first
 * taker in a process also checks the index and moves it aside when it is damaged (src/index/health.ts).
 */
export function tryLockIndexWriter(indexFile: string, opts: LockOptions): IndexWriter | null {
  const key = resolve(indexFile);
  const mine = held.get(key);
  if (mine) {
    mine.count++;
    return handle(key, mine);
  }
  let db: Database.Database | null;
  try {
    mkdirSync(dirname(key), { recursive: true });
    db = tryLock(writerLockFile(key));
  } catch (e) {
    throw asDiskFull(key, e);
  }
  if (!db) return null;
  const info: WriterInfo = {
    pid: process.pid,
    host: hostname(),
    command: opts.command,
    since: new Date().toISOString(),
    script: process.argv[1] ?? "",
  };
  const h: Held = { db, count: 1, movedAside: null, info };
  held.set(key, h);
  try {
    writeInfo(key, info);
    h.movedAside = healIndex(key);
  } catch (e) {
    h.count = 0;
    free(key, h);
    throw asDiskFull(key, e);
  }
  if (h.movedAside) opts.events?.movedAside?.(h.movedAside);
  return handle(key, h);
}

/** Takes the writer lock of `indexFile`, waiting as long as another process holds it. */
export async function lockIndexWriter(indexFile: string, opts: LockOptions): Promise<IndexWriter> {
  let announced: string | undefined;
  for (;;) {
    const w = tryLockIndexWriter(indexFile, opts);
    if (w) return w;
    const holder = liveHolder(resolve(indexFile));
    const said = JSON.stringify(holder);
    if (said !== announced) {
      opts.events?.waiting?.(holder);
      announced = said;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
  }
}

export interface WriterState {
  /** Another process holds the lock now (this process's own lock counts as free). */
  held: boolean;
  /** The holder, when it left its name and it is a live dejafix process on this host. */
  holder: WriterInfo | null;
  /** A name left by a writer that stopped without finishing (killed or crashed): its run resumes next time. */
  leftOver: WriterInfo | null;
}

/** Whether a writer is at work on `indexFile` now (for doctor and the background update). */
export function indexWriterState(indexFile: string): WriterState {
  const key = resolve(indexFile);
  if (held.has(key) || !existsSync(dirname(key))) return { held: false, holder: null, leftOver: null };
  let db: Database.Database | null;
  try {
    db = tryLock(writerLockFile(key));
  } catch (e) {
    // On a full disk, taking the lock of an empty lock file fails when SQLite lays out its first page. It
    // takes the lock before it writes anything, so that failure means nobody held it.
    if (diskFullError(key, e)) return { held: false, holder: null, leftOver: readInfo(key) };
    throw e;
  }
  if (!db) return { held: true, holder: liveHolder(key), leftOver: null };
  const leftOver = readInfo(key);
  unlock(db);
  return { held: false, holder: null, leftOver };
}

function handle(key: string, h: Held): IndexWriter {
  let released = false;
  return {
    indexFile: key,
    movedAside: h.movedAside,
    release(): void {
      if (released) return;
      released = true;
      h.count--;
      if (h.count <= 0) free(key, h);
    },
  };
}

function free(key: string, h: Held): void {
  held.delete(key);
  // The name goes first: once the lock is free, the next holder writes its own.
  if (readInfo(key)?.pid === process.pid) rmSync(writerInfoFile(key), { force: true });
  unlock(h.db);
}

function tryLock(file: string): Database.Database | null {
  const db = new Database(file);
  try {
    db.pragma("busy_timeout = 0");
    db.exec("BEGIN IMMEDIATE");
    return db;
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === "SQLITE_BUSY") return null;
    throw e;
  }
}

function unlock(db: Database.Database): void {
  try {
    db.exec("ROLLBACK");
  } finally {
    db.close();
  }
}

function writeInfo(key: string, info: WriterInfo): void {
  const file = writerInfoFile(key);
  const tmp = `${file}.${process.pid}`;
  try {
    writeFileSync(tmp, `${JSON.stringify(info)}\n`);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true }); // a disk that just filled keeps no half-written name
    throw e;
  }
}

function readInfo(key: string): WriterInfo | null {
  try {
    const v = JSON.parse(readFileSync(writerInfoFile(key), "utf8")) as Partial<WriterInfo>;
    if (typeof v.pid !== "number" || typeof v.host !== "string") return null;
    return {
      pid: v.pid,
      host: v.host,
      command: String(v.command ?? ""),
      since: String(v.since ?? ""),
      script: String(v.script ?? ""),
    };
  } catch {
    return null;
  }
}

/** The recorded holder when it is believable: this host, alive, and (where /proc tells) running dejafix. */
function liveHolder(key: string): WriterInfo | null {
  const info = readInfo(key);
  return info && isLiveWriter(info) ? info : null;
}

export function isLiveWriter(info: WriterInfo): boolean {
  if (info.host !== hostname()) return false;
  try {
    process.kill(info.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${info.pid}/cmdline`, "utf8");
  } catch {
    return true; // no /proc (macOS): a live pid is all we can know
  }
  // The script may have been given relative to the holder's working directory.
  let cwd = "/";
  try {
    cwd = readlinkSync(`/proc/${info.pid}/cwd`);
  } catch {
    // another user's process: compare the arguments as they are
  }
  return info.script !== "" && cmdline.split("\0").some((a) => a !== "" && resolve(cwd, a) === info.script);
}

// A process that exits without releasing (process.exit, an uncaught error) loses its lock to the
// kernel; its name goes too, so nobody is told to wait for it.
process.on("exit", () => {
  for (const key of held.keys()) {
    try {
      if (readInfo(key)?.pid === process.pid) rmSync(writerInfoFile(key), { force: true });
    } catch {
      // exiting anyway
    }
  }
});
