import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { Rng } from "../fixtures/rng.js";
import { normalizeBlock } from "../src/blocks/normalizeBlock.js";
import {
  findClones,
  findClonesBruteForce,
  findInRegion,
  findInRegionBruteForce,
} from "../src/clones/findClones.js";
import { createMemoryBlockStore } from "../src/clones/memoryBlockStore.js";
import { prefixOf, sizeRange } from "../src/clones/prefixFilter.js";
import type { BlockStore } from "../src/clones/types.js";
import { alignLines, judge, lcsLength, requiredCommon, verify } from "../src/clones/verify.js";
import { openBlockStore } from "../src/index/blockStore.js";
import { openSqlite } from "../src/index/sqlite.js";

/** Uniform floats in [0, 1) from the fixtures' seeded generator. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

function lcsNaive(a: number[], b: number[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i]![j] = a[i - 1] === b[j - 1] ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
  return dp[a.length]![b.length]!;
}

describe("LCS", () => {
  it("bit-parallel length equals the dynamic-programming length, across word boundaries", () => {
    const rand = rng(7);
    for (let trial = 0; trial < 400; trial++) {
      const alphabet = 2 + Math.floor(rand() * 12);
      const a = Array.from(
        { length: Math.floor(rand() * 140) },
        () => Math.floor(rand() * alphabet) * 0x9e3779b1,
      );
      const b = Array.from(
        { length: Math.floor(rand() * 140) },
        () => Math.floor(rand() * alphabet) * 0x9e3779b1,
      );
      const expected = lcsNaive(a, b);
      assert.equal(lcsLength(a, b), expected, `trial ${trial}: |a|=${a.length} |b|=${b.length}`);
      const pairs = alignLines(a, b);
      assert.equal(pairs.length, expected);
      for (let k = 0; k < pairs.length; k++) {
        const [i, j] = pairs[k]!;
        assert.equal(a[i], b[j]);
        if (k > 0) assert.ok(i > pairs[k - 1]![0] && j > pairs[k - 1]![1], "pairs are increasing");
      }
    }
  });
});

describe("verify (NiCad criterion)", () => {
  const base = [
    "public int settle(Account account, List<Payment> payments) {",
    "  int total = 0;",
    "  for (Payment p : payments) {",
    "    if (p.amount() <= 0) {",
    "      continue;",
    "    }",
    "    total += p.amount();",
    "    account.debit(p.amount());",
    "  }",
    '  log.info("settled " + total);',
    "  account.close();",
    "  return total;",
    "}",
  ];
  const a = normalizeBlock(base, "java");

  it("matches a copy with renamed variables, changed literals and an added statement", () => {
    const edited = base
      .map((l) =>
        l.replaceAll("total", "sum").replaceAll("payments", "items").replaceAll("settled ", "done: "),
      )
      .flatMap((l) => (l.includes("account.debit") ? [l, "    audit(p);"] : [l]));
    const b = normalizeBlock(edited, "java");
    assert.equal(b.lines.length, a.lines.length + 1);
    const v = verify(a.hashes, b.hashes, { threshold: 0.3, minLines: 10 });
    assert.equal(v.clone, true);
    assert.equal(v.lcs, a.lines.length);
    assert.equal(v.similarity, a.lines.length / b.lines.length);
  });

  it("matches a copy with a removed statement", () => {
    const b = normalizeBlock(
      base.filter((l) => !l.includes("log.info")),
      "java",
    );
    const v = verify(a.hashes, b.hashes);
    assert.equal(v.clone, true);
    assert.equal(v.lcs, b.lines.length);
  });

  it("does not match unrelated code of the same shape", () => {
    const other = normalizeBlock(
      [
        "private void render(Canvas canvas, List<Shape> shapes) {",
        "  canvas.clear();",
        "  while (canvas.busy()) {",
        "    if (shapes.isEmpty()) {",
        "      break;",
        "    }",
        "    Shape s = shapes.remove(0);",
        "    s.draw(canvas, true);",
        "  }",
        "  canvas.flush();",
        "  stats.count++;",
        "  return;",
        "}",
      ],
      "java",
    );
    assert.equal(other.lines.length, a.lines.length);
    const v = verify(a.hashes, other.hashes);
    assert.equal(v.clone, false);
    assert.ok(v.lcs >= 3, "shared braces and `continue`-like lines exist but stay below the threshold");
  });

  it("enforces the minimum size on both sides", () => {
    const small = normalizeBlock(base.slice(2, 9), "java"); // the for loop: 7 normalized lines
    assert.equal(small.lines.length, 7);
    assert.equal(verify(small.hashes, small.hashes, { minLines: 10 }).clone, false);
    assert.equal(verify(small.hashes, small.hashes, { minLines: 7 }).clone, true);
    assert.equal(verify(a.hashes, small.hashes, { minLines: 7 }).clone, false, "too different in size");
  });

  it("evaluates the threshold exactly at the boundary", () => {
    // n = 10, T = 0.3: 3 missing lines pass, 4 do not; the other side must pass too
    assert.equal(judge(10, 10, 7, { threshold: 0.3, minLines: 1 }).clone, true);
    assert.equal(judge(10, 10, 6, { threshold: 0.3, minLines: 1 }).clone, false);
    assert.equal(judge(10, 7, 7, { threshold: 0.3, minLines: 1 }).clone, true);
    assert.equal(judge(10, 20, 10, { threshold: 0.3, minLines: 1 }).clone, false);
  });

  it("derives the admissible size range exactly", () => {
    for (const t of [0, 0.1, 0.25, 0.3, 0.5]) {
      for (let n1 = 1; n1 <= 120; n1++) {
        const { lo, hi } = sizeRange(n1, t, 1);
        for (let n2 = 1; n2 <= 300; n2++) {
          const possible = requiredCommon(n1, t) <= n2 && requiredCommon(n2, t) <= n1;
          assert.equal(n2 >= lo && n2 <= hi, possible, `T=${t} n1=${n1} n2=${n2}`);
        }
      }
    }
  });
});

/** A corpus with many near-duplicates: random blocks over a skewed alphabet, plus perturbed copies. */
function corpus(seed: number): { stored: number[][]; queries: number[][] } {
  const rand = rng(seed);
  // a few very common lines (`}`, `return x ;`) and a long tail
  const line = (): number => {
    const r = rand();
    const id =
      r < 0.3
        ? Math.floor(rand() * 3)
        : r < 0.6
          ? 3 + Math.floor(rand() * 12)
          : 15 + Math.floor(rand() * 200);
    return Math.imul(id + 1, 0x9e3779b1) >>> 0;
  };
  const perturb = (b: number[], edits: number): number[] => {
    const c = b.slice();
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * (c.length + 1));
      const op = rand();
      if (op < 0.35 && c.length > 1) c.splice(at, 1);
      else if (op < 0.7) c.splice(at, 0, line());
      else if (c.length > 0) c[Math.min(at, c.length - 1)] = line();
    }
    return c;
  };
  const stored: number[][] = [];
  const queries: number[][] = [];
  for (let k = 0; k < 70; k++) {
    const base = Array.from({ length: 3 + Math.floor(rand() * 45) }, line);
    stored.push(base);
    const copies = Math.floor(rand() * 4);
    for (let c = 0; c < copies; c++) stored.push(perturb(base, Math.floor(rand() * (base.length * 0.5 + 1))));
    queries.push(perturb(base, Math.floor(rand() * (base.length * 0.4 + 1))));
  }
  return { stored, queries };
}

function checkLossless(store: BlockStore, queries: number[][]): { pairs: number; candidates: number } {
  let pairs = 0;
  let candidates = 0;
  const everything = store.all();
  for (const threshold of [0.3, 0.2, 0.1, 0]) {
    for (const minLines of [1, 6, 10]) {
      for (const q of queries) {
        const options = { threshold, minLines, align: false };
        const brute = findClonesBruteForce({ hashes: q }, everything, options).map((m) => m.id);
        const indexed = findClones({ hashes: q }, store, options).map((m) => m.id);
        assert.deepEqual(indexed, brute, `T=${threshold} minLines=${minLines} |q|=${q.length}`);
        pairs += brute.length;
        candidates += store.candidates(q, threshold, minLines).length;
      }
    }
  }
  return { pairs, candidates };
}

/**
 * Regions as a change gives them: unrelated lines around a perturbed copy of a stored block (or of
 * two), so the block matches a part of the region, never the whole.
 */
function regions(seed: number, stored: number[][]): number[][] {
  const rand = rng(seed);
  const noise = (n: number): number[] =>
    Array.from({ length: n }, () => Math.imul(1000 + Math.floor(rand() * 500), 0x85ebca6b) >>> 0);
  return stored.slice(0, 60).map((b, k) => {
    const copy = b.filter(() => rand() > 0.15);
    const other = stored[(k * 7 + 3) % stored.length]!;
    return [
      ...noise(Math.floor(rand() * 20)),
      ...copy,
      ...noise(Math.floor(rand() * 10)),
      ...other,
      ...noise(5),
    ];
  });
}

function checkRegionLossless(store: BlockStore, queries: number[][]): number {
  let pairs = 0;
  const everything = store.all();
  for (const threshold of [0.3, 0.2, 0]) {
    for (const minLines of [6, 10]) {
      for (const r of queries) {
        const options = { threshold, minLines };
        const key = (m: { id: number; from: number; to: number; lcs: number }) =>
          `${m.id}:${m.from}-${m.to}:${m.lcs}`;
        const brute = findInRegionBruteForce({ hashes: r }, everything, options).map(key);
        const indexed = findInRegion({ hashes: r }, store, options).map(key);
        assert.deepEqual(indexed, brute, `T=${threshold} minLines=${minLines} |region|=${r.length}`);
        pairs += brute.length;
      }
    }
  }
  return pairs;
}

describe("region retrieval is lossless (every block that is a clone of a part of a region)", () => {
  it("in memory and in SQLite, against brute force, with the part each block matches", () => {
    const { stored } = corpus(5);
    const memory = createMemoryBlockStore({ indexThreshold: 0.3 });
    for (const b of stored) memory.add({ hashes: b });
    memory.freeze();
    const queries = regions(9, stored);
    const pairs = checkRegionLossless(memory, queries);
    assert.ok(pairs > queries.length, `enough pairs to be meaningful: ${pairs}`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-regions-"));
    try {
      const db = openSqlite(path.join(dir, "index.db"));
      const sql = openBlockStore(db, { indexThreshold: 0.3 });
      sql.addMany(stored.map((hashes) => ({ hashes })));
      sql.freeze();
      assert.equal(checkRegionLossless(sql, queries), pairs);
      db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds a block inside a region it is far smaller than, and reports that part", () => {
    const block = Array.from({ length: 12 }, (_, i) => i + 1);
    const region = [
      ...Array.from({ length: 30 }, (_, i) => 100 + i),
      ...block,
      ...Array.from({ length: 20 }, (_, i) => 200 + i),
    ];
    const store = createMemoryBlockStore();
    store.add({ hashes: block });
    store.freeze();
    const [m] = findInRegion({ hashes: region }, store, { threshold: 0.3, minLines: 10 });
    assert.ok(m);
    assert.deepEqual([m.from, m.to, m.lcs, m.similarity], [30, 41, 12, 1]);
    assert.equal(
      findClones({ hashes: region }, store, { threshold: 0.3, minLines: 10 }).length,
      0,
      "no whole-block clone",
    );
  });
});

describe("retrieval is lossless (property test against brute force)", () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  for (const seed of [1, 2, 3]) {
    it(`in memory, seed ${seed}: frozen mid-way, blocks added after the freeze`, () => {
      const { stored, queries } = corpus(seed);
      const store = createMemoryBlockStore({ indexThreshold: 0.3 });
      const half = stored.length >> 1;
      for (const b of stored.slice(0, half)) store.add({ hashes: b });
      store.freeze();
      for (const b of stored.slice(half)) store.add({ hashes: b });
      const { pairs, candidates } = checkLossless(store, [...queries, ...stored]);
      const universe = 12 * (queries.length + stored.length) * stored.length;
      assert.ok(
        pairs > 12 * (queries.length + stored.length) * 0.2,
        `enough clone pairs to be meaningful: ${pairs}`,
      );
      assert.ok(candidates < universe / 2, `the index prunes: ${candidates} candidates of ${universe}`);
    });
  }

  it("in SQLite (a real file), reopened, with blocks added before and after the freeze", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-clones-"));
    dirs.push(dir);
    const file = path.join(dir, "index.db");
    const { stored, queries } = corpus(11);
    const half = stored.length >> 1;
    let db = openSqlite(file);
    let store = openBlockStore(db, { indexThreshold: 0.3 });
    store.addMany(stored.slice(0, half).map((hashes, i) => ({ hashes, ref: `b${i}` })));
    store.freeze();
    db.close();
    db = openSqlite(file);
    store = openBlockStore(db);
    assert.equal(store.indexThreshold, 0.3, "the index threshold is recorded");
    for (const [i, hashes] of stored.slice(half).entries()) store.add({ hashes, ref: `b${half + i}` });
    assert.equal(store.size, stored.length);
    assert.deepEqual(Array.from(store.get(1)!.hashes), stored[0], "hashes round-trip (ids start at 1)");
    assert.equal(store.get(1)!.ref, "b0");
    const { pairs } = checkLossless(store, [...queries, ...stored]);
    assert.ok(pairs > 0);
    db.close();
  });

  it("stays lossless for a second connection when the first one re-freezes the table", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-clones-"));
    dirs.push(dir);
    const file = path.join(dir, "index.db");
    const { stored, queries } = corpus(21);
    const writerDb = openSqlite(file);
    const readerDb = openSqlite(file);
    const writer = openBlockStore(writerDb);
    writer.addMany(stored.slice(0, 40).map((hashes) => ({ hashes })));
    writer.freeze();
    const reader = openBlockStore(readerDb);
    checkLossless(reader, queries); // fills the reader's frequency cache
    writer.addMany(stored.slice(40).map((hashes) => ({ hashes })));
    writer.freeze(); // new frequencies, every prefix rewritten
    const { pairs } = checkLossless(reader, [...queries, ...stored]);
    assert.ok(pairs > 0);
    writerDb.close();
    readerDb.close();
  });

  it("rejects a query threshold above the index threshold, and rebuilds when asked for a higher one", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-clones-"));
    dirs.push(dir);
    const db = openSqlite(path.join(dir, "index.db"));
    const { stored, queries } = corpus(5);
    const low = openBlockStore(db, { indexThreshold: 0.1 });
    low.addMany(stored.map((hashes) => ({ hashes })));
    assert.throws(
      () => findClones({ hashes: queries[0]! }, low, { threshold: 0.3 }),
      /above the index threshold/,
    );
    const high = openBlockStore(db, { indexThreshold: 0.3 });
    assert.equal(high.indexThreshold, 0.3);
    const { pairs } = checkLossless(high, queries);
    assert.ok(pairs > 0);
    db.close();
  });

  it("orders prefixes rarest first with the frozen table", () => {
    const common = 0x11111111;
    const rare = 0x22222222;
    const freq = (key: number): number => (Math.floor(key / 2 ** 21) === common ? 100 : 1);
    // 10 lines at T = 0.3 → prefix of floor(3) + 1 = 4 elements, the rare one first
    const block = [common, common, common, rare, common, common, common, common, common, common];
    const prefix = prefixOf(block, 0.3, freq);
    assert.equal(prefix.length, 4);
    assert.equal(Math.floor(prefix[0]! / 2 ** 21), rare);
  });
});
