/**
 * `dejafix corpus`: the defect blocks of one or several repositories, one JSON line each after a
 * header (src/index/relatedCorpus.ts), for `dejafix index --add-repo corpus.jsonl` in other
 * repositories. Each repository's index is brought up to date first. Sharded like the dataset
 * (src/eval/shard.ts); written next to `out` and renamed at the end.
 */

import { mkdirSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { gitCommonDir } from "../git/repo.js";
import { repoRules } from "../history/repoRules.js";
import { openIndex, type WriterOptions } from "../index/openIndex.js";
import { CORPUS_HEADER, corpusBlocks } from "../index/relatedCorpus.js";
import { indexRepository } from "../pipeline/indexRepository.js";
import { writeLinesAtomically } from "./lineFile.js";
import { inShard, type Shard, shardHeader } from "./shard.js";

export interface CorpusOptions {
  repos: string[];
  out: string;
  /** Repository ids, one per repository (default: folder names). */
  names?: string[];
  shard?: Shard;
  /** Update each repository's index first (default true). */
  index?: boolean;
  writer?: WriterOptions;
}

export interface CorpusSummary {
  out: string;
  blocks: number;
  repos: Array<{ dir: string; name: string; blocks: number; fixes: number }>;
}

export async function exportCorpus(opts: CorpusOptions): Promise<CorpusSummary> {
  if (opts.repos.length === 0) throw new Error("no repository given: pass at least one --repo DIR");
  if (opts.names && opts.names.length !== opts.repos.length)
    throw new Error(
      `${opts.names.length} --name values for ${opts.repos.length} repositories: give one name per --repo, in the same order`,
    );
  const out = resolve(opts.out);
  mkdirSync(dirname(out), { recursive: true });
  const summary: CorpusSummary = { out, blocks: 0, repos: [] };
  await writeLinesAtomically(out, async (file) => {
    const header = opts.shard
      ? { ...CORPUS_HEADER, shard: await shardHeader(opts, opts.shard, {}) }
      : CORPUS_HEADER;
    file.write(JSON.stringify(header));
    const names = new Set<string>();
    for (const [position, dir] of opts.repos.entries()) {
      if (!inShard(position, opts.shard)) continue;
      if (opts.index !== false)
        await indexRepository({ repoDir: dir, ...(opts.writer ? { writer: opts.writer } : {}) });
      const { root } = await repoRules(dir);
      const name = opts.names?.[position] ?? basename(root);
      if (names.has(name))
        throw new Error(
          `two repositories are both named "${name}": give each a distinct --name so their blocks stay apart`,
        );
      names.add(name);
      const store = await openIndex(dir);
      const repo = { dir, name, blocks: 0, fixes: 0 };
      try {
        // The same key the miner uses: one repository per git common dir.
        const repoId = store.repoId(await gitCommonDir(root), basename(root));
        let lastFix = "";
        for (const block of corpusBlocks(store, repoId, name)) {
          file.write(JSON.stringify(block));
          repo.blocks++;
          if (block.fix.sha !== lastFix) repo.fixes++;
          lastFix = block.fix.sha;
        }
      } finally {
        store.close();
      }
      summary.repos.push(repo);
      summary.blocks += repo.blocks;
    }
  });
  return summary;
}
