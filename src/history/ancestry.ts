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

/**
 * Whether a commit descends from each of a fixed set of targets (the fixes a replay may match), for
 * every commit of `parents`: one bit set per commit, |targets| / 8 bytes, each built once from its
 * parents'. A replay asks this for thousands of commits; a set of all ancestors per commit would cost
 * the whole history in time and garbage each time.
 */
export class TargetAncestry {
  private readonly slot = new Map<string, number>();
  private readonly words: number;
  private readonly bits = new Map<string, Uint32Array>();

  constructor(
    private readonly parents: ReadonlyMap<string, readonly string[]>,
    targets: Iterable<string>,
  ) {
    for (const t of targets) if (!this.slot.has(t)) this.slot.set(t, this.slot.size);
    this.words = Math.ceil(this.slot.size / 32);
  }

  /** Whether `target` is a proper ancestor of `commit` (exact, also for a target not given up front). */
  has(commit: string, target: string): boolean {
    const k = this.slot.get(target);
    if (k === undefined) return ancestorsOf(this.parents, commit).has(target);
    return ((this.bitsOf(commit)[k >>> 5] as number) & (1 << (k & 31))) !== 0;
  }

  private bitsOf(commit: string): Uint32Array {
    const known = this.bits.get(commit);
    if (known) return known;
    // Parents first, without recursion (histories are deeper than the stack).
    const stack = [commit];
    while (stack.length > 0) {
      const c = stack[stack.length - 1] as string;
      if (this.bits.has(c)) {
        stack.pop();
        continue;
      }
      const ps = this.parents.get(c) ?? [];
      const missing = ps.filter((p) => !this.bits.has(p));
      if (missing.length > 0) {
        stack.push(...missing);
        continue;
      }
      stack.pop();
      const own = new Uint32Array(this.words);
      for (const p of ps) {
        const pb = this.bits.get(p) as Uint32Array;
        for (let w = 0; w < this.words; w++) own[w] = (own[w] as number) | (pb[w] as number);
        const k = this.slot.get(p);
        if (k !== undefined) own[k >>> 5] = (own[k >>> 5] as number) | (1 << (k & 31));
      }
      this.bits.set(c, own);
    }
    return this.bits.get(commit) as Uint32Array;
  }
}
