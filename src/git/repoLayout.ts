/**
 * Where a hook runs: the work tree, its git dirs, the hooks folder git uses, and any multi-step operation
 * (rebase, merge, cherry-pick, revert) stopped half-way. Read with one `rev-parse`; read-only.
 */
import { existsSync } from "node:fs";
import { git, gitSyncMaybe as gitMaybe, gitSyncText as gitText } from "./run.js";

/** A multi-step git operation that is stopped half-way; hooks stay out of its way by default. */
export type Sequence = "rebase" | "merge" | "cherry-pick" | "revert" | null;

export interface RepoLayout {
  /** Top of the work tree the hook runs in (a linked worktree's own top). */
  topLevel: string;
  /** This worktree's git dir. */
  gitDir: string;
  /** Shared by all worktrees: where dejafix keeps its index, logs and hook copies. */
  commonDir: string;
  /** Where git runs hooks from (`core.hooksPath` respected). */
  hooksDir: string;
  /** Raw `core.hooksPath` value, or null when unset. */
  hooksPathConfig: string | null;
  sequence: Sequence;
}

/** What a hook needs of where it runs: the layout without the hooks folder. */
export type WorktreeLayout = Pick<RepoLayout, "topLevel" | "gitDir" | "commonDir" | "sequence">;

const PROBES = ["rebase-merge", "rebase-apply", "MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD"];
const LAYOUT_ARGS = [
  "rev-parse",
  "--path-format=absolute",
  "--show-toplevel",
  "--git-dir",
  "--git-common-dir",
  "--git-path",
  "hooks",
  ...PROBES.flatMap((p) => ["--git-path", p]),
];

/**
 * One `rev-parse` answers every layout question (absolute paths, git ≥ 2.31). Raw output, one line each:
 *   /repo
 *   /repo/.git/worktrees/wt
 *   /repo/.git
 *   /repo/.husky/_
 *   /repo/.git/worktrees/wt/rebase-merge
 *   ...
 */
function parseLayout(repoDir: string, text: string): WorktreeLayout & { hooksDir: string } {
  const [topLevel, gitDir, commonDir, hooksDir, rebaseMerge, rebaseApply, merge, pick, revert] =
    text.split("\n");
  if (!topLevel || !gitDir || !commonDir || !hooksDir) throw new Error(`not a git work tree: ${repoDir}`);
  let sequence: Sequence = null;
  if ((rebaseMerge && existsSync(rebaseMerge)) || (rebaseApply && existsSync(rebaseApply)))
    sequence = "rebase";
  else if (pick && existsSync(pick)) sequence = "cherry-pick";
  else if (revert && existsSync(revert)) sequence = "revert";
  else if (merge && existsSync(merge)) sequence = "merge";
  return { topLevel, gitDir, commonDir, hooksDir, sequence };
}

export function repoLayout(repoDir: string): RepoLayout {
  return {
    ...parseLayout(repoDir, gitText(repoDir, LAYOUT_ARGS)),
    hooksPathConfig: gitMaybe(repoDir, ["config", "--get", "core.hooksPath"]) || null,
  };
}

/** The layout a hook runs in, from the same one `rev-parse`, run in the background (no config read). */
export async function worktreeLayout(repoDir: string): Promise<WorktreeLayout> {
  const { hooksDir: _, ...layout } = parseLayout(repoDir, await git(repoDir, LAYOUT_ARGS));
  return layout;
}

/** `Name <email>` of whoever is committing (for the override log). */
export function committerIdent(repoDir: string): string {
  // Raw: "Ada Lovelace <ada@example.com> 1700000000 +0100"
  const raw = gitMaybe(repoDir, ["var", "GIT_COMMITTER_IDENT"]) ?? "";
  return raw.replace(/\s+\d+\s+[+-]\d{4}$/, "");
}

/** First line of a commit's message. */
export function commitSubject(repoDir: string, sha: string): string {
  return gitMaybe(repoDir, ["show", "-s", "--format=%s", sha]) ?? "";
}

/** Current branch name, or null on a detached HEAD. */
export function currentBranch(repoDir: string): string | null {
  return gitMaybe(repoDir, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
}
