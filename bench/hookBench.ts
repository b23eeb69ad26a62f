/**
 * Whole-process pre-commit time, as a developer feels it: the installed hook script (sh → node →
 * checker) on a typical staged change, in a repository with a ~10k-commit index, next to a bare
 * `node -e 0` measured in the same run (interleaved, so both see the same machine load).
 *
 *   npm run build && node dist/bench/hookBench.js [--commits 10000] [--runs 30] [--repo PATH] [--baseline ROOT]
 *
 * --baseline ROOT times another build of dejafix (a package root with dist/ built, e.g. a worktree of the
 * previous commit) on a copy of the same repository, index and staged change, interleaved with this one:
 * the difference of the two is what a change to the hook costs, with the machine's load the same for both.
 *
 * Without --repo it generates a fixture repository (fixtures/) of --commits commits. With --repo PATH
 * it clones PATH (hard links) instead. The hook's exit code is checked on every run.
 *
 * What scoring adds to the hook is measured the same way: a copy of the repository whose rules say
 * `verdict: { mode: match }` runs the same hook without loading the model, interleaved with the rest.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { generateRepo } from "../fixtures/generate.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", maxBuffer: 1 << 26 });
}

/**
 * CPU time (user + sys, ms) of every child this process has waited for, its descendants included: Linux adds a
 * waited child's times to the parent's cutime/cstime. Unlike wall time it barely moves with the machine's load.
 */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 16 and 17 of proc(5) (cutime, cstime) are at 13 and 14 once pid and comm are cut off; 100 ticks a second.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return Number.NaN;
  }
}

function timeMs(
  cmd: string,
  args: string[],
  cwd: string,
): { ms: number; cpuMs: number; code: number | null } {
  const c = childrenCpuMs();
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, cpuMs: childrenCpuMs() - c, code: r.status };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};

/** Stages a typical change: edits in 4 source files, ~120 lines added or changed in all. */
function stageTypicalChange(repo: string): { files: number; lines: number } {
  const files = git(repo, ["ls-files", "*.ts", "*.js", "*.py", "*.java", "*.c"])
    .split("\n")
    .filter(Boolean)
    .slice(0, 4);
  let lines = 0;
  files.forEach((f, i) => {
    const body: string[] = [];
    for (let k = 0; k < 30; k++) body.push(`// benchmark edit ${i}.${k}: keep the value in range`);
    appendFileSync(join(repo, f), `\n${body.join("\n")}\n`);
    lines += body.length + 1;
  });
  git(repo, ["add", "--", ...files]);
  return { files: files.length, lines };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      commits: { type: "string", default: "10000" },
      runs: { type: "string", default: "30" },
      repo: { type: "string" },
      baseline: { type: "string" },
    },
  });
  const runs = Math.max(5, Number(values.runs));
  const tmp = mkdtempSync(join(tmpdir(), "dejafix-hookbench-"));
  try {
    const repo = join(tmp, "repo");
    if (values.repo) git(tmp, ["clone", "-q", resolve(values.repo as string), repo]);
    else generateRepo(repo, { commits: Number(values.commits) });
    const commits = git(repo, ["rev-list", "--count", "HEAD"]).trim();
    const t0 = Date.now();
    const init = spawnSync(process.execPath, [CLI, "init", "--repo", repo], { encoding: "utf8" });
    if (init.status !== 0) throw new Error(`dejafix init failed: ${init.stderr}`);
    process.stdout.write(
      `repository: ${commits} commits, indexed by \`dejafix init\` in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    const change = stageTypicalChange(repo);
    const hook = join(repo, ".git", "hooks", "pre-commit");
    const before = git(repo, ["ls-files", "-s"]);
    // The same repository, index and staged change, with rules that never read the score.
    const unscored = join(tmp, "unscored");
    cpSync(repo, unscored, { recursive: true });
    mkdirSync(join(unscored, ".dejafix"), { recursive: true });
    writeFileSync(join(unscored, ".dejafix", "rules.yml"), "version: 1\nverdict:\n  mode: match\n");
    const unscoredHook = join(unscored, ".git", "hooks", "pre-commit");
    // The same again with the hooks of the baseline build.
    const baselineRepo = join(tmp, "baseline");
    if (values.baseline) {
      cpSync(repo, baselineRepo, { recursive: true });
      // The baseline writes its own rules file and index: an older build may not know this build's keys or schema.
      rmSync(join(baselineRepo, ".dejafix"), { recursive: true, force: true });
      rmSync(join(baselineRepo, ".git", "dejafix"), { recursive: true, force: true });
      const cli = join(resolve(values.baseline as string), "dist", "src", "cli", "main.js");
      const r = spawnSync(process.execPath, [cli, "init", "--repo", baselineRepo], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`the baseline's dejafix init failed: ${r.stderr}`);
    }
    const baselineHook = join(baselineRepo, ".git", "hooks", "pre-commit");
    // Warm the page cache and the rules cache once, as any second commit of the day would be.
    timeMs("sh", [hook], repo);
    timeMs("sh", [unscoredHook], unscored);
    if (values.baseline) timeMs("sh", [baselineHook], baselineRepo);
    const hookMs: number[] = [];
    const unscoredMs: number[] = [];
    const nodeMs: number[] = [];
    const baselineMs: number[] = [];
    const cpu = { hook: [] as number[], node: [] as number[], baseline: [] as number[] };
    for (let i = 0; i < runs; i++) {
      if (values.baseline) {
        const b = timeMs("sh", [baselineHook], baselineRepo);
        if (b.code !== 0) throw new Error(`the baseline hook exited with ${b.code} on a typical change`);
        baselineMs.push(b.ms);
        cpu.baseline.push(b.cpuMs);
      }
      const h = timeMs("sh", [hook], repo);
      if (h.code !== 0) throw new Error(`the hook exited with ${h.code} on a typical change`);
      hookMs.push(h.ms);
      cpu.hook.push(h.cpuMs);
      const u = timeMs("sh", [unscoredHook], unscored);
      if (u.code !== 0) throw new Error(`the unscored hook exited with ${u.code} on a typical change`);
      unscoredMs.push(u.ms);
      const n = timeMs(process.execPath, ["-e", "0"], repo);
      nodeMs.push(n.ms);
      cpu.node.push(n.cpuMs);
    }
    if (git(repo, ["ls-files", "-s"]) !== before) throw new Error("the hook changed the index");
    const model = existsSync(fileURLToPath(new URL("../../models/default.onnx", import.meta.url)))
      ? "scored with models/default.onnx"
      : "no model shipped: score skipped, clone match only";
    const hm = pct(hookMs, 50);
    const nm = pct(nodeMs, 50);
    const um = pct(unscoredMs, 50);
    process.stdout.write(
      `${[
        `change: ${change.files} files, ${change.lines} lines staged; ${runs} runs each, interleaved`,
        `pre-commit hook (whole process): median ${hm.toFixed(0)} ms, p95 ${pct(hookMs, 95).toFixed(0)} ms (targets ≤ 250 / ≤ 500)`,
        `node -e 0 (baseline):            median ${nm.toFixed(0)} ms, p95 ${pct(nodeMs, 95).toFixed(0)} ms`,
        `hook / bare node: ${(hm / nm).toFixed(2)}× (the hook's own work: ${(hm - nm).toFixed(0)} ms at the median; ${model})`,
        `same hook, model not loaded (verdict.mode: match): median ${um.toFixed(0)} ms, p95 ${pct(unscoredMs, 95).toFixed(0)} ms`,
        `added by scoring (load + features + inference): ${(hm - um).toFixed(1)} ms at the median, ${(hm / um).toFixed(2)}× the unscored hook (target ≤ 60 ms)`,
        ...(values.baseline
          ? [
              `baseline build's hook (${values.baseline}): median ${pct(baselineMs, 50).toFixed(0)} ms, p95 ${pct(baselineMs, 95).toFixed(0)} ms`,
              `this build − baseline: ${(hm - pct(baselineMs, 50)).toFixed(1)} ms at the median`,
            ]
          : []),
        `CPU time (user + sys of all the hook's processes, 10 ms ticks; steadier than wall time on a loaded machine): ` +
          `hook median ${pct(cpu.hook, 50).toFixed(0)} ms, node -e 0 ${pct(cpu.node, 50).toFixed(0)} ms` +
          (values.baseline ? `, baseline build's hook ${pct(cpu.baseline, 50).toFixed(0)} ms` : ""),
        `load average: ${loadavg()
          .map((l) => l.toFixed(2))
          .join(" ")}`,
      ].join("\n")}\n`,
    );
    return 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`hook bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
