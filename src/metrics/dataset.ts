/**
 * Dataset records of a repository's history: per non-merge commit, its change metrics (from the
 * index), the hashed token bags of its diff (one streaming git pass), its label and author time.
 * The record format is the contract of `src/model/dataset.ts` with `models/train.py`.
 *
 * Labels: SZZ by default — a commit is defect-introducing when it is the inducing commit of some
 * fix; the earliest such fix's time is kept (`fixedAt`) so a replay can ask what was known at a
 * given moment. Or labels from a file (`commit,buggy`), final and without dates.
 */
import type { IndexStore } from "../index/store.js";
import type { DatasetRecord } from "../model/dataset.js";
import type { Rules } from "../rules/types.js";
import { historyTokens } from "./diffTokens.js";
import { computeHistoryMetrics, readHistoryMetrics } from "./history.js";
import { bagToRecord, PackedBag, TOKEN_HASH_DIM } from "./tokens.js";

/** A metric vector as the metrics stage gives it (`Metrics` of src/metrics/types.ts). */
export type MetricValues = Readonly<Record<string, number>>;

/**
 * Computes what is missing and reads the change metrics of every indexed commit: sha → metrics.
 */
export async function historyMetrics(store: IndexStore, repoId: number): Promise<Map<string, MetricValues>> {
  computeHistoryMetrics(store, repoId);
  return readHistoryMetrics(store, repoId);
}

/** Where labels come from. */
export type LabelSource =
  /** SZZ: inducing sha → author time of the earliest fix that linked to it. */
  | { kind: "szz"; fixedAt: ReadonlyMap<string, number> }
  /**
   * A labels file: sha → defect-introducing. Commits it does not list are left out, or with
   * `unlisted: "clean"` kept as not known to be buggy: labelled sets are often samples (ApacheJIT
   * balances buggy and clean), while a hook gates a share of every commit.
   */
  | { kind: "file"; labels: ReadonlyMap<string, boolean>; unlisted?: "skip" | "clean" };

/** What an SZZ label record gives: a fix, its time, the commits it names as inducing. */
export interface FixLabel {
  time: number;
  inducing: readonly { commit: string }[];
}

/** Inducing sha → time of the earliest fix naming it, from `labels()` records (src/api.ts). */
export function fixTimes(fixes: Iterable<FixLabel>): Map<string, number> {
  const out = new Map<string, number>();
  for (const fix of fixes) {
    for (const { commit } of fix.inducing) {
      const known = out.get(commit);
      if (known === undefined || fix.time < known) out.set(commit, fix.time);
    }
  }
  return out;
}

/** One non-merge commit of history with everything a dataset line or a replay needs. */
export interface HistoryRecord {
  repo: string;
  commit: string;
  /** Position in the stream (topological order, oldest first). */
  seq: number;
  /** Author time, Unix seconds. */
  time: number;
  label: 0 | 1;
  /** SZZ only: when the first fix of this commit's defect was authored; null when none (or file labels). */
  fixedAt: number | null;
  /** Missing when the metrics stage has no row for the commit (fed to the model as neutral values). */
  metrics: MetricValues;
  added: ReadonlyMap<number, number>;
  removed: ReadonlyMap<number, number>;
}

export interface HistoryRecordsOptions {
  repoDir: string;
  /** Repository id written in each record (the folder name, or `--name`). */
  name: string;
  rules: Rules;
  metrics: ReadonlyMap<string, MetricValues>;
  labels: LabelSource;
  rev?: string;
  dim?: number;
  /** Records whose token bags are kept (default all); the others get empty bags (a replay's training part). */
  keepBags?: (sha: string, time: number) => boolean;
}

const NO_BAG = new PackedBag(new Map());

/** The records of a history, oldest first; with a labels file, only the commits it lists. */
export async function* historyRecords(opts: HistoryRecordsOptions): AsyncGenerator<HistoryRecord> {
  let seq = 0;
  for await (const bags of historyTokens(opts.repoDir, opts.rules, {
    rev: opts.rev,
    dim: opts.dim ?? TOKEN_HASH_DIM,
  })) {
    const sha = bags.meta.sha;
    let label: 0 | 1;
    let fixedAt: number | null = null;
    if (opts.labels.kind === "file") {
      const given = opts.labels.labels.get(sha);
      if (given === undefined && opts.labels.unlisted !== "clean") continue;
      label = given ? 1 : 0;
    } else {
      fixedAt = opts.labels.fixedAt.get(sha) ?? null;
      label = fixedAt === null ? 0 : 1;
    }
    yield {
      repo: opts.name,
      commit: sha,
      seq: seq++,
      time: bags.meta.authorTime,
      label,
      fixedAt,
      metrics: opts.metrics.get(sha) ?? {},
      // Compact: a replay keeps every record of the history in memory.
      ...(opts.keepBags?.(sha, bags.meta.authorTime) === false
        ? { added: NO_BAG, removed: NO_BAG }
        : { added: new PackedBag(bags.added), removed: new PackedBag(bags.removed) }),
    };
  }
}

/** The dataset line of a record (label as given; see `labelAsOf` for a point in time). */
export function datasetRecord(record: HistoryRecord, label: 0 | 1 = record.label): DatasetRecord {
  return {
    repo: record.repo,
    commit: record.commit,
    time: record.time,
    label,
    metrics: { ...record.metrics },
    added: bagToRecord(record.added),
    removed: bagToRecord(record.removed),
  };
}

/**
 * The label as known at `asOf` (Unix seconds): an SZZ label counts only once its fix exists.
 * File labels carry no dates and are returned unchanged.
 */
export function labelAsOf(record: HistoryRecord, asOf: number): 0 | 1 {
  if (record.fixedAt === null) return record.label;
  return record.fixedAt <= asOf ? 1 : 0;
}
