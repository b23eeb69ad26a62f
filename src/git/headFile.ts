import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The checked-out branch from the worktree's HEAD file (`ref: refs/heads/main`): no git process. */
export function currentBranchFromGitDir(gitDir: string): string | null {
  try {
    const m = /^ref: refs\/heads\/(.+)$/m.exec(readFileSync(join(gitDir, "HEAD"), "utf8"));
    return m ? (m[1] as string).trim() : null;
  } catch {
    return null;
  }
}
