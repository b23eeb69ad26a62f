/**
 * The speed baseline for `dejafix index`: how long git itself takes to print the patches of the
 * same history. Output is counted and discarded, never kept in memory.
 *
 *   node dist/bench/gitLogBaseline.js GITDIR [git log options…]
 */
import { pathToFileURL } from "node:url";
import { spawnGit, waitForExit } from "../src/git/run.js";

export interface GitLogTiming {
  /** Wall time from spawn to exit. */
  seconds: number;
  /** Bytes git wrote to stdout. */
  bytes: number;
  /** The git arguments that were timed. */
  args: string[];
}

/**
 * Default: a plain `git log -p --no-renames HEAD`. Pass the options the miner uses (e.g. `-M -m`
 * or `--reverse`) so both sides read the same stream.
 */
export const DEFAULT_LOG_ARGS = ["log", "-p", "--no-renames", "HEAD"];

/** Runs `git log -p` over the history of `gitDir` once and reports its wall time and output size. */
export async function timeGitLog(gitDir: string, args: string[] = DEFAULT_LOG_ARGS): Promise<GitLogTiming> {
  const start = process.hrtime.bigint();
  const child = spawnGit(gitDir, args);
  let bytes = 0;
  child.stdout.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
  });
  await waitForExit(child, args);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, bytes, args };
}

async function main(argv: string[]): Promise<void> {
  const [gitDir, ...rest] = argv;
  if (!gitDir) {
    process.stderr.write("usage: node dist/bench/gitLogBaseline.js GITDIR [git log options…]\n");
    process.exitCode = 2;
    return;
  }
  const args = rest.length > 0 ? ["log", "-p", ...rest] : DEFAULT_LOG_ARGS;
  const t = await timeGitLog(gitDir, args);
  process.stdout.write(
    `git ${t.args.join(" ")}: ${t.seconds.toFixed(2)} s, ${(t.bytes / 1e6).toFixed(1)} MB of patches\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
