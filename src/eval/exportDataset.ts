/**
 * `dejafix dataset`: one JSON line per non-merge commit of one or several repositories, in the
 * format of src/model/dataset.ts, for `models/train.py`. Written to a temporary file next to `out`
 * and renamed at the end, so an interrupted export never leaves half a dataset behind.
 */

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { WriterOptions } from "../index/openIndex.js";
import { datasetRecord } from "../metrics/dataset.js";
import { TOKEN_HASH_DIM } from "../metrics/tokens.js";
import { datasetHeader } from "../model/dataset.js";
import { prepareHistory, settledUntil, streamRecords } from "./history.js";
import { loadLabelFile } from "./labelFile.js";
import { writeLinesAtomically } from "./lineFile.js";
import { inShard, type Shard, shardHeader } from "./shard.js";

/** Default label latency in days; see `settledUntil` and docs/eval.md. */
export const DEFAULT_LABEL_LATENCY_DAYS = 90;

export interface ExportOptions {
  /** Repository folders. */
  repos: string[];
  /** The dataset file to write. */
  out: string;
  /** A `commit,buggy` (or ApacheJIT `commit,label`) CSV: its labels replace SZZ, and only its commits are written. */
  labels?: string;
  /** Repository ids, one per repository (default: folder names). */
  names?: string[];
  /**
   * SZZ labels only: leave out commits authored in the last DAYS before the newest commit, whose
   * defects may not have been fixed yet (default 90; 0 keeps every commit).
   */
  labelLatencyDays?: number;
  dim?: number;
  /** Update each repository's index first (default true). */
  index?: boolean;
  onProgress?: (repo: string, done: number, total: number) => void;
  /** How the caller hears of another writer of an index it waits for. */
  writer?: WriterOptions;
  /**
   * Export only this shard's repositories (src/eval/shard.ts) into a part that `dejafix dataset merge`
   * joins with the others; the part's header says which shard and repositories it holds.
   */
  shard?: Shard;
}

export interface ExportedRepo {
  dir: string;
  name: string;
  /** Records written. */
  written: number;
  /** Of which defect-introducing. */
  buggy: number;
  /** Non-merge commits left out because their labels were not settled yet. */
  recent: number;
  /** Commits without change metrics (written with an empty metric set). */
  withoutMetrics: number;
}

export interface ExportSummary {
  out: string;
  records: number;
  buggy: number;
  labelSource: "szz" | "file";
  labelLatencyDays: number;
  repos: ExportedRepo[];
}

export async function exportDataset(opts: ExportOptions): Promise<ExportSummary> {
  if (opts.repos.length === 0) throw new Error("no repository given: pass at least one --repo DIR");
  if (opts.names && opts.names.length !== opts.repos.length)
    throw new Error(
      `${opts.names.length} --name values for ${opts.repos.length} repositories: give one name per --repo, in the same order`,
    );
  const fileLabels = opts.labels !== undefined ? loadLabelFile(opts.labels) : undefined;
  const latency = fileLabels ? 0 : (opts.labelLatencyDays ?? DEFAULT_LABEL_LATENCY_DAYS);
  const dim = opts.dim ?? TOKEN_HASH_DIM;
  const shard = opts.shard;
  const mine = opts.repos.flatMap((dir, position) => (inShard(position, shard) ? [{ dir, position }] : []));
  const out = resolve(opts.out);
  // Shards of an Indexed Job or a CI matrix write into a shared folder that may not exist yet.
  mkdirSync(dirname(out), { recursive: true });
  const summary: ExportSummary = {
    out,
    records: 0,
    buggy: 0,
    labelSource: fileLabels ? "file" : "szz",
    labelLatencyDays: latency,
    repos: [],
  };
  await writeLinesAtomically(out, async (file) => {
    file.write(
      JSON.stringify(
        shard
          ? {
              ...datasetHeader(dim),
              shard: await shardHeader(opts, shard, {
                labels: labelSetting(opts.labels),
                label_latency_days: latency,
              }),
            }
          : datasetHeader(dim),
      ),
    );
    const names = new Set<string>();
    for (const { dir, position } of mine) {
      const history = await prepareHistory(dir, {
        name: opts.names?.[position],
        labels: fileLabels,
        index: opts.index,
        onProgress: opts.onProgress ? (d, t) => opts.onProgress?.(dir, d, t) : undefined,
        ...(opts.writer ? { writer: opts.writer } : {}),
      });
      if (names.has(history.name))
        throw new Error(
          `two repositories are both named "${history.name}": give each a distinct --name so their records stay apart`,
        );
      names.add(history.name);
      const until = settledUntil(history, latency);
      const repo: ExportedRepo = {
        dir,
        name: history.name,
        written: 0,
        buggy: 0,
        recent: 0,
        withoutMetrics: 0,
      };
      for await (const record of streamRecords(history, { dim })) {
        if (record.time > until) {
          repo.recent++;
          continue;
        }
        if (!history.metrics.has(record.commit)) repo.withoutMetrics++;
        file.write(JSON.stringify(datasetRecord(record)));
        repo.written++;
        repo.buggy += record.label;
      }
      summary.repos.push(repo);
      summary.records += repo.written;
      summary.buggy += repo.buggy;
    }
  });
  return summary;
}

function labelSetting(labels: string | undefined): string {
  return labels !== undefined
    ? `file sha256:${createHash("sha256").update(readFileSync(labels)).digest("hex")}`
    : "szz";
}
