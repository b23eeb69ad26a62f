/**
 * The few writes dejafix makes to a repository, all of them in the demo's own generated repository:
 * staging files and committing them as a developer would, hooks included (their output shown).
 */
import { spawnSync } from "node:child_process";
import { GIT_BASE_ARGS, gitEnv } from "./run.js";

/** `git add -- PATHS` in `dir`. */
export function stagePaths(dir: string, paths: readonly string[]): void {
  const r = spawnSync("git", [...GIT_BASE_ARGS, "add", "--", ...paths], { cwd: dir, env: gitEnv() });
  if (r.status !== 0) throw new Error(`git add failed in ${dir}: ${String(r.stderr).trim()}`);
}

/** `git commit -q -m MESSAGE` in `dir`, the hooks' output going to this process's; the exit code. */
export function commitStaged(dir: string, message: string): number {
  const r = spawnSync("git", [...GIT_BASE_ARGS, "commit", "-q", "-m", message], {
    cwd: dir,
    stdio: ["ignore", "inherit", "inherit"],
  });
  return r.status ?? 1;
}
