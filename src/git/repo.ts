import { isAbsolute, join, resolve } from "node:path";
import { git, gitMaybe } from "./run.js";

/** Top-level folder of the work tree that contains `dir`. */
export async function repoRoot(dir: string): Promise<string> {
  return (await git(dir, ["rev-parse", "--show-toplevel"])).trim();
}

/**
 * The git dir shared by all worktrees (`git rev-parse --git-common-dir`). dejafix keeps its index there so
 * every worktree sees one index and nothing is ever committed. Works for bare repositories too.
 */
export async function gitCommonDir(dir: string): Promise<string> {
  const out = (await git(dir, ["rev-parse", "--git-common-dir"])).trim();
  return isAbsolute(out) ? out : resolve(dir, out);
}

export async function dejafixDir(dir: string): Promise<string> {
  return join(await gitCommonDir(dir), "dejafix");
}

/** Full sha of a revision, or null when it does not resolve (e.g. HEAD of an empty repository). */
export async function resolveCommit(dir: string, rev: string): Promise<string | null> {
  const out = await gitMaybe(dir, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
  return out ? out.trim() : null;
}

export interface AuthorStamp {
  email: string;
  /** Unix seconds. */
  time: number;
  /** UTC offset in minutes. */
  tzMinutes: number;
}

/** "Ada <ada@example.org> 1700000000 +0100" → lower-cased e-mail, time, offset. */
function parseIdent(raw: string): AuthorStamp | null {
  const m = /<([^>]*)>\s+(\d+)\s+([+-])(\d{2})(\d{2})\s*$/.exec(raw.trim());
  if (!m) return null;
  const sign = m[3] === "-" ? -1 : 1;
  return {
    email: (m[1] ?? "").toLowerCase(),
    time: Number(m[2]),
    tzMinutes: sign * (Number(m[4]) * 60 + Number(m[5])),
  };
}

/** Who `git commit` will record as author, and when (honours GIT_AUTHOR_* and the user's config). */
export async function nextAuthor(dir: string): Promise<AuthorStamp | null> {
  const raw = await gitMaybe(dir, ["var", "GIT_AUTHOR_IDENT"]);
  return raw ? parseIdent(raw) : null;
}

/** Author and full message of an existing commit. */
export async function commitAuthorAndMessage(
  dir: string,
  sha: string,
): Promise<{ author: AuthorStamp | null; message: string }> {
  const raw = (await gitMaybe(dir, ["log", "-1", "--format=%an <%ae> %ad%x00%B", "--date=raw", sha])) ?? "";
  const [ident = "", message = ""] = raw.split("\0");
  return { author: parseIdent(ident), message: message.trim() };
}

/** Short name of the checked-out branch, or null on a detached HEAD. */
export async function currentBranchName(dir: string): Promise<string | null> {
  const out = await gitMaybe(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
  return out ? out.trim() : null;
}

/** Whether the clone is shallow, and how many commits HEAD reaches in it (`rev-list --count HEAD`). */
export async function shallowness(dir: string): Promise<{ shallow: boolean; commits: number }> {
  const shallow = (await git(dir, ["rev-parse", "--is-shallow-repository"])).trim() === "true";
  const count = await gitMaybe(dir, ["rev-list", "--count", "HEAD"]);
  return { shallow, commits: count ? Number(count.trim()) : 0 };
}

/** `git --version` as git prints it ("git version 2.39.5"). */
export async function gitVersion(dir: string): Promise<string> {
  return (await git(dir, ["--version"])).trim();
}
