/**
 * Rebuilds the corpus of the shipped default risk model and retrains it, from local clones only.
 *
 *   node dist/bench/corpusBuild.js --mirrors /work/.mirror --work /tmp/dejafix-corpus \
 *     [--repo owner/name]... [--out models/default.onnx] [--device auto|cpu|cuda] [--seed 1] \
 *     [--fresh] [--no-train | --trained MODEL.onnx] [-- <further train.py flags>]
 *
 * For every repository it expects a local mirror at `<mirrors>/<owner>+<name>/repo` (a bare clone
 * you made yourself; nothing is downloaded here), clones it with `--no-checkout` into
 * `<work>/c-<name>`, indexes it (`dejafix index`), exports its dataset with SZZ labels and the default
 * label-latency rule to `<work>/<owner>+<name>.jsonl` (`dejafix dataset`, skipped when the file exists
 * unless --fresh), then trains on all the datasets together (`dejafix train`). The datasets and clones
 * stay in <work>; only the model and its metadata are written to --out. `--trained MODEL.onnx` ships a
 * model trained earlier by train.py on these datasets (its `.pt` checkpoint must lie next to it).
 *
 * After training, it records a check in the metadata (`check`): the records of a generated fixture
 * repository (fixtures/generate.ts, fixed seed) scored by the PyTorch checkpoint (models/parity.py).
 * test/defaultModel.test.ts regenerates those records and scores them with the shipped ONNX file: the
 * two must agree, so a change to the features or the hashing that the model was not trained with fails
 * a test instead of silently degrading the shipped model.
 *
 * apache/zookeeper is refused: it is the held-out test of the default model (bench/zookeeperEval.ts).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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

/** The fixture repository of the metadata's `check` (see test/defaultModel.test.ts). */
export const CHECK_FIXTURE = { seed: 11, commits: 120 };

/** The train.py flags the shipped model was trained with (see docs/model-card.md). */
export const DEFAULT_TRAIN_ARGS: string[] = ["--hidden", "32", "--weight-decay", "3e-3"];

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
      trained: { type: "string" },
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
  const trained = values.trained ? resolve(values.trained) : join(work, "model", "default.onnx");
  const result = values.trained
    ? { model: trained, note: "trained earlier (--trained): not retrained" }
    : await runTraining({
        datasets,
        out: trained,
        device,
        seed: Number(values.seed),
        extraArgs: [
          "--label-source",
          "SZZ from `dejafix index` (line ownership + developer-declared links); commits of the last 90 days left out",
          ...extra,
        ],
        onLog: log,
      });
  const out = resolve(values.out);
  mkdirSync(dirname(out), { recursive: true });
  copyFileSync(trained, out);
  const meta = JSON.parse(readFileSync(metaPathFor(trained), "utf8")) as Record<string, unknown>;
  meta.check = await fixtureCheck(trained, work);
  writeFileSync(metaPathFor(out), `${JSON.stringify(meta, null, 2)}\n`);
  log(`wrote ${out} and ${metaPathFor(out)}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The fixture records scored by the PyTorch checkpoint next to `model` (models/parity.py). */
async function fixtureCheck(model: string, work: string): Promise<object> {
  const { generateRepo } = await import("../fixtures/generate.js");
  const { exportDataset } = await import("../src/eval/exportDataset.js");
  const { findPython, parityScriptPath } = await import("../src/model/train.js");
  const dir = join(work, "check");
  rmSync(dir, { recursive: true, force: true });
  generateRepo(join(dir, "repo"), CHECK_FIXTURE);
  const data = join(dir, "records.jsonl");
  await exportDataset({ repos: [join(dir, "repo")], out: data, labelLatencyDays: 0 });
  const commits = readFileSync(data, "utf8")
    .trimEnd()
    .split("\n")
    .slice(1)
    .map((line) => (JSON.parse(line) as { commit: string }).commit);
  const run = spawnSync(findPython().python, [parityScriptPath(), model, data], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`parity.py failed: ${run.stderr}`);
  const scores = (JSON.parse(run.stdout) as { scores: number[] }).scores;
  if (scores.length !== commits.length)
    throw new Error(`parity.py scored ${scores.length} of ${commits.length} records`);
  return {
    what: "records of fixtures/generate.ts generateRepo(dir, fixture) exported with label latency 0, scored by the PyTorch checkpoint",
    fixture: CHECK_FIXTURE,
    records: commits.map((commit, i) => ({ commit, torch: scores[i] })),
  };
}

await main();
