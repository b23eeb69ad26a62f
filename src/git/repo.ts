import { isAbsolute, join, resolve } from "node:path";
import { git, gitMaybe } from "./run.js";

/** Top-level folder of the work tree that contains `dir`. */
export async function repoRoot(dir: string): Promise<string> {
  return (await git(dir, ["rev-parse", "--show-toplevel"])).trim();
}

/**
 * The git dir shared by all worktrees (`git rev-parse --git-common-dir`). dejafix keeps its index there so
 * every worktree sees one index and nothing is ever committed. Works for bare repositories too.
 */
export async function gitCommonDir(dir: string): Promise<string> {
  const out = (await git(dir, ["rev-parse", "--git-common-dir"])).trim();
  return isAbsolute(out) ? out : resolve(dir, out);
}

export async function dejafixDir(dir: string): Promise<string> {
  return join(await gitCommonDir(dir), "dejafix");
}

/** Full sha of a revision, or null when it does not resolve (e.g. HEAD of an empty repository). */
export async function resolveCommit(dir: string, rev: string): Promise<string | null> {
  const out = await gitMaybe(dir, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
  return out ? out.trim() : null;
}
