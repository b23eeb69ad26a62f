/**
 * Which commits came before a commit in history, as git means it: its ancestors, not the commits
 * authored earlier. In rebase workflows author dates lie (a branch rebased today keeps last month's
 * dates), so a replay that asks "what did the hook know when this commit was made" follows parents.
 */

/** Every proper ancestor of `sha` in `parents` (the commit itself excluded). */
export function ancestorsOf(parents: ReadonlyMap<string, readonly string[]>, sha: string): Set<string> {
  const seen = new Set<string>();
  const stack = [...(parents.get(sha) ?? [])];
  while (stack.length > 0) {
    const c = stack.pop()!;
    if (seen.has(c)) continue;
    seen.add(c);
    for (const p of parents.get(c) ?? []) if (!seen.has(p)) stack.push(p);
  }
  return seen;
}
