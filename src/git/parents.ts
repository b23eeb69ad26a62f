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

/** The parents of just these commits (`git rev-list --no-walk --parents`); commits git lacks are left out. */
export async function parentsOf(repoDir: string, shas: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (shas.length === 0) return out;
  const text = await git(
    repoDir,
    ["rev-list", "--no-walk=unsorted", "--parents", "--ignore-missing", "--stdin"],
    {
      input: `${shas.join("\n")}\n`,
    },
  ).catch(() => "");
  for (const line of text.split("\n")) {
    const [sha, ...ps] = line.trim().split(" ");
    if (sha) out.set(sha, ps);
  }
  return out;
}
