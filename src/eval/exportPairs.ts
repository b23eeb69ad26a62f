/**
 * `dejafix pairs`: bug→fix pairs for hotfixing code models (learn the fixed code, unlearn the buggy one):
 * for every defect→fix link with a defect block, the block before and after the fix with both commits.
 * Test and generated code are left out unless asked for (the rules' path policy), and a pair whose code
 * or messages look like they hold a secret is never written: it is counted instead.
 */
import picomatch from "picomatch";
import { codeLanguageOf } from "../blocks/languageOf.js";
import { repoRules } from "../history/repoRules.js";
import type { LinkEvidence } from "../history/types.js";
import { openIndex } from "../index/openIndex.js";
import { pairRows } from "../index/pairRows.js";
import { isGeneratedPath, isTestPath } from "../rules/paths.js";
import { secretKind } from "./secretPatterns.js";

export interface PairFilters {
  /** Globs (picomatch) a pair's path before or after the fix must match; empty: every path. */
  paths?: string[];
  /** Unix seconds: only fixes authored at or after `since`, before `until`. */
  since?: number;
  until?: number;
  /** Links with at least one of these kinds of evidence (default both). */
  evidence?: LinkEvidence[];
  includeTests?: boolean;
  includeGenerated?: boolean;
}

export interface PairRecord {
  /** `<defect block id>-<defect commit>`: stable within one index. */
  id: string;
  language: string;
  /** Path in the fix's parent, and after the fix. */
  path: string;
  fixedPath: string;
  /** Lines of the buggy block in the fix's parent, 1-based inclusive. */
  lines: [number, number];
  buggy: string;
  fixed: string;
  defect: { sha: string; message: string; date: string };
  fix: { sha: string; message: string; date: string; issues: string[] };
  evidence: LinkEvidence[];
}

export interface PairsSummary {
  written: number;
  /** Distinct defect blocks among the pairs written. */
  blocks: number;
  skipped: { secrets: number; tests: number; generated: number; filtered: number };
  /** What the skipped secrets looked like, by kind (no text of them). */
  secretKinds: Record<string, number>;
  byLanguage: Record<string, number>;
  byEvidence: Record<string, number>;
}

const iso = (t: number): string => new Date(t * 1000).toISOString();

/** Writes one record per pair through `write`, in history order of the fixes, and says what it left out. */
export async function exportPairs(
  repoDir: string,
  filters: PairFilters,
  write: (record: PairRecord) => void | Promise<void>,
): Promise<PairsSummary> {
  const { rules } = await repoRules(repoDir);
  const inPaths = filters.paths && filters.paths.length > 0 ? picomatch(filters.paths, { dot: true }) : null;
  const evidence = new Set(filters.evidence ?? ["blame", "declared"]);
  const out: PairsSummary = {
    written: 0,
    blocks: 0,
    skipped: { secrets: 0, tests: 0, generated: 0, filtered: 0 },
    secretKinds: {},
    byLanguage: {},
    byEvidence: {},
  };
  const blocks = new Set<number>();
  const store = await openIndex(repoDir, { readonly: true });
  try {
    const self = store.selfRepoId();
    if (self === null) return out;
    for (const p of pairRows(store, self)) {
      const via: LinkEvidence[] = [
        ...(p.viaBlame ? (["blame"] as const) : []),
        ...(p.viaDeclared ? (["declared"] as const) : []),
      ];
      if (
        (inPaths && !inPaths(p.path) && !inPaths(p.newPath)) ||
        (filters.since !== undefined && p.fix.time < filters.since) ||
        (filters.until !== undefined && p.fix.time >= filters.until) ||
        !via.some((v) => evidence.has(v))
      ) {
        out.skipped.filtered++;
        continue;
      }
      if (!filters.includeTests && (isTestPath(rules, p.path) || isTestPath(rules, p.newPath))) {
        out.skipped.tests++;
        continue;
      }
      if (
        !filters.includeGenerated &&
        (isGeneratedPath(rules, p.path, p.before) || isGeneratedPath(rules, p.newPath, p.after))
      ) {
        out.skipped.generated++;
        continue;
      }
      const secret =
        secretKind(p.before) ??
        secretKind(p.after) ??
        secretKind(p.fix.message) ??
        secretKind(p.defect.message);
      if (secret) {
        out.skipped.secrets++;
        out.secretKinds[secret] = (out.secretKinds[secret] ?? 0) + 1;
        continue;
      }
      const language = codeLanguageOf(p.newPath) ?? p.language;
      await write({
        id: `${p.blockId}-${p.defect.sha.slice(0, 10)}`,
        language,
        path: p.path,
        fixedPath: p.newPath,
        lines: [p.startLine, p.endLine],
        buggy: p.before,
        fixed: p.after,
        defect: { sha: p.defect.sha, message: p.defect.message, date: iso(p.defect.time) },
        fix: { sha: p.fix.sha, message: p.fix.message, date: iso(p.fix.time), issues: p.fix.issues },
        evidence: via,
      });
      out.written++;
      blocks.add(p.blockId);
      out.byLanguage[language] = (out.byLanguage[language] ?? 0) + 1;
      const kind = via.join("+");
      out.byEvidence[kind] = (out.byEvidence[kind] ?? 0) + 1;
    }
  } finally {
    store.close();
  }
  out.blocks = blocks.size;
  return out;
}
