/**
 * Splitting history by time, never at random (DESIGN.md: Meta, SafeRevert): the earlier part trains,
 * the later part is replayed. Nothing from the later part may leak into the earlier one — neither
 * commits nor what was learnt later about earlier commits: a training label counts a commit as
 * defect-introducing only when its fix was authored by the end of the training part (`labelAsOf`).
 */
import { type HistoryRecord, labelAsOf } from "../metrics/dataset.js";

/** Oldest first by author time; equal times keep history order. */
export function byTime<T extends Pick<HistoryRecord, "time" | "seq">>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => a.time - b.time || a.seq - b.seq);
}

export interface Split<T> {
  /** The earlier part, oldest first. */
  before: T[];
  /** The later part, oldest first. */
  after: T[];
  /** Author time of the last commit of `before` (−∞ when empty): the moment training labels are taken at. */
  asOf: number;
}

/** The oldest round(n·share) commits before, the rest after. */
export function splitAt<T extends Pick<HistoryRecord, "time" | "seq">>(
  records: readonly T[],
  share: number,
): Split<T> {
  if (!(share >= 0 && share <= 1))
    throw new RangeError(`a split share must be between 0 and 1, got ${share}`);
  const sorted = byTime(records);
  const cut = Math.round(sorted.length * share);
  const before = sorted.slice(0, cut);
  const after = sorted.slice(cut);
  const last = before[before.length - 1];
  return { before, after, asOf: last ? last.time : Number.NEGATIVE_INFINITY };
}

/** The training part with each label as known at the end of it. */
export function trainingLabels(split: Split<HistoryRecord>): { record: HistoryRecord; label: 0 | 1 }[] {
  return split.before.map((record) => ({ record, label: labelAsOf(record, split.asOf) }));
}

/**
 * Parses "60,20,20"-style shares into fractions that sum to 1 (`count` numbers, non-negative).
 */
export function parseShares(text: string, count: number): number[] {
  const parts = text.split(",").map((s) => Number(s.trim()));
  if (parts.length !== count || parts.some((p) => !Number.isFinite(p) || p < 0)) {
    throw new Error(
      `expected ${count} non-negative numbers separated by commas (like ${count === 2 ? "60,40" : "60,20,20"}), got "${text}"`,
    );
  }
  const sum = parts.reduce((a, b) => a + b, 0);
  if (sum <= 0) throw new Error(`the shares "${text}" add up to 0`);
  return parts.map((p) => p / sum);
}
