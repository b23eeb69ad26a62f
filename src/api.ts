/**
 * The library API. The CLI is a thin layer over these functions; tests call them directly.
 */

export { exportPairs, type PairFilters, type PairRecord, type PairsSummary } from "./eval/exportPairs.js";
export { readCommitChange, readStagedChange, type StagedChange } from "./git/readChange.js";
export type { MineNotice, MineResult } from "./history/mine.js";
export { repoRules, rulesFile } from "./history/repoRules.js";
export type { SelectOptions } from "./history/szz.js";
export { check, prepare } from "./hooks/checker.js";
export { type HookOptions, type HookResult, readHookRules, runHook } from "./hooks/runHook.js";
export { HOOK_TABLE, type HookName } from "./hooks/table.js";
export { lockIndex, openIndex, tryLockIndex, type WriterOptions } from "./index/openIndex.js";
export {
  type IndexOptions,
  type IndexResult,
  indexRepository,
  type LabelRecord,
  labels,
} from "./pipeline/indexRepository.js";
export {
  type ExportOptions,
  exportTeamIndex,
  type ImportOptions,
  type ImportResult,
  type IndexFromOptions,
  type IndexFromResult,
  importTeamIndex,
  indexFrom,
  type RefusalKind,
  type SnapshotMeta,
  SnapshotRefusedError,
} from "./team/teamIndex.js";
export type { CheckContext, Checker, MatchReport, Verdict } from "./verdict/types.js";
