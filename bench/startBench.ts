/**
 * How long `dejafix --version`, `dejafix --help` and a mistyped command take to start, next to a bare
 * `node -e 0` measured in the same run, interleaved (so both see the same machine load), with the
 * ratio of medians and the load average beside them. The target: `--version` ≤ 1.5× `node -e 0`.
 *
 *   npm run build && node dist/bench/startBench.js [--runs 40] [--baseline ROOT]
 *
 * --baseline ROOT also times another build of dejafix (a package root with dist/ built, e.g. a worktree
 * of the previous commit), interleaved with the rest. Every run's exit code is checked.
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

interface Case {
  name: string;
  args: string[];
  code: number;
}

function timeMs(args: string[], expected: number, name: string): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== expected) throw new Error(`${name}: exit ${r.status}, expected ${expected}: ${r.stderr}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function main(): void {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "40" }, baseline: { type: "string" } },
  });
  const runs = Number(values.runs);
  const cases: Case[] = [
    { name: "node -e 0", args: ["-e", "0"], code: 0 },
    { name: "dejafix --version", args: [CLI, "--version"], code: 0 },
    { name: "dejafix --help", args: [CLI, "--help"], code: 0 },
    { name: "dejafix chek", args: [CLI, "chek"], code: 2 },
  ];
  if (values.baseline) {
    const old = join(resolve(values.baseline), "dist", "src", "cli", "main.js");
    cases.push({ name: "baseline --version", args: [old, "--version"], code: 0 });
    cases.push({ name: "baseline --help", args: [old, "--help"], code: 0 });
  }
  const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  // Warm-up: file cache and, on Node ≥ 22.1, the compile cache.
  for (const c of cases) timeMs(c.args, c.code, c.name);
  const before = loadavg();
  for (let i = 0; i < runs; i++)
    for (const c of cases) times.get(c.name)?.push(timeMs(c.args, c.code, c.name));
  const after = loadavg();
  const base = median(times.get("node -e 0") ?? []);
  console.log(`node ${process.version}, ${runs} interleaved runs of each`);
  console.log(
    `load average before ${before.map((l) => l.toFixed(2)).join(" ")}, after ${after.map((l) => l.toFixed(2)).join(" ")}`,
  );
  for (const c of cases) {
    const xs = times.get(c.name) ?? [];
    const m = median(xs);
    console.log(
      `${c.name.padEnd(20)} median ${m.toFixed(1).padStart(6)} ms  min ${Math.min(...xs)
        .toFixed(1)
        .padStart(6)} ms  ${(m / base).toFixed(2)}× node -e 0`,
    );
  }
}

main();
