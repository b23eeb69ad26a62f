/**
 * Clone-retrieval benchmark on real code: extracts every block of ≥ minLines normalized lines from the
 * HEAD tree of each git directory given, indexes them (memory and SQLite), then runs a sample of query
 * blocks (real blocks and perturbed copies) through brute-force NiCad and through the index, checks
 * that both find the same pairs, and prints query times.
 *
 *   node dist/bench/cloneBench.js [--queries 1000] [--min-lines 10] [--threshold 0.3] [--seed 1] GITDIR...
 *
 * The code it reads stays where it is: files are read from the git directories at run time only.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { Rng } from "../fixtures/rng.js";
import { findBlocks } from "../src/blocks/findBlocks.js";
import { languageOf } from "../src/blocks/languageOf.js";
import { normalizeFile } from "../src/blocks/normalizeBlock.js";
import { findClones, findClonesBruteForce } from "../src/clones/findClones.js";
import { createMemoryBlockStore } from "../src/clones/memoryBlockStore.js";
import type { BlockStore, StoredBlock } from "../src/clones/types.js";
import { gitSync as gitBytes } from "../src/git/run.js";
import { openBlockStore } from "../src/index/blockStore.js";

interface Args {
  dirs: string[];
  queries: number;
  minLines: number;
  threshold: number;
  seed: number;
}

const USAGE =
  "usage: node dist/bench/cloneBench.js [--queries N] [--min-lines N] [--threshold T] [--seed N] GITDIR...";

function parseArgs(argv: string[]): Args {
  const args: Args = { dirs: [], queries: 1000, minLines: 10, threshold: 0.3, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v)) throw new Error(`${a} needs a number\n${USAGE}`);
      return v;
    };
    if (a === "--queries") args.queries = value();
    else if (a === "--min-lines") args.minLines = value();
    else if (a === "--threshold") args.threshold = value();
    else if (a === "--seed") args.seed = value();
    else if (a.startsWith("--")) throw new Error(`unknown option ${a}\n${USAGE}`);
    else args.dirs.push(a);
  }
  if (args.dirs.length === 0) throw new Error(USAGE);
  return args;
}

/** Formats that hold data or prose, not code blocks. */
const NOT_CODE = new Set([
  "json",
  "json5",
  "markdown",
  "txt",
  "csv",
  "yaml",
  "toml",
  "ini",
  "properties",
  "markup",
]);
const MAX_FILE_BYTES = 1 << 20;

interface Corpus {
  blocks: Array<{ hashes: number[]; ref: string }>;
  files: number;
  sourceLines: number;
  tokenizeMs: number;
  normalizeMs: number;
  normalizedLines: number;
  perRepo: Map<string, number>;
}

/*
 * `git ls-tree -r -z HEAD` (https://git-scm.com/docs/git-ls-tree#_output_format), NUL-separated:
 *   100644 blob 3b18e512dba79e4c8300dd08aeb37f8e728b8dad\tsrc/main/java/A.java\0
 * `git cat-file --batch` (https://git-scm.com/docs/git-cat-file#_batch_output), per object:
 *   3b18e512dba79e4c8300dd08aeb37f8e728b8dad blob 1234\n<1234 bytes>\n
 */
function readHeadFiles(gitDir: string): Array<{ path: string; text: string }> {
  const entries: Array<{ path: string; sha: string }> = [];
  for (const rec of gitBytes(gitDir, ["ls-tree", "-r", "-z", "HEAD"]).toString("utf8").split("\0")) {
    const tab = rec.indexOf("\t");
    if (tab < 0) continue;
    const [mode, type, sha] = rec.slice(0, tab).split(" ");
    const file = rec.slice(tab + 1);
    if (type !== "blob" || mode === "120000" || sha === undefined) continue;
    const lang = languageOf(file);
    if (lang === undefined || NOT_CODE.has(lang)) continue;
    entries.push({ path: file, sha });
  }
  const out = gitBytes(gitDir, ["cat-file", "--batch"], `${entries.map((e) => e.sha).join("\n")}\n`);
  const files: Array<{ path: string; text: string }> = [];
  let at = 0;
  for (const e of entries) {
    const nl = out.indexOf(10, at);
    const header = out.toString("latin1", at, nl).split(" ");
    const size = Number(header[2]);
    const body = out.subarray(nl + 1, nl + 1 + size);
    at = nl + 1 + size + 1;
    if (size > MAX_FILE_BYTES || body.includes(0)) continue;
    files.push({ path: e.path, text: body.toString("utf8") });
  }
  return files;
}

function extract(dirs: string[], minLines: number): Corpus {
  const corpus: Corpus = {
    blocks: [],
    files: 0,
    sourceLines: 0,
    tokenizeMs: 0,
    normalizeMs: 0,
    normalizedLines: 0,
    perRepo: new Map(),
  };
  for (const dir of dirs) {
    const name = path.basename(path.dirname(dir)) === "" ? dir : `${path.basename(path.dirname(dir))}`;
    let count = 0;
    for (const file of readHeadFiles(dir)) {
      const lang = languageOf(file.path)!;
      const lines = file.text.split("\n");
      // Minified or generated-looking files: very long lines carry no block structure worth matching.
      if (lines.length > 0 && file.text.length / lines.length > 300) continue;
      corpus.files++;
      corpus.sourceLines += lines.length;
      let t0 = performance.now();
      const normalize = normalizeFile(lines, lang);
      corpus.tokenizeMs += performance.now() - t0;
      t0 = performance.now();
      for (const b of findBlocks(lines, lang, { minLines: 3, maxLines: 500 })) {
        const n = normalize(b.start, b.end);
        corpus.normalizedLines += n.lines.length;
        if (n.hashes.length < minLines) continue;
        corpus.blocks.push({ hashes: n.hashes, ref: `${name}:${file.path}:${b.start}-${b.end}` });
        count++;
      }
      corpus.normalizeMs += performance.now() - t0;
    }
    corpus.perRepo.set(name, count);
    process.stderr.write(`  read ${name}: ${count} blocks\n`);
  }
  return corpus;
}

/** Uniform floats in [0, 1) from the fixtures' seeded generator. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/** Half real blocks, half copies with up to 30% of their lines deleted, inserted or replaced. */
function sampleQueries(blocks: Array<{ hashes: number[] }>, count: number, seed: number): number[][] {
  const rand = rng(seed);
  const pick = (): number[] => blocks[Math.floor(rand() * blocks.length)]!.hashes;
  const queries: number[][] = [];
  for (let q = 0; q < count; q++) {
    const base = pick();
    if (q % 2 === 0) {
      queries.push(base);
      continue;
    }
    const copy = base.slice();
    const edits = Math.floor(rand() * (0.3 * base.length + 1));
    for (let e = 0; e < edits; e++) {
      const donor = pick();
      const line = donor[Math.floor(rand() * donor.length)]!;
      const at = Math.floor(rand() * copy.length);
      const op = rand();
      if (op < 1 / 3 && copy.length > 1) copy.splice(at, 1);
      else if (op < 2 / 3) copy.splice(at, 0, line);
      else copy[at] = line;
    }
    queries.push(copy);
  }
  return queries;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function timing(ms: number[]): { median: number; p95: number; mean: number } {
  const s = ms.slice().sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p95: quantile(s, 0.95), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const fmt = (ms: number): string => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);

function runIndexed(
  store: BlockStore,
  queries: number[][],
  brute: Array<Set<number>>,
  options: { threshold: number; minLines: number },
  idOffset: number,
): { times: number[]; cpu: number[]; pairs: number; missed: number; extra: number; candidates: number[] } {
  const times: number[] = [];
  const cpu: number[] = [];
  const candidates: number[] = [];
  let pairs = 0;
  let missed = 0;
  let extra = 0;
  for (const [i, q] of queries.entries()) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const found = findClones({ hashes: q }, store, { ...options, align: false });
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    candidates.push(store.candidates(q, options.threshold, options.minLines).length);
    pairs += found.length;
    const expected = brute[i]!;
    const got = new Set(found.map((m) => m.id - idOffset));
    for (const id of expected) if (!got.has(id)) missed++;
    for (const id of got) if (!expected.has(id)) extra++;
  }
  return { times, cpu, pairs, missed, extra, candidates };
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const options = { threshold: args.threshold, minLines: args.minLines };

  let t0 = performance.now();
  const corpus = extract(args.dirs, args.minLines);
  const extractMs = performance.now() - t0;
  console.log(
    `corpus: ${corpus.blocks.length} blocks of ≥ ${args.minLines} normalized lines from ${corpus.files} files ` +
      `(${corpus.sourceLines} source lines) in ${(extractMs / 1000).toFixed(1)} s`,
  );
  for (const [repo, n] of corpus.perRepo) console.log(`  ${repo}: ${n} blocks`);
  console.log(
    `  tokenize (once per file): ${(corpus.tokenizeMs / 1000).toFixed(1)} s, ` +
      `${((corpus.tokenizeMs / corpus.sourceLines) * 1000).toFixed(1)} µs per source line; ` +
      `blocks + normalize: ${(corpus.normalizeMs / 1000).toFixed(1)} s for ${corpus.normalizedLines} normalized lines`,
  );

  t0 = performance.now();
  const memory = createMemoryBlockStore({ indexThreshold: args.threshold });
  for (const b of corpus.blocks) memory.add(b);
  memory.freeze();
  console.log(`memory index: built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-clonebench-"));
  const db = new Database(path.join(dir, "index.db"));
  try {
    db.pragma("journal_mode = WAL");
    t0 = performance.now();
    const sqlite = openBlockStore(db, { indexThreshold: args.threshold });
    sqlite.addMany(corpus.blocks);
    sqlite.freeze();
    const dbBytes = fs.statSync(path.join(dir, "index.db")).size;
    console.log(
      `sqlite index: built in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(dbBytes / 1e6).toFixed(0)} MB ` +
        "(postings of prefixes only)",
    );

    const queries = sampleQueries(corpus.blocks, args.queries, args.seed);
    const all: StoredBlock[] = memory.all();
    const bruteTimes: number[] = [];
    const bruteCpu: number[] = [];
    const brute: Array<Set<number>> = [];
    let brutePairs = 0;
    t0 = performance.now();
    for (const q of queries) {
      const c0 = process.cpuUsage();
      const s = performance.now();
      const found = findClonesBruteForce({ hashes: q }, all, { ...options, align: false });
      bruteTimes.push(performance.now() - s);
      const c = process.cpuUsage(c0);
      bruteCpu.push((c.user + c.system) / 1000);
      brute.push(new Set(found.map((m) => m.id)));
      brutePairs += found.length;
    }
    console.log(
      `brute force: ${queries.length} queries × ${all.length} blocks in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    // Memory ids start at 0, SQLite rowids at 1, in the same insertion order.
    const mem = runIndexed(memory, queries, brute, options, 0);
    const sql = runIndexed(sqlite, queries, brute, options, 1);

    const b = timing(bruteTimes);
    const m = timing(mem.times);
    const s = timing(sql.times);
    const c = timing(mem.candidates);
    console.log(
      `\nT = ${args.threshold}, minLines = ${args.minLines}, ${queries.length} queries (half real blocks, half perturbed copies)`,
    );
    console.log(
      `pairs found   brute force ${brutePairs}   memory index ${mem.pairs}   sqlite index ${sql.pairs}`,
    );
    console.log(
      `lossless      memory: ${mem.missed} missed, ${mem.extra} extra   sqlite: ${sql.missed} missed, ${sql.extra} extra`,
    );
    console.log(`candidates    median ${c.median}   p95 ${c.p95} per query (of ${all.length} blocks)`);
    const bc = timing(bruteCpu);
    const mc = timing(mem.cpu);
    const sc = timing(sql.cpu);
    console.log("query time    wall: median  p95         mean        cpu: median  p95");
    const row = (name: string, w: ReturnType<typeof timing>, c: ReturnType<typeof timing>): void =>
      console.log(
        `  ${name.padEnd(11)} ${fmt(w.median).padEnd(11)} ${fmt(w.p95).padEnd(11)} ${fmt(w.mean).padEnd(11)} ` +
          `${fmt(c.median).padEnd(11)} ${fmt(c.p95)}`,
      );
    row("brute force", b, bc);
    row("memory", m, mc);
    row("sqlite", s, sc);
    console.log(
      `  (load average while querying: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs)`,
    );
    console.log(
      `speed-up (brute / index, median)   memory ${(b.median / m.median).toFixed(0)}×   sqlite ${(b.median / s.median).toFixed(0)}×`,
    );
    const lossless = mem.missed === 0 && sql.missed === 0 && mem.extra === 0 && sql.extra === 0;
    const fast = m.p95 <= 1 && s.p95 <= 1;
    console.log(
      `acceptance    lossless: ${lossless ? "yes" : "NO"}   indexed p95 ≤ 1 ms: memory ${m.p95 <= 1 ? "yes" : "NO"}, sqlite ${s.p95 <= 1 ? "yes" : "NO"}`,
    );
    return lossless && fast ? 0 : 1;
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(2);
    },
  );
}
