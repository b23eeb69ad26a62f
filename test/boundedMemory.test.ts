import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { generateRandomHistory } from "../fixtures/generate.js";
import { readParents } from "../src/git/parents.js";
import { ancestorsOf, TargetAncestry } from "../src/history/ancestry.js";
import { heapPacer } from "../src/history/heapPacer.js";
import { datasetRecord, type HistoryRecord } from "../src/metrics/dataset.js";
import { hashBag, PackedBag } from "../src/metrics/tokens.js";
import { buildVector } from "../src/model/vector.js";
import { tempDir } from "./helpers/repo.js";

test("a replay's ancestry bit sets answer exactly as the full ancestor sets do", async (t) => {
  const dir = join(tempDir(t), "r");
  generateRandomHistory(dir, { seed: 12, commits: 150, mergeEvery: 4, files: 5 });
  const parents = await readParents(dir, ["HEAD"]);
  const all = [...parents.keys()];
  const targets = all.filter((_, i) => i % 3 === 0);
  const ancestry = new TargetAncestry(parents, targets);
  let yes = 0;
  for (const c of all) {
    const truth = ancestorsOf(parents, c);
    // The targets given up front, and a few that were not (answered the slow way).
    for (const f of [...targets, ...all.slice(0, 5)]) {
      assert.equal(ancestry.has(c, f), truth.has(f), `${f} before ${c}`);
      if (truth.has(f)) yes++;
    }
  }
  assert.ok(yes > 1000, `${yes} ancestor pairs checked`);
});

test("a packed token bag reads, scores and exports as the Map it was made from", () => {
  const words = Array.from({ length: 3000 }, (_, i) => `tok${(i * 7919) % 1700}`);
  const bag = hashBag(words, 4096);
  const packed = new PackedBag(bag);
  assert.equal(packed.size, bag.size);
  assert.ok(bag.size > 500);
  for (const [k, v] of bag) assert.equal(packed.get(k), v);
  assert.equal(packed.get(4097), undefined);
  assert.equal(packed.has(4097), false);
  assert.deepEqual(new Map(packed), new Map([...bag].sort((a, b) => a[0] - b[0])));
  const record = (added: ReadonlyMap<number, number>): HistoryRecord => ({
    repo: "r",
    commit: "c",
    seq: 0,
    time: 1,
    label: 1,
    fixedAt: null,
    metrics: { la: 3 },
    added,
    removed: new Map([[5, 2]]),
  });
  assert.deepEqual(datasetRecord(record(packed)), datasetRecord(record(bag)));
  const meta = {
    features: { metrics: [], token_hash: { dim: 4096 }, width: 8192 },
    transforms: { metrics: [] },
  } as unknown as Parameters<typeof buildVector>[0];
  const input = (added: ReadonlyMap<number, number>) => ({ metrics: {}, added, removed: new Map() });
  assert.deepEqual(buildVector(meta, input(packed)).values, buildVector(meta, input(bag)).values);
});

test("the heap pacer runs full collections when the heap passes its limit, and never stops the work", () => {
  // A limit below any heap: the first check collects; the next limit is twice what survived.
  const pacer = heapPacer(1);
  let kept = 0;
  for (let i = 0; i < 64; i++) {
    kept += "x".repeat(1000 + i).length;
    pacer.tick();
  }
  assert.ok(pacer.collections >= 1, `${pacer.collections} full collections`);
  assert.ok(pacer.collections < 4, "not one per check: the limit rose to twice the live heap");
  assert.equal(kept, 64 * 1000 + (63 * 64) / 2);
});

test("the heap pacer collects when the resident size passes its limit, whatever the heap", () => {
  // A heap limit no heap reaches, a resident limit below any process: the first check collects.
  const pacer = heapPacer(Number.MAX_SAFE_INTEGER, 1);
  for (let i = 0; i < 16; i++) pacer.tick();
  assert.equal(pacer.collections, 1);
});

test("a replay keeps token bags only from where it replays, the rest of each record as it was", async (t) => {
  const dir = join(tempDir(t), "r");
  generateRandomHistory(dir, { seed: 21, commits: 80, mergeEvery: 0, files: 4 });
  const { prepareHistory, readRecords } = await import("../src/eval/history.js");
  const history = await prepareHistory(dir);
  const all = await readRecords(history);
  const times = all.map((r) => r.time).sort((a, b) => a - b);
  const from = times[Math.round(times.length * 0.6)] as number;
  const some = await readRecords(history, { keepBags: (_sha, time) => time >= from });
  assert.equal(some.length, all.length);
  let kept = 0;
  all.forEach((r, i) => {
    const s = some[i] as HistoryRecord;
    assert.equal(s.commit, r.commit);
    assert.deepEqual(s.metrics, r.metrics);
    if (r.time >= from) {
      assert.deepEqual(datasetRecord(s), datasetRecord(r));
      if (r.added.size > 0) kept++;
    } else assert.equal(s.added.size + s.removed.size, 0);
  });
  assert.ok(kept > 10, `${kept} replayed records with bags`);
});
