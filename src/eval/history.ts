/**
 * Everything a dataset export, a replay or a calibration reads about one repository's history:
 * the index brought up to date, the change metrics, the labels (SZZ or a file) and the records.
 */
import { basename } from "node:path";
import { gitCommonDir } from "../git/repo.js";
import { repoRules } from "../history/repoRules.js";
import { newestCommitTime } from "../index/calibrationStore.js";
import { openIndex, type WriterOptions } from "../index/openIndex.js";
import {
  fixTimes,
  type HistoryRecord,
  historyMetrics,
  historyRecords,
  type LabelSource,
  type MetricValues,
} from "../metrics/dataset.js";
import { indexRepository, labels } from "../pipeline/indexRepository.js";
import type { Rules } from "../rules/types.js";

export interface PreparedHistory {
  repoDir: string;
  root: string;
  /** Repository id written in records. */
  name: string;
  rules: Rules;
  metrics: Map<string, MetricValues>;
  labels: LabelSource;
  /** Author time of the newest non-merge commit in the index (the history's "now"). */
  newest: number | null;
}

export interface PrepareOptions {
  /** Repository id for records; default: the folder name of the work tree. */
  name?: string;
  /** Labels from a file instead of SZZ. */
  labels?: ReadonlyMap<string, boolean>;
  /** Mine new commits into the index first (default true; incremental, so cheap when up to date). */
  index?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** How the caller hears of another writer of the index it waits for (mining takes the writer lock). */
  writer?: WriterOptions;
}

export async function prepareHistory(repoDir: string, opts: PrepareOptions = {}): Promise<PreparedHistory> {
  if (opts.index !== false)
    await indexRepository({
      repoDir,
      onProgress: opts.onProgress,
      ...(opts.writer ? { writer: opts.writer } : {}),
    });
  const { root, rules } = await repoRules(repoDir);
  const store = await openIndex(repoDir);
  let metrics: Map<string, MetricValues>;
  let newest: number | null;
  try {
    // The same key the miner uses: one repository per git common dir.
    const repoId = store.repoId(await gitCommonDir(root), basename(root));
    metrics = await historyMetrics(store, repoId);
    newest = newestCommitTime(store, repoId);
  } finally {
    store.close();
  }
  const source: LabelSource = opts.labels
    ? { kind: "file", labels: opts.labels }
    : { kind: "szz", fixedAt: fixTimes(await labels(repoDir, { evidence: ["blame", "declared"] })) };
  return { repoDir, root, name: opts.name ?? basename(root), rules, metrics, labels: source, newest };
}

/** The records of the prepared history as they stream, oldest first (topological order of the single log pass). */
export function streamRecords(
  history: PreparedHistory,
  opts: { dim?: number; keepBags?: (sha: string, time: number) => boolean } = {},
): AsyncGenerator<HistoryRecord> {
  return historyRecords({
    repoDir: history.root,
    name: history.name,
    rules: history.rules,
    metrics: history.metrics,
    labels: history.labels,
    dim: opts.dim,
    keepBags: opts.keepBags,
  });
}

/** All records of the prepared history, oldest first. */
export async function readRecords(
  history: PreparedHistory,
  opts: { dim?: number; keepBags?: (sha: string, time: number) => boolean } = {},
): Promise<HistoryRecord[]> {
  const out: HistoryRecord[] = [];
  for await (const record of streamRecords(history, opts)) out.push(record);
  return out;
}

export const DAY_SECONDS = 86_400;

/**
 * Label latency (Meta, SafeRevert): a commit from the last days has had no time to be fixed yet, so
 * its SZZ label "clean" is not known, only assumed. Returns the author time up to which SZZ labels
 * are taken as settled: `days` before the newest commit of the history (its "now"); +∞ when
 * `days` is 0, when labels come from a file (final by definition), or for an empty history.
 */
export function settledUntil(history: Pick<PreparedHistory, "newest" | "labels">, days: number): number {
  if (!(days > 0) || history.newest === null || history.labels.kind === "file")
    return Number.POSITIVE_INFINITY;
  return history.newest - days * DAY_SECONDS;
}
