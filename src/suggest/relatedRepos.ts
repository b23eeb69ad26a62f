import { createReadStream } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { gitCommonDir, repoRoot } from "../git/repo.js";
import { historySettings } from "../history/indexOptions.js";
import { mineHistory } from "../history/mine.js";
import { repoRules } from "../history/repoRules.js";
import { buildDefectBlocks } from "../index/defectBlocks.js";
import { asDiskFull } from "../index/diskFull.js";
import { lockIndex, openIndex, type WriterOptions } from "../index/openIndex.js";
import { CORPUS_HEADER, type CorpusBlock, importCorpusBlocks } from "../index/relatedCorpus.js";
import type { IndexStore } from "../index/store.js";
import type { Rules } from "../rules/types.js";

export interface RelatedRepoResult {
  repoId: number;
  name: string;
  /** Commits read in this run (0 when it was already up to date). */
  mined: number;
  /** Defect blocks added in this run. */
  blocks: number;
}

/**
 * Mines another repository into this repository's index under its own repo id (role "related") and
 * indexes its defect blocks, so changes here are matched against that repository's past defects too
 * (CLEVER: projects that share dependencies share bugs). Incremental: running it again reads only new
 * history. The related repository's own rules decide what a fix is there; this repository's clone
 * settings decide the blocks.
 */
export async function addRelatedRepo(
  repoDir: string,
  relatedPath: string,
  opts: { onProgress?: (done: number, total: number) => void; writer?: WriterOptions } = {},
): Promise<RelatedRepoResult> {
  const related = resolve(relatedPath);
  const [mine, theirs] = await Promise.all([
    gitCommonDir(repoDir),
    gitCommonDir(related).catch(() => {
      throw new Error(`${related} is not a git repository: give the path of a clone of the related project.`);
    }),
  ]);
  if (mine === theirs) {
    throw new Error(
      `${related} is this repository: \`dejafix index\` already covers it; give another project.`,
    );
  }
  const { rules } = await repoRules(repoDir);
  const writer = await lockIndex(repoDir, { command: "dejafix index --add-repo", ...opts.writer });
  try {
    const store = await openIndex(repoDir);
    try {
      return await mineRelated(store, related, rules, opts.onProgress);
    } catch (e) {
      throw asDiskFull(store.file, e);
    } finally {
      store.close();
    }
  } finally {
    writer.release();
  }
}

async function mineRelated(
  store: IndexStore,
  dir: string,
  ownRules: Rules,
  onProgress?: (done: number, total: number) => void,
): Promise<RelatedRepoResult> {
  const root = await repoRoot(dir).catch(() => dir);
  const { rules: theirRules } = await repoRules(root);
  const settings = historySettings(theirRules, root);
  const res = await mineHistory({
    repoDir: root,
    store,
    role: "related",
    classify: settings.classify,
    evidence: settings.evidence,
    ignore: settings.ignore,
    ...(onProgress ? { onProgress } : {}),
  });
  const rules: Rules = { ...theirRules, clones: ownRules.clones };
  const { added } = await buildDefectBlocks(store, res.repoId, root, rules);
  const name = store.repoName(res.repoId);
  return { repoId: res.repoId, name, mined: res.mined, blocks: added };
}

/** Brings every related repository of the index up to date (for `dejafix index`); missing ones are skipped. */
export async function updateRelatedRepos(
  repoDir: string,
  opts: { writer?: WriterOptions } = {},
): Promise<RelatedRepoResult[]> {
  const { rules } = await repoRules(repoDir);
  const writer = await lockIndex(repoDir, { command: "dejafix index", ...opts.writer });
  const store = await openIndex(repoDir).catch((e: unknown) => {
    writer.release();
    throw e;
  });
  try {
    const paths = store.relatedRepoPaths();
    const out: RelatedRepoResult[] = [];
    for (const p of paths) {
      // repos.path is the related clone's git dir; git runs there like in a bare repository.
      const ok = await gitCommonDir(p).then(
        () => true,
        () => false,
      );
      if (ok) out.push(await mineRelated(store, p, rules));
    }
    return out;
  } catch (e) {
    throw asDiskFull(store.file, e);
  } finally {
    store.close();
    writer.release();
  }
}

export interface CorpusImport {
  file: string;
  /** Per repository of the corpus: blocks added in this run (0 when it was imported before). */
  repos: Array<{ name: string; blocks: number; fixes: number }>;
}

/**
 * Imports a related-repositories corpus (`dejafix corpus`, merged when it was sharded) into this
 * repository's index: every repository in it becomes a related one, its defect blocks matched like
 * those of `--add-repo DIR`. Fixes imported before are skipped, so a newer corpus adds what is new.
 */
export async function addRelatedCorpus(
  repoDir: string,
  file: string,
  opts: { writer?: WriterOptions } = {},
): Promise<CorpusImport> {
  const path = resolve(file);
  const { rules } = await repoRules(repoDir);
  const writer = await lockIndex(repoDir, { command: "dejafix index --add-repo", ...opts.writer });
  const result: CorpusImport = { file: path, repos: [] };
  try {
    const store = await openIndex(repoDir);
    // Opened with nothing awaited before the loop reads it: readline does not wait for a reader.
    const lines = createInterface({
      input: createReadStream(path, { encoding: "utf8" }),
      crlfDelay: Infinity,
    });
    try {
      let lineNo = 0;
      let run: CorpusBlock[] = [];
      const flush = (): void => {
        const first = run[0];
        if (!first) return;
        const { added, fixes } = importCorpusBlocks(store, first.repo, run, rules);
        result.repos.push({ name: first.repo, blocks: added, fixes });
        run = [];
      };
      for await (const line of lines) {
        lineNo++;
        if (line === "") continue;
        let obj: Record<string, unknown>;
        try {
          obj = JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new Error(`${path}:${lineNo}: not JSON: is this a corpus from \`dejafix corpus\`?`);
        }
        if (lineNo === 1) {
          if (obj.dejafix_corpus !== CORPUS_HEADER.dejafix_corpus)
            throw new Error(
              `${path} is not a related-repositories corpus (version ${CORPUS_HEADER.dejafix_corpus}): write one with \`dejafix corpus --out FILE\`, or give a clone's folder`,
            );
          if (obj.shard !== undefined)
            throw new Error(
              `${path} is one part of a sharded corpus: join the parts first with \`dejafix corpus merge PART... --out FILE\``,
            );
          continue;
        }
        const block = obj as unknown as CorpusBlock;
        if (typeof block.repo !== "string" || typeof block.before !== "string" || !block.fix)
          throw new Error(`${path}:${lineNo}: not a defect block of a corpus: write the corpus again`);
        if (run.length > 0 && run[0]!.repo !== block.repo) flush();
        run.push(block);
      }
      flush();
    } catch (e) {
      throw asDiskFull(store.file, e);
    } finally {
      lines.close();
      store.close();
    }
  } finally {
    writer.release();
  }
  return result;
}
