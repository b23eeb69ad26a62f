/**
 * How long `dejafix index` takes on a real history, next to a plain `git log -p` of the same history
 * measured in the same run, and how much memory it needs.
 *
 *   npm run bench:index -- --repo PATH [--runs N]      (or: node dist/bench/indexBench.js PATH)
 *
 * PATH is a repository (work tree or bare). It is cloned with `--no-checkout` into a temp folder (hard
 * links, seconds) so every run indexes from scratch and the repository itself is never written to.
 * The time of `dejafix index` is the whole of it, as `dejafix index` reports it: mining (SZZ included),
 * change metrics, defect blocks and calibration, each also shown on its own. Runs alternate with
 * `git log -p`, so both see the same page cache and machine load; the load average is printed beside.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { timeGitLog } from "./gitLogBaseline.js";

interface WorkerResult {
  seconds: number;
  /** CPU time (user + system) of the indexing Node process, its git children not included. */
  cpuSeconds: number;
  stages: { mine: number; metrics: number; blocks: number; adapt: number; calibrate: number };
  maxRssMB: number;
  commits: number;
  fixes: number;
  links: number;
}

const WORKER_FLAG = "--worker";

/** Indexes one clone in a fresh Node, as `dejafix index` would, and reports time and peak memory. */
function runWorker(clone: string): Promise<WorkerResult> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), WORKER_FLAG, clone], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("error", fail);
    child.on("close", (code) => {
      if (code !== 0) fail(new Error(`index worker exited with ${code}`));
      else ok(JSON.parse(out) as WorkerResult);
    });
  });
}

async function worker(clone: string): Promise<void> {
  const { indexRepository } = await import("../src/api.js");
  const t0 = performance.now();
  const res = await indexRepository({ repoDir: clone });
  const usage = process.resourceUsage();
  const result: WorkerResult = {
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    stages: res.stages,
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    commits: res.summary.commits,
    fixes: res.summary.fixes,
    links: res.summary.links,
  };
  process.stdout.write(JSON.stringify(result));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
};

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { runs: { type: "string", default: "1" }, repo: { type: "string" } },
    allowPositionals: true,
  });
  const source = (values.repo as string | undefined) ?? positionals[0];
  if (!source) {
    process.stderr.write("usage: npm run bench:index -- --repo PATH [--runs N]\n");
    return 2;
  }
  const loadBefore = loadavg();
  const runs = Math.max(1, Number(values.runs));
  const tmp = mkdtempSync(join(tmpdir(), "dejafix-bench-"));
  try {
    const clone = join(tmp, "repo");
    execFileSync("git", ["clone", "-q", "--no-checkout", resolve(source), clone]);
    const count = execFileSync("git", ["-C", clone, "rev-list", "--count", "HEAD"], {
      encoding: "utf8",
    }).trim();
    process.stdout.write(`history: ${source} (${count} commits)\n`);
    const base: number[] = [];
    const ours: WorkerResult[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate, so both sides see the same page cache and machine load.
      base.push((await timeGitLog(clone, ["log", "-p", "HEAD"])).seconds);
      rmSync(join(clone, ".git", "dejafix"), { recursive: true, force: true });
      ours.push(await runWorker(clone));
    }
    const b = median(base);
    const o = median(ours.map((r) => r.seconds));
    const mem = Math.max(...ours.map((r) => r.maxRssMB));
    const last = ours[ours.length - 1] as WorkerResult;
    const st = last.stages;
    const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
    process.stdout.write(
      `${[
        `git log -p HEAD (baseline):  ${b.toFixed(2)} s`,
        `dejafix index:               ${o.toFixed(2)} s  = ${(o / b).toFixed(2)}× the baseline (target ≤ 3×); CPU ${median(ours.map((r) => r.cpuSeconds)).toFixed(2)} s (user + sys of the Node process)`,
        `  of which mining (SZZ) ${st.mine.toFixed(2)} s, metrics ${st.metrics.toFixed(2)} s, defect blocks ${st.blocks.toFixed(2)} s, adaptation ${st.adapt.toFixed(2)} s, calibration ${st.calibrate.toFixed(2)} s (last run)`,
        `peak memory (dejafix):       ${mem} MB (target < 1024 MB)`,
        `indexed: ${last.commits} commits, ${last.fixes} fix commits, ${last.links} defect→fix links; median of ${runs} run(s)`,
        `load average: ${load(loadBefore)} before, ${load(loadavg())} after (1, 5, 15 min; ${cpus().length} cores)`,
        `rerun: node dist/bench/indexBench.js --repo ${source} --runs ${runs}`,
      ].join("\n")}\n`,
    );
    return 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2);
  const run = argv[0] === WORKER_FLAG ? worker(argv[1] as string).then(() => 0) : main(argv);
  run.then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`bench:index failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
