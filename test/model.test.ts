import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bagToRecord, codeTokens, fnv1a32, hashBag, linesBag, STRING_TOKEN } from "../src/metrics/tokens.js";
import { formatDataset } from "../src/model/dataset.js";
import {
  defaultModelPath,
  loadModel,
  ModelUnavailableError,
  metaPathFor,
  type RiskModel,
  repositoryModelPath,
  resolveModelPath,
} from "../src/model/load.js";
import { type ModelMeta, readModelMeta } from "../src/model/meta.js";
import { percentileOf } from "../src/model/percentile.js";
import { reasons, suggestAction } from "../src/model/reasons.js";
import { score, scoreMany } from "../src/model/score.js";
import { syntheticDataset } from "../src/model/synthetic.js";
import { findPython, runTraining } from "../src/model/train.js";
import { buildVector, standardize } from "../src/model/vector.js";

describe("token hashing", () => {
  it("matches FNV-1a 32-bit values computed independently", () => {
    // Reference values: the FNV-1a test vectors ("", "a", "foobar") and a Python implementation over UTF-8.
    assert.equal(fnv1a32(""), 0x811c9dc5);
    assert.equal(fnv1a32("a"), 0xe40c292c);
    assert.equal(fnv1a32("foobar"), 0xbf9cf968);
    assert.equal(fnv1a32("é"), 0x1e9de8c1);
    assert.equal(fnv1a32("名前"), 0x0073e150);
    assert.equal(fnv1a32(STRING_TOKEN), 0x32f8c1b4);
  });

  it("buckets tokens by hash modulo dim and counts repeats", () => {
    const bag = hashBag(["a", "foobar", "a", "é"], 4096);
    assert.deepEqual(
      [...bag.entries()].sort((x, y) => x[0] - y[0]),
      [
        [2241, 1],
        [2348, 2],
        [2408, 1],
      ],
    );
    assert.deepEqual(bagToRecord(bag), { "2241": 1, "2348": 2, "2408": 1 });
    assert.throws(() => hashBag(["a"], 0), RangeError);
  });

  it("splits code into tokens, abstracts strings and drops comments", () => {
    assert.deepEqual(codeTokens(`  if (x.size() >= 10) return "too big"; // guard`), [
      "if",
      "(",
      "x",
      ".",
      "size",
      "(",
      ")",
      ">=",
      "10",
      ")",
      "return",
      STRING_TOKEN,
      ";",
    ]);
    assert.deepEqual(codeTokens("a = 'it\\'s' + b /* note */ * 0x1F;"), [
      "a",
      "=",
      STRING_TOKEN,
      "+",
      "b",
      "*",
      "0x1F",
      ";",
    ]);
    assert.deepEqual(codeTokens("   // a whole comment line"), []);
    assert.deepEqual(codeTokens("# a shell or Python comment"), []);
    assert.deepEqual(codeTokens(" * inside a block comment"), []);
    assert.deepEqual(codeTokens("#include <stdio.h>"), ["#", "include", "<", "stdio", ".", "h", ">"]);
    assert.deepEqual(codeTokens("x->y::z ?? w"), ["x", "->", "y", "::", "z", "??", "w"]);
  });

  it("bags several lines at once", () => {
    const bag = linesBag(["a = a", "// a"], 16);
    assert.deepEqual(
      [...bag.entries()].sort((x, y) => x[0] - y[0]),
      [
        [fnv1a32("=") % 16, 1],
        [fnv1a32("a") % 16, 2],
      ].sort((x, y) => x[0]! - y[0]!),
    );
  });
});

describe("percentileOf", () => {
  const points = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);
  it("counts the points below, ties as half", () => {
    assert.equal(percentileOf(0.001, points), 0);
    assert.equal(percentileOf(0.5, points), 49.5);
    assert.equal(percentileOf(0.505, points), 50);
    assert.equal(percentileOf(0.995, points), 99);
  });
  it("does not put every commit at the top of a flat distribution", () => {
    assert.equal(percentileOf(0.3, new Array(99).fill(0.3)), 49.5);
  });
  it("returns null without points or for a non-finite score", () => {
    assert.equal(percentileOf(0.3, []), null);
    assert.equal(percentileOf(Number.NaN, points), null);
  });
});

/** A hand-made metadata with known weights, for the pure functions. */
function handMeta(): ModelMeta {
  const metrics = ["la", "nf", "nd", "exp", "fix"];
  const dim = 8;
  return {
    dejafix_model: 1,
    name: "hand",
    created: "2024-01-01T00:00:00+00:00",
    versions: { torch: "x", onnx: "x", python: "x" },
    model: { kind: "lr-metrics", why: "test" },
    input: { name: "features", shape: ["batch", metrics.length + 2 * dim] },
    output: { name: "score" },
    features: {
      metrics,
      token_hash: { algorithm: "fnv1a32", dim },
      token_bags: ["added", "removed"],
      width: 21,
    },
    transforms: {
      in_graph: true,
      metrics: [
        { name: "la", transform: "log1p", mean: 2, std: 1, neutral: Math.expm1(2) },
        { name: "nf", transform: "log1p", mean: 1, std: 0.5, neutral: Math.expm1(1) },
        { name: "nd", transform: "log1p", mean: 0.5, std: 0.5, neutral: Math.expm1(0.5) },
        { name: "exp", transform: "log1p", mean: 3, std: 1, neutral: Math.expm1(3) },
        { name: "fix", transform: "identity", mean: 0.3, std: 0.45, neutral: 0.3 },
      ],
      tokens: { transform: "log1p", mean: 0, std: 1 },
    },
    reasons: { source: "lr-metrics", bias: -1, weights: { la: 0.8, nf: 0.3, nd: 0.1, exp: -0.5, fix: 0.2 } },
    threshold: { value: 0.5, chosen_by: "test" },
    percentiles: {
      source: "validation",
      n: 100,
      values: Array.from({ length: 99 }, (_, i) => (i + 1) / 100),
    },
    metrics: {
      validation: emptyFigures(),
      test: emptyFigures(),
    },
    provenance: { label_source: "test", repos: [] },
  };
}

function emptyFigures(): ModelMeta["metrics"]["test"] {
  return {
    n: 0,
    positives: 0,
    roc_auc: null,
    precision: null,
    recall: null,
    f1: null,
    false_alarm_rate: null,
    threshold: 0.5,
    capture: {},
    recall_at_20_effort: null,
    recall_at_20_effort_density: null,
  };
}

describe("buildVector", () => {
  it("places metrics, then added buckets, then removed buckets, as raw values", () => {
    const meta = handMeta();
    const { values, missing } = buildVector(meta, {
      metrics: { la: 12, nf: 3, nd: 2, exp: 40, fix: true },
      added: new Map([
        [0, 2],
        [7, 1],
      ]),
      removed: { "3": 5 },
    });
    assert.deepEqual(missing, []);
    assert.equal(values.length, 21);
    assert.deepEqual([...values.slice(0, 5)], [12, 3, 2, 40, 1]);
    assert.equal(values[5 + 0], 2);
    assert.equal(values[5 + 7], 1);
    assert.equal(values[5 + 8 + 3], 5);
    assert.equal(
      values.reduce((a, b) => a + b, 0),
      12 + 3 + 2 + 40 + 1 + 2 + 1 + 5,
    );
  });

  it("feeds a missing metric as its neutral value and names it", () => {
    const meta = handMeta();
    const { values, missing } = buildVector(meta, {
      metrics: { la: 1, nf: 1, nd: 1, fix: null },
      added: {},
      removed: {},
    });
    assert.deepEqual(missing, ["exp", "fix"]);
    assert.ok(Math.abs(values[3]! - Math.expm1(3)) < 1e-4);
    assert.ok(Math.abs(standardize(meta.transforms.metrics[3]!, values[3]!)) < 1e-5);
    assert.ok(Math.abs(values[4]! - 0.3) < 1e-6);
  });

  it("rejects a bag hashed for another dimension", () => {
    assert.throws(
      () => buildVector(handMeta(), { metrics: {}, added: { "8": 1 }, removed: {} }),
      /outside 0\.\.7/,
    );
  });
});

describe("reasons and action", () => {
  it("orders the metrics by how much they pushed the score up", () => {
    const meta = handMeta();
    // la: 0.8 × (log1p(412) − 2) ≈ 3.22; exp: −0.5 × (log1p(2) − 3) ≈ 0.95; nf: 0.3 × (log1p(9) − 1) / 0.5 ≈ 0.78;
    // nd: 0.1 × (log1p(4) − 0.5) / 0.5 ≈ 0.22; fix: 0.2 × (0 − 0.3) / 0.45 < 0.
    const found = reasons(meta, { metrics: { la: 412, nf: 9, nd: 4, exp: 2, fix: 0 } });
    assert.deepEqual(
      found.map((r) => r.feature),
      ["la", "exp", "nf"],
    );
    assert.equal(found[0]!.text, "adds 412 lines");
    assert.equal(found[1]!.text, "the author has made 2 commits here before");
    assert.equal(found[2]!.text, "touches 9 files in 4 directories");
    // exp has a negative weight: little experience (z < 0) raises the risk.
    assert.ok(Math.abs(found[1]!.contribution - -0.5 * (Math.log1p(2) - 3)) < 1e-12);
    assert.equal(reasons(meta, { metrics: { la: 412, nf: 9, nd: 4, exp: 2, fix: 0 } }, 5).length, 4);
  });

  it("puts a huge la first and leaves out what pushed the score down", () => {
    const found = reasons(handMeta(), { metrics: { la: 50_000, nf: 1, nd: 1, exp: 500, fix: 0 } });
    assert.equal(found[0]!.feature, "la");
    assert.equal(found[0]!.text, "adds 50000 lines");
    assert.ok(found.every((r) => r.contribution > 0));
    assert.ok(!found.some((r) => r.feature === "exp" || r.feature === "fix"));
  });

  it("suggests an action that fits the level and the top reason", () => {
    const top = reasons(handMeta(), { metrics: { la: 5000, nf: 1, nd: 1, exp: 500, fix: 0 } });
    assert.equal(suggestAction(top, 20, 0.1, 0.5), "no action needed");
    assert.equal(suggestAction(top, 60, 0.4, 0.5), "split the change into smaller commits");
    assert.equal(
      suggestAction(top, 97, 0.9, 0.5),
      "ask for a second reviewer; split the change into smaller commits",
    );
    // Without percentiles the threshold decides.
    assert.equal(suggestAction(top, null, 0.4, 0.5), "no action needed");
    assert.equal(suggestAction([], null, 0.6, 0.5), "ask for a second reviewer");
  });
});

describe("loading and scoring a trained model", () => {
  let dir = "";
  let modelPath = "";
  let model: RiskModel;
  const { header, records } = syntheticDataset({ seed: 11, commits: 400 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "dejafix-model-"));
    const dataset = join(dir, "data.jsonl");
    writeFileSync(dataset, formatDataset(header, records));
    modelPath = join(dir, "out", "model.onnx");
    const { python } = findPython();
    await runTraining({
      datasets: [dataset],
      out: modelPath,
      device: "cpu",
      python,
      seed: 5,
      extraArgs: ["--models", "lr-metrics,lr-tokens", "--max-epochs", "15"],
      onLog: () => {},
    });
    model = await loadModel(modelPath);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("loads the model with its metadata, once per process", async () => {
    assert.equal(model.source, "given");
    assert.equal(model.metaPath, metaPathFor(modelPath));
    assert.equal(model.meta.features.width, header.metrics.length + 2 * header.token_hash.dim);
    assert.deepEqual(model.meta.features.metrics, header.metrics);
    assert.deepEqual(model.session.inputNames, ["features"]);
    assert.strictEqual(await loadModel(modelPath), model);
  });

  it("scores a change into a probability with a percentile, reasons and an action", async () => {
    const result = await score(model, records[0]!);
    assert.ok(result.score > 0 && result.score < 1);
    assert.ok(result.percentile !== null && result.percentile >= 0 && result.percentile <= 99);
    assert.equal(result.percentile, percentileOf(result.score, model.meta.percentiles.values));
    assert.deepEqual(result.missing, []);
    assert.equal(typeof result.action, "string");
    const many = await scoreMany(model, records.slice(0, 20));
    assert.equal(many[0]!.score, result.score);
    assert.equal(new Set(many.map((r) => r.score)).size > 1, true);
  });

  it("gives 'adds N lines' first for a change with a huge la", async () => {
    // Other metrics at their neutral (training-mean) values, so only la stands out.
    const metrics: Record<string, number> = {};
    for (const spec of model.meta.transforms.metrics) metrics[spec.name] = spec.neutral;
    metrics.la = 40_000;
    const plain = await score(model, {
      metrics: { ...metrics, la: Math.round(model.meta.transforms.metrics[4]!.neutral) },
      added: {},
      removed: {},
    });
    const big = await score(model, { metrics, added: {}, removed: {} });
    assert.equal(big.reasons[0]?.feature, "la");
    assert.equal(big.reasons[0]?.text, "adds 40000 lines");
    assert.ok(big.score > plain.score);
    assert.ok(big.percentile! > plain.percentile!);
  });

  it("uses the repository's own percentiles when given", async () => {
    const own = new Array(99).fill(1);
    const result = await score(model, records[1]!, { percentiles: own });
    assert.equal(result.percentile, 0);
  });

  it("prefers the repository's own model over the shipped default", () => {
    const common = join(dir, "common");
    mkdirSync(join(common, "dejafix"), { recursive: true });
    const elsewhere = { gitCommonDir: join(dir, "nothing-here") };
    if (existsSync(defaultModelPath())) {
      assert.deepEqual(resolveModelPath(undefined, elsewhere), {
        path: defaultModelPath(),
        source: "default",
      });
    } else {
      // No default is shipped yet: the error names both places it looked.
      assert.throws(
        () => resolveModelPath(undefined, elsewhere),
        (error: unknown) =>
          error instanceof ModelUnavailableError &&
          error.looked.length === 2 &&
          error.looked[0] === repositoryModelPath(join(dir, "nothing-here")) &&
          error.looked[1] === defaultModelPath(),
      );
    }
    copyFileSync(modelPath, repositoryModelPath(common));
    copyFileSync(metaPathFor(modelPath), metaPathFor(repositoryModelPath(common)));
    assert.deepEqual(resolveModelPath(undefined, { gitCommonDir: common }), {
      path: repositoryModelPath(common),
      source: "repository",
    });
  });

  it("says clearly when no model is available", async () => {
    const missing = join(dir, "absent.onnx");
    await assert.rejects(loadModel(missing), (error: unknown) => {
      assert.ok(error instanceof ModelUnavailableError);
      assert.equal(error.code, "DEJAFIX_NO_MODEL");
      assert.match(error.message, /no risk model found/);
      assert.match(error.message, /dejafix train/);
      assert.ok(error.message.includes(missing));
      return true;
    });
  });

  it("rejects metadata that does not describe the model", () => {
    const broken = join(dir, "broken.meta.json");
    const meta = readModelMeta(metaPathFor(modelPath));
    writeFileSync(broken, JSON.stringify({ ...meta, features: { ...meta.features, width: 3 } }));
    assert.throws(() => readModelMeta(broken), /features\.width/);
    assert.throws(() => readModelMeta(join(dir, "none.meta.json")), /does not exist/);
  });
});
