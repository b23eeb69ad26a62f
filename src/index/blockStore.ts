import { elementsOf, positionAllows, prefixOf, regionSizeRange, sizeRange } from "../clones/prefixFilter.js";
import type { BlockInput, BlockStore, StoredBlock } from "../clones/types.js";
import { checkThreshold, DEFAULT_THRESHOLD } from "../clones/verify.js";
import { sqlite } from "./connection.js";
import type { SqlDatabase as Database } from "./sqlite.js";
import type { IndexStore } from "./store.js";

/**
 * SQLite tables of the clone index:
 * - clone_blocks: one row per block, its normalized line hashes as a little-endian uint32 BLOB;
 * - clone_postings: (element key, block size, block id, position of the element in the block's order)
 *   for every element of each block's prefix — the primary key serves "blocks with this prefix element
 *   and a size in [lo, hi]" from one range, the position feeds the position filter;
 * - clone_key_freq: the frozen frequency table that orders elements (keys seen at least twice);
 * - clone_meta: the index threshold T* the prefixes were built with.
 */
export const CLONE_TABLES_SQL = `
    CREATE TABLE IF NOT EXISTS clone_blocks (
      id INTEGER PRIMARY KEY,
      lines INTEGER NOT NULL,
      hashes BLOB NOT NULL,
      ref TEXT
    );
    CREATE TABLE IF NOT EXISTS clone_postings (
      key INTEGER NOT NULL,
      lines INTEGER NOT NULL,
      block_id INTEGER NOT NULL,
      pos INTEGER NOT NULL,
      PRIMARY KEY (key, lines, block_id)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS clone_key_freq (
      key INTEGER PRIMARY KEY,
      freq INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS clone_meta (
      name TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID;
  `;

/** The clone index of an index file (its `clone_*` tables). */
export function cloneIndex(store: IndexStore, options: OpenBlockStoreOptions = {}): SqliteBlockStore {
  return openBlockStore(sqlite(store), options);
}

/** Creates the clone tables where the migrations did not (a database of its own, in tests and benches). */
export function createBlockTables(db: Database): void {
  db.exec(CLONE_TABLES_SQL);
}

function encode(hashes: ArrayLike<number>): Buffer {
  const buf = Buffer.allocUnsafe(hashes.length * 4);
  for (let i = 0; i < hashes.length; i++) buf.writeUInt32LE(hashes[i]! >>> 0, i * 4);
  return buf;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function decode(buf: Buffer): Uint32Array {
  // Copying into a fresh Uint8Array gives an aligned buffer the typed array can view directly.
  if (LITTLE_ENDIAN) return new Uint32Array(new Uint8Array(buf).buffer);
  const out = new Uint32Array(buf.length >>> 2);
  for (let i = 0; i < out.length; i++) out[i] = buf.readUInt32LE(i * 4);
  return out;
}

export interface SqliteBlockStore extends BlockStore {
  /** Adds many blocks in one transaction; returns their ids in order. */
  addMany(blocks: Iterable<BlockInput>): number[];
  /** Whether the frequencies were recounted since the last block was added (false after a killed build). */
  frozen(): boolean;
}

export interface OpenBlockStoreOptions {
  /**
   * T* for stored prefixes. Default: the one recorded in the database, else 0.3. Passing a different
   * value than the recorded one rewrites every prefix (a one-off cost proportional to the index).
   */
  indexThreshold?: number;
}

/**
 * The SQLite `BlockStore`. The caller owns `db` (better-sqlite3) and its lifetime; tables are created
 * when missing. Element frequencies are looked up per block and cached until `freeze()` rewrites them.
 */
export function openBlockStore(db: Database, options: OpenBlockStoreOptions = {}): SqliteBlockStore {
  createBlockTables(db);
  const getMeta = db.prepare("SELECT value FROM clone_meta WHERE name = ?").pluck();
  const setMeta = db.prepare("INSERT OR REPLACE INTO clone_meta (name, value) VALUES (?, ?)");
  const recorded = getMeta.get("index_threshold") as string | undefined;
  const indexThreshold =
    options.indexThreshold ?? (recorded !== undefined ? Number(recorded) : DEFAULT_THRESHOLD);
  checkThreshold(indexThreshold);

  const insertBlock = db.prepare("INSERT INTO clone_blocks (lines, hashes, ref) VALUES (?, ?, ?)");
  const insertPosting = db.prepare(
    "INSERT OR IGNORE INTO clone_postings (key, lines, block_id, pos) VALUES (?, ?, ?, ?)",
  );
  // The prefix keys go in as one JSON array; the primary key of clone_postings serves each
  // (key, size range) lookup. Survivors of the position filter are then read in one statement.
  const selectPostings = db
    .prepare(
      `SELECT key, block_id, lines, pos FROM clone_postings
       WHERE key IN (SELECT value FROM json_each(?)) AND lines BETWEEN ? AND ?`,
    )
    .raw();
  const selectBlocks = db
    .prepare("SELECT id, hashes, ref FROM clone_blocks WHERE id IN (SELECT value FROM json_each(?))")
    .raw();
  const selectFreqs = db
    .prepare("SELECT key, freq FROM clone_key_freq WHERE key IN (SELECT value FROM json_each(?))")
    .raw();
  const selectBlock = db.prepare("SELECT id, hashes, ref FROM clone_blocks WHERE id = ?");
  const selectAll = db.prepare("SELECT id, hashes, ref FROM clone_blocks ORDER BY id");
  const countBlocks = db.prepare("SELECT count(*) FROM clone_blocks").pluck();

  // Frozen frequencies are read per block (only its own keys), so opening a large index stays cheap;
  // keys already looked up, found or not, are remembered until the next freeze.
  // Another connection may re-freeze the table: its generation number tells this cache to start over.
  let known = new Map<number, number>();
  let generation = getMeta.get("freeze_generation") as string | undefined;
  const frequency = (key: number): number => known.get(key) ?? 0;
  const loadFrequencies = (hashes: ArrayLike<number>): void => {
    const current = getMeta.get("freeze_generation") as string | undefined;
    if (current !== generation) {
      known = new Map();
      generation = current;
    }
    const missing = elementsOf(hashes).filter((k) => !known.has(k));
    if (missing.length === 0) return;
    for (const k of missing) known.set(k, 0);
    for (const [key, freq] of selectFreqs.all(JSON.stringify(missing)) as Array<[number, number]>)
      known.set(key, freq);
  };

  const toStored = (row: { id: number; hashes: Buffer; ref: string | null }): StoredBlock => ({
    id: row.id,
    hashes: decode(row.hashes),
    ref: row.ref,
  });
  const post = (id: number, hashes: ArrayLike<number>): void => {
    loadFrequencies(hashes);
    for (const [j, key] of prefixOf(hashes, indexThreshold, frequency).entries()) {
      insertPosting.run(key, hashes.length, id, j);
    }
  };
  const addOne = (block: BlockInput): number => {
    const id = Number(
      insertBlock.run(block.hashes.length, encode(block.hashes), block.ref ?? null).lastInsertRowid,
    );
    post(id, block.hashes);
    return id;
  };
  const addMany = db.transaction((blocks: Iterable<BlockInput>): number[] => {
    const ids: number[] = [];
    for (const b of blocks) ids.push(addOne(b));
    return ids;
  });
  const all = (): StoredBlock[] =>
    (selectAll.all() as Array<{ id: number; hashes: Buffer; ref: string | null }>).map(toStored);

  const freeze = db.transaction((): void => {
    const blocks = all(); // read fully first: better-sqlite3 cannot write while a statement iterates
    const counts = new Map<number, number>();
    for (const b of blocks) for (const e of elementsOf(b.hashes)) counts.set(e, (counts.get(e) ?? 0) + 1);
    db.exec("DELETE FROM clone_key_freq; DELETE FROM clone_postings;");
    const insertFreq = db.prepare("INSERT INTO clone_key_freq (key, freq) VALUES (?, ?)");
    known = new Map();
    for (const [key, count] of counts) {
      if (count >= 2) insertFreq.run(key, count);
      known.set(key, count >= 2 ? count : 0);
    }
    for (const b of blocks) post(b.id, b.hashes);
    setMeta.run("index_threshold", String(indexThreshold));
    generation = String(Number(getMeta.get("freeze_generation") ?? 0) + 1);
    setMeta.run("freeze_generation", generation);
    setMeta.run("frozen_blocks", String(blocks.length));
  });

  if (recorded === undefined) setMeta.run("index_threshold", String(indexThreshold));
  else if (Number(recorded) !== indexThreshold) freeze();

  return {
    indexThreshold,
    get size() {
      return countBlocks.get() as number;
    },
    add: (block: BlockInput): number => addMany([block])[0]!,
    addMany,
    frozen: (): boolean => Number(getMeta.get("frozen_blocks") ?? 0) === (countBlocks.get() as number),
    get(id: number): StoredBlock | undefined {
      const row = selectBlock.get(id) as { id: number; hashes: Buffer; ref: string | null } | undefined;
      return row === undefined ? undefined : toStored(row);
    },
    candidates(queryHashes: ArrayLike<number>, threshold: number, minLines: number): StoredBlock[] {
      checkThreshold(threshold);
      if (threshold > indexThreshold) {
        throw new RangeError(
          `clone threshold ${threshold} is above the index threshold ${indexThreshold}; reopen the store with indexThreshold ≥ ${threshold} to rebuild it`,
        );
      }
      const n1 = queryHashes.length;
      if (n1 === 0 || n1 < minLines) return [];
      const { lo, hi } = sizeRange(n1, threshold, minLines);
      loadFrequencies(queryHashes);
      const keys = prefixOf(queryHashes, threshold, frequency);
      const rank = new Map<number, number>();
      for (const [i, key] of keys.entries()) rank.set(key, i);
      const rows = selectPostings.all(JSON.stringify(keys), lo, hi) as Array<
        [number, number, number, number]
      >;
      // Replay the meetings in query order (prefixFilter.ts, Claim 4): -1 marks a ruled-out block.
      rows.sort((a, b) => rank.get(a[0])! - rank.get(b[0])!);
      const met = new Map<number, number>();
      for (const [key, id, lines, pos] of rows) {
        const earlier = met.get(id) ?? 0;
        if (earlier < 0) continue;
        met.set(id, positionAllows(n1, rank.get(key)!, lines, pos, earlier, threshold) ? earlier + 1 : -1);
      }
      const ids: number[] = [];
      for (const [id, count] of met) if (count > 0) ids.push(id);
      if (ids.length === 0) return [];
      const rows2 = selectBlocks.all(JSON.stringify(ids)) as Array<[number, Buffer, string | null]>;
      return rows2.map(([id, hashes, ref]) => ({ id, hashes: decode(hashes), ref }));
    },
    candidatesIn(regionHashes: ArrayLike<number>, threshold: number, minLines: number): StoredBlock[] {
      checkThreshold(threshold);
      if (threshold > indexThreshold)
        throw new RangeError(
          `clone threshold ${threshold} is above the index threshold ${indexThreshold}; reopen the store with indexThreshold ≥ ${threshold} to rebuild it`,
        );
      const n = regionHashes.length;
      if (n < minLines) return [];
      const { lo, hi } = regionSizeRange(n, threshold, minLines);
      const keys = [...new Set(elementsOf(regionHashes))];
      const ids = [
        ...new Set(
          (selectPostings.all(JSON.stringify(keys), lo, hi) as Array<[number, number, number, number]>).map(
            (r) => r[1],
          ),
        ),
      ];
      if (ids.length === 0) return [];
      const rows = selectBlocks.all(JSON.stringify(ids)) as Array<[number, Buffer, string | null]>;
      return rows.map(([id, hashes, ref]) => ({ id, hashes: decode(hashes), ref }));
    },
    all,
    freeze,
  };
}
