/**
 * The default risk model shipped in models/: it loads as the fallback, its metadata follows the
 * dataset contract, it scores sensibly, and its metadata agrees with the ONNX graph (a re-score of
 * records exported from a generated fixture repository; no fetched data is committed).
 */
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { generateRepo } from "../fixtures/generate.js";
import { exportDataset } from "../src/eval/exportDataset.js";
import { TOKEN_HASH_DIM } from "../src/metrics/tokens.js";
import { type DatasetRecord, datasetHeader } from "../src/model/dataset.js";
import { defaultModelPath, loadModel, metaPathFor, type RiskModel } from "../src/model/load.js";
import type { EvaluationFigures } from "../src/model/meta.js";
import { percentileOf } from "../src/model/percentile.js";
import { readOnnx } from "../src/model/readOnnx.js";
import { supportedOps } from "../src/model/runGraph.js";
import { score, scoreMany } from "../src/model/score.js";
import { openSession } from "../src/model/session.js";
import { buildVector } from "../src/model/vector.js";
import { tempDir } from "./helpers/repo.js";

/** Parts of the metadata that src/model/meta.ts does not type (written by models/train.py). */
interface Part {
  n: number;
  positives: number;
  from: string | null;
  to: string | null;
}
interface RawMeta {
  provenance: { parts: { train: Part; validation: Part; test: Part } };
  /** Written by bench/corpusBuild.ts after training. */
  check: { fixture: { seed: number; commits: number }; records: { commit: string; torch: number }[] };
  candidates: { kind: string; validation: EvaluationFigures; test: EvaluationFigures }[];
}

const METRICS_TYPICAL = {
  ns: 1,
  nd: 1,
  entropy: 0.5,
  lt: 400,
  fix: 0,
  ndev: 3,
  age: 40,
  nuc: 5,
  exp: 200,
  rexp: 10,
  sexp: 50,
  only_new_files: 0,
  prior_defects_file: 0,
  prior_defects_dir: 1,
  author_created_file: 0,
  n_languages: 1,
  trivial_share: 0,
};

describe("the shipped default model", () => {
  let model: RiskModel;
  let raw: RawMeta;

  before(async () => {
    model = await loadModel();
    raw = JSON.parse(readFileSync(metaPathFor(defaultModelPath()), "utf8")) as RawMeta;
  });

  it("is the fallback when a repository has no model of its own, and is small", async () => {
    const fresh = await loadModel(undefined, { gitCommonDir: "/nonexistent/.git" });
    assert.equal(fresh.source, "default");
    assert.equal(fresh.path, defaultModelPath());
    assert.ok(statSync(defaultModelPath()).size < 2 * 1024 * 1024, "the ONNX file stays under 2 MB");
  });

  it("reads the features the dataset export writes, in the same order and hashing", () => {
    const header = datasetHeader();
    const f = model.meta.features;
    assert.deepEqual(f.metrics, header.metrics);
    assert.deepEqual(f.token_hash, { algorithm: "fnv1a32", dim: TOKEN_HASH_DIM });
    assert.deepEqual(f.token_bags, ["added", "removed"]);
    assert.equal(f.width, header.metrics.length + 2 * TOKEN_HASH_DIM);
    assert.deepEqual(model.meta.input.shape, ["batch", f.width]);
    assert.deepEqual(
      model.meta.transforms.metrics.map((t) => t.name),
      header.metrics,
    );
    assert.ok(model.session.inputNames.includes(model.meta.input.name));
    assert.ok(model.session.outputNames.includes(model.meta.output.name));
  });

  it("was not trained on apache/zookeeper, and its recorded figures add up", () => {
    const repos = model.meta.provenance.repos;
    assert.ok(repos.length >= 5, "a corpus of several repositories");
    assert.ok(!repos.some((r) => r.repo.toLowerCase().includes("zookeeper")));
    const parts = raw.provenance.parts;
    const total = repos.reduce((s, r) => s + r.commits, 0);
    const defects = repos.reduce((s, r) => s + r.defect_inducing, 0);
    assert.equal(parts.train.n + parts.validation.n + parts.test.n, total);
    assert.equal(parts.train.positives + parts.validation.positives + parts.test.positives, defects);
    for (const name of ["validation", "test"] as const) {
      const figures = model.meta.metrics[name];
      assert.equal(figures.n, parts[name].n);
      assert.equal(figures.positives, parts[name].positives);
      assert.ok(figures.roc_auc !== null && figures.roc_auc > 0.5 && figures.roc_auc <= 1);
      const capture = ["5", "10", "20", "50"].map((k) => figures.capture[k] ?? Number.NaN);
      for (let i = 1; i < capture.length; i++) assert.ok(capture[i]! >= capture[i - 1]!);
    }
    // The exported candidate is the one with the best validation ROC AUC, as the metadata says.
    const chosen = raw.candidates.find((c) => c.kind === model.meta.model.kind);
    assert.ok(chosen);
    assert.deepEqual(chosen.validation, model.meta.metrics.validation);
    for (const c of raw.candidates)
      assert.ok((c.validation.roc_auc ?? 0) <= (chosen.validation.roc_auc ?? 0) + 1e-12);
  });

  it("scores in [0, 1] and rates a huge change above a tiny one", async () => {
    const tiny = await score(model, {
      metrics: { ...METRICS_TYPICAL, nf: 1, la: 2, ld: 1 },
      added: new Map([[17, 2]]),
      removed: new Map([[9, 1]]),
    });
    const huge = await score(model, {
      metrics: { ...METRICS_TYPICAL, ns: 3, nd: 12, nf: 60, entropy: 0.9, la: 6000, ld: 1500 },
      added: new Map([[17, 400]]),
      removed: new Map([[9, 90]]),
    });
    for (const s of [tiny, huge]) assert.ok(s.score >= 0 && s.score <= 1, `score ${s.score} in [0, 1]`);
    assert.ok(huge.score > tiny.score, `huge ${huge.score} > tiny ${tiny.score}`);
    assert.ok(huge.percentile !== null && tiny.percentile !== null && huge.percentile > tiny.percentile);
    assert.ok(huge.reasons.length > 0, "a risky change comes with reasons");
  });

  it("dejafix's runtime runs exactly the operators of the shipped model, and refuses any other by name", async (t) => {
    const bytes = readFileSync(defaultModelPath());
    const used = [...new Set(readOnnx(bytes).nodes.map((n) => n.opType))].sort();
    assert.deepEqual(supportedOps(), used);
    // The same graph with its Sigmoid node's op_type (NodeProto field 4: tag 0x22, length 7) turned into a
    // Softmax, of the same length: the protobuf stays valid.
    const opType = Buffer.from([0x22, 7, ...Buffer.from("Sigmoid")]);
    const at = bytes.indexOf(opType);
    assert.ok(at > 0 && bytes.indexOf(opType, at + 1) < 0, "one Sigmoid node");
    const other = Buffer.from(bytes);
    other.write("Softmax", at + 2, "latin1");
    const file = join(tempDir(t), "softmax.onnx");
    writeFileSync(file, other);
    await assert.rejects(
      openSession(file, { via: "js" }),
      /the model uses the ONNX operator Softmax, which dejafix's own runtime does not run \(it runs Add, Constant, .*\); install onnxruntime-node/,
    );
    // Where onnxruntime-node is installed (a devDependency here), the default opens such a model in it.
    assert.notEqual((await openSession(file)).via, "js");
  });

  describe("on the records of the fixture repository its metadata was checked with", () => {
    let records: DatasetRecord[];
    let cleanup: (() => void)[] = [];

    before(async () => {
      const dir = tempDir({ after: (fn) => cleanup.push(fn) });
      const repo = join(dir, "repo");
      generateRepo(repo, raw.check.fixture);
      const out = join(dir, "data.jsonl");
      await exportDataset({ repos: [repo], out, labelLatencyDays: 0 });
      const [, ...lines] = readFileSync(out, "utf8").trimEnd().split("\n");
      records = lines.map((l) => JSON.parse(l) as DatasetRecord);
    });
    after(() => {
      for (const fn of cleanup) fn();
      cleanup = [];
    });

    it("gives the scores PyTorch gave them at training time (features and hashing unchanged since)", async () => {
      // bench/corpusBuild.ts scored these records with the PyTorch checkpoint (models/parity.py) when
      // the model was trained. A difference means the features changed since: retrain the default model.
      const expected = raw.check.records;
      assert.ok(expected.length >= 50);
      assert.deepEqual(
        records.map((r) => r.commit),
        expected.map((r) => r.commit),
        "the fixture generator and the export give the same commits",
      );
      const results = await scoreMany(model, records, { maxReasons: 0 });
      const spread = new Set(results.map((r) => r.score.toFixed(4)));
      assert.ok(spread.size > 10, "different commits get different scores");
      let worst = 0;
      results.forEach((result, i) => {
        assert.ok(result.score >= 0 && result.score <= 1);
        worst = Math.max(worst, Math.abs(result.score - expected[i]!.torch));
        assert.equal(result.percentile, percentileOf(result.score, model.meta.percentiles.values));
      });
      assert.ok(worst <= 1e-5, `largest |dejafix runtime − torch| = ${worst}`);
    });

    it("scores the same in dejafix's runtime, onnxruntime-node's native binding and its public API", async () => {
      assert.equal(model.session.via, "js", "the hook needs no native runtime");
      const binding = await openSession(defaultModelPath(), { via: "binding" });
      const api = await openSession(defaultModelPath(), { via: "api" });
      assert.equal(binding.via, "binding");
      assert.equal(api.via, "api");
      const width = model.meta.features.width;
      const data = new Float32Array(width * records.length);
      for (const [i, r] of records.entries()) data.set(buildVector(model.meta, r).values, i * width);
      const dims = [records.length, width];
      const viaJs = await model.session.run("features", data, dims, "score");
      const viaBinding = await binding.run("features", data, dims, "score");
      const viaApi = await api.run("features", data, dims, "score");
      assert.equal(viaJs.length, records.length);
      assert.deepEqual([...viaBinding], [...viaApi]);
      let worst = 0;
      for (let i = 0; i < viaJs.length; i++) worst = Math.max(worst, Math.abs(viaJs[i]! - viaBinding[i]!));
      assert.ok(worst <= 1e-6, `largest |dejafix runtime − onnxruntime| = ${worst}`);
      assert.ok(
        Math.max(...viaJs) - Math.min(...viaJs) > 0.1,
        "the scores differ: the comparison means something",
      );
    });
  });
});
