/**
 * What a team index saves a clone: `dejafix init` (hooks, rules, the whole history mined) against
 * `dejafix init --from SNAPSHOT` (the snapshot CI exported, then only the commits after its tip), both
 * run as the CLI in fresh processes on clones of one real repository, in one run.
 *
 *   node dist/bench/teamIndexBench.js PATH [--behind N]
 *
 * PATH is a repository (work tree or bare), cloned into a temp folder (never written to). The CI clone
 * is checked out N commits (first parents) behind HEAD (default 100) and mined in full: that is the
 * baseline, and its index is exported. The developer's clone is at HEAD and starts from the snapshot,
 * so it also mines the N newer commits. The load average is printed beside every figure.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const CLI = join(fileURLToPath(new URL("..", import.meta.url)), "src", "cli", "main.js");

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", maxBuffer: 1 << 28 });
}

/** Runs the CLI in a fresh Node and returns its wall time, peak memory and what it printed. */
function timed(cwd: string, args: string[]): { seconds: number; maxRssMB: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "%M", process.execPath, CLI, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`dejafix ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  const maxRssMB = Math.round(Number(lines.pop()) / 1024);
  return { seconds, maxRssMB, out: `${r.stdout}${lines.join("\n")}` };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { behind: { type: "string", default: "100" } },
  });
  const source = positionals[0];
  if (!source) {
    process.stderr.write("usage: node dist/bench/teamIndexBench.js PATH [--behind N]\n");
    process.exit(2);
  }
  const behind = Number(values.behind);
  const dir = mkdtempSync(join(tmpdir(), "dejafix-teambench-"));
  try {
    const ci = join(dir, "ci");
    const dev = join(dir, "dev");
    git(dir, ["clone", "-q", resolve(source), ci]);
    git(dir, ["clone", "-q", resolve(source), dev]);
    for (const c of [ci, dev]) {
      git(c, ["config", "user.name", "Bench"]);
      git(c, ["config", "user.email", "bench@example.org"]);
    }
    git(ci, ["checkout", "-q", `HEAD~${behind}`]);
    const commits = Number(git(dev, ["rev-list", "--count", "HEAD"]).trim());
    console.log(
      `repository ${source}: ${commits} commits at HEAD; CI's snapshot ${behind} first-parent commits behind`,
    );

    console.log(`load before full init: ${load()}`);
    const full = timed(ci, ["init"]);
    console.log(
      `full init (CI clone):        ${full.seconds.toFixed(1)} s, peak RSS ${full.maxRssMB} MB  (load ${load()})`,
    );
    const snap = join(dir, "index.snap");
    const exp = timed(ci, ["index", "--export", snap]);
    const bytes = statSync(snap).size;
    console.log(
      `export:                      ${exp.seconds.toFixed(1)} s, snapshot ${(bytes / 1048576).toFixed(1)} MiB  (load ${load()})`,
    );
    const from = timed(dev, ["init", "--from", snap]);
    console.log(
      `init --from (developer):     ${from.seconds.toFixed(1)} s, peak RSS ${from.maxRssMB} MB  (load ${load()})`,
    );
    const said = /started from the team index[^\n]*in ([\d.]+) s/.exec(from.out);
    const mined = /indexed (\d+) commits/.exec(from.out);
    if (!said) throw new Error(`the snapshot was not used:\n${from.out}`);
    console.log(
      `  of which taking the snapshot: ${said[1]} s; the index then holds ${mined?.[1] ?? "?"} commits`,
    );
    const ratio = from.seconds / full.seconds;
    console.log(
      `ratio init --from / full init: ${(ratio * 100).toFixed(1)}% (target < 10%)  load ${load()}${
        loadavg()[0]! > 1.5 ? " — over 1.5: other work shared the 2 cores" : ""
      }`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
