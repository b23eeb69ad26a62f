import { StringDecoder } from "node:string_decoder";
import { LogParser, logArgs } from "./parseLog.js";
import { spawnGit, waitForExit } from "./run.js";
import type { CommitDiff } from "./types.js";

/**
 * The one history pass: a single `git log` process whose output is parsed as it streams.
 * Yields one CommitDiff per (commit, parent) pair that differs; reading pauses git through backpressure.
 */
export async function* streamLog(repoDir: string, revs: string[]): AsyncGenerator<CommitDiff> {
  const args = [...logArgs(), ...revs, "--"];
  const child = spawnGit(repoDir, args);
  const exited = waitForExit(child, args);
  // Attach a handler now so an early failure is not an unhandled rejection while we read.
  exited.catch(() => undefined);
  const decoder = new StringDecoder("utf8");
  const parser = new LogParser();
  try {
    for await (const chunk of child.stdout) {
      for (const c of parser.push(decoder.write(chunk as Buffer))) yield c;
    }
    for (const c of parser.push(decoder.end())) yield c;
    for (const c of parser.end()) yield c;
    await exited;
  } finally {
    if (child.exitCode === null) child.kill();
  }
}
