import { isAbsolute, join } from "node:path";
import { isGeneratedPath, isIgnoredPath, isTestPath } from "../rules/paths.js";
import type { Rules } from "../rules/types.js";
import { readBugIssues } from "./bugIssues.js";
import { classifyCommit } from "./classify.js";
import { type EvidenceFilter, evidenceFilter } from "./evidence.js";
import type { SelectOptions } from "./szz.js";
import type { FixClassification } from "./types.js";

export interface HistorySettings {
  classify: (message: string) => FixClassification;
  evidence: EvidenceFilter;
  select: SelectOptions;
  /** Paths the rules ignore: no line ownership is kept for them. */
  ignore: (path: string) => boolean;
}

/**
 * Turns the rules file's `fixes`, `szz` and `paths` sections into what the miner and SZZ take. `onNotice`
 * hears of a `fixes` expression switched off for running past its time limit (once each).
 */
export function historySettings(
  rules: Rules,
  repoRoot: string,
  onNotice?: (text: string) => void,
): HistorySettings {
  const { bugIssues: bugFile, ...fixConfig } = rules.fixes;
  let bugs: ReadonlySet<string> | undefined;
  let issueDates: Map<string, number> | undefined;
  if (bugFile) {
    const issues = readBugIssues(isAbsolute(bugFile) ? bugFile : join(repoRoot, bugFile));
    bugs = new Set(issues.map((i) => i.id));
    if (rules.szz.issueDateFilter) {
      issueDates = new Map();
      for (const i of issues) {
        const t = i.created ? Date.parse(i.created) : Number.NaN;
        if (Number.isFinite(t)) issueDates.set(i.id, Math.floor(t / 1000));
      }
    }
  }
  return {
    classify: (m) => classifyCommit(m, fixConfig, bugs, onNotice),
    evidence: evidenceFilter({
      isTest: rules.szz.excludeTests ? (p) => isTestPath(rules, p) : undefined,
      ignore: (p) => isIgnoredPath(rules, p) || isGeneratedPath(rules, p),
    }),
    ignore: (p) => isIgnoredPath(rules, p),
    select: {
      strategy: "lines",
      minShare: 0.5,
      maxCandidateFiles: rules.szz.maxFiles,
      evidence: ["blame", "declared"],
      issueDates,
    },
  };
}
