/**
 * Replay of a repository's history for recurring defects: fixes are taken in history order, and the
 * defect block of each (the block of the fix's parent that the fix changed) is looked up among the
 * defect blocks of the fixes before it only. When it matches one, the earlier fix is contextualised
 * onto it (as a developer would have been shown at commit time) and compared with the fix the
 * developer actually wrote.
 */
import { normalizeBlock } from "../blocks/normalizeBlock.js";
import type { NormalizedBlock } from "../blocks/types.js";
import { findClones } from "../clones/findClones.js";
import { createMemoryBlockStore } from "../clones/memoryBlockStore.js";
import { type DefectBlock, DefectBlockReader } from "../index/defectBlocks.js";
import type { IndexStore } from "../index/store.js";
import { contextualizeFix } from "../suggest/contextualizeFix.js";

export interface RecurrenceCase {
  fix: string;
  path: string;
  startLine: number;
  endLine: number;
  /** The earlier fix whose defect block matched, and where that block was. */
  earlierFix: string;
  earlierPath: string;
  similarity: number;
  /** The earlier block is in the same file (often the same code fixed twice). */
  samePath: boolean;
  /** The contextualised earlier fix changed something / placed every one of its edits. */
  changed: boolean;
  complete: boolean;
  /** Suggestion and actual fix are equal as normalized token sequences (NiCad normalization). */
  equalNormalized: boolean;
  /** ... and as exact token sequences (names and literals too; whitespace and comments aside). */
  equalExact: boolean;
}

export interface RecurrenceFigures {
  /** Fixes with at least one defect block, replayed in history order. */
  fixes: number;
  blocks: number;
  /** Fixes whose defect matched an earlier defect block from another defect commit. */
  withEarlier: number;
  /** ... where the earlier block lies in another file. */
  withEarlierElsewhere: number;
  /** Among `withEarlier`: the contextualised suggestion equals the actual fix (normalized tokens). */
  suggestionEqual: number;
  suggestionEqualExact: number;
  /** The same two figures among `withEarlierElsewhere`. */
  elsewhereEqual: number;
  elsewhereEqualExact: number;
  /** Matches dropped because both blocks come from the same defect commit (one bug fixed twice). */
  sameDefectSkipped: number;
  cases: RecurrenceCase[];
  seconds: number;
}

export interface RecurrenceOptions {
  threshold: number;
  minLines: number;
}

function tokenTexts(b: NormalizedBlock, exact: boolean): string {
  return b.tokens.map((t) => (exact ? t.text : t.norm)).join(" ");
}

interface Candidate {
  block: DefectBlock;
  norm: NormalizedBlock;
  earlier: DefectBlock;
  similarity: number;
  pairs: Array<[number, number]>;
}

/**
 * Replays the defect blocks of `repoId` (built by `buildDefectBlocks`) in history order; the index of
 * earlier blocks is in memory and grows fix by fix, so no defect is matched against a later one.
 */
export function replayRecurrence(
  store: IndexStore,
  repoId: number,
  opts: RecurrenceOptions,
): RecurrenceFigures {
  const t0 = performance.now();
  const reader = new DefectBlockReader(store);
  const index = createMemoryBlockStore({ indexThreshold: Math.max(0.3, opts.threshold) });
  const known = new Map<number, DefectBlock>();
  const figures: RecurrenceFigures = {
    fixes: 0,
    blocks: 0,
    withEarlier: 0,
    withEarlierElsewhere: 0,
    suggestionEqual: 0,
    suggestionEqualExact: 0,
    elsewhereEqual: 0,
    elsewhereEqualExact: 0,
    sameDefectSkipped: 0,
    cases: [],
    seconds: 0,
  };

  let group: DefectBlock[] = [];
  const flush = (): void => {
    if (group.length === 0) return;
    figures.fixes++;
    figures.blocks += group.length;
    const norms = group.map((b) => normalizeBlock(b.before, b.language, 1));
    let best: Candidate | null = null;
    let bestElsewhere: Candidate | null = null;
    group.forEach((block, k) => {
      const norm = norms[k]!;
      const defects = new Set(block.defects.map((d) => d.sha));
      for (const m of findClones(norm, index, { threshold: opts.threshold, minLines: opts.minLines })) {
        const earlier = known.get(m.id)!;
        if (earlier.language !== block.language) continue;
        if (earlier.defects.some((d) => defects.has(d.sha))) {
          figures.sameDefectSkipped++;
          continue;
        }
        const c: Candidate = { block, norm, earlier, similarity: m.similarity, pairs: m.pairs };
        if (!best || c.similarity > best.similarity) best = c;
        if (earlier.path !== block.path && (!bestElsewhere || c.similarity > bestElsewhere.similarity))
          bestElsewhere = c;
      }
    });
    const judged = (c: Candidate): RecurrenceCase => {
      const fix = contextualizeFix(
        c.earlier,
        { fileLines: c.block.before, start: 1, end: c.block.before.length, norm: c.norm },
        c.pairs,
      );
      const suggested = normalizeBlock(fix.newLines, c.block.language, 1);
      const actual = normalizeBlock(c.block.after, c.block.language, 1);
      return {
        fix: c.block.fix.sha,
        path: c.block.path,
        startLine: c.block.startLine,
        endLine: c.block.endLine,
        earlierFix: c.earlier.fix.sha,
        earlierPath: c.earlier.path,
        similarity: c.similarity,
        samePath: c.earlier.path === c.block.path,
        changed: fix.changed,
        complete: fix.complete,
        equalNormalized: fix.changed && tokenTexts(suggested, false) === tokenTexts(actual, false),
        equalExact: fix.changed && tokenTexts(suggested, true) === tokenTexts(actual, true),
      };
    };
    const b = best as Candidate | null;
    if (b) {
      const r = judged(b);
      figures.cases.push(r);
      figures.withEarlier++;
      if (r.equalNormalized) figures.suggestionEqual++;
      if (r.equalExact) figures.suggestionEqualExact++;
    }
    const e = bestElsewhere as Candidate | null;
    if (e) {
      const r = e === b ? figures.cases[figures.cases.length - 1]! : judged(e);
      if (e !== b) figures.cases.push(r);
      figures.withEarlierElsewhere++;
      if (r.equalNormalized) figures.elsewhereEqual++;
      if (r.equalExact) figures.elsewhereEqualExact++;
    }
    // Only now do this fix's blocks join the index: a defect is never matched against its own fix.
    group.forEach((block, k) => {
      const id = index.add({ hashes: norms[k]!.hashes });
      known.set(id, block);
    });
    group = [];
  };

  for (const block of reader.inHistoryOrder(repoId)) {
    if (group.length > 0 && group[0]!.fixId !== block.fixId) flush();
    group.push(block);
  }
  flush();
  figures.seconds = (performance.now() - t0) / 1000;
  return figures;
}
