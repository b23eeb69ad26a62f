/**
 * What the time limit on a team's own `fixes` expressions costs: every commit message of a repository
 * classified with the shipped defaults (which run directly) and with the same expressions written so that
 * they are not byte-equal to the defaults (`…(?:)`: same answers, but run under the limit, in vm), rounds
 * interleaved. The two must find the same fixes.
 *
 *   npm run build && node dist/bench/fixPatternsBench.js --repo PATH [--rounds 3]
 */
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { classifyCommit } from "../src/history/classify.js";
import { DEFAULT_FIX_CONFIG, type FixConfig } from "../src/rules/fixes.js";

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { repo: { type: "string" }, rounds: { type: "string", default: "3" } },
  });
  if (!values.repo) throw new Error("--repo PATH is required");
  const raw = execFileSync("git", ["log", "--format=%B%x00"], {
    cwd: values.repo,
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const messages = raw
    .split("\0")
    .map((m) => m.replace(/^\n/, ""))
    .filter(Boolean);
  const asUser = (): FixConfig => ({
    ...DEFAULT_FIX_CONFIG,
    patterns: DEFAULT_FIX_CONFIG.patterns.map((p) => `${p}(?:)`),
    ignore: DEFAULT_FIX_CONFIG.ignore.map((p) => `${p}(?:)`),
    issueKeyPattern: `${DEFAULT_FIX_CONFIG.issueKeyPattern}(?:)`,
  });
  const variants: Record<string, () => FixConfig> = {
    "shipped defaults (direct)": () => ({ ...DEFAULT_FIX_CONFIG }),
    "the same as a team's own (limited)": asUser,
  };
  process.stdout.write(`${messages.length} commit messages of ${values.repo}\n`);
  const notices: string[] = [];
  for (let round = 0; round < Math.max(1, Number(values.rounds)); round++) {
    for (const [name, config] of Object.entries(variants)) {
      const c = config();
      const t = performance.now();
      let fixes = 0;
      for (const m of messages) if (classifyCommit(m, c, undefined, (n) => notices.push(n)).isFix) fixes++;
      const ms = performance.now() - t;
      process.stdout.write(
        `${name.padEnd(36)} ${ms.toFixed(0).padStart(6)} ms, ${((1000 * ms) / messages.length).toFixed(1)} µs/message, ${fixes} fixes (load ${loadavg()[0]?.toFixed(1)})\n`,
      );
    }
  }
  process.stdout.write(`expressions switched off for running past the limit: ${notices.length}\n`);
  return notices.length === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`fix patterns bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
