import { git } from "./run.js";

/**
 * The parents of every commit reachable from `tips`, from one `git rev-list --parents`. Sample output
 * (a merge, then a root commit):
 *
 *   9fceb02a… 6b1c3e0d… 8d2a4f1c…
 *   6b1c3e0d…
 */
export async function readParents(repoDir: string, tips: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (tips.length === 0) return out;
  const text = await git(repoDir, ["rev-list", "--parents", "--stdin"], { input: `${tips.join("\n")}\n` });
  for (const line of text.split("\n")) {
    const [sha, ...ps] = line.trim().split(" ");
    if (sha) out.set(sha, ps);
  }
  return out;
}
