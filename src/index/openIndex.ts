import { dejafixDir } from "../git/repo.js";
import { IndexStore, indexPath } from "./store.js";
import { type IndexWriter, lockIndexWriter, tryLockIndexWriter, type WriterEvents } from "./writerLock.js";

/** Opens the index of the repository containing `repoDir` (created on first use). */
export async function openIndex(repoDir: string, opts: { readonly?: boolean } = {}): Promise<IndexStore> {
  return new IndexStore(indexPath(await dejafixDir(repoDir)), opts);
}

export interface WriterOptions {
  /** What the holder runs, for the line a waiting writer shows (e.g. "dejafix index"). */
  command?: string;
  events?: WriterEvents;
}

/**
 * Takes the writer lock of the index of the repository containing `repoDir`, waiting while another
 * process writes it; the first lock of a process also moves a damaged index aside. Release it when done.
 */
export async function lockIndex(repoDir: string, opts: WriterOptions = {}): Promise<IndexWriter> {
  return lockIndexWriter(indexPath(await dejafixDir(repoDir)), {
    command: opts.command ?? "dejafix index",
    ...(opts.events ? { events: opts.events } : {}),
  });
}

/** The same without waiting: null while another process writes the index. */
export async function tryLockIndex(repoDir: string, opts: WriterOptions = {}): Promise<IndexWriter | null> {
  return tryLockIndexWriter(indexPath(await dejafixDir(repoDir)), {
    command: opts.command ?? "dejafix index",
    ...(opts.events ? { events: opts.events } : {}),
  });
}
