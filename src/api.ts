/**
 * The library API. The CLI is a thin layer over these functions; tests call them directly.
 */
import { dejafixDir } from "./git/repo.js";
import { evidenceFilter } from "./history/evidence.js";
import { type MineResult, mineHistory } from "./history/mine.js";
import { DEFAULT_SELECT, type Inducing, type SelectOptions, selectInducing } from "./history/szz.js";
import type { FixReason } from "./history/types.js";
import { IndexStore, type IndexSummary, indexPath } from "./index/store.js";

export type { MineResult } from "./history/mine.js";
export type { SelectOptions } from "./history/szz.js";

/** Opens the index of the repository containing `repoDir` (created on first use). */
export async function openIndex(repoDir: string, opts: { readonly?: boolean } = {}): Promise<IndexStore> {
  return new IndexStore(indexPath(await dejafixDir(repoDir)), opts);
}

export interface IndexOptions {
  repoDir: string;
  rev?: string;
  onProgress?: (done: number, total: number) => void;
  excludeTests?: boolean;
}

export interface IndexResult extends MineResult {
  file: string;
  summary: IndexSummary;
}

/** Mines new history into the index (incremental) and returns what the index now holds. */
export async function indexRepository(opts: IndexOptions): Promise<IndexResult> {
  const store = await openIndex(opts.repoDir);
  try {
    const res = await mineHistory({
      repoDir: opts.repoDir,
      store,
      rev: opts.rev,
      onProgress: opts.onProgress,
      evidence: evidenceFilter({ excludeTests: opts.excludeTests ?? true }),
    });
    return { ...res, file: store.file, summary: store.summary(res.repoId) };
  } finally {
    store.close();
  }
}

export interface LabelRecord {
  fix: string;
  inducing: Inducing[];
  reasons: FixReason[];
  issues: string[];
  time: number;
}

/** One record per fix commit with its defect-introducing commits under a selection policy. */
export async function labels(repoDir: string, select: Partial<SelectOptions> = {}): Promise<LabelRecord[]> {
  const store = await openIndex(repoDir);
  try {
    const root = store.db.prepare("SELECT id FROM repos WHERE role = 'self' ORDER BY id LIMIT 1").get() as
      | { id: number }
      | undefined;
    if (!root) return [];
    const opts = { ...DEFAULT_SELECT, ...select };
    return store.fixes(root.id).map((f) => ({
      fix: f.sha,
      inducing: selectInducing(f, opts),
      reasons: f.reasons,
      issues: f.issues,
      time: f.authorTime,
    }));
  } finally {
    store.close();
  }
}
