/**
 * Sharding an export by repository, for the engines an organisation already runs: a Kubernetes
 * Indexed Job gives each pod `JOB_COMPLETION_INDEX` (0-based), a CI matrix gives each job an entry.
 * Every shard is given the same list of repositories; repository k (0-based, in the order given)
 * belongs to shard k mod n, so a shard needs clones of its own repositories only.
 */
import { basename, dirname, extname, join } from "node:path";
import { repoRoot } from "../git/repo.js";
import type { ShardHeader } from "./mergeParts.js";

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/** The index variable of a Kubernetes Indexed Job. */
export const INDEX_VARIABLE = "JOB_COMPLETION_INDEX";
/** How many shards, when the engine gives only the index. */
export const COUNT_VARIABLE = "DEJAFIX_SHARDS";

export class ShardError extends Error {}

function whole(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new ShardError(`${what} must be a whole number, got "${text}"`);
  return Number(text.trim());
}

function checked(index: number, count: number, from: string): Shard {
  if (count < 1) throw new ShardError(`${from}: the number of shards must be at least 1`);
  if (index >= count)
    throw new ShardError(
      `${from}: shard ${index} does not exist among ${count} (they are numbered 0 to ${count - 1})`,
    );
  return { index, count };
}

/** `i/n` → shard i of n. */
export function parseShard(spec: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  if (!m) throw new ShardError(`--shard takes INDEX/COUNT (0-based, e.g. 0/4), got "${spec}"`);
  return checked(Number(m[1]), Number(m[2]), "--shard");
}

/**
 * The shard this process exports: `--shard i/n`, else `JOB_COMPLETION_INDEX` with the count from
 * `--shards n` or `DEJAFIX_SHARDS`; undefined when nothing asks for sharding.
 */
export function resolveShard(
  flags: { shard?: string; shards?: string },
  env: Readonly<Record<string, string | undefined>>,
): Shard | undefined {
  if (flags.shard !== undefined) {
    if (flags.shards !== undefined)
      throw new ShardError(
        "give either --shard INDEX/COUNT or --shards COUNT (with JOB_COMPLETION_INDEX), not both",
      );
    return parseShard(flags.shard);
  }
  const index = env[INDEX_VARIABLE];
  const countText = flags.shards ?? env[COUNT_VARIABLE];
  if (index === undefined || index === "") {
    if (flags.shards !== undefined)
      throw new ShardError(
        `--shards needs ${INDEX_VARIABLE} (set by a Kubernetes Indexed Job); in a CI matrix pass --shard INDEX/COUNT instead`,
      );
    return undefined;
  }
  if (countText === undefined || countText === "")
    throw new ShardError(
      `${INDEX_VARIABLE} is set (${index}) but not how many shards there are: pass --shards COUNT or set ${COUNT_VARIABLE} (the Job's completions)`,
    );
  const from = flags.shards !== undefined ? "--shards" : COUNT_VARIABLE;
  return checked(whole(index, INDEX_VARIABLE), whole(countText, from), `${INDEX_VARIABLE}/${from}`);
}

/** Whether the repository at `position` (0-based, in the order given) belongs to `shard`. */
export function inShard(position: number, shard: Shard | undefined): boolean {
  return shard === undefined || position % shard.count === shard.index;
}

/** Where a shard writes its part: `data.jsonl` → `data.part-2-of-4.jsonl`. */
export function partPath(out: string, shard: Shard): string {
  const ext = extname(out);
  const stem = basename(out, ext);
  return join(dirname(out), `${stem}.part-${shard.index}-of-${shard.count}${ext}`);
}

/**
 * What a part's header says of its shard (src/eval/mergeParts.ts): its repositories' positions and
 * the names their records carry (--name, else the work tree's folder name, as the exports name them).
 */
export async function shardHeader(
  opts: { repos: string[]; names?: string[] },
  shard: Shard,
  settings: Record<string, unknown>,
): Promise<ShardHeader> {
  const mine = opts.repos.flatMap((dir, position) => (inShard(position, shard) ? [{ dir, position }] : []));
  const names = await Promise.all(
    mine.map(async ({ dir, position }) => ({
      position,
      name: opts.names?.[position] ?? basename(await repoRoot(dir).catch(() => dir)),
    })),
  );
  return { index: shard.index, count: shard.count, repos: opts.repos.length, settings, names };
}
