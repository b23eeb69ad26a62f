/**
 * The library API. The CLI is a thin layer over these functions; tests call them directly.
 */
export type { MineResult } from "./history/mine.js";
export { repoRules, rulesFile } from "./history/repoRules.js";
export type { SelectOptions } from "./history/szz.js";
export { lockIndex, openIndex, tryLockIndex, type WriterOptions } from "./index/openIndex.js";
export {
  type IndexOptions,
  type IndexResult,
  indexRepository,
  type LabelRecord,
  labels,
} from "./pipeline/indexRepository.js";
