/**
 * Reasons in plain words: the metrics that pushed a score up most, from the linear model's
 * contributions (weight × standardized value), and the action to suggest.
 * All the words live in the two tables below.
 */
import type { ModelMeta } from "./meta.js";
import { metricNumber, type ScoreInput, standardize } from "./vector.js";

export interface Reason {
  /** Metric name, e.g. "la". */
  feature: string;
  /** Raw value of the metric for this change. */
  value: number;
  /** weight × standardized value: how far this metric moved the log-odds. */
  contribution: number;
  text: string;
}

type Metrics = Readonly<Record<string, unknown>>;
/** A phrase for a metric value; null when the value says nothing worth showing. */
type Phrase = (value: number, metrics: Metrics) => string | null;

const n = (value: number) => Math.round(value);
const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
const times = (count: number) =>
  count === 0 ? "never" : count === 1 ? "once" : count === 2 ? "twice" : `${count} times`;
const num = (metrics: Metrics, name: string) => {
  const value = metrics[name];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
};

/** Grouping decides the suggested action. */
type Group = "size" | "spread" | "experience" | "history" | "kind";

const PHRASES: Record<string, { group: Group; phrase: Phrase }> = {
  la: { group: "size", phrase: (v) => `adds ${plural(n(v), "line", "lines")}` },
  ld: { group: "size", phrase: (v) => `deletes ${plural(n(v), "line", "lines")}` },
  lt: {
    group: "size",
    // A weight can push either way: small files (new code) are as telling as large ones.
    phrase: (v) =>
      v < 50
        ? v < 1
          ? "it writes new files"
          : `the files it touches are small (about ${plural(n(v), "line", "lines")} before the change)`
        : `the files it touches are large (about ${plural(n(v), "line", "lines")} before the change)`,
  },
  nf: {
    group: "spread",
    phrase: (v, m) => {
      const dirs = num(m, "nd");
      return `touches ${plural(n(v), "file", "files")}${dirs === null ? "" : ` in ${plural(n(dirs), "directory", "directories")}`}`;
    },
  },
  nd: { group: "spread", phrase: (v) => `spans ${plural(n(v), "directory", "directories")}` },
  ns: { group: "spread", phrase: (v) => `spans ${plural(n(v), "subsystem", "subsystems")}` },
  entropy: {
    group: "spread",
    phrase: (v) => (v > 0 ? `spreads its edits evenly over its files (entropy ${v.toFixed(2)})` : null),
  },
  n_languages: { group: "spread", phrase: (v) => (v > 1 ? `mixes ${n(v)} languages` : null) },
  exp: {
    group: "experience",
    phrase: (v) =>
      v < 1
        ? "it is the author's first commit here"
        : `the author has made ${plural(n(v), "commit", "commits")} here before`,
  },
  rexp: {
    group: "experience",
    phrase: (v) => `the author has little recent experience here (recent-weighted ${v.toFixed(1)})`,
  },
  sexp: {
    group: "experience",
    phrase: (v) =>
      v < 1
        ? "the author has not changed this part of the code before"
        : `the author has changed this part of the code ${times(n(v))} before`,
  },
  author_created_file: {
    group: "experience",
    phrase: (v) => (v > 0 ? "the author created these files" : "the author did not create these files"),
  },
  ndev: {
    group: "experience",
    phrase: (v) => `${plural(n(v), "developer has", "developers have")} changed these files before`,
  },
  prior_defects_file: {
    group: "history",
    phrase: (v, m) => {
      const files = num(m, "nf") ?? 1;
      return `${files > 1 ? "these files" : "this file"} had ${plural(n(v), "earlier defect", "earlier defects")}`;
    },
  },
  prior_defects_dir: {
    group: "history",
    phrase: (v) => `this directory had ${plural(n(v), "earlier defect", "earlier defects")}`,
  },
  nuc: {
    group: "history",
    phrase: (v) => `these files were changed in ${plural(n(v), "earlier commit", "earlier commits")}`,
  },
  age: {
    group: "history",
    phrase: (v) => `these files were last changed about ${plural(n(v), "day", "days")} ago`,
  },
  fix: {
    group: "kind",
    phrase: (v) => (v > 0 ? "it is a bug fix, and fixes often need fixing again" : null),
  },
  only_new_files: { group: "kind", phrase: (v) => (v > 0 ? "it only adds new files" : null) },
  trivial_share: {
    group: "kind",
    phrase: (v) => `${Math.round(v * 100)}% of its lines are comments or whitespace`,
  },
};

const ACTIONS: Record<Group, string> = {
  size: "split the change into smaller commits",
  spread: "split the change by directory or concern",
  experience: "ask someone who knows these files to review it",
  history: "check it against the earlier fixes of these files and add a test",
  kind: "ask for a second reviewer",
};
const ACTION_HIGH = "ask for a second reviewer";
const ACTION_NONE = "no action needed";

/** Percentile from which a change counts as risky for the advice (the riskiest 10%). */
export const HIGH_PERCENTILE = 90;
/** Percentile from which a specific action is suggested (the riskier half). */
export const MEDIUM_PERCENTILE = 50;

/**
 * The metrics that pushed the score up, largest contribution first. Metrics without a phrase, a
 * weight, or a value, and contributions ≤ 0, are left out.
 */
export function reasons(meta: ModelMeta, input: Pick<ScoreInput, "metrics">, limit = 3): Reason[] {
  const weights = meta.reasons?.weights;
  if (!weights) return [];
  const found: Reason[] = [];
  for (const spec of meta.transforms.metrics) {
    const weight = weights[spec.name];
    const value = metricNumber(input.metrics[spec.name]);
    const entry = PHRASES[spec.name];
    if (weight === undefined || value === null || !entry) continue;
    const contribution = weight * standardize(spec, value);
    if (!(contribution > 0)) continue;
    const text = entry.phrase(value, input.metrics);
    if (text !== null) found.push({ feature: spec.name, value, contribution, text });
  }
  found.sort((a, b) => b.contribution - a.contribution || a.feature.localeCompare(b.feature));
  return found.slice(0, limit);
}

/**
 * What to do about it: nothing below the median; the action that fits the top reason above it;
 * a second reviewer first for the riskiest 10%. Without percentiles, the model's threshold decides.
 */
export function suggestAction(
  top: readonly Reason[],
  percentile: number | null,
  score: number,
  threshold: number,
): string {
  const high = percentile === null ? score >= threshold : percentile >= HIGH_PERCENTILE;
  const medium = percentile === null ? high : percentile >= MEDIUM_PERCENTILE;
  if (!medium) return ACTION_NONE;
  const first = top[0];
  const specific = first ? ACTIONS[PHRASES[first.feature]?.group ?? "kind"] : ACTION_HIGH;
  if (high && specific !== ACTION_HIGH) return `${ACTION_HIGH}; ${specific}`;
  return specific;
}
