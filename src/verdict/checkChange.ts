/**
 * The verdict stage: one change in, one Verdict out. Metrics and the ONNX score say how risky it is,
 * the rules say what level that is today and what it triggers, the clone match says whether it repeats
 * a past defect (and how that was fixed). Nothing here writes to git or to the index.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { StagedChange } from "../git/readChange.js";
import { readCalibration } from "../index/calibrationStore.js";
import { IndexVersionError } from "../index/db.js";
import { IndexStore, indexPath } from "../index/store.js";
import { stagedTokens } from "../metrics/changeTokens.js";
import { ignoringWhitespace } from "../metrics/diffIgnoringWhitespace.js";
import { stagedMetrics } from "../metrics/staged.js";
import type { RiskModel } from "../model/load.js";
import { activeLevelAction } from "../rules/schedule.js";
import type { Rules } from "../rules/types.js";
import { decideVerdict } from "../rules/verdict.js";
import type { CheckContext, MatchReport, ScoreReport, Verdict } from "../verdict/types.js";
import type { MatchOptions } from "./matchChange.js";

export interface CheckInput {
  change: StagedChange;
  rules: Rules;
  /** The repository's git common dir: where the index and the repository's own model live. */
  commonDir: string;
  /** Who is committing, and when (for a pushed commit: its author and author time). */
  author: { email: string; time: number; tzMinutes: number };
  branch: string | null;
  /** Known only for existing commits (pre-push, `check REV`): pre-commit runs before the message exists. */
  isFix: boolean;
  ctx: CheckContext;
  /** Started early by the caller so onnxruntime loads while git reads the change; null = no model. */
  model: Promise<RiskModel | null>;
  /** Clone matching against past defects (src/verdict/matchChange.ts); absent: no matching. */
  match?: (
    store: IndexStore,
    change: StagedChange,
    rules: Rules,
    opts: MatchOptions,
  ) => Promise<MatchReport[]>;
}

export async function checkChange(input: CheckInput): Promise<Verdict> {
  const started = performance.now();
  const { change, rules, ctx } = input;
  const notices = [...change.notices];
  const file = indexPath(join(input.commonDir, "dejafix"));
  if (!existsSync(file)) {
    return {
      level: "none",
      action: "pass",
      matches: [],
      notices: [...notices, "no index yet: run `npx dejafix index` once"],
    };
  }
  let store: IndexStore;
  try {
    store = new IndexStore(file, { readonly: true });
  } catch (e) {
    // An index from an older dejafix: the post-commit update upgrades it; this commit goes unchecked.
    if (e instanceof IndexVersionError)
      return { level: "none", action: "pass", matches: [], notices: [...notices, e.message] };
    throw e;
  }
  try {
    const repoId = store.selfRepoId();
    if (repoId === null)
      return {
        level: "none",
        action: "pass",
        matches: [],
        notices: [...notices, "the index is empty: run `npx dejafix index`"],
      };

    const matchesP = input.match
      ? input.match(store, change, rules, {
          notices,
          ...(ctx.knownFix ? { knownFix: ctx.knownFix } : {}),
          ...(ctx.explain ? { explain: ctx.explain } : {}),
          // Stop matching with a quarter of the budget left, so the verdict (partial) still arrives in time.
          ...(Number.isFinite(ctx.budgetMs) ? { deadline: started + 0.75 * ctx.budgetMs } : {}),
        })
      : Promise.resolve([]);
    const scored = await scoreChange(store, repoId, input);
    const matches = await matchesP;

    const active = activeLevelAction(rules, {
      when: new Date(input.author.time * 1000),
      tzMinutes: input.author.tzMinutes,
      branch: input.branch,
      hook: ctx.hook === "pre-push" ? "pre-push" : "pre-commit",
    });
    const decided = decideVerdict(rules, active, {
      score: scored?.value ?? 0,
      percentile: scored ? (scored.percentile ?? null) : null,
      matched: matches.length > 0,
    });
    const level = decided.level?.name ?? decided.reached?.name ?? "none";
    // "note": a match the mode does not act on, shown in one quiet line.
    return { level, action: decided.outcome, ...(scored ? { score: scored } : {}), matches, notices };
  } finally {
    store.close();
  }
}

/** Metrics + token bags → ONNX score with reasons, or undefined when there is no model. */
async function scoreChange(
  store: IndexStore,
  repoId: number,
  input: CheckInput,
): Promise<ScoreReport | undefined> {
  const model = await input.model;
  if (!model) return undefined;
  const { score } = await import("../model/score.js");
  // One whitespace-insensitive diff of the change serves the metrics and the token bags.
  const diffs = ignoringWhitespace(input.change);
  const metrics = stagedMetrics(
    store,
    repoId,
    input.change,
    { authorEmail: input.author.email, time: input.author.time, isFix: input.isFix },
    diffs,
  );
  const bags = stagedTokens(input.change, input.rules, model.meta.features.token_hash.dim, diffs);
  const calibration = readCalibration(store, repoId, model.digest);
  const result = await score(
    model,
    { metrics, ...bags },
    calibration ? { percentiles: calibration.percentiles } : {},
  );
  return {
    value: result.score,
    ...(result.percentile !== null ? { percentile: result.percentile } : {}),
    reasons: result.reasons.map((r) => r.text),
  };
}
