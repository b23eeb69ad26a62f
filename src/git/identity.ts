/**
 * What makes two clones the same repository for a team index: the root commits their history starts
 * from (a fork or a mirror shares them; another project does not), and whether a commit is present.
 */
import { git, gitMaybe } from "./run.js";

/** Root commits (no parents) reachable from `rev`, sorted: `git rev-list --max-parents=0 rev`. */
export async function rootCommits(repoDir: string, rev: string): Promise<string[]> {
  const out = await git(repoDir, ["rev-list", "--max-parents=0", rev]);
  return out
    .split("\n")
    .filter((s) => s.length > 0)
    .sort();
}

/** Whether `sha` names a commit this clone has (`git cat-file -e sha^{commit}`). */
export async function hasCommit(repoDir: string, sha: string): Promise<boolean> {
  return (await gitMaybe(repoDir, ["cat-file", "-e", `${sha}^{commit}`])) !== null;
}

/** Whether `ancestor` is `descendant` or one of its ancestors (`git merge-base --is-ancestor`). */
export async function isAncestor(repoDir: string, ancestor: string, descendant: string): Promise<boolean> {
  return (await gitMaybe(repoDir, ["merge-base", "--is-ancestor", ancestor, descendant])) !== null;
}
