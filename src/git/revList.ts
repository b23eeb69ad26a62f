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

const FULL_SHA = /^[0-9a-f]{40}$/;

/**
 * Every commit reachable from `rev` with its parents and full message, from one
 * `git log -z --format=%H%x1f%P%x1f%B`: one NUL-terminated record per commit, fields split by the unit
 * separator; the message (%B) is last because it may contain anything but NUL:
 *
 *   9e89d5b9…\x1f7c1e3f0a…\x1fip: fix the thing\n\nFixes: 1d93483985f0 ("iplink: …")\n\0
 */
export async function commitMessages(
  gitDir: string,
  rev: string,
): Promise<Array<{ sha: string; parents: string[]; message: string }>> {
  const log = await git(gitDir, ["log", "-z", "--format=%H%x1f%P%x1f%B", rev, "--"]);
  const out: Array<{ sha: string; parents: string[]; message: string }> = [];
  for (const record of log.split("\0")) {
    const fields = record.replace(/^\n/, "").split("\x1f");
    const sha = fields[0];
    if (!sha || !FULL_SHA.test(sha)) continue;
    const parents = (fields[1] ?? "").trim().split(/\s+/).filter(Boolean);
    out.push({ sha, parents, message: fields.slice(2).join("\x1f") });
  }
  return out;
}

/** Author time (Unix seconds) of every non-merge commit reachable from `rev` (`git log --no-merges --format="%H %at"`). */
export async function authorTimes(repoDir: string, rev = "HEAD"): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await git(repoDir, ["log", "--no-merges", "--format=%H %at", rev, "--"])).split("\n")) {
    const [sha, at] = line.split(" ");
    if (sha && at) out.set(sha, Number(at));
  }
  return out;
}

/** Non-merge commits of a range (`A..B`), oldest first. */
export async function rangeCommits(repoDir: string, range: string): Promise<string[]> {
  return (await git(repoDir, ["rev-list", "--reverse", "--no-merges", range])).split("\n").filter(Boolean);
}

export type Resolution =
  | { kind: "commit"; sha: string }
  | { kind: "other"; sha: string }
  | { kind: "missing" }
  | { kind: "ambiguous" };

/**
 * Resolves abbreviated shas with a single `git cat-file --batch-check`. Each input line is
 * `<abbrev>^{commit}` so an abbreviation shared by a commit and a blob resolves to the commit.
 * Output, one line per input line, in order (git-cat-file(1), BATCH OUTPUT):
 *
 *   1d93483985f0c2a3b2…40 commit 912
 *   deadbee^{commit} missing
 *   abc1234^{commit} ambiguous
 */
export async function resolveShas(gitDir: string, abbreviations: string[]): Promise<Map<string, Resolution>> {
  const out = new Map<string, Resolution>();
  if (abbreviations.length === 0) return out;
  const input = `${abbreviations.map((a) => `${a}^{commit}`).join("\n")}\n`;
  const lines = (await git(gitDir, ["cat-file", "--batch-check"], { input })).split("\n");
  abbreviations.forEach((abbrev, i) => {
    const parts = (lines[i] ?? "").split(" ");
    if (parts[1] === "missing") out.set(abbrev, { kind: "missing" });
    else if (parts[1] === "ambiguous") out.set(abbrev, { kind: "ambiguous" });
    else if (parts[1] === "commit" && FULL_SHA.test(parts[0] ?? ""))
      out.set(abbrev, { kind: "commit", sha: parts[0] ?? "" });
    else out.set(abbrev, { kind: "other", sha: parts[0] ?? "" });
  });
  return out;
}
