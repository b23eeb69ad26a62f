import { resolve } from "node:path";
import { gitCommonDir, repoRoot } from "../git/repo.js";
import { historySettings } from "../history/indexOptions.js";
import { mineHistory } from "../history/mine.js";
import { repoRules } from "../history/repoRules.js";
import { buildDefectBlocks } from "../index/defectBlocks.js";
import { asDiskFull } from "../index/diskFull.js";
import { lockIndex, openIndex, type WriterOptions } from "../index/openIndex.js";
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
