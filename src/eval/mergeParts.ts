/**
 * Merging the parts of a sharded export (`dejafix dataset --shard i/n`, `dejafix corpus --shard i/n`)
 * into the file one process would have written over every repository: same header, same records in
 * the same order, byte for byte. A part is JSON Lines; its first line is the export's header plus a
 * `shard` entry, every other line a record whose `repo` names its repository:
 *
 *   {"dejafix_dataset":1,"metrics":[...],"token_hash":{...},"shard":{"index":1,"count":2,"repos":3,
 *     "settings":{"labels":"szz","label_latency_days":90},"names":[{"position":1,"name":"b"}]}}
 *   {"repo":"b","commit":"<sha>",...}
 *
 * The merge refuses parts whose headers differ (another metrics list or token hash: another dejafix),
 * whose settings differ, a shard given twice or missing, and records out of their repository's place.
 */

import { createReadStream } from "node:fs";
import { basename, resolve } from "node:path";
import { createInterface } from "node:readline";
import { writeLinesAtomically } from "./lineFile.js";

export interface ShardHeader {
  index: number;
  count: number;
  /** Repositories in the whole export (every shard was given the same list). */
  repos: number;
  /** Export options every part must share (labels, latency...). */
  settings: Record<string, unknown>;
  /** This part's repositories: position in the whole list, and the name its records carry. */
  names: Array<{ position: number; name: string }>;
}

/** What sets one kind of export apart: the header key that names it and the command that writes it. */
export interface PartKind {
  /** Key of the header line (`dejafix_dataset`, `dejafix_corpus`). */
  key: string;
  /** The command that writes the parts, for messages. */
  command: string;
}

export class MergeError extends Error {}

export interface MergeSummary {
  out: string;
  parts: number;
  repos: number;
  records: number;
}

interface Part {
  file: string;
  header: Record<string, unknown>;
  shard: ShardHeader;
  stream: NodeJS.ReadableStream & { destroy(): void };
  lines: AsyncIterator<string>;
  peeked: string | undefined;
  lineNo: number;
  done: boolean;
}

function name(file: string): string {
  return basename(file);
}

async function openPart(file: string, kind: PartKind): Promise<Part> {
  const stream = createReadStream(file, { encoding: "utf8" });
  const opened = new Promise<void>((ok, fail) => {
    stream.once("open", () => ok());
    stream.once("error", (e) => fail(new MergeError(`cannot read part ${file}: ${(e as Error).message}`)));
  });
  await opened;
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })[
    Symbol.asyncIterator
  ]();
  const first = await lines.next();
  const fail = (why: string): never => {
    stream.destroy();
    throw new MergeError(`${name(file)} is not a part of \`${kind.command} --shard\`: ${why}`);
  };
  if (first.done) return fail("it is empty");
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(first.value) as Record<string, unknown>;
  } catch {
    return fail("its first line is not JSON");
  }
  if (header === null || typeof header !== "object" || !(kind.key in header))
    return fail(`its first line has no "${kind.key}" header`);
  const shard = header.shard as ShardHeader | undefined;
  if (
    !shard ||
    !Number.isInteger(shard.index) ||
    !Number.isInteger(shard.count) ||
    !Number.isInteger(shard.repos) ||
    !Array.isArray(shard.names)
  )
    return fail("its header says no shard (a whole export needs no merge)");
  return { file, header, shard, stream, lines, peeked: undefined, lineNo: 1, done: false };
}

/** The header of the merged file: the part's header without its shard entry, keys in their order. */
function baseHeader(header: Record<string, unknown>): Record<string, unknown> {
  const { shard: _shard, ...rest } = header;
  return rest;
}

function checkParts(parts: Part[], kind: PartKind): void {
  const [first, ...rest] = parts;
  if (!first) throw new MergeError("no part given: pass the part files the shards wrote");
  const base = JSON.stringify(baseHeader(first.header));
  const settings = JSON.stringify(first.shard.settings ?? {});
  for (const p of rest) {
    if (JSON.stringify(baseHeader(p.header)) !== base)
      throw new MergeError(
        `${name(p.file)} and ${name(first.file)} have different headers (metrics list, token hash or format version): ` +
          `export every shard with the same dejafix version, then merge again`,
      );
    if (JSON.stringify(p.shard.settings ?? {}) !== settings)
      throw new MergeError(
        `${name(p.file)} was exported with other options than ${name(first.file)} ` +
          `(${JSON.stringify(p.shard.settings)} vs ${JSON.stringify(first.shard.settings)}): give every shard the same options`,
      );
    if (p.shard.count !== first.shard.count || p.shard.repos !== first.shard.repos)
      throw new MergeError(
        `${name(p.file)} is shard ${p.shard.index} of ${p.shard.count} over ${p.shard.repos} repositories, ` +
          `${name(first.file)} shard ${first.shard.index} of ${first.shard.count} over ${first.shard.repos}: ` +
          `the parts come from different runs; give every shard the same --repo list and shard count`,
      );
  }
  const count = first.shard.count;
  const byIndex = new Map<number, Part>();
  for (const p of parts) {
    const twin = byIndex.get(p.shard.index);
    if (twin)
      throw new MergeError(
        `${name(twin.file)} and ${name(p.file)} are both shard ${p.shard.index} of ${count}: give each shard's part once`,
      );
    byIndex.set(p.shard.index, p);
  }
  const missing = [...Array(count).keys()].filter((i) => !byIndex.has(i));
  if (missing.length > 0)
    throw new MergeError(
      `shard${missing.length > 1 ? "s" : ""} ${missing.join(", ")} of ${count} missing: ` +
        `run \`${kind.command} --shard ${missing[0]}/${count}\` (same repositories and options) and pass its part too`,
    );
  const names = new Map<string, string>();
  for (const p of parts) {
    const positions = p.shard.names.map((n) => n.position);
    const expected = [...Array(first.shard.repos).keys()].filter((k) => k % count === p.shard.index);
    if (JSON.stringify(positions) !== JSON.stringify(expected))
      throw new MergeError(
        `${name(p.file)} lists repositories ${positions.join(", ") || "none"} but shard ${p.shard.index} of ${count} ` +
          `owns ${expected.join(", ") || "none"}: it was not written by \`${kind.command}\` of this version`,
      );
    for (const n of p.shard.names) {
      const other = names.get(n.name);
      if (other !== undefined)
        throw new MergeError(
          `two repositories are both named "${n.name}" (in ${other} and ${name(p.file)}): give each a distinct --name so their records stay apart`,
        );
      names.set(n.name, name(p.file));
    }
  }
}

async function peek(p: Part): Promise<string | undefined> {
  while (p.peeked === undefined && !p.done) {
    const next = await p.lines.next();
    if (next.done) {
      p.done = true;
      break;
    }
    p.lineNo++;
    if (next.value !== "") p.peeked = next.value;
  }
  return p.peeked;
}

function repoOf(p: Part, line: string): string {
  try {
    const rec = JSON.parse(line) as { repo?: unknown };
    if (typeof rec.repo === "string") return rec.repo;
  } catch {
    // reported below
  }
  throw new MergeError(
    `${name(p.file)}:${p.lineNo}: not a record (a truncated or damaged part?): export that shard again`,
  );
}

/**
 * Merges the parts into `out` (written next to it and renamed at the end): repositories in the order
 * the shards were given them, each with its records in the order its shard wrote them.
 */
export async function mergeParts(files: string[], out: string, kind: PartKind): Promise<MergeSummary> {
  const parts: Part[] = [];
  try {
    for (const f of files) parts.push(await openPart(resolve(f), kind));
    checkParts(parts, kind);
    const first = parts[0]!;
    const count = first.shard.count;
    const byIndex = new Map(parts.map((p) => [p.shard.index, p]));
    const target = resolve(out);
    let records = 0;
    await writeLinesAtomically(target, async (file) => {
      file.write(JSON.stringify(baseHeader(first.header)));
      for (let position = 0; position < first.shard.repos; position++) {
        const p = byIndex.get(position % count)!;
        const repo = p.shard.names.find((n) => n.position === position)!.name;
        for (let line = await peek(p); line !== undefined && repoOf(p, line) === repo; line = await peek(p)) {
          file.write(line);
          p.peeked = undefined;
          records++;
        }
      }
      for (const p of parts) {
        const left = await peek(p);
        if (left !== undefined)
          throw new MergeError(
            `${name(p.file)}:${p.lineNo}: a record of "${repoOf(p, left)}" out of its repository's place or not listed in the part's header: export that shard again`,
          );
      }
    });
    return { out: target, parts: parts.length, repos: first.shard.repos, records };
  } finally {
    for (const p of parts) p.stream.destroy();
  }
}
