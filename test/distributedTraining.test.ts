/**
 * models/train.py under torchrun: two gloo processes on the CPU (DistributedDataParallel) train the
 * model one process trains, within tolerance, and process 0 alone exports it. Needs Python with torch
 * and onnx, as the training test does (CI installs python3-torch python3-onnx).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { formatDataset } from "../src/model/dataset.js";
import { loadModel } from "../src/model/load.js";
import { scoreMany } from "../src/model/score.js";
import { syntheticDataset } from "../src/model/synthetic.js";
import { findPython, runTraining, torchrunArgs } from "../src/model/train.js";
import { tempDir } from "./helpers/repo.js";

test("torchrun with 2 gloo processes exports an ONNX model whose validation AUC is the single process's within 0.01", async (t) => {
  const dir = tempDir(t, "dejafix-ddp-");
  const python = findPython();
  const { header, records } = syntheticDataset({ seed: 77, commits: 400 });
  const data = join(dir, "data.jsonl");
  writeFileSync(data, formatDataset(header, records));
  const common = {
    datasets: [data],
    device: "cpu" as const,
    python: python.python,
    seed: 3,
    maxEpochs: 8,
    // A batch size that leaves one row for the last batch: process 1 gets none of it.
    extraArgs: ["--batch-size", "97"],
    onLog: () => {},
  };
  const [one, two] = await Promise.all([
    runTraining({ ...common, out: join(dir, "one", "m.onnx") }),
    runTraining({ ...common, out: join(dir, "two", "m.onnx"), processes: 2 }),
  ]);
  assert.ok(one.validation_auc !== null && two.validation_auc !== null);
  assert.ok(
    Math.abs(one.validation_auc - two.validation_auc) <= 0.01,
    `validation AUC ${one.validation_auc} (1 process) vs ${two.validation_auc} (2 processes)`,
  );
  assert.ok(two.validation_auc > 0.6, `the model learned something: ${two.validation_auc}`);

  const meta = JSON.parse(readFileSync(two.meta, "utf8")) as {
    training: { processes: number; backend: string };
  };
  assert.equal(meta.training.processes, 2);
  assert.equal(meta.training.backend, "gloo");
  // Process 0 wrote the files, once; process 1 nothing.
  assert.deepEqual(readdirSync(join(dir, "two")).sort(), ["m.meta.json", "m.onnx", "m.pt"]);

  // The exported model loads in onnxruntime-node and scores like the single-process one.
  const [m1, m2] = await Promise.all([loadModel(one.model), loadModel(two.model)]);
  const sample = records.slice(-100);
  const s1 = (await scoreMany(m1, sample)).map((r) => r.score);
  const s2 = (await scoreMany(m2, sample)).map((r) => r.score);
  assert.equal(s2.length, sample.length);
  assert.ok(s2.every((s) => s >= 0 && s <= 1));
  if (one.kind === two.kind && one.kind !== "mlp-tokens") {
    // The linear models have no dropout: the same gradients, up to the order of float sums.
    const worst = Math.max(...s1.map((s, i) => Math.abs(s - s2[i]!)));
    assert.ok(worst < 1e-3, `largest score difference ${worst}`);
  }
});

test("torchrun runs standalone, on a free port, for the requested processes", () => {
  const args = torchrunArgs(2);
  assert.deepEqual(args.slice(0, 5), [
    "-m",
    "torch.distributed.run",
    "--standalone",
    "--nproc_per_node",
    "2",
  ]);
  assert.ok(
    !torchrunArgs(12).includes("--redirects"),
    "the one-digit rank workaround only below 10 processes",
  );
});
