/**
 * A team index: the index built once (in CI) and taken by every clone, which then mines only the
 * commits after the snapshot's tip. A snapshot of another schema, another repository, other rules or
 * another model, or one damaged on the way, is refused with the reason, and the caller mines instead.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, isAbsolute, join } from "node:path";
import { hasCommit, isAncestor, rootCommits } from "../git/identity.js";
import { dejafixDir, gitCommonDir } from "../git/repo.js";
import { repoRules } from "../history/repoRules.js";
import { SCHEMA_VERSION } from "../index/db.js";
import { lockIndex, openIndex, type WriterOptions } from "../index/openIndex.js";
import { adoptSnapshotDb, copyIndexForSnapshot, replaceIndexFile } from "../index/snapshot.js";
import {
  packSnapshot,
  readSnapshotHead,
  type SnapshotMeta,
  SnapshotRefusedError,
  unpackSnapshot,
} from "../index/snapshotFile.js";
import { indexPath } from "../index/store.js";
import { modelDigest } from "../model/digest.js";
import { ModelUnavailableError, resolveModelPath } from "../model/load.js";
import { type IndexOptions, type IndexResult, indexRepository } from "../pipeline/indexRepository.js";
import { indexRulesDigest } from "../rules/rulesDigest.js";
import type { Rules } from "../rules/types.js";
import { fetchSnapshot } from "./snapshotSource.js";

export type { RefusalKind, SnapshotMeta } from "../index/snapshotFile.js";
export { SnapshotRefusedError } from "../index/snapshotFile.js";

/** What the index of this clone would be built with: the rules' digest and the model's. */
async function digests(root: string, rules: Rules): Promise<{ rules: string; model: string | null }> {
  const bug = rules.fixes.bugIssues;
  const bugFile = bug ? (isAbsolute(bug) ? bug : join(root, bug)) : null;
  const extra = bugFile && existsSync(bugFile) ? readFileSync(bugFile, "utf8") : "";
  let model: string | null = null;
  try {
    model = modelDigest(resolveModelPath(undefined, { gitCommonDir: await gitCommonDir(root) }).path);
  } catch (e) {
    if (!(e instanceof ModelUnavailableError)) throw e;
  }
  return { rules: indexRulesDigest(rules, extra), model };
}

export interface ExportOptions {
  repoDir: string;
  /** The snapshot file to write (replaced atomically). */
  out: string;
  /** The dejafix version recorded in the head. */
  producer?: string;
  writer?: WriterOptions;
}

/** Writes the index of `repoDir` as a snapshot file (the index must be whole: run `indexRepository` first). */
export async function exportTeamIndex(opts: ExportOptions): Promise<SnapshotMeta> {
  const { root, rules } = await repoRules(opts.repoDir);
  const d = await digests(root, rules);
  const lock = await lockIndex(opts.repoDir, { command: "dejafix index --export", ...opts.writer });
  const work = join(await dejafixDir(opts.repoDir), `export-${process.pid}.sqlite`);
  const part = `${opts.out}.${process.pid}.part`;
  try {
    const store = await openIndex(opts.repoDir);
    let copy: ReturnType<typeof copyIndexForSnapshot>;
    try {
      copy = copyIndexForSnapshot(store, work);
    } finally {
      store.close();
    }
    const meta = await packSnapshot(work, part, {
      schema: SCHEMA_VERSION,
      tip: copy.tip,
      roots: await rootCommits(root, copy.tip),
      repo: basename(root),
      rulesDigest: d.rules,
      modelDigest: d.model,
      createdAt: new Date().toISOString(),
      dejafix: opts.producer ?? "unknown",
      counts: copy.counts,
    });
    renameSync(part, opts.out);
    return meta;
  } finally {
    rmSync(work, { force: true });
    rmSync(part, { force: true });
    lock.release();
  }
}

export interface ImportOptions {
  repoDir: string;
  /** A file path, an https:// URL or oci://registry/repo:tag. */
  source: string;
  writer?: WriterOptions;
}

export interface ImportResult {
  meta: SnapshotMeta;
  /** False when this clone's index already covers the snapshot's tip (nothing was replaced). */
  replaced: boolean;
}

/**
 * Checks the snapshot named by `source` against this clone and, when it fits, puts it in place of the
 * index (written beside it, then renamed, under the writer lock). Throws SnapshotRefusedError naming
 * what did not fit; the index is then as it was.
 */
export async function importTeamIndex(opts: ImportOptions): Promise<ImportResult> {
  const { root, rules } = await repoRules(opts.repoDir);
  const dir = await dejafixDir(opts.repoDir);
  const work = join(dir, `import-${process.pid}`);
  const lock = await lockIndex(opts.repoDir, { command: "dejafix index --from", ...opts.writer });
  try {
    const file = await fetchSnapshot(opts.source, work);
    const head = readSnapshotHead(file);
    const { meta } = head;
    if (meta.schema !== SCHEMA_VERSION)
      throw new SnapshotRefusedError(
        "schema",
        `it holds an index of schema version ${meta.schema}, this dejafix reads version ${SCHEMA_VERSION} (export it again with this version)`,
      );
    if (!Array.isArray(meta.roots) || meta.roots.length === 0)
      throw new SnapshotRefusedError("format", "its head names no root commit");
    for (const r of meta.roots) {
      if (!(await hasCommit(root, r)))
        throw new SnapshotRefusedError(
          "repository",
          `it was built from another repository (${meta.repo || "unnamed"}: its root commit ${r.slice(0, 12)} is not in this clone)`,
        );
    }
    if (!(await hasCommit(root, meta.tip)))
      throw new SnapshotRefusedError(
        "tip",
        `its tip ${meta.tip.slice(0, 12)} is not in this clone yet (git fetch, then run again)`,
      );
    const d = await digests(root, rules);
    if (meta.rulesDigest !== d.rules)
      throw new SnapshotRefusedError(
        "rules",
        "its rules digest differs: it was mined with other fixes, szz, paths or clones settings than .dejafix/rules.yml here",
      );
    if (meta.modelDigest !== d.model)
      throw new SnapshotRefusedError(
        "model",
        `its model digest differs: its percentiles belong to ${meta.modelDigest ? `model ${meta.modelDigest.slice(0, 12)}` : "no model"}, this clone uses ${d.model ? `model ${d.model.slice(0, 12)}` : "none"}`,
      );
    const index = indexPath(dir);
    if (await alreadyPast(opts.repoDir, root, meta.tip)) return { meta, replaced: false };
    // Written beside the index and renamed over it: a reader sees the old index or the new one, whole.
    mkdirSync(work, { recursive: true });
    const next = join(work, "index.sqlite");
    await unpackSnapshot(file, head, next);
    adoptSnapshotDb(next, {
      tip: meta.tip,
      gitDir: await gitCommonDir(root),
      name: basename(root),
      previous: existsSync(index) ? index : null,
    });
    replaceIndexFile(index, next);
    return { meta, replaced: true };
  } finally {
    rmSync(work, { recursive: true, force: true });
    lock.release();
  }
}

/** Whether the index here was mined to the snapshot's tip or past it (a snapshot would lose work). */
async function alreadyPast(repoDir: string, root: string, tip: string): Promise<boolean> {
  let store: Awaited<ReturnType<typeof openIndex>>;
  try {
    store = await openIndex(repoDir);
  } catch {
    return false;
  }
  try {
    const self = store.selfRepoId();
    const tips = self === null ? [] : store.tips(self);
    if (tips.length !== 1) return false;
    return tips[0] === tip || (await isAncestor(root, tip, tips[0]!));
  } finally {
    store.close();
  }
}

export interface IndexFromOptions extends IndexOptions {
  source: string;
}

export interface IndexFromResult {
  /** The snapshot started from, or null when it was refused. */
  imported: ImportResult | null;
  refused: SnapshotRefusedError | null;
  importSeconds: number;
  index: IndexResult;
}

/**
 * `init --from` and `index --from`: starts from the snapshot when it fits, then mines what is newer;
 * when it is refused, mines as `indexRepository` always does. One writer throughout.
 */
export async function indexFrom(opts: IndexFromOptions): Promise<IndexFromResult> {
  const lock = await lockIndex(opts.repoDir, opts.writer);
  try {
    const t0 = performance.now();
    let imported: ImportResult | null = null;
    let refused: SnapshotRefusedError | null = null;
    try {
      imported = await importTeamIndex({ repoDir: opts.repoDir, source: opts.source, writer: opts.writer });
    } catch (e) {
      if (!(e instanceof SnapshotRefusedError)) throw e;
      refused = e;
    }
    const importSeconds = (performance.now() - t0) / 1000;
    const { source: _source, ...indexOpts } = opts;
    return { imported, refused, importSeconds, index: await indexRepository(indexOpts) };
  } finally {
    lock.release();
  }
}
