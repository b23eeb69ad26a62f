import type { Database, Statement } from "better-sqlite3";
import { elementsOf, prefixOf, sizeRange } from "../clones/prefixFilter.js";
import type { BlockInput, BlockStore, StoredBlock } from "../clones/types.js";
import { checkThreshold, DEFAULT_THRESHOLD } from "../clones/verify.js";

/**
 * SQLite tables of the clone index:
 * - clone_blocks: one row per block, its normalized line hashes as a little-endian uint32 BLOB;
 * - clone_postings: (element key, block size, block id) for every element of each block's prefix —
 *   the primary key serves "blocks with this prefix element and a size in [lo, hi]" from one range;
 * - clone_key_freq: the frozen frequency table that orders elements (keys seen at least twice);
 * - clone_meta: the index threshold T* the prefixes were built with.
 */
export function createBlockTables(db: Database): void {
  db.exec(`
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
  `);
}

function encode(hashes: ArrayLike<number>): Buffer {
  const buf = Buffer.allocUnsafe(hashes.length * 4);
  for (let i = 0; i < hashes.length; i++) buf.writeUInt32LE(hashes[i]! >>> 0, i * 4);
  return buf;
}

function decode(buf: Buffer): Uint32Array {
  const out = new Uint32Array(buf.length >>> 2);
  for (let i = 0; i < out.length; i++) out[i] = buf.readUInt32LE(i * 4);
  return out;
}

export interface SqliteBlockStore extends BlockStore {
  /** Adds many blocks in one transaction; returns their ids in order. */
  addMany(blocks: Iterable<BlockInput>): number[];
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
 * when missing. Element frequencies are read once into memory and refreshed by `freeze()`.
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
    "INSERT OR IGNORE INTO clone_postings (key, lines, block_id) VALUES (?, ?, ?)",
  );
  const selectPostings = db
    .prepare("SELECT block_id FROM clone_postings WHERE key = ? AND lines BETWEEN ? AND ?")
    .pluck() as Statement<[number, number, number], number>;
  const selectBlock = db.prepare("SELECT id, hashes, ref FROM clone_blocks WHERE id = ?");
  const selectAll = db.prepare("SELECT id, hashes, ref FROM clone_blocks ORDER BY id");
  const countBlocks = db.prepare("SELECT count(*) FROM clone_blocks").pluck();

  let frozen: Map<number, number> | null = null;
  const frequency = (key: number): number => {
    if (frozen === null) {
      frozen = new Map();
      for (const row of db.prepare("SELECT key, freq FROM clone_key_freq").raw().all() as Array<
        [number, number]
      >) {
        frozen.set(row[0], row[1]);
      }
    }
    return frozen.get(key) ?? 0;
  };

  const toStored = (row: { id: number; hashes: Buffer; ref: string | null }): StoredBlock => ({
    id: row.id,
    hashes: decode(row.hashes),
    ref: row.ref,
  });
  const post = (id: number, hashes: ArrayLike<number>): void => {
    for (const key of prefixOf(hashes, indexThreshold, frequency)) insertPosting.run(key, hashes.length, id);
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
    frozen = new Map();
    for (const [key, count] of counts) {
      if (count < 2) continue;
      insertFreq.run(key, count);
      frozen.set(key, count);
    }
    for (const b of blocks) post(b.id, b.hashes);
    setMeta.run("index_threshold", String(indexThreshold));
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
      const ids = new Set<number>();
      for (const key of prefixOf(queryHashes, threshold, frequency)) {
        for (const id of selectPostings.iterate(key, lo, hi)) ids.add(id);
      }
      const out: StoredBlock[] = [];
      for (const id of ids) {
        const row = selectBlock.get(id) as { id: number; hashes: Buffer; ref: string | null } | undefined;
        if (row !== undefined) out.push(toStored(row));
      }
      return out;
    },
    all,
    freeze,
  };
}
