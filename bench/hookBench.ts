/**
 * Whole-process pre-commit time, as a developer feels it: the installed hook script (sh → node →
 * checker) on a staged change, in a repository with its whole history indexed, next to a bare
 * `node -e 0` measured in the same run (interleaved, so both see the same machine load).
 *
 *   npm run build && node dist/bench/hookBench.js [--repo PATH] [--change line|typical] [--file PATH]
 *       [--min-lines 1500] [--runs 30] [--commits 10000] [--baseline ROOT]
 *
 * --repo PATH clones PATH (a work tree or a bare mirror) and indexes it with `dejafix init`; without it a
 * fixture repository (fixtures/) of --commits commits is generated.
 * --change line (the default) edits one line in the middle of a source file of at least --min-lines lines
 * (the first one in `git ls-files` order, or --file): a number in it goes up by one, or, when it holds
 * none, the line is written twice. That is the change a developer makes most, in the kind of file where
 * a check that scales with the file's size shows it. --change typical stages 30 lines at the end of
 * each of 4 source files instead.
 * --baseline ROOT times another build of dejafix (a package root with dist/ built, e.g. a copy of the
 * previous commit) on a copy of the same repository, index and staged change, interleaved with this one.
 *
 * The hook's exit code is checked on every run, and the index (`git ls-files -s`) after all of them. What
 * scoring adds is measured the same way: a copy whose rules say `verdict: { mode: match }` runs the same
 * hook without loading the model. The report gives the ratios to `node -e 0` and the load average, and
 * the command that reproduces it.
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
import { cpus, loadavg, tmpdir } from "node:os";
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
): { ms: number; cpuMs: number; code: number | null; cut: boolean } {
  const c = childrenCpuMs();
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  return {
    ms: Number(process.hrtime.bigint() - t) / 1e6,
    cpuMs: childrenCpuMs() - c,
    code: r.status,
    // The time budget let the change through unchecked: that run's time is the budget's, not the check's.
    cut: /took longer than \d+ ms/.test(r.stderr?.toString() ?? ""),
  };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};

const SOURCES = [
  "*.ts",
  "*.js",
  "*.mjs",
  "*.cjs",
  "*.tsx",
  "*.jsx",
  "*.py",
  "*.java",
  "*.c",
  "*.h",
  "*.go",
  "*.rb",
];

interface Staged {
  files: number;
  lines: number;
  /** What was changed, in words. */
  what: string;
}

/** Stages a typical change: edits in 4 source files, ~120 lines added or changed in all. */
function stageTypicalChange(repo: string): Staged {
  const files = git(repo, ["ls-files", ...SOURCES])
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
  return { files: files.length, lines, what: `30 lines added at the end of ${files.join(", ")}` };
}

/** The file to edit: `file`, else the first source file with at least `minLines` lines, else the longest. */
function pickLargeFile(repo: string, minLines: number, file?: string): { path: string; lines: number } {
  const count = (p: string) => readFileSync(join(repo, p), "utf8").split("\n").length - 1;
  if (file) return { path: file, lines: count(file) };
  let longest = { path: "", lines: -1 };
  for (const p of git(repo, ["ls-files", ...SOURCES]).split("\n")) {
    if (!p || !existsSync(join(repo, p))) continue;
    const n = count(p);
    if (n >= minLines) return { path: p, lines: n };
    if (n > longest.lines) longest = { path: p, lines: n };
  }
  if (longest.lines < 0) throw new Error("no source file to edit in this repository");
  return longest;
}

/**
 * Stages a one-line change in the middle of a large file: the code line nearest the middle that holds a
 * number gets it increased by one (an off-by-one, the commonest fix there is); with no number near, the
 * middle code line is written twice.
 */
function stageOneLineChange(repo: string, minLines: number, file?: string): Staged {
  const target = pickLargeFile(repo, minLines, file);
  const full = join(repo, target.path);
  const text = readFileSync(full, "utf8");
  const lines = text.split("\n");
  const isCode = (l: string) => /[A-Za-z_]/.test(l) && !/^\s*(?:\/\/|\/?\*|#)/.test(l);
  const mid = Math.floor(lines.length / 2);
  let at = -1;
  for (let d = 0; d < lines.length && at < 0; d++) {
    for (const k of [mid + d, mid - d]) {
      const l = lines[k];
      if (l !== undefined && isCode(l) && /\b\d+\b/.test(l)) {
        at = k;
        break;
      }
    }
    if (d > 200) break;
  }
  let what: string;
  if (at >= 0) {
    const before = lines[at] as string;
    lines[at] = before.replace(/\b(\d+)\b/, (n) => String(Number(n) + 1));
    what = `a number on line ${at + 1} of ${target.path} (${target.lines} lines) increased by one`;
  } else {
    at = mid;
    while (at < lines.length - 1 && !isCode(lines[at] as string)) at++;
    lines.splice(at, 0, lines[at] as string);
    what = `line ${at + 1} of ${target.path} (${target.lines} lines) written twice`;
  }
  writeFileSync(full, lines.join("\n"));
  git(repo, ["add", "--", target.path]);
  return { files: 1, lines: 1, what };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      commits: { type: "string", default: "10000" },
      runs: { type: "string", default: "30" },
      repo: { type: "string" },
      baseline: { type: "string" },
      change: { type: "string", default: "line" },
      file: { type: "string" },
      "min-lines": { type: "string", default: "1500" },
    },
  });
  if (values.change !== "line" && values.change !== "typical")
    throw new Error("--change takes line or typical");
  const command = `node dist/bench/hookBench.js ${argv.join(" ")}`.trim();
  const loadBefore = loadavg();
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
    const change =
      values.change === "typical"
        ? stageTypicalChange(repo)
        : stageOneLineChange(repo, Number(values["min-lines"]), values.file as string | undefined);
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
    const cut = { hook: 0, baseline: 0 };
    for (let i = 0; i < runs; i++) {
      if (values.baseline) {
        const b = timeMs("sh", [baselineHook], baselineRepo);
        if (b.code !== 0) throw new Error(`the baseline hook exited with ${b.code} on a typical change`);
        baselineMs.push(b.ms);
        if (b.cut) cut.baseline++;
        cpu.baseline.push(b.cpuMs);
      }
      const h = timeMs("sh", [hook], repo);
      if (h.code !== 0) throw new Error(`the hook exited with ${h.code} on a typical change`);
      hookMs.push(h.ms);
      if (h.cut) cut.hook++;
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
    const hp = pct(hookMs, 95);
    const nm = pct(nodeMs, 50);
    const um = pct(unscoredMs, 50);
    const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
    process.stdout.write(
      `${[
        `change: ${change.what}; ${runs} runs each, interleaved`,
        `pre-commit hook (whole process): median ${hm.toFixed(0)} ms, p95 ${hp.toFixed(0)} ms`,
        `node -e 0 (baseline):            median ${nm.toFixed(0)} ms, p95 ${pct(nodeMs, 95).toFixed(0)} ms`,
        `hook / node -e 0: median ${(hm / nm).toFixed(2)}× (target ≤ 2×), p95 ${(hp / nm).toFixed(2)}× the node median (target ≤ 3×); the hook's own work: ${(hm - nm).toFixed(0)} ms at the median (${model})`,
        `same hook, model not loaded (verdict.mode: match): median ${um.toFixed(0)} ms, p95 ${pct(unscoredMs, 95).toFixed(0)} ms`,
        `added by scoring (load + features + inference): ${(hm - um).toFixed(1)} ms at the median, ${(hm / um).toFixed(2)}× the unscored hook`,
        ...(values.baseline
          ? [
              `baseline build's hook (${values.baseline}): median ${pct(baselineMs, 50).toFixed(0)} ms, p95 ${pct(baselineMs, 95).toFixed(0)} ms, ${(pct(baselineMs, 50) / nm).toFixed(2)}× node -e 0`,
              `this build − baseline: ${(hm - pct(baselineMs, 50)).toFixed(1)} ms at the median`,
            ]
          : []),
        `CPU time (user + sys of all the hook's processes, 10 ms ticks; steadier than wall time on a loaded machine): ` +
          `hook median ${pct(cpu.hook, 50).toFixed(0)} ms, node -e 0 ${pct(cpu.node, 50).toFixed(0)} ms` +
          (values.baseline ? `, baseline build's hook ${pct(cpu.baseline, 50).toFixed(0)} ms` : ""),
        `runs cut by the time budget (let through unchecked): this build ${cut.hook} of ${runs}` +
          (values.baseline ? `, baseline build ${cut.baseline} of ${runs}` : ""),
        `load average: ${load(loadBefore)} before, ${load(loadavg())} after (1, 5, 15 min; ${cpus().length} cores)`,
        `rerun: ${command}`,
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
