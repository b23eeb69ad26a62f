/**
 * The team index's file: one file, a head of three text lines and a compressed copy of the index.
 *
 *   dejafix-index-snapshot/1\n
 *   {"schema":7,"tip":"9f0c…","roots":["1a2b…"],"rulesDigest":"…","modelDigest":"…",…,"payloadSha256":"…"}\n
 *   sha256 <sha256 of the JSON line's bytes>\n
 *   <gzip stream of the SQLite file>
 *
 * The head can be read and judged (schema, repository, digests) before any of the payload is; the
 * third line checks the head, `payloadSha256` and `bytes` check the payload, so a flipped byte, a
 * truncated download or a hand-edited head are told apart from a snapshot of another repository.
 * node:zlib only: gzip is what every CI artifact store and `oras` carry without a second thought.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  createReadStream,
  createWriteStream,
  openSync,
  readSync,
  rmSync,
  statSync,
} from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";

export const SNAPSHOT_MAGIC = "dejafix-index-snapshot/1";
/** The head is a few hundred bytes; more than this is not a snapshot. */
const MAX_HEAD_BYTES = 64 * 1024;

export interface SnapshotMeta {
  /** The index schema version (db.ts) of the copy inside. */
  schema: number;
  /** The commit the copy was mined up to: a clone mines only what is newer. */
  tip: string;
  /** Root commits reachable from `tip`: the repository's identity. */
  roots: string[];
  /** The repository's folder name where it was built (for messages only). */
  repo: string;
  /** What the mining depended on in the rules (src/rules/rulesDigest.ts). */
  rulesDigest: string;
  /** The risk model the stored percentiles belong to (src/model/digest.ts); null: no model. */
  modelDigest: string | null;
  createdAt: string;
  /** The dejafix version that wrote it. */
  dejafix: string;
  compression: "gzip";
  /** Compressed payload bytes, and its sha256. */
  bytes: number;
  payloadSha256: string;
  /** Size of the SQLite file inside. */
  rawBytes: number;
  counts: { commits: number; fixes: number; links: number; defectBlocks: number };
}

/** Why a snapshot is not used; dejafix mines instead. */
export type RefusalKind =
  | "format"
  | "corrupt"
  | "truncated"
  | "schema"
  | "repository"
  | "tip"
  | "rules"
  | "model"
  | "source";

export class SnapshotRefusedError extends Error {
  constructor(
    readonly kind: RefusalKind,
    message: string,
  ) {
    super(message);
    this.name = "SnapshotRefusedError";
  }
}

/** Compresses `dbFile` into `out` with the head built from `meta` (bytes and checksums filled in here). */
export async function packSnapshot(
  dbFile: string,
  out: string,
  meta: Omit<SnapshotMeta, "bytes" | "payloadSha256" | "rawBytes" | "compression">,
): Promise<SnapshotMeta> {
  // The payload first, to a part file: its size and checksum belong in the head that precedes it.
  const part = `${out}.payload`;
  const hash = createHash("sha256");
  let bytes = 0;
  await pipeline(
    createReadStream(dbFile),
    createGzip({ level: 6 }),
    tap((chunk) => {
      hash.update(chunk);
      bytes += chunk.length;
    }),
    createWriteStream(part),
  );
  const full: SnapshotMeta = {
    ...meta,
    compression: "gzip",
    bytes,
    payloadSha256: hash.digest("hex"),
    rawBytes: statSync(dbFile).size,
  };
  const line = JSON.stringify(full);
  const head = `${SNAPSHOT_MAGIC}\n${line}\nsha256 ${sha256(line)}\n`;
  const w = createWriteStream(out);
  w.write(head);
  await pipeline(createReadStream(part), w);
  rmSync(part, { force: true });
  return full;
}

export interface SnapshotHead {
  meta: SnapshotMeta;
  /** Where the payload starts in the file. */
  offset: number;
}

/** Reads and checks the head of a snapshot file: the format, the head's checksum, whether the payload is whole. */
export function readSnapshotHead(file: string): SnapshotHead {
  const fd = openSync(file, "r");
  let text: string;
  let size: number;
  try {
    size = statSync(file).size;
    const buf = Buffer.alloc(Math.min(MAX_HEAD_BYTES, size));
    const n = readSync(fd, buf, 0, buf.length, 0);
    text = buf.subarray(0, n).toString("latin1");
  } finally {
    closeSync(fd);
  }
  const ends: number[] = [];
  for (let i = text.indexOf("\n"); i >= 0 && ends.length < 3; i = text.indexOf("\n", i + 1)) ends.push(i);
  if (!text.startsWith(`${SNAPSHOT_MAGIC}\n`)) {
    if (size === 0 || SNAPSHOT_MAGIC.startsWith(text.slice(0, SNAPSHOT_MAGIC.length)))
      throw new SnapshotRefusedError("truncated", `the file ends after ${size} bytes, before its head`);
    throw new SnapshotRefusedError(
      "format",
      "it is not a dejafix index snapshot (no dejafix-index-snapshot/1 head)",
    );
  }
  if (ends.length < 3) {
    if (size < MAX_HEAD_BYTES)
      throw new SnapshotRefusedError("truncated", `the file ends after ${size} bytes, inside its head`);
    throw new SnapshotRefusedError("format", "its head is not three lines");
  }
  const line = Buffer.from(text.slice(ends[0]! + 1, ends[1]), "latin1").toString("utf8");
  const check = text.slice(ends[1]! + 1, ends[2]);
  if (check !== `sha256 ${sha256(line)}`)
    throw new SnapshotRefusedError("corrupt", "its head does not match its checksum");
  let meta: SnapshotMeta;
  try {
    meta = JSON.parse(line) as SnapshotMeta;
  } catch {
    throw new SnapshotRefusedError("corrupt", "its head is not JSON");
  }
  const offset = ends[2]! + 1;
  if (typeof meta.bytes !== "number" || typeof meta.schema !== "number" || typeof meta.tip !== "string")
    throw new SnapshotRefusedError("format", "its head lacks the schema, tip or size");
  const have = size - offset;
  if (have < meta.bytes)
    throw new SnapshotRefusedError(
      "truncated",
      `it holds ${have} of its ${meta.bytes} bytes (an interrupted download?)`,
    );
  if (have > meta.bytes)
    throw new SnapshotRefusedError("corrupt", `it holds ${have - meta.bytes} bytes more than its head says`);
  return { meta, offset };
}

/** Decompresses the payload of a checked head into `out`, verifying its checksum on the way. */
export async function unpackSnapshot(file: string, head: SnapshotHead, out: string): Promise<void> {
  const hash = createHash("sha256");
  let raw = 0;
  try {
    await pipeline(
      createReadStream(file, { start: head.offset }),
      tap((chunk) => hash.update(chunk)),
      createGunzip(),
      // Never more than the head promised: a payload that inflates without end stops here, not at a full disk.
      tap((chunk) => {
        raw += chunk.length;
        if (raw > head.meta.rawBytes)
          throw new SnapshotRefusedError("corrupt", "its payload decompresses to more than its head says");
      }),
      createWriteStream(out),
    );
  } catch (e) {
    if (e instanceof SnapshotRefusedError) throw e;
    if ((e as NodeJS.ErrnoException).code?.startsWith("Z_"))
      throw new SnapshotRefusedError("corrupt", `its payload does not decompress (${(e as Error).message})`);
    throw e;
  }
  if (hash.digest("hex") !== head.meta.payloadSha256)
    throw new SnapshotRefusedError("corrupt", "its payload does not match its checksum");
  if (statSync(out).size !== head.meta.rawBytes)
    throw new SnapshotRefusedError("corrupt", "its payload decompresses to another size than its head says");
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function tap(f: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      try {
        f(chunk);
      } catch (e) {
        done(e as Error);
        return;
      }
      done(null, chunk);
    },
  });
}
