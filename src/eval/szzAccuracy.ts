/**
 * How well SZZ links match an oracle, the way Rosa et al. (ICSE'21) measured SZZ variants:
 * over the (fix, bug-inducing commit) pairs of the oracle's fix commits,
 *   precision = correct BICs reported / BICs reported,
 *   recall    = correct BICs reported / oracle BICs,
 *   F1        = harmonic mean of the two,
 * summed over all evaluated fixes (micro average), so a fix with many BICs weighs more.
 */
import type { LinkEvidence } from "../history/types.js";
import type { Oracle } from "./oracles.js";

/** fix sha → the bug-inducing commits a tool reported for it. */
export type Predicted = Map<string, Set<string>>;

/**
 * Which oracle fixes are evaluated.
 * - "all": every fix of the oracle. The oracle's fixes are known bug fixes, so a fix the tool did
 *   not classify as a fix reports no BIC: no false positive, and all its oracle BICs are false
 *   negatives. This is the figure a user of the tool gets.
 * - "found": only the oracle fixes the tool classified as fixes (keys of `predicted`), as when SZZ
 *   is handed the fix commits, which is how Rosa et al. ran every variant. A found fix with an
 *   empty set still counts (its oracle BICs are false negatives).
 * Fixes the tool reported that are not in the oracle are never counted: the oracle does not know
 * their BICs.
 */
export type Scope = "all" | "found";

export interface FixAccuracy {
  fix: string;
  /** The tool classified this commit as a fix. */
  found: boolean;
  tp: number;
  fp: number;
  fn: number;
  /** Reported BICs not in the oracle. */
  wrong: string[];
  /** Oracle BICs not reported. */
  missed: string[];
}

export interface Accuracy {
  scope: Scope;
  /** NaN when nothing was reported (0/0). */
  precision: number;
  /** NaN when the evaluated fixes have no oracle BIC (0/0). */
  recall: number;
  /** NaN when precision or recall is NaN; 0 when both are 0. */
  f1: number;
  /** Oracle fixes evaluated under the scope. */
  fixes: number;
  tp: number;
  fp: number;
  fn: number;
  perFix: FixAccuracy[];
}

/** Compares predicted links with the oracle's; see `Scope` for which fixes count. */
export function szzAccuracy(predicted: Predicted, oracle: Oracle, opts: { scope?: Scope } = {}): Accuracy {
  const scope = opts.scope ?? "all";
  const reportedBy = lowerKeys(predicted);
  const perFix: FixAccuracy[] = [];
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [fixRaw, truthRaw] of oracle) {
    const fix = fixRaw.toLowerCase();
    const reported = reportedBy.get(fix);
    if (scope === "found" && reported === undefined) continue;
    const truth = new Set([...truthRaw].map((s) => s.toLowerCase()));
    const got = reported ?? new Set<string>();
    const wrong = [...got].filter((b) => !truth.has(b));
    const missed = [...truth].filter((b) => !got.has(b));
    const hits = got.size - wrong.length;
    perFix.push({
      fix,
      found: reported !== undefined,
      tp: hits,
      fp: wrong.length,
      fn: missed.length,
      wrong,
      missed,
    });
    tp += hits;
    fp += wrong.length;
    fn += missed.length;
  }
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  const f1 = Number.isNaN(precision) || Number.isNaN(recall) ? Number.NaN : f1Of(precision, recall);
  return { scope, precision, recall, f1, fixes: perFix.length, tp, fp, fn, perFix };
}

function f1Of(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

function lowerKeys(predicted: Predicted): Predicted {
  const out: Predicted = new Map();
  for (const [fix, bics] of predicted) {
    const key = fix.toLowerCase();
    const set = out.get(key) ?? new Set<string>();
    for (const b of bics) set.add(b.toLowerCase());
    out.set(key, set);
  }
  return out;
}

/** One line of `dejafix labels --format jsonl`. */
export interface LabelLine {
  fix: string;
  inducing: { commit: string; via: LinkEvidence[] }[];
  reasons?: string[];
  issues?: string[];
}

/**
 * Parses the output of `dejafix labels --format jsonl`, one fix commit per line:
 *
 *   {"fix":"9e89d5b9…","inducing":[{"commit":"1d934839…","via":["blame","declared"]}],"reasons":["keyword","declared"],"issues":[]}
 *
 * Blank lines are skipped; any other malformed line fails with its line number.
 */
export function parseLabels(jsonl: string): LabelLine[] {
  const out: LabelLine[] = [];
  jsonl.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(
        `labels line ${i + 1}: not valid JSON; expected the output of \`dejafix labels --format jsonl\`.`,
      );
    }
    out.push(checkLabel(value, i + 1));
  });
  return out;
}

function checkLabel(value: unknown, line: number): LabelLine {
  const bad = (what: string) => new Error(`labels line ${line}: ${what}.`);
  if (typeof value !== "object" || value === null) throw bad("not an object");
  const v = value as Record<string, unknown>;
  if (typeof v.fix !== "string" || v.fix === "") throw bad('"fix" is missing or not a string');
  if (!Array.isArray(v.inducing)) throw bad('"inducing" is missing or not an array');
  const inducing = v.inducing.map((item: unknown) => {
    const it = item as Record<string, unknown> | null;
    if (typeof it !== "object" || it === null || typeof it.commit !== "string")
      throw bad('an "inducing" entry has no "commit"');
    // Without "via" the evidence is unknown, and silently treating it as blame or as declared would skew the figures.
    if (!Array.isArray(it.via)) throw bad(`the "inducing" entry ${it.commit} has no "via" array`);
    const via = it.via.filter((e): e is LinkEvidence => e === "blame" || e === "declared");
    return { commit: it.commit, via };
  });
  const strings = (x: unknown) =>
    Array.isArray(x) ? x.filter((e): e is string => typeof e === "string") : undefined;
  const label: LabelLine = { fix: v.fix, inducing };
  const reasons = strings(v.reasons);
  const issues = strings(v.issues);
  if (reasons) label.reasons = reasons;
  if (issues) label.issues = issues;
  return label;
}

export interface PredictedOptions {
  /**
   * Leave out what the developer declared, for an oracle built from the same declarations
   * (`Fixes:` trailers): a link whose only evidence is "declared" is dropped, and a link found by
   * blame and also declared counts as blame. (Which fixes the tool would have found without the
   * declaration is decided from the messages: see `dropDeclarationOnlyFixes`.)
   */
  excludeDeclared: boolean;
}

/** The links a labels file predicts, per fix, under the chosen evidence. Every labelled fix is kept, even with no link left. */
export function predictedFromLabels(labels: LabelLine[], opts: PredictedOptions): Predicted {
  const predicted: Predicted = new Map();
  for (const label of labels) {
    const set = predicted.get(label.fix.toLowerCase()) ?? new Set<string>();
    for (const link of label.inducing) {
      if (opts.excludeDeclared && !link.via.includes("blame")) continue;
      set.add(link.commit.toLowerCase());
    }
    predicted.set(label.fix.toLowerCase(), set);
  }
  return predicted;
}

/**
 * For an oracle built from declarations: removes from `predicted` the fixes the tool would not
 * have classified as fixes without the declaration. `messages` holds the fix messages with their
 * declarations already removed (see `withoutDeclarations` in oracles.ts); `isFix` is the tool's
 * classifier. Labels only carry the reasons found on the whole message, and the word "Fixes" of a
 * `Fixes:` trailer is itself a fix keyword, so the reasons alone cannot tell.
 */
export function dropDeclarationOnlyFixes(
  predicted: Predicted,
  messages: ReadonlyMap<string, string>,
  isFix: (message: string) => boolean,
): { predicted: Predicted; dropped: string[] } {
  const out: Predicted = new Map(predicted);
  const dropped: string[] = [];
  for (const [fix, message] of messages) {
    const key = fix.toLowerCase();
    if (out.has(key) && !isFix(message)) {
      out.delete(key);
      dropped.push(key);
    }
  }
  return { predicted: out, dropped };
}
