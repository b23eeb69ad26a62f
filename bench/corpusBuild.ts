/**
 * Rebuilds the corpus of the shipped default risk model and retrains it, from local clones only.
 *
 *   node dist/bench/corpusBuild.js --mirrors /work/.mirror --work /tmp/dejafix-corpus \
 *     [--repo owner/name]... [--out models/default.onnx] [--device auto|cpu|cuda] [--seed 1] \
 *     [--fresh] [--no-train] [-- <further train.py flags>]
 *
 * For every repository it expects a local mirror at `<mirrors>/<owner>+<name>/repo` (a bare clone
 * you made yourself; nothing is downloaded here), clones it with `--no-checkout` into
 * `<work>/c-<name>`, indexes it (`dejafix index`), exports its dataset with SZZ labels and the default
 * label-latency rule to `<work>/<owner>+<name>.jsonl` (`dejafix dataset`, skipped when the file exists
 * unless --fresh), then trains on all the datasets together (`dejafix train`). The datasets and clones
 * stay in <work>; only the model and its metadata are written to --out.
 *
 * apache/zookeeper is refused: it is the held-out test of the default model (bench/zookeeperEval.ts).
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";

/** The corpus of models/default.onnx (docs/model-card.md): several languages, zookeeper excluded. */
export const DEFAULT_CORPUS = [
  "apache/commons-lang", // Java
  "iproute2/iproute2", // C
  "redis/redis", // C
  "linux-rdma/rdma-core", // C, Python
  "openvswitch/ovs", // C, Python
  "osandov/drgn", // C, Python
  "pytest-dev/pytest", // Python
  "sqlalchemy/sqlalchemy", // Python
  "vuejs/core", // TypeScript
  "typescript-eslint/typescript-eslint", // TypeScript
  "prettier/prettier", // JavaScript
];

/** Never trained on: the held-out evaluation repository. */
export const HELD_OUT = "apache/zookeeper";

/** The train.py flags the shipped model was trained with (see docs/model-card.md). */
export const DEFAULT_TRAIN_ARGS: string[] = [];

function usage(message: string): never {
  process.stderr.write(`corpusBuild: ${message}\n`);
  process.exit(2);
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      mirrors: { type: "string" },
      work: { type: "string", default: "/tmp/dejafix-corpus" },
      repo: { type: "string", multiple: true },
      out: { type: "string", default: "models/default.onnx" },
      device: { type: "string", default: "auto" },
      seed: { type: "string", default: "1" },
      fresh: { type: "boolean", default: false },
      "no-train": { type: "boolean", default: false },
    },
  });
  if (!values.mirrors)
    usage("--mirrors DIR is required: the folder holding <owner>+<name>/repo bare mirrors");
  const device = values.device;
  if (device !== "auto" && device !== "cpu" && device !== "cuda")
    usage(`--device must be auto, cpu or cuda, got '${device}'`);
  const repos = values.repo && values.repo.length > 0 ? values.repo : DEFAULT_CORPUS;
  if (repos.some((r) => r.toLowerCase() === HELD_OUT))
    usage(`${HELD_OUT} is the held-out test of the default model and must not be in its corpus`);
  const work = resolve(values.work);
  mkdirSync(work, { recursive: true });

  const { exportDataset } = await import("../src/eval/exportDataset.js");
  const datasets: string[] = [];
  for (const repo of repos) {
    const [owner, name] = repo.split("/");
    if (!owner || !name) usage(`--repo must look like owner/name, got '${repo}'`);
    const mirror = join(resolve(values.mirrors), `${owner}+${name}`, "repo");
    const clone = join(work, `c-${name}`);
    const data = join(work, `${owner}+${name}.jsonl`);
    datasets.push(data);
    if (existsSync(data) && statSync(data).size > 0 && !values.fresh) {
      log(`${repo}: dataset ${data} exists (pass --fresh to rebuild it)`);
      continue;
    }
    if (!existsSync(clone)) {
      if (!existsSync(mirror))
        usage(`no local mirror of ${repo} at ${mirror}; make one with git clone --mirror`);
      log(`${repo}: cloning ${mirror} → ${clone}`);
      execFileSync("git", ["clone", "-q", "--no-checkout", mirror, clone], { stdio: "inherit" });
    }
    const t0 = performance.now();
    const summary = await exportDataset({ repos: [clone], names: [repo], out: data });
    const r = summary.repos[0];
    log(
      `${repo}: ${summary.records} commits written (${summary.buggy} defect-introducing, ` +
        `${r?.recent ?? 0} too recent) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  if (values["no-train"]) return;

  const { runTraining } = await import("../src/model/train.js");
  const { metaPathFor } = await import("../src/model/load.js");
  const extra = positionals.length > 0 ? positionals : DEFAULT_TRAIN_ARGS;
  // Trained inside <work> (train.py also writes a PyTorch checkpoint there), then the two shipped files copied.
  const trained = join(work, "model", "default.onnx");
  const result = await runTraining({
    datasets,
    out: trained,
    device,
    seed: Number(values.seed),
    extraArgs: [
      "--label-source",
      "SZZ (dejafix index: R-SZZ by line ownership + declared links), 90-day label latency",
      ...extra,
    ],
    onLog: log,
  });
  const out = resolve(values.out);
  mkdirSync(dirname(out), { recursive: true });
  copyFileSync(trained, out);
  copyFileSync(metaPathFor(trained), metaPathFor(out));
  log(`wrote ${out} and ${metaPathFor(out)}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
