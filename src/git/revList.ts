import { git } from "./run.js";

export interface RevGraph {
  /** Commits to mine, parents before children (`--topo-order --reverse`). */
  order: string[];
  parents: Map<string, string[]>;
  /** Number of children of each commit inside `order` (how long its line state must be kept). */
  children: Map<string, number>;
}

/**
 * The shape of the history to mine, from one `git rev-list --parents` (fast: no diffs).
 * Sample output line: `9fceb02… 6b1c3e0… 8d2a4f1…` (commit, then its parents).
 */
export async function revGraph(repoDir: string, tip: string, exclude: string[]): Promise<RevGraph> {
  const args = ["rev-list", "--topo-order", "--reverse", "--parents", tip];
  if (exclude.length > 0) args.push("--not", ...exclude);
  const out = await git(repoDir, args);
  const order: string[] = [];
  const parents = new Map<string, string[]>();
  const children = new Map<string, number>();
  for (const line of out.split("\n")) {
    if (line.length < 40) continue;
    const [sha = "", ...ps] = line.split(" ");
    order.push(sha);
    parents.set(sha, ps);
    for (const p of ps) children.set(p, (children.get(p) ?? 0) + 1);
  }
  return { order, parents, children };
}
