/**
 * What scoring adds to a hook: a fresh Node process that loads the model (onnxruntime session,
 * one thread), builds the feature vector of a typical change and runs one inference — timed next
 * to a bare `node -e 0` in the same run.
 *
 *   node dist/bench/scoreBench.js [--model PATH.onnx] [--runs 20]
 *
 * Without --model it trains two throw-away models (token LR and token MLP) on the seeded synthetic
 * dataset in a temp folder (needs a Python with torch; see src/model/train.ts). Target: ≤ 60 ms added.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CHANGE_METRICS } from "./typicalChange.js";

const TARGET_MS = 60;
/** The bare process, reporting its own CPU time (user + system, since start) like the child does. */
const BARE =
  "process.stdout.write(JSON.stringify({cpuMs:(process.cpuUsage().user+process.cpuUsage().system)/1000}))";

async function child(modelPath: string): Promise<void> {
  const start = performance.now();
  const { loadModel } = await import("../src/model/load.js");
  const { score } = await import("../src/model/score.js");
  const { linesBag } = await import("../src/metrics/tokens.js");
  const imported = performance.now();
  const model = await loadModel(modelPath);
  const loaded = performance.now();
  const added = Array.from(
    { length: 120 },
    (_, i) => `  const value${i % 9} = items[${i}].total + offset; // line ${i}`,
  );
  const removed = Array.from({ length: 40 }, (_, i) => `  if (count > ${i}) { return result.push("x"); }`);
  const dim = model.meta.features.token_hash.dim;
  const result = await score(model, {
    metrics: CHANGE_METRICS,
    added: linesBag(added, dim),
    removed: linesBag(removed, dim),
  });
  const scored = performance.now();
  const cpu = process.cpuUsage();
  process.stdout.write(
    JSON.stringify({
      import: imported - start,
      load: loaded - imported,
      score: scored - loaded,
      value: result.score,
      cpuMs: (cpu.user + cpu.system) / 1000,
    }),
  );
}

function wall(command: string, args: string[]): { ms: number; stdout: string } {
  const start = process.hrtime.bigint();
  const run = spawnSync(command, args, { encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${run.stderr}`);
  return { ms, stdout: run.stdout };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function trainThrowAway(dir: string): Promise<string[]> {
  const { formatDataset } = await import("../src/model/dataset.js");
  const { syntheticDataset } = await import("../src/model/synthetic.js");
  const { runTraining } = await import("../src/model/train.js");
  const { header, records } = syntheticDataset({ seed: 1, commits: 600 });
  const data = join(dir, "data.jsonl");
  writeFileSync(data, formatDataset(header, records));
  const models: string[] = [];
  for (const kind of ["lr-tokens", "mlp-tokens"]) {
    const summary = await runTraining({
      datasets: [data],
      out: join(dir, kind, "model.onnx"),
      device: "cpu",
      seed: 1,
      extraArgs: ["--models", kind, "--max-epochs", "5"],
      onLog: () => {},
    });
    models.push(summary.model);
  }
  return models;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: "string" },
      runs: { type: "string", default: "20" },
      child: { type: "string" },
    },
  });
  if (values.child) return child(values.child);
  const runs = Number(values.runs);
  const self = fileURLToPath(import.meta.url);
  const dir = values.model ? null : mkdtempSync(join(tmpdir(), "dejafix-bench-"));
  try {
    const models = values.model ? [values.model] : await trainThrowAway(dir!);
    console.log(
      `node ${process.version}, ${runs} runs each, fresh process per run; load average ${loadavg()[0]!.toFixed(2)}`,
    );
    console.log("CPU time is less sensitive than wall time to other work on the machine; both are shown.");
    for (const model of models) {
      const bare: number[] = [];
      const bareCpu: number[] = [];
      const esmCpu: number[] = [];
      const scoring: number[] = [];
      const inside: { import: number; load: number; score: number; cpuMs: number }[] = [];
      wall(process.execPath, [self, "--child", model]); // warm the file cache once
      for (let i = 0; i < runs; i++) {
        bare.push(wall(process.execPath, ["-e", "0"]).ms);
        bareCpu.push(JSON.parse(wall(process.execPath, ["-e", BARE]).stdout).cpuMs);
        // The hook's CLI is an ES module too: this is the part of the gap that Node's ESM loader takes.
        esmCpu.push(JSON.parse(wall(process.execPath, ["--input-type=module", "-e", BARE]).stdout).cpuMs);
        const run = wall(process.execPath, [self, "--child", model]);
        scoring.push(run.ms);
        inside.push(JSON.parse(run.stdout));
      }
      const med = (xs: number[]) => quantile(xs, 0.5);
      const added = med(scoring) - med(bare);
      const addedCpu = med(inside.map((x) => x.cpuMs)) - med(bareCpu);
      console.log(`\nmodel ${model}`);
      console.log(
        `  node -e 0            median ${med(bare).toFixed(1)} ms  p95 ${quantile(bare, 0.95).toFixed(1)} ms`,
      );
      console.log(
        `  load + vector + score median ${med(scoring).toFixed(1)} ms  p95 ${quantile(scoring, 0.95).toFixed(1)} ms`,
      );
      console.log(
        `  inside the process: import ${med(inside.map((x) => x.import)).toFixed(1)} ms, session ${med(inside.map((x) => x.load)).toFixed(1)} ms, vector + inference ${med(inside.map((x) => x.score)).toFixed(1)} ms`,
      );
      console.log(
        `  CPU time: node -e 0 ${med(bareCpu).toFixed(1)} ms, as an ES module ${med(esmCpu).toFixed(1)} ms, scoring process ${med(inside.map((x) => x.cpuMs)).toFixed(1)} ms`,
      );
      console.log(
        `  added by scoring: wall ${added.toFixed(1)} ms (ratio ${(med(scoring) / med(bare)).toFixed(2)}× node -e 0), CPU ${addedCpu.toFixed(1)} ms (${(med(inside.map((x) => x.cpuMs)) - med(esmCpu)).toFixed(1)} ms over an empty ES module); target ≤ ${TARGET_MS} ms: wall ${added <= TARGET_MS ? "met" : "NOT met"}, CPU ${addedCpu <= TARGET_MS ? "met" : "NOT met"}`,
      );
    }
    console.log(`\nload average at the end ${loadavg()[0]!.toFixed(2)}`);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
