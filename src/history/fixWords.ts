/**
 * How much a commit subject reads like a bug report: a logistic regression on its words, trained on
 * issue titles whose tracker says whether each issue is a bug (bench/trainFixWords.ts; the projects it
 * learned from are in fixWordsModel.ts). JIRA-driven projects write the issue title as the subject,
 * and the title names the symptom, not the repair: "Queue operation taking longer", "NPE in X".
 *
 * Sample: "OOZIE-1886 Queue operation taking longer (alice via bob)" → words
 *   queue operation taking longer, bigrams "queue operation" …, start "^queue" → probability ≈ 0.8.
 *
 * Deterministic: the same subject gives the same probability on every machine.
 */

import { FIX_WORDS_MODEL } from "./fixWordsModel.js";

// Tracker keys and pull-request numbers name the issue, not what it says.
const KEY = /(?<![\p{L}\p{N}_])[A-Z][A-Z0-9_]+-\d+(?![\p{L}\p{N}_])|#\d+|\bGH-\d+/gu;
// `(alice via bob)`, `(alice)`, `(#1234)` at the end: who committed it, not what it says.
const ATTRIBUTION = /\s*\((?:[^()]*\bvia\b[^()]*|[\w.@-]+|[\w.@-]+(?:,\s*[\w.@-]+)+)\)\s*$/;
// `[sharelib-hive]`, `[build]`: a component tag.
const TAG = /\[[^\]]*\]/g;
// `amend OOZIE-2787 …`, `KEY-1 addendum: …`: a second commit for the same issue says what the first did.
const FOLLOW_UP = /\b(?:amend(?:ment|ing)?|addendum|follow[\s-]?up)\b[\s:-]*/gi;
const TOKEN = /[\p{L}\p{N}_][\p{L}\p{N}_.'’$]*(?:\(\))?/gu;

/** One word of a subject: plain words lower-cased; identifiers, exception names and numbers abstracted. */
function wordOf(raw: string): string | null {
  const t = raw.replace(/['’]/g, "").replace(/\.+$/, "");
  if (/^\d[\d.]*$/.test(t)) return "<num>";
  if (/(?:Exception|Error)$/.test(t) && /^[A-Z]/.test(t) && t.length > 5) return "<exception>";
  if (/^(?:NPE|OOM|SIGSEGV|SIGABRT)$/.test(t)) return "<exception>";
  // camelCase, PascalCase with two capitals, snake_case, dotted names, calls: code, not prose.
  if (/[a-z][A-Z]|[A-Z].*[A-Z].*[a-z]|_|\.|\(\)|\$/.test(t)) return "<code>";
  if (!/\p{L}/u.test(t)) return null;
  return t.toLowerCase();
}

/** The features of a subject: words, adjacent pairs and the first word (its verb, most often). */
export function subjectFeatures(subject: string): string[] {
  const text = subject.replace(KEY, " ").replace(TAG, " ").replace(ATTRIBUTION, "").replace(FOLLOW_UP, " ");
  const words: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const w = wordOf(m[0]);
    if (w !== null) words.push(w);
  }
  const features = new Set<string>();
  if (words.length > 0) features.add(`^${words[0]}`);
  words.forEach((w, i) => {
    features.add(w);
    if (i > 0) features.add(`${words[i - 1]} ${w}`);
  });
  return [...features];
}

let weights: Map<string, number> | null = null;

function model(): Map<string, number> {
  if (weights === null) {
    weights = new Map();
    // "feature\tweight" lines: compact to ship, read once.
    for (const line of FIX_WORDS_MODEL.weights.split("\n")) {
      const tab = line.lastIndexOf("\t");
      if (tab > 0) weights.set(line.slice(0, tab), Number(line.slice(tab + 1)));
    }
  }
  return weights;
}

/** Probability that the tracker would call the issue this subject names a bug. */
export function bugReportProbability(subject: string): number {
  const w = model();
  let z = FIX_WORDS_MODEL.bias;
  for (const f of subjectFeatures(subject)) z += w.get(f) ?? 0;
  return 1 / (1 + Math.exp(-z));
}
