/**
 * The scoring runtimes side by side, in one run: dejafix's own (src/model/runGraph.ts), onnxruntime-node's
 * native binding (DEJAFIX_RUNTIME=onnxruntime) and onnxruntime-web's WebAssembly build
 * (DEJAFIX_RUNTIME=onnxruntime-web), on the shipped model. For each, interleaved with `node -e 0`:
 *   session start   importing dejafix's model code and opening the session, in a fresh process
 *   first score     the feature vector of a typical change and the first inference
 *   warm score      one inference once the session is warm (median of 200, in one more process)
 *   scoring process the whole fresh process (start, load, score, exit), wall time
 *   hook            the installed pre-commit hook on a typical staged change with `verdict.mode: score`
 *                   (the model scores every commit), next to the same hook with `verdict.mode: match`
 *                   (the model is not loaded at all)
 * A runtime that cannot be loaded here is named and left out. Install size and time are measured by
 * scripts/measure-runtime.sh, which also builds a package tree where onnxruntime-web can be imported.
 *
 *   node dist/bench/runtimeBench.js [--runs 15] [--commits 300]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generateRepo } from "../fixtures/generate.js";
import { CHANGE_METRICS } from "./typicalChange.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const MODEL = fileURLToPath(new URL("../../models/default.onnx", import.meta.url));

const RUNTIMES = [
  { name: "dejafix's own (js)", env: "js" },
  { name: "onnxruntime-node", env: "onnxruntime" },
  { name: "onnxruntime-web (wasm)", env: "onnxruntime-web" },
] as const;

interface Inside {
  via: string;
  /** Wall and CPU (user + system) milliseconds of each phase. */
  session: number;
  sessionCpu: number;
  first: number;
  firstCpu: number;
  warm: number;
  /** CPU of the process up to its first score (Node's own start included). */
  processCpu: number;
  value: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function child(): Promise<void> {
  const start = performance.now();
  const startCpu = cpuMs();
  const { loadModel } = await import("../src/model/load.js");
  const { score } = await import("../src/model/score.js");
  const { linesBag } = await import("../src/metrics/tokens.js");
  const model = await loadModel(MODEL);
  const opened = performance.now();
  const openedCpu = cpuMs();
  const dim = model.meta.features.token_hash.dim;
  const change = {
    metrics: CHANGE_METRICS,
    added: linesBag(
      Array.from(
        { length: 120 },
        (_, i) => `  const value${i % 9} = items[${i}].total + offset; // line ${i}`,
      ),
      dim,
    ),
    removed: linesBag(
      Array.from({ length: 40 }, (_, i) => `  if (count > ${i}) { return result.push("x"); }`),
      dim,
    ),
  };
  const result = await score(model, change);
  const scored = performance.now();
  const scoredCpu = cpuMs();
  const warm: number[] = [];
  for (let i = 0; i < (process.argv.includes("--warm") ? 200 : 0); i++) {
    const t = performance.now();
    await score(model, change);
    warm.push(performance.now() - t);
  }
  const out: Inside = {
    via: model.session.via,
    session: opened - start,
    sessionCpu: openedCpu - startCpu,
    first: scored - opened,
    firstCpu: scoredCpu - openedCpu,
    warm: warm.length > 0 ? median(warm) : Number.NaN,
    processCpu: scoredCpu,
    value: result.score,
  };
  process.stdout.write(JSON.stringify(out));
}

/** A bare process reporting its own CPU time, as the child does. */
const BARE_CPU = "const u=process.cpuUsage();process.stdout.write(String((u.user+u.system)/1000))";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function timed(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): { ms: number; code: number | null; stdout: string; stderr: string } {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env: { ...env, NO_COLOR: "1" }, encoding: "utf8" });
  return {
    ms: Number(process.hrtime.bigint() - t) / 1e6,
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

/** Runs `cmd` under /usr/bin/time: wall and CPU (user + system of it and the children it waited for). */
function timedCpu(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): { ms: number; cpu: number; code: number | null; stderr: string } {
  const r = timed("/usr/bin/time", ["-f", "dejafix-cpu %U %S", cmd, ...args], cwd, env);
  const m = /dejafix-cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return {
    ms: r.ms,
    cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : Number.NaN,
    code: r.code,
    stderr: r.stderr,
  };
}

function envFor(runtime: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DEJAFIX_RUNTIME;
  if (runtime !== "js") env.DEJAFIX_RUNTIME = runtime;
  return env;
}

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", maxBuffer: 1 << 26 });
}

/** Edits in 4 source files, ~120 lines (as bench/hookBench.ts). */
function stageTypicalChange(repo: string): void {
  const files = git(repo, ["ls-files", "*.ts", "*.js", "*.py", "*.java", "*.c"])
    .split("\n")
    .filter(Boolean)
    .slice(0, 4);
  files.forEach((f, i) => {
    const body = Array.from({ length: 30 }, (_, k) => `// benchmark edit ${i}.${k}: keep the value in range`);
    appendFileSync(join(repo, f), `\n${body.join("\n")}\n`);
  });
  git(repo, ["add", "--", ...files]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "15" },
      commits: { type: "string", default: "300" },
      child: { type: "boolean", default: false },
      warm: { type: "boolean", default: false },
    },
  });
  if (values.child) return child();
  const runs = Math.max(3, Number(values.runs));
  const self = fileURLToPath(import.meta.url);
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  console.log(`node ${process.version}, ${runs} runs each, interleaved; load average ${load()}`);

  const available = RUNTIMES.filter((r) => {
    const probe = timed(process.execPath, [self, "--child"], process.cwd(), envFor(r.env));
    if (probe.code !== 0) console.log(`${r.name}: left out, it does not load here (${probe.stderr.trim()})`);
    return probe.code === 0;
  });

  const bare: number[] = [];
  const bareCpu: number[] = [];
  const inside = new Map<string, Inside[]>(available.map((r) => [r.env, []]));
  const wall = new Map<string, number[]>(available.map((r) => [r.env, []]));
  for (let i = 0; i < runs; i++) {
    bare.push(timed(process.execPath, ["-e", "0"], process.cwd(), process.env).ms);
    const cpu = timed(process.execPath, ["-e", BARE_CPU], process.cwd(), process.env);
    bareCpu.push(Number(cpu.stdout));
    for (const r of available) {
      const run = timed(process.execPath, [self, "--child"], process.cwd(), envFor(r.env));
      if (run.code !== 0) throw new Error(`${r.name}: ${run.stderr}`);
      wall.get(r.env)?.push(run.ms);
      inside.get(r.env)?.push(JSON.parse(run.stdout) as Inside);
    }
  }

  // Warm inference in one more process per runtime (the runs above exit after their first score).
  const warm = new Map<string, number>();
  for (const r of available) {
    const run = timed(process.execPath, [self, "--child", "--warm"], process.cwd(), envFor(r.env));
    if (run.code !== 0) throw new Error(`${r.name}: ${run.stderr}`);
    warm.set(r.env, (JSON.parse(run.stdout) as Inside).warm);
  }

  const tmp = mkdtempSync(join(tmpdir(), "dejafix-runtimebench-"));
  const hook = new Map<string, number[]>(available.map((r) => [r.env, []]));
  const hookCpu = new Map<string, number[]>(available.map((r) => [r.env, []]));
  const unscored: number[] = [];
  const unscoredCpu: number[] = [];
  const hookBare: number[] = [];
  try {
    const repo = join(tmp, "repo");
    generateRepo(repo, { commits: Number(values.commits) });
    const init = spawnSync(process.execPath, [CLI, "init", "--repo", repo], { encoding: "utf8" });
    if (init.status !== 0) throw new Error(`dejafix init failed: ${init.stderr}`);
    mkdirSync(join(repo, ".dejafix"), { recursive: true });
    // A budget no loaded machine reaches: a hook cut short at the budget would time the budget.
    const budget = "hooks:\n  timeBudgetMs: 600000\n";
    writeFileSync(join(repo, ".dejafix", "rules.yml"), `version: 1\n${budget}verdict:\n  mode: score\n`);
    stageTypicalChange(repo);
    const match = join(tmp, "match");
    cpSync(repo, match, { recursive: true });
    writeFileSync(join(match, ".dejafix", "rules.yml"), `version: 1\n${budget}verdict:\n  mode: match\n`);
    const hookOf = (dir: string) => join(dir, ".git", "hooks", "pre-commit");
    for (const r of available) timed("sh", [hookOf(repo)], repo, envFor(r.env)); // warm the caches once
    timed("sh", [hookOf(match)], match, process.env);
    for (let i = 0; i < runs; i++) {
      for (const r of available) {
        const h = timedCpu("sh", [hookOf(repo)], repo, envFor(r.env));
        if (h.code !== 0) throw new Error(`${r.name}: the hook exited with ${h.code}: ${h.stderr}`);
        hook.get(r.env)?.push(h.ms);
        hookCpu.get(r.env)?.push(h.cpu);
      }
      const u = timedCpu("sh", [hookOf(match)], match, process.env);
      if (u.code !== 0) throw new Error(`the unscored hook exited with ${u.code}: ${u.stderr}`);
      unscored.push(u.ms);
      unscoredCpu.push(u.cpu);
      hookBare.push(timed(process.execPath, ["-e", "0"], repo, process.env).ms);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  const f = (x: number) => x.toFixed(1);
  const b = median(bare);
  const bCpu = median(bareCpu);
  const uCpu = median(unscoredCpu);
  console.log(
    `\nnode -e 0: median ${f(b)} ms wall, ${f(bCpu)} ms CPU (beside the scoring processes), ${f(median(hookBare))} ms wall (beside the hooks)`,
  );
  console.log(
    `hook with verdict.mode: match (no model loaded): median ${f(median(unscored))} ms wall, ${f(uCpu)} ms CPU`,
  );
  console.log(
    "\nMedians; wall ms / CPU ms where both are given (CPU is less sensitive to the machine's load).",
  );
  console.log(
    "\n| runtime | session start | first score | warm score (wall) | scoring process (wall, × node -e 0) | process CPU to the first score (− node -e 0) | hook wall | hook CPU (− unscored hook) | score |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of available) {
    const xs = inside.get(r.env) ?? [];
    const w = median(wall.get(r.env) ?? []);
    const pc = median(xs.map((x) => x.processCpu));
    const hc = median(hookCpu.get(r.env) ?? []);
    console.log(
      `| ${r.name} (${xs[0]?.via}) | ${f(median(xs.map((x) => x.session)))} / ${f(median(xs.map((x) => x.sessionCpu)))} | ${f(median(xs.map((x) => x.first)))} / ${f(median(xs.map((x) => x.firstCpu)))} | ${(warm.get(r.env) ?? Number.NaN).toFixed(3)} | ${f(w)} (${(w / b).toFixed(2)}×) | ${f(pc)} (+${f(pc - bCpu)}) | ${f(median(hook.get(r.env) ?? []))} | ${f(hc)} (${hc - uCpu >= 0 ? "+" : ""}${f(hc - uCpu)}) | ${xs[0]?.value.toFixed(7)} |`,
    );
  }
  console.log(`\nload average at the end: ${load()}`);
}

await main();
