import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { GitError, git } from "./run.js";

/**
 * Whether `diff` applies cleanly to `content` (the developer's staged blob of `path`), by
 * `git apply --check` on a copy in a temp folder: the user's index and work tree are never touched.
 * Null when the check could not run (an unsafe path, or git missing).
 */
export async function applyCheck(path: string, content: string, diff: string): Promise<boolean | null> {
  if (diff === "" || isAbsolute(path) || path.split(/[\\/]/).some((p) => p === ".." || p === ".git"))
    return null;
  const dir = mkdtempSync(join(tmpdir(), "dejafix-apply-"));
  try {
    const file = join(dir, "tree", path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    writeFileSync(join(dir, "fix.diff"), diff);
    // --work-tree: inside a hook GIT_DIR / GIT_WORK_TREE point at the user's repository; the copy wins.
    const tree = join(dir, "tree");
    await git(tree, [`--work-tree=${tree}`, "apply", "--check", join(dir, "fix.diff")]);
    return true;
  } catch (e) {
    if (e instanceof GitError) return e.code === null ? null : false;
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
