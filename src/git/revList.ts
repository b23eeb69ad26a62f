import { git } from "./run.js";

export interface RevGraph {
  /** Commits to mine, parents before children (`--topo-order --reverse`). */
  order: string[];
  parents: Map<string, string[]>;
  /** Number of children of each commit inside `order` (how long its line state must be kept). */
  children: Map<string, number>;
}

/**
 * The shape of the history to mine, and every message, from one `git log` without diffs (fast). Sample record, with ^A, ^B
 * and ^C for the \x01, \x02 and \x03 separators of the format:
 *
 *   ^A9fceb02… 6b1c3e0… 8d2a4f1…^BMerge branch 'fix-parser'^C
 */
export async function revGraph(
  repoDir: string,
  tip: string,
  exclude: string[],
  /** Sees each commit's full message once (messages are not kept: 80k of them weigh ~100 MB). */
  onMessage?: (sha: string, message: string) => void,
): Promise<RevGraph> {
  const args = ["log", "--topo-order", "--reverse", "--format=%x01%H %P%x02%B%x03", tip];
  if (exclude.length > 0) args.push("--not", ...exclude);
  const out = await git(repoDir, [...args, "--"]);
  const order: string[] = [];
  const parents = new Map<string, string[]>();
  const children = new Map<string, number>();
  let pos = out.indexOf("\x01");
  while (pos >= 0) {
    const sep = out.indexOf("\x02", pos);
    const end = out.indexOf("\x03", sep);
    const [sha = "", ...ps] = out
      .slice(pos + 1, sep)
      .trim()
      .split(" ");
    order.push(sha);
    parents.set(sha, ps);
    for (const p of ps) children.set(p, (children.get(p) ?? 0) + 1);
    onMessage?.(sha, out.slice(sep + 1, end).replace(/\n+$/, ""));
    pos = out.indexOf("\x01", end);
  }
  return { order, parents, children };
}
