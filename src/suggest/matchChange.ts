import { DEFAULT_MAX_BLOCK_LINES } from "../blocks/expandToBlock.js";
import { normalizeBlock } from "../blocks/normalizeBlock.js";
import type { NormalizedBlock } from "../blocks/types.js";
import { findClones, findClonesBruteForce, type Match } from "../clones/findClones.js";
import { lcsLength } from "../clones/verify.js";
import type { StagedChange, StagedFile } from "../git/staged.js";
import { openBlockStore } from "../index/blockStore.js";
import {
  type CommitInfo,
  codeLanguageOf,
  type DefectBlock,
  DefectBlockReader,
  type FileBlocks,
  fileBlocks,
  growBlock,
  hasDefectBlocks,
  type LineRange,
  splitLines,
} from "../index/defectBlocks.js";
import { matchId, suppressedBlocks } from "../index/feedbackStore.js";
import type { IndexStore } from "../index/store.js";
import type { CommitRef, MatchReport } from "../report/types.js";
import { isGeneratedPath, isIgnoredPath } from "../rules/paths.js";
import type { Rules } from "../rules/types.js";
import { applyCheck } from "./applyCheck.js";
import { contextualizeFix } from "./contextualizeFix.js";
import { renderDiff } from "./renderDiff.js";

/** A match with what feedback and reports need beyond `MatchReport`. */
export interface SuggestedMatch extends MatchReport {
  /** Stable id for `dejafix feedback <id> useful|wrong`. */
  id: string;
  defectBlockId: number;
  /** The repository the past defect lives in (another one when indexed with `--add-repo`). */
  repository: { name: string; role: "self" | "related" };
  /** Every edit of the historical fix found its place in the developer's block. */
  complete: boolean;
}

export interface MatchOptions {
  /** Run `git apply --check` on each suggestion (default true). */
  applyCheck?: boolean;
  /** Matches kept per block of the change (default 3). */
  perBlock?: number;
  /**
   * Blocks looked up per change (default 400): a vendored import of thousands of lines stops here
   * instead of holding the commit up; the first files in git's order are the ones checked.
   */
  maxBlocks?: number;
  /**
   * Only past defects whose fix was authored before this time (Unix seconds): a replay of history asks
   * what the hook would have known when the commit was written.
   */
  knownBefore?: number;
}

export function commitRef(c: CommitInfo): CommitRef {
  return {
    sha: c.sha,
    subject: c.message.split("\n", 1)[0] ?? "",
    message: c.message,
    date: new Date(c.authorTime * 1000).toISOString(),
    author: c.authorName,
  };
}

/**
 * The blocks of a staged file a change wrote or touched: each hunk grown to the balanced block around
 * it (CLEVER Algorithm 1), plus every complete block lying inside the changed lines (a new function, a
 * new file: the blocks it is made of, not only the whole).
 */
export function changedBlocks(
  lines: string[],
  file: Pick<StagedFile, "hunks">,
  blocks: FileBlocks,
): LineRange[] {
  const seen = new Map<string, LineRange>();
  const changed: Array<{ s: number; e: number }> = [];
  for (const h of file.hunks) {
    // A pure deletion sits after line newStart: take the lines on both sides of the gap.
    const s = h.newLines > 0 ? h.newStart : Math.max(1, h.newStart);
    const e = h.newLines > 0 ? h.newStart + h.newLines - 1 : Math.min(lines.length, h.newStart + 1);
    if (lines.length === 0 || s > lines.length) continue;
    const r = blocks.expand(s, Math.max(s, e));
    seen.set(`${r.start}-${r.end}`, r);
    if (h.newLines > 0) changed.push({ s, e });
  }
  if (changed.some((c) => c.e - c.s >= 2)) {
    for (const b of blocks.all) {
      if (b.end - b.start < 2 || b.end - b.start >= DEFAULT_MAX_BLOCK_LINES) continue;
      if (changed.some((c) => c.s <= b.start && b.end <= c.e)) seen.set(`${b.start}-${b.end}`, b);
    }
  }
  return [...seen.values()].sort((x, y) => x.start - y.start || y.end - x.end);
}

/**
 * Matches a staged change against the defect blocks of the index (this repository's and related ones'):
 * every block the change touches is normalized, looked up with the lossless prefix index and verified
 * with the rules' clone threshold and minimum size; each match carries the historical fix renamed and
 * re-indented to the developer's block, as a unified diff against their staged file, checked with
 * `git apply --check`. Defect blocks the team marked wrong are not proposed, nor past defects the
 * developer's block already carries the fix of. Best matches first.
 */
export async function matchChange(
  store: IndexStore,
  change: StagedChange,
  rules: Rules,
  opts?: MatchOptions,
): Promise<SuggestedMatch[]>;
/** The verdict stage's call shape (src/verdict/checkChange.ts): the repository id is not needed, every
 * repository of the index (this one and related ones) is matched. */
export async function matchChange(
  store: IndexStore,
  repoId: number,
  change: StagedChange,
  rules: Rules,
): Promise<SuggestedMatch[]>;
export async function matchChange(
  store: IndexStore,
  a: StagedChange | number,
  b: Rules | StagedChange,
  c?: MatchOptions | Rules,
): Promise<SuggestedMatch[]> {
  return typeof a === "number"
    ? matchAll(store, b as StagedChange, c as Rules, {})
    : matchAll(store, a, b as Rules, (c as MatchOptions | undefined) ?? {});
}

async function matchAll(
  store: IndexStore,
  change: StagedChange,
  rules: Rules,
  opts: MatchOptions,
): Promise<SuggestedMatch[]> {
  const db = store.db;
  if (!hasDefectBlocks(db)) return [];
  const blocks = openBlockStore(db);
  const reader = new DefectBlockReader(db);
  const suppressed = suppressedBlocks(db);
  const { threshold, minLines } = rules.clones;
  const lookup = (norm: NormalizedBlock): Match[] =>
    threshold <= blocks.indexThreshold
      ? findClones(norm, blocks, { threshold, minLines })
      : findClonesBruteForce(norm, blocks.all(), { threshold, minLines });

  const out: SuggestedMatch[] = [];
  let budget = opts.maxBlocks ?? 400;
  for (const file of change.files) {
    if (budget <= 0) break;
    const path = file.newPath;
    if (path === null || file.newText === null || file.skipped !== null) continue;
    if (isIgnoredPath(rules, path) || isGeneratedPath(rules, path, file.newText)) continue;
    const language = codeLanguageOf(path);
    if (language === undefined) continue;
    const lines = splitLines(file.newText);
    const blocks = fileBlocks(lines, language);
    // Short blocks grow to their enclosing ones, as the defect blocks did when they were indexed.
    const ranges = new Map<string, LineRange>();
    for (const r of changedBlocks(lines, file, blocks)) {
      const g = growBlock(blocks.all, r, (b) => blocks.normalize(b).lines.length, minLines);
      ranges.set(`${g.start}-${g.end}`, g);
    }
    for (const range of ranges.values()) {
      if (budget-- <= 0) break;
      const norm = blocks.normalize(range);
      if (norm.lines.length < minLines) continue;
      const found: SuggestedMatch[] = [];
      const fixesSeen = new Set<string>();
      for (const m of lookup(norm)) {
        if (suppressed.has(m.id)) continue;
        const block = reader.get(m.id);
        if (block === undefined || fixesSeen.has(block.fix.sha)) continue;
        if (opts.knownBefore !== undefined && block.fix.authorTime >= opts.knownBefore) continue;
        const report = await suggestFor(block, m, { path, text: file.newText, lines, range, norm }, opts);
        if (report === null) continue;
        fixesSeen.add(block.fix.sha);
        found.push(report);
        if (found.length >= (opts.perBlock ?? 3)) break;
      }
      out.push(...found);
    }
  }
  const best = new Map<number, SuggestedMatch>();
  for (const m of out) {
    const seen = best.get(m.defectBlockId);
    if (!seen || m.similarity > seen.similarity) best.set(m.defectBlockId, m);
  }
  return [...best.values()].sort((a, b) => b.similarity - a.similarity || a.path.localeCompare(b.path));
}

interface DevBlock {
  path: string;
  text: string;
  lines: string[];
  range: { start: number; end: number };
  norm: NormalizedBlock;
}

/** The MatchReport of one verified match, or null when the developer's code already has the fix. */
async function suggestFor(
  block: DefectBlock,
  match: Match,
  dev: DevBlock,
  opts: MatchOptions,
): Promise<SuggestedMatch | null> {
  // Closer to the fixed version than to the defect: this code already carries the fix.
  const afterNorm = normalizeBlock(block.after, block.language, 1);
  if (lcsLength(dev.norm.hashes, afterNorm.hashes) > match.lcs) return null;
  const fix = contextualizeFix(
    block,
    { fileLines: dev.lines, start: dev.range.start, end: dev.range.end, norm: dev.norm },
    match.pairs,
  );
  if (fix.complete && !fix.changed) return null;
  let suggestion: MatchReport["suggestion"];
  if (fix.changed) {
    const newText = fix.newLines.join("\n") + (dev.text.endsWith("\n") ? "\n" : "");
    const diff = renderDiff(dev.path, dev.text, newText);
    suggestion = {
      diff,
      appliesCleanly: opts.applyCheck === false ? null : await applyCheck(dev.path, dev.text, diff),
    };
  }
  const defect = block.defects[0] ?? block.fix;
  const related = block.repo.role === "related";
  const issues = [...new Set([...block.fix.issues, ...block.defects.flatMap((d) => d.issues)])];
  return {
    id: matchId(block.id, block.fix.sha),
    defectBlockId: block.id,
    repository: { name: block.repo.name, role: block.repo.role },
    complete: fix.complete,
    path: dev.path,
    startLine: dev.range.start,
    endLine: dev.range.end,
    similarity: match.similarity,
    // A related repository's path is named `repo:path`, as git names a path in a revision.
    defect: { ...commitRef(defect), path: related ? `${block.repo.name}:${block.path}` : block.path },
    fix: commitRef(block.fix),
    issues,
    ...(suggestion ? { suggestion } : {}),
  };
}
