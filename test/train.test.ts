import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type DatasetRecord, formatDataset } from "../src/model/dataset.js";
import { loadModel } from "../src/model/load.js";
import { readModelMeta } from "../src/model/meta.js";
import { scoreMany } from "../src/model/score.js";
import { syntheticDataset } from "../src/model/synthetic.js";
import {
  findPython,
  type PythonFound,
  PythonUnavailableError,
  parityScriptPath,
  runTraining,
  TrainingError,
  type TrainingSummary,
} from "../src/model/train.js";

const quiet = { onLog: () => {} };

describe("training job (real PyTorch on CPU)", () => {
  let dir = "";
  let python: PythonFound;
  let summary: TrainingSummary;
  const { header, records } = syntheticDataset({ seed: 2024, commits: 1000 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "dejafix-train-"));
    // CI installs python3-torch; a machine without it must fail here, loudly, not skip.
    python = findPython();
    writeFileSync(join(dir, "data.jsonl"), formatDataset(header, records));
    summary = await runTraining({
      datasets: [join(dir, "data.jsonl")],
      out: join(dir, "out", "model.onnx"),
      device: "cpu",
      python: python.python,
      seed: 7,
      ...quiet,
    });
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("exports a non-empty ONNX model, its metadata and a checkpoint", () => {
    assert.equal(summary.model, join(dir, "out", "model.onnx"));
    for (const file of [summary.model, summary.meta, summary.checkpoint])
      assert.ok(statSync(file).size > 0, file);
    assert.equal(summary.device, "cpu");
    const onnx = readFileSync(summary.model);
    // An ONNX file is a protobuf ModelProto whose producer name train.py sets.
    assert.ok(onnx.includes(Buffer.from("dejafix-train")));
  });

  it("writes well-formed metadata: features, transforms, percentiles, figures, provenance", () => {
    const meta = readModelMeta(summary.meta);
    assert.deepEqual(meta.features.metrics, header.metrics);
    assert.deepEqual(meta.features.token_hash, { algorithm: "fnv1a32", dim: 4096 });
    assert.equal(meta.features.width, 20 + 2 * 4096);
    const la = meta.transforms.metrics.find((m) => m.name === "la")!;
    assert.equal(la.transform, "log1p");
    assert.equal(meta.transforms.metrics.find((m) => m.name === "entropy")!.transform, "identity");
    // Standardization uses the training part only: mean of log1p(la) over the oldest 60% per repository.
    const train = trainPart(records);
    const expected = train.reduce((s, r) => s + Math.log1p(r.metrics.la!), 0) / train.length;
    assert.ok(Math.abs(la.mean - expected) < 1e-6, `${la.mean} vs ${expected}`);

    const values = meta.percentiles.values;
    assert.equal(values.length, 99);
    assert.ok(values.every((v, i) => v >= 0 && v <= 1 && (i === 0 || v >= values[i - 1]!)));
    assert.equal(meta.percentiles.source, "validation");
    assert.ok(meta.reasons && meta.reasons.weights.la! > 0, "la is planted as a risk factor");
    assert.ok(meta.reasons.weights.exp! < 0, "experience is planted as protective");

    const raw = JSON.parse(readFileSync(summary.meta, "utf8"));
    assert.deepEqual(
      raw.candidates.map((c: { kind: string }) => c.kind),
      ["lr-metrics", "lr-tokens", "mlp-tokens"],
    );
    assert.equal(raw.provenance.parts.train.n, 1200);
    assert.equal(raw.provenance.parts.validation.n, 400);
    assert.equal(raw.provenance.parts.test.n, 400);
    assert.deepEqual(
      raw.provenance.repos.map((r: { repo: string; commits: number }) => [r.repo, r.commits]),
      [
        ["synthetic/alpha", 1000],
        ["synthetic/beta", 1000],
      ],
    );
    assert.equal(
      raw.training.resampling.after.negatives <= 5 * raw.training.resampling.after.positives,
      true,
    );
    assert.equal(raw.versions.torch, python.torch);
    for (const part of ["validation", "test"]) {
      const figures = raw.metrics[part];
      for (const key of ["roc_auc", "precision", "recall", "f1", "recall_at_20_effort"]) {
        assert.ok(figures[key] >= 0 && figures[key] <= 1, `${part}.${key} = ${figures[key]}`);
      }
      assert.deepEqual(Object.keys(figures.capture), ["5", "10", "20", "50"]);
    }
  });

  it("learns the planted signal: the token model's test AUC clearly beats chance and the metrics-only baseline", () => {
    const raw = JSON.parse(readFileSync(summary.meta, "utf8"));
    const auc = (kind: string) =>
      raw.candidates.find((c: { kind: string }) => c.kind === kind).test.roc_auc as number;
    assert.ok(auc("lr-metrics") > 0.6, `baseline ${auc("lr-metrics")}`);
    assert.ok(auc("lr-tokens") > 0.72, `token LR ${auc("lr-tokens")}`);
    // The risky tokens carry signal the metrics cannot see.
    assert.ok(auc("lr-tokens") > auc("lr-metrics") + 0.04, `${auc("lr-tokens")} vs ${auc("lr-metrics")}`);
    assert.notEqual(raw.model.kind, "lr-metrics");
    // The capture of the riskiest 20% beats random gating (20%).
    assert.ok(raw.metrics.test.capture["20"] > 0.3, `capture@20% ${raw.metrics.test.capture["20"]}`);
  });

  it("gives the same scores in PyTorch and in onnxruntime-node to 1e-5", async (t) => {
    // The test part plus edge cases: missing metrics, huge values, empty bags, many tokens.
    const vectors: DatasetRecord[] = records.slice(-150);
    const base = records[0]!;
    const { la: _dropped, ...withoutLa } = base.metrics;
    vectors.push({ ...base, metrics: withoutLa });
    vectors.push({ ...base, metrics: {}, added: {}, removed: {} });
    vectors.push({ ...base, metrics: { ...base.metrics, la: 1e6, ld: 1e5, nf: 3000 } });
    vectors.push({
      ...base,
      added: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [String(i * 8), 1 + (i % 7)])),
    });
    const file = join(dir, "parity.jsonl");
    writeFileSync(file, formatDataset(header, vectors));
    const run = spawnSync(python.python, [parityScriptPath(), summary.model, file], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const torchScores = (JSON.parse(run.stdout) as { scores: number[] }).scores;
    const model = await loadModel(summary.model);
    const nodeScores = (await scoreMany(model, vectors)).map((r) => r.score);
    assert.equal(torchScores.length, vectors.length);
    assert.equal(nodeScores.length, vectors.length);
    let worst = 0;
    for (let i = 0; i < vectors.length; i++)
      worst = Math.max(worst, Math.abs(torchScores[i]! - nodeScores[i]!));
    t.diagnostic(`${vectors.length} vectors, largest |torch − onnxruntime| = ${worst.toExponential(2)}`);
    assert.ok(worst <= 1e-5, `largest difference ${worst}`);
    // The scores are not all alike: the comparison means something.
    assert.ok(Math.max(...nodeScores) - Math.min(...nodeScores) > 0.3);
  });

  it("is deterministic for a given seed", async () => {
    const again = async (name: string) =>
      runTraining({
        datasets: [join(dir, "data.jsonl")],
        out: join(dir, name, "model.onnx"),
        device: "cpu",
        python: python.python,
        seed: 3,
        extraArgs: ["--models", "lr-metrics,lr-tokens", "--max-epochs", "8"],
        ...quiet,
      });
    const first = await again("a");
    const second = await again("b");
    assert.equal(first.test_auc, second.test_auc);
    const a = await scoreMany(await loadModel(first.model), records.slice(0, 50));
    const b = await scoreMany(await loadModel(second.model), records.slice(0, 50));
    assert.deepEqual(
      a.map((r) => r.score),
      b.map((r) => r.score),
    );
  });

  it("refuses a dataset with one class only, saying why", async () => {
    const file = join(dir, "clean.jsonl");
    writeFileSync(
      file,
      formatDataset(
        header,
        records.slice(0, 50).map((r) => ({ ...r, label: 0 as const })),
      ),
    );
    await assert.rejects(
      runTraining({
        datasets: [file],
        out: join(dir, "clean", "m.onnx"),
        device: "cpu",
        python: python.python,
        ...quiet,
      }),
      (error: unknown) => {
        assert.ok(error instanceof TrainingError);
        assert.equal(error.exitCode, 2);
        assert.match(error.message, /all 50 commits are clean \(label 0\): a model needs both kinds/);
        return true;
      },
    );
    assert.equal(existsSync(join(dir, "clean", "m.onnx")), false);
  });

  it("refuses a tiny dataset and a file that is not a dataset", async () => {
    const tiny = join(dir, "tiny.jsonl");
    writeFileSync(tiny, formatDataset(header, records.slice(0, 4)));
    await assert.rejects(
      runTraining({
        datasets: [tiny],
        out: join(dir, "tiny", "m.onnx"),
        device: "cpu",
        python: python.python,
        ...quiet,
      }),
      /the dataset has 4 commits; at least 10 are needed/,
    );
    const bogus = join(dir, "bogus.jsonl");
    writeFileSync(bogus, `${JSON.stringify(records[0])}\n`);
    await assert.rejects(
      runTraining({
        datasets: [bogus],
        out: join(dir, "bogus", "m.onnx"),
        device: "cpu",
        python: python.python,
        ...quiet,
      }),
      /commit line before the dataset header/,
    );
  });

  it("`dejafix train` passes the model settings through to the job, and rejects bad values by name", () => {
    const cli = join(import.meta.dirname, "..", "src", "cli", "main.js");
    const out = join(dir, "cli", "model.onnx");
    const run = spawnSync(
      process.execPath,
      [
        cli,
        "train",
        join(dir, "data.jsonl"),
        "--out",
        out,
        "--device",
        "cpu",
        "--python",
        python.python,
        "--models",
        "mlp-tokens",
        "--hidden",
        "8",
        "--weight-decay",
        "0.01",
        "--max-epochs",
        "3",
      ],
      { encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    const meta = JSON.parse(readFileSync(out.replace(/\.onnx$/, ".meta.json"), "utf8"));
    assert.equal(meta.model.kind, "mlp-tokens");
    assert.equal(meta.model.hidden, 8);
    assert.equal(meta.training.weight_decay, 0.01);
    assert.equal(meta.training.max_epochs, 3);

    for (const [flag, value] of [
      ["--hidden", "0"],
      ["--weight-decay", "much"],
      ["--models", "forest"],
    ] as const) {
      const bad = spawnSync(
        process.execPath,
        [cli, "train", join(dir, "data.jsonl"), "--out", out, flag, value],
        {
          encoding: "utf8",
        },
      );
      assert.equal(bad.status, 2, `${flag} ${value}: a usage error: ${bad.stderr}`);
      assert.match(bad.stderr, /must be|unknown candidate/);
      assert.ok(bad.stderr.includes(flag), `${flag} is named in: ${bad.stderr}`);
    }
  });

  it("trains on a small dataset whose validation part lacks a class", async () => {
    // 12 commits in one repository: validation (commits 8-10) is all clean by construction.
    const small = records
      .slice(0, 12)
      .map((r, i) => ({ ...r, repo: "tiny/repo", label: (i % 3 === 0 ? 1 : 0) as 0 | 1 }));
    small[7] = { ...small[7]!, label: 0 };
    small[8] = { ...small[8]!, label: 0 };
    small[9] = { ...small[9]!, label: 0 };
    const file = join(dir, "small.jsonl");
    writeFileSync(file, formatDataset(header, small));
    const logs: string[] = [];
    const result = await runTraining({
      datasets: [file],
      out: join(dir, "small", "m.onnx"),
      device: "cpu",
      python: python.python,
      extraArgs: ["--epochs-without-validation", "3"],
      onLog: (line) => logs.push(line),
    });
    assert.equal(result.validation_auc, null);
    assert.ok(logs.some((l) => l.includes("validation part lacks one of the classes")));
    assert.ok(statSync(result.model).size > 0);
  });
});

describe("finding Python", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "dejafix-python-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("fails with what is missing and how to install it when no Python has torch", async () => {
    const fake = join(dir, "python-without-torch");
    writeFileSync(fake, "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'torch'\" >&2\nexit 1\n");
    chmodSync(fake, 0o755);
    const absent = join(dir, "no-such-python");
    assert.throws(
      () => findPython([fake, absent]),
      (error: unknown) => {
        assert.ok(error instanceof PythonUnavailableError);
        assert.equal(error.code, "DEJAFIX_NO_TORCH");
        assert.match(error.message, new RegExp(`${fake}: lacks the 'torch' package`));
        assert.match(error.message, new RegExp(`${absent}: not found`));
        assert.match(error.message, /apt-get install python3-torch python3-onnx/);
        assert.match(error.message, /pip install torch onnx/);
        return true;
      },
    );
    await assert.rejects(
      runTraining({ datasets: [join(dir, "x.jsonl")], out: join(dir, "m.onnx"), python: fake, ...quiet }),
      PythonUnavailableError,
    );
  });
});

/** The oldest 60% of each repository, as train.py splits it. */
function trainPart(records: DatasetRecord[]): DatasetRecord[] {
  const byRepo = new Map<string, DatasetRecord[]>();
  for (const r of records) byRepo.set(r.repo, [...(byRepo.get(r.repo) ?? []), r]);
  const out: DatasetRecord[] = [];
  for (const list of byRepo.values()) {
    const sorted = [...list].sort((a, b) => a.time - b.time);
    out.push(...sorted.slice(0, Math.round(sorted.length * 0.6)));
  }
  return out;
}
