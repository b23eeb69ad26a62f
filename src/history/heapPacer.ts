import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Keeps a long pass's resident memory near what it really holds. What the miner keeps alive is small
 * (line owners in shared typed arrays: ~100 MB on a 35k-commit, 1.7 M-line history), but V8 lets the
 * garbage of a fast pass (parsed diffs, strings of multi-megabyte generated files) pile up to gigabytes
 * before it collects. A full collection whenever the heap holds twice what survived the last one (at
 * least 256 MB) keeps it down without a heap cap, which would kill the process on a history that truly
 * needs more.
 */

/** Heap in use (live and dead) above which garbage is collected, at the least. */
const SOFT_LIMIT_BYTES = 256 * 1024 * 1024;
/** Checked every this many ticks (one tick per commit): reading the heap's size costs a few µs. */
const EVERY = 16;

let collect: (() => void) | null | undefined;

/** V8's full collection: exposed by the flag at start-up, or turned on now (as jest's leak detector does). */
function fullGc(): (() => void) | null {
  if (collect !== undefined) return collect;
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === "function") {
    collect = exposed;
    return collect;
  }
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    collect = typeof gc === "function" ? (gc as () => void) : null;
  } catch {
    collect = null;
  }
  return collect;
}

export interface HeapPacer {
  /** Call once per unit of work (a commit). */
  tick(): void;
  /** Full collections run so far. */
  readonly collections: number;
}

/** Resident size above which a collection runs too: native memory held by objects V8 has not freed. */
const SOFT_RSS_BYTES = 768 * 1024 * 1024;
/**
 * The resident size is read at most this often. Reading it (/proc/self/stat) cost 1.7 ms a call in a
 * 400 MB `dejafix index` process on commons-lang (850 calls: 1.4 s); the heap's size costs 10 µs.
 */
const RSS_EVERY_MS = 250;

export function heapPacer(softLimit = SOFT_LIMIT_BYTES, softRss = SOFT_RSS_BYTES): HeapPacer {
  let ticks = 0;
  let limit = softLimit;
  let rssLimit = softRss;
  let collections = 0;
  let rssReadAt = Number.NEGATIVE_INFINITY;
  const rssBelowLimit = (): boolean => {
    const now = performance.now();
    if (now - rssReadAt < RSS_EVERY_MS) return true;
    rssReadAt = now;
    return process.memoryUsage.rss() < rssLimit;
  };
  return {
    tick(): void {
      if (++ticks % EVERY !== 0) return;
      // Dead strings of big diffs sit in the large-object space until a full collection: count them all.
      if (getHeapStatistics().used_heap_size < limit && rssBelowLimit()) return;
      const gc = fullGc();
      if (!gc) return;
      gc();
      collections++;
      // What survives is live: collect again once as much again has piled up on top of it.
      limit = Math.max(softLimit, 2 * getHeapStatistics().used_heap_size);
      rssLimit = Math.max(softRss, process.memoryUsage.rss() + softRss / 3);
      rssReadAt = performance.now();
    },
    get collections() {
      return collections;
    },
  };
}
