/**
 * The verdict stage: one change in, one Verdict out. Metrics and the ONNX score say how risky it is,
 * the rules say what level that is today and what it triggers, the clone match says whether it repeats
 * a past defect (and how that was fixed). Nothing here writes to git or to the index.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { StagedChange } from "../git/readChange.js";
import { repoRoot } from "../git/repo.js";
import { readCalibration } from "../index/calibrationStore.js";
import { IndexVersionError } from "../index/db.js";
import { IndexStore, indexPath } from "../index/store.js";
import { stagedTokens } from "../metrics/changeTokens.js";
import { ignoringWhitespace } from "../metrics/diffIgnoringWhitespace.js";
import { stagedMetrics } from "../metrics/staged.js";
import type { AdaptationOutcome } from "../model/adapt.js";
import type { RiskModel } from "../model/load.js";
import { loadRuleLayers } from "../rules/loadRules.js";
import { groupByRules, RULES_DIR_NAME } from "../rules/rulesChain.js";
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
  /** The message of the commit checked (pre-push, `check REV`); absent at pre-commit. */
  message?: string;
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
  const { change, ctx } = input;
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

    // Each part of the change under its own rules: a package's `.dejafix/rules.yml` (and personal files)
    // apply to its files; most changes have one part, under the rules the caller loaded.
    const parts = await partsByRules(input, notices);
    const deadline = Number.isFinite(ctx.budgetMs) ? { deadline: started + 0.75 * ctx.budgetMs } : {};
    const matchesP = Promise.all(
      parts.map((part) =>
        input.match
          ? input.match(store, part.change, part.rules, {
              notices,
              ...(ctx.knownFix ? { knownFix: ctx.knownFix } : {}),
              ...(ctx.explain ? { explain: ctx.explain } : {}),
              ...(input.message !== undefined ? { changeMessage: input.message } : {}),
              // Stop matching with a quarter of the budget left, so the verdict (partial) still arrives in time.
              ...deadline,
            })
          : Promise.resolve([]),
      ),
    );
    const scored = await scoreChange(store, repoId, input);
    const partMatches = await matchesP;

    // The score is the whole change's; each part is decided under its rules, and the strictest part decides.
    let best: { verdict: Verdict; rank: number } | undefined;
    parts.forEach((part, i) => {
      const matches = partMatches[i] ?? [];
      const active = activeLevelAction(part.rules, {
        when: new Date(input.author.time * 1000),
        tzMinutes: input.author.tzMinutes,
        branch: input.branch,
        hook: ctx.hook === "pre-push" ? "pre-push" : "pre-commit",
      });
      const decided = decideVerdict(part.rules, active, {
        score: scored?.value ?? 0,
        percentile: scored ? (scored.percentile ?? null) : null,
        matched: matches.length > 0,
      });
      const level = decided.level?.name ?? decided.reached?.name ?? "none";
      // "note": a match the mode does not act on, shown in one quiet line.
      const decidedBy =
        decided.outcome === "pass"
          ? undefined
          : decided.level && decided.outcome === decided.level.action
            ? "level"
            : "match";
      const verdict: Verdict = {
        level,
        action: decided.outcome,
        ...(decidedBy ? { decidedBy } : {}),
        ...(scored ? { score: scored } : {}),
        matches,
        notices,
      };
      if (!best || RANK[verdict.action] > best.rank) best = { verdict, rank: RANK[verdict.action] };
    });
    const all = partMatches.flat().sort((a, b) => b.similarity - a.similarity);
    return { ...(best?.verdict as Verdict), matches: all, notices };
  } finally {
    store.close();
  }
}

const RANK: Record<Verdict["action"], number> = { pass: 0, note: 1, warn: 2, block: 3 };

/**
 * The change split by the rules that apply to its files (src/rules/rulesChain.ts): one part per distinct
 * chain of rules files. The part under the repository's own files uses the rules the caller loaded; a
 * package's chain is read here (a broken file: a notice, and the repository's rules for that part).
 */
async function partsByRules(
  input: CheckInput,
  notices: string[],
): Promise<Array<{ change: StagedChange; rules: Rules }>> {
  const { change, rules } = input;
  const top = input.ctx.layout?.topLevel ?? (await repoRoot(input.ctx.repoDir).catch(() => null));
  if (top === null) return [{ change, rules }];
  const pathOf = (f: StagedChange["files"][number]) => f.newPath ?? f.oldPath ?? "";
  const groups = groupByRules(top, change.files.map(pathOf));
  // The repository's own files are the caller's to read (and to report when broken).
  const own = join(top, RULES_DIR_NAME);
  const isOwn = (files: readonly string[]) => files.every((f) => dirname(f) === own);
  if (groups.length <= 1 && isOwn(groups[0]?.files ?? [])) return [{ change, rules }];
  return groups.map((g) => {
    const paths = new Set(g.paths);
    const part = { ...change, files: change.files.filter((f) => paths.has(pathOf(f))) };
    if (isOwn(g.files)) return { change: part, rules };
    try {
      const cacheFile = join(
        input.commonDir,
        "dejafix",
        `rules-cache-${createHash("sha256").update(g.files.join("\0")).digest("hex").slice(0, 12)}.json`,
      );
      return { change: part, rules: loadRuleLayers(g.files, { cacheFile }) };
    } catch (e) {
      notices.push(
        `rules not usable (${(e as Error).message.split("\n")[0]}); the repository's rules applied to ${g.paths.length} file(s)`,
      );
      return { change: part, rules };
    }
  });
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
  const { readAdaptation } = await import("../index/adaptationStore.js");
  const { scoringKey } = await import("../model/adapt.js");
  const adaptation = readAdaptation<AdaptationOutcome>(store, repoId, model.digest);
  const calibration = readCalibration(store, repoId, scoringKey(model.digest, adaptation));
  const result = await score(
    model,
    { metrics, ...bags },
    {
      ...(calibration ? { percentiles: calibration.percentiles } : {}),
      adaptation: adaptation?.kept ? adaptation.outcome.weights : null,
    },
  );
  return {
    value: result.score,
    ...(result.percentile !== null ? { percentile: result.percentile } : {}),
    reasons: result.reasons.map((r) => r.text),
  };
}
