import { elementsOf, prefixOf, sizeRange } from "./prefixFilter.js";
import type { BlockInput, BlockStore, StoredBlock } from "./types.js";
import { checkThreshold, DEFAULT_THRESHOLD } from "./verify.js";

export interface MemoryStoreOptions {
  /** T* used for stored prefixes; queries may use any T ≤ T*. Default 0.3. */
  indexThreshold?: number;
}

/** In-memory `BlockStore`: arrays and a Map of posting lists. For tests and one-off scans. */
export function createMemoryBlockStore(options: MemoryStoreOptions = {}): BlockStore {
  const indexThreshold = options.indexThreshold ?? DEFAULT_THRESHOLD;
  checkThreshold(indexThreshold);
  const blocks: StoredBlock[] = [];
  let postings = new Map<number, number[]>();
  let frozen = new Map<number, number>();
  const frequency = (key: number): number => frozen.get(key) ?? 0;
  // Per-block stamp of the last query that saw it: dedupes candidates without a Set per query.
  let stamps = new Uint32Array(1024);
  let query = 0;

  const post = (b: StoredBlock): void => {
    for (const key of prefixOf(b.hashes, indexThreshold, frequency)) {
      const list = postings.get(key);
      if (list === undefined) postings.set(key, [b.id]);
      else list.push(b.id);
    }
  };

  return {
    indexThreshold,
    get size() {
      return blocks.length;
    },
    add(block: BlockInput): number {
      const stored: StoredBlock = {
        id: blocks.length,
        hashes: Uint32Array.from(block.hashes),
        ref: block.ref ?? null,
      };
      blocks.push(stored);
      if (stamps.length < blocks.length) {
        const grown = new Uint32Array(stamps.length * 2);
        grown.set(stamps);
        stamps = grown;
      }
      post(stored);
      return stored.id;
    },
    get(id: number): StoredBlock | undefined {
      return blocks[id];
    },
    candidates(queryHashes: ArrayLike<number>, threshold: number, minLines: number): StoredBlock[] {
      checkThreshold(threshold);
      if (threshold > indexThreshold) {
        throw new RangeError(
          `clone threshold ${threshold} is above the index threshold ${indexThreshold}; rebuild the index with a higher one`,
        );
      }
      const n1 = queryHashes.length;
      if (n1 === 0 || n1 < minLines) return [];
      const { lo, hi } = sizeRange(n1, threshold, minLines);
      query = (query + 1) >>> 0 || 1;
      const out: StoredBlock[] = [];
      for (const key of prefixOf(queryHashes, threshold, frequency)) {
        const list = postings.get(key);
        if (list === undefined) continue;
        for (const id of list) {
          if (stamps[id] === query) continue;
          stamps[id] = query;
          const b = blocks[id]!;
          if (b.hashes.length >= lo && b.hashes.length <= hi) out.push(b);
        }
      }
      return out;
    },
    all(): StoredBlock[] {
      return blocks.slice();
    },
    freeze(): void {
      const counts = new Map<number, number>();
      for (const b of blocks) for (const e of elementsOf(b.hashes)) counts.set(e, (counts.get(e) ?? 0) + 1);
      frozen = new Map();
      for (const [key, count] of counts) if (count >= 2) frozen.set(key, count);
      postings = new Map();
      for (const b of blocks) post(b);
    },
  };
}
