/**
 * How long `dejafix index` takes on a real history, next to a plain `git log -p` of the same history
 * measured in the same run, and how much memory it needs.
 *
 *   npm run bench:index -- --repo PATH [--runs N] [--baseline ROOT]    (or: node dist/bench/indexBench.js PATH)
 *
 * --baseline ROOT indexes the same clone with another build of dejafix (a package root with dist/ built,
 * e.g. the release before) in the same runs, and prints its time and stages beside this build's, and this
 * build's time without the stages that build may not have (the adaptation).
 *
 * PATH is a repository (work tree or bare). It is cloned with `--no-checkout` into a temp folder (hard
 * links, seconds) so every run indexes from scratch and the repository itself is never written to.
 * The time of `dejafix index` is the whole of it, as `dejafix index` reports it: mining (SZZ included),
 * change metrics, defect blocks and calibration, each also shown on its own. Runs alternate with
 * `git log -p`, so both see the same page cache and machine load; the load average is printed beside.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { timeGitLog } from "./gitLogBaseline.js";

interface WorkerResult {
  seconds: number;
  /** CPU time (user + system) of the indexing Node process, its git children not included. */
  cpuSeconds: number;
  /** CPU time (user + system) of the git processes it ran and waited for (Linux; null elsewhere). */
  childCpuSeconds: number | null;
  /** Each stage's seconds, as the build reports them (an older build reports fewer stages). */
  stages: Partial<Record<"mine" | "metrics" | "blocks" | "adapt" | "calibrate", number>>;
  maxRssMB: number;
  commits: number;
  fixes: number;
  links: number;
}

const WORKER_FLAG = "--worker";

/**
 * Indexes one clone in a fresh Node, as `dejafix index` would, and reports time and peak memory. `api` is
 * another build's `dist/src/api.js` (--baseline), or this build's when absent.
 */
function runWorker(clone: string, api?: string): Promise<WorkerResult> {
  return new Promise((ok, fail) => {
    const args = [fileURLToPath(import.meta.url), WORKER_FLAG, clone, ...(api ? [api] : [])];
    const child = spawn(process.execPath, args, {
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

async function worker(clone: string, api?: string): Promise<void> {
  const { indexRepository } = (await import(
    api ? pathToFileURL(api).href : "../src/api.js"
  )) as typeof import("../src/api.js");
  const t0 = performance.now();
  const res = await indexRepository({ repoDir: clone });
  const usage = process.resourceUsage();
  const result: WorkerResult = {
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    childCpuSeconds: childrenCpuSeconds(),
    stages: res.stages,
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    commits: res.summary.commits,
    fixes: res.summary.fixes,
    links: res.summary.links,
  };
  process.stdout.write(JSON.stringify(result));
}

/**
 * CPU time of this process's children that have ended (`cutime` + `cstime` of /proc/self/stat, in clock
 * ticks of 1/100 s): the git processes an index run starts. Null where /proc is not there.
 */
function childrenCpuSeconds(): number | null {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the command name (which may hold spaces), from field 3 on: cutime and cstime are 16, 17.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}

const STAGE_NAMES: Record<string, string> = {
  mine: "mining (SZZ)",
  metrics: "metrics",
  blocks: "defect blocks",
  adapt: "adaptation",
  calibrate: "calibration",
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
};

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      runs: { type: "string", default: "1" },
      repo: { type: "string" },
      baseline: { type: "string" },
    },
    allowPositionals: true,
  });
  const source = (values.repo as string | undefined) ?? positionals[0];
  if (!source) {
    process.stderr.write("usage: npm run bench:index -- --repo PATH [--runs N] [--baseline ROOT]\n");
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
    // --baseline ROOT: another build of dejafix (a package root with dist/ built), indexed the same way.
    const otherApi = values.baseline
      ? join(resolve(values.baseline as string), "dist", "src", "api.js")
      : undefined;
    const base: number[] = [];
    const baseCpu: number[] = [];
    const ours: WorkerResult[] = [];
    const theirs: WorkerResult[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate, so every side sees the same page cache and machine load.
      const cpuBefore = childrenCpuSeconds();
      base.push((await timeGitLog(clone, ["log", "-p", "HEAD"])).seconds);
      const cpuAfter = childrenCpuSeconds();
      if (cpuBefore !== null && cpuAfter !== null) baseCpu.push(cpuAfter - cpuBefore);
      rmSync(join(clone, ".git", "dejafix"), { recursive: true, force: true });
      ours.push(await runWorker(clone));
      if (otherApi) {
        rmSync(join(clone, ".git", "dejafix"), { recursive: true, force: true });
        theirs.push(await runWorker(clone, otherApi));
      }
    }
    const b = median(base);
    const o = median(ours.map((r) => r.seconds));
    const mem = Math.max(...ours.map((r) => r.maxRssMB));
    const last = ours[ours.length - 1] as WorkerResult;
    const stages = (st: WorkerResult["stages"]): string =>
      Object.entries(st)
        .map(([k, v]) => `${STAGE_NAMES[k] ?? k} ${(v ?? 0).toFixed(2)} s`)
        .join(", ");
    const gitCpu = (rs: WorkerResult[]): string => {
      const c = rs.map((r) => r.childCpuSeconds).filter((x): x is number => x !== null);
      return c.length === rs.length ? ` + ${median(c).toFixed(2)} s of its git processes` : "";
    };
    const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
    const withoutAdapt = median(ours.map((r) => r.seconds - (r.stages.adapt ?? 0)));
    const other = theirs.length > 0 ? theirs[theirs.length - 1] : undefined;
    const compared = other
      ? [
          `baseline build ${values.baseline}: ${median(theirs.map((r) => r.seconds)).toFixed(2)} s = ${(median(theirs.map((r) => r.seconds)) / b).toFixed(2)}× the baseline; CPU ${median(theirs.map((r) => r.cpuSeconds)).toFixed(2)} s${gitCpu(theirs)}; peak ${Math.max(...theirs.map((r) => r.maxRssMB))} MB; ${other.fixes} fix commits, ${other.links} links`,
          `  of which ${stages(other.stages)} (last run)`,
          `this build without its adaptation stage: ${withoutAdapt.toFixed(2)} s = ${(withoutAdapt / b).toFixed(2)}× the baseline`,
        ]
      : [];
    process.stdout.write(
      `${[
        `git log -p HEAD (baseline):  ${b.toFixed(2)} s${baseCpu.length === runs ? `; CPU ${median(baseCpu).toFixed(2)} s` : ""}`,
        `dejafix index:               ${o.toFixed(2)} s  = ${(o / b).toFixed(2)}× the baseline (target ≤ 3×); CPU ${median(ours.map((r) => r.cpuSeconds)).toFixed(2)} s (user + sys of the Node process)${gitCpu(ours)}`,
        `  of which ${stages(last.stages)} (last run)`,
        `peak memory (dejafix):       ${mem} MB (target < 1024 MB)`,
        `indexed: ${last.commits} commits, ${last.fixes} fix commits, ${last.links} defect→fix links; median of ${runs} run(s)`,
        ...compared,
        `load average: ${load(loadBefore)} before, ${load(loadavg())} after (1, 5, 15 min; ${cpus().length} cores)`,
        `rerun: node dist/bench/indexBench.js --repo ${source} --runs ${runs}${values.baseline ? ` --baseline ${values.baseline}` : ""}`,
      ].join("\n")}\n`,
    );
    return 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2);
  const run = argv[0] === WORKER_FLAG ? worker(argv[1] as string, argv[2]).then(() => 0) : main(argv);
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
