import { elementsOf, positionAllows, prefixOf, regionSizeRange, sizeRange } from "./prefixFilter.js";
import type { BlockInput, BlockStore, StoredBlock } from "./types.js";
import { checkThreshold, DEFAULT_THRESHOLD } from "./verify.js";

export interface MemoryStoreOptions {
  /** T* used for stored prefixes; queries may use any T ≤ T*. Default 0.3. */
  indexThreshold?: number;
}

/** Blocks holding one prefix element: parallel arrays, sorted by block size when `sorted`. */
interface PostingList {
  sizes: number[];
  ids: number[];
  /** Position of the element in the block's global order (for the position filter). */
  positions: number[];
  sorted: boolean;
}

function sortBySize(list: PostingList): void {
  const order = list.ids.map((_, k) => k).sort((a, b) => list.sizes[a]! - list.sizes[b]! || a - b);
  list.sizes = order.map((k) => list.sizes[k]!);
  list.ids = order.map((k) => list.ids[k]!);
  list.positions = order.map((k) => list.positions[k]!);
  list.sorted = true;
}

function firstAtLeast(sizes: number[], lo: number): number {
  let a = 0;
  let b = sizes.length;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (sizes[mid]! < lo) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** In-memory `BlockStore`: arrays and a Map of posting lists. For tests and one-off scans. */
export function createMemoryBlockStore(options: MemoryStoreOptions = {}): BlockStore {
  const indexThreshold = options.indexThreshold ?? DEFAULT_THRESHOLD;
  checkThreshold(indexThreshold);
  const blocks: StoredBlock[] = [];
  let postings = new Map<number, PostingList>();
  let frozen = new Map<number, number>();
  const frequency = (key: number): number => frozen.get(key) ?? 0;
  // Per-block stamp of the last query that met it: dedupes candidates without a Set per query.
  let stamps = new Uint32Array(1024);
  let met = new Int32Array(1024);
  let query = 0;

  const post = (b: StoredBlock): void => {
    const n = b.hashes.length;
    for (const [j, key] of prefixOf(b.hashes, indexThreshold, frequency).entries()) {
      let list = postings.get(key);
      if (list === undefined) {
        list = { sizes: [], ids: [], positions: [], sorted: true };
        postings.set(key, list);
      }
      if (list.sizes.length > 0 && list.sizes[list.sizes.length - 1]! > n) list.sorted = false;
      list.sizes.push(n);
      list.ids.push(b.id);
      list.positions.push(j);
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
        const grownMet = new Int32Array(grown.length);
        grownMet.set(met);
        met = grownMet;
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
      // met[id]: prefix meetings so far with this query, or -1 once the position filter ruled it out.
      const touched: number[] = [];
      for (const [i, key] of prefixOf(queryHashes, threshold, frequency).entries()) {
        const list = postings.get(key);
        if (list === undefined) continue;
        if (!list.sorted) sortBySize(list);
        for (let k = firstAtLeast(list.sizes, lo); k < list.sizes.length && list.sizes[k]! <= hi; k++) {
          const id = list.ids[k]!;
          if (stamps[id] !== query) {
            stamps[id] = query;
            met[id] = 0;
            touched.push(id);
          } else if (met[id]! < 0) continue;
          met[id] = positionAllows(n1, i, list.sizes[k]!, list.positions[k]!, met[id]!, threshold)
            ? met[id]! + 1
            : -1;
        }
      }
      const out: StoredBlock[] = [];
      for (const id of touched) if (met[id]! > 0) out.push(blocks[id]!);
      return out;
    },
    candidatesIn(regionHashes: ArrayLike<number>, threshold: number, minLines: number): StoredBlock[] {
      checkThreshold(threshold);
      if (threshold > indexThreshold)
        throw new RangeError(
          `clone threshold ${threshold} is above the index threshold ${indexThreshold}; rebuild the index with a higher one`,
        );
      const n = regionHashes.length;
      if (n < minLines) return [];
      const { lo, hi } = regionSizeRange(n, threshold, minLines);
      query = (query + 1) >>> 0 || 1;
      const out: StoredBlock[] = [];
      for (const key of new Set(elementsOf(regionHashes))) {
        const list = postings.get(key);
        if (list === undefined) continue;
        if (!list.sorted) sortBySize(list);
        for (let k = firstAtLeast(list.sizes, lo); k < list.sizes.length && list.sizes[k]! <= hi; k++) {
          const id = list.ids[k]!;
          if (stamps[id] === query) continue;
          stamps[id] = query;
          out.push(blocks[id]!);
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
      // Posting in size order leaves every list sorted, so no query pays for sorting one.
      for (const b of blocks.slice().sort((x, y) => x.hashes.length - y.hashes.length || x.id - y.id))
        post(b);
    },
  };
}
