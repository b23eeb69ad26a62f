/**
 * Which commits a `git push` is about to publish, from the lines git gives pre-push on stdin
 * (https://git-scm.com/docs/githooks#_pre_push). Raw stdin, one line per ref:
 *   refs/heads/main 67890abc… refs/heads/main 12345def…
 *   refs/heads/topic 1111aaaa… refs/heads/topic 0000000000000000000000000000000000000000   (new branch)
 *   (delete) 0000000000000000000000000000000000000000 refs/heads/old 2222bbbb…              (deletion)
 */
import { gitSync as gitBytes } from "./run.js";

export type PushKind = "create" | "update" | "delete";

export interface PushUpdate {
  localRef: string;
  localSha: string;
  remoteRef: string;
  remoteSha: string;
  kind: PushKind;
}

export interface PushRange {
  update: PushUpdate;
  /** New, non-merge commits this update publishes, oldest first; already-listed commits are not repeated. */
  commits: string[];
}

export interface PushPlan {
  ranges: PushRange[];
  /** All commits to check, oldest first; past `maxCommits` only the newest are kept. */
  commits: string[];
  /** How many new commits were left out because of `maxCommits`. */
  omitted: number;
}

const ZERO = /^0+$/;

export function parsePushLines(stdin: string): PushUpdate[] {
  const updates: PushUpdate[] = [];
  for (const line of stdin.split("\n")) {
    const [localRef, localSha, remoteRef, remoteSha] = line.trim().split(/\s+/);
    if (!localRef || !localSha || !remoteRef || !remoteSha) continue;
    const kind: PushKind = ZERO.test(localSha) ? "delete" : ZERO.test(remoteSha) ? "create" : "update";
    updates.push({ localRef, localSha, remoteRef, remoteSha, kind });
  }
  return updates;
}

function text(repoDir: string, args: string[]): string {
  return gitBytes(repoDir, args).toString("utf8");
}

function hasCommit(repoDir: string, sha: string): boolean {
  try {
    text(repoDir, ["cat-file", "-e", `${sha}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * New commits = reachable from the pushed sha, minus what the remote already has: the remote's old sha when
 * we have it locally, and every remote-tracking branch of that remote (so a new branch forked from main does
 * not re-check all of main). `remote` is pre-push's first argument: a remote name, or a URL when pushing to
 * a URL directly (then only the old sha limits the range).
 */
export function pushRange(repoDir: string, remote: string, stdin: string, maxCommits = 100): PushPlan {
  const remotes = new Set(text(repoDir, ["remote"]).split("\n").filter(Boolean));
  const seen = new Set<string>();
  const ranges: PushRange[] = [];
  const all: string[] = [];
  for (const update of parsePushLines(stdin)) {
    if (update.kind === "delete") {
      ranges.push({ update, commits: [] });
      continue;
    }
    const exclude: string[] = [];
    if (update.kind === "update" && hasCommit(repoDir, update.remoteSha)) exclude.push(update.remoteSha);
    if (remotes.has(remote)) exclude.push(`--remotes=${remote}`);
    const listed = text(repoDir, [
      "rev-list",
      "--reverse",
      "--topo-order",
      "--no-merges",
      update.localSha,
      "--not",
      ...exclude,
    ])
      .split("\n")
      .filter((sha) => sha && !seen.has(sha));
    for (const sha of listed) seen.add(sha);
    ranges.push({ update, commits: listed });
    all.push(...listed);
  }
  return {
    ranges,
    commits: all.slice(Math.max(0, all.length - maxCommits)),
    omitted: Math.max(0, all.length - maxCommits),
  };
}
