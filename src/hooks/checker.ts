/**
 * The checker the hooks load (src/hooks/runHook.ts loads `checker` and `prepare` from here): it
 * gathers what the verdict stage needs from git and the rules, then calls `checkChange`.
 *
 * Only the rules (which the harness has already loaded) are imported up front, so that `prepare`
 * runs early; the verdict stage (SQLite, metrics, clone matching) is imported when a change is checked.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { currentBranchFromGitDir } from "../git/headFile.js";
import type { StagedChange } from "../git/readChange.js";
import type { AuthorStamp } from "../git/repo.js";
import type { RiskModel } from "../model/load.js";
import { loadRules } from "../rules/loadRules.js";
import type { Rules } from "../rules/types.js";
import type { CheckContext, Checker, Verdict } from "../verdict/types.js";
import { tierFor } from "./tiering.js";

/** Loads the repository's model (or the shipped one); null when none exists, which is not an error. */
async function loadModelOrNull(commonDir: string): Promise<RiskModel | null> {
  const { loadModel, ModelUnavailableError } = await import("../model/load.js");
  try {
    return await loadModel(undefined, { gitCommonDir: commonDir });
  } catch (e) {
    if (e instanceof ModelUnavailableError) return null;
    throw e;
  }
}

function rulesOf(top: string, commonDir: string, notices: string[]): Rules {
  const file = join(top, ".dejafix", "rules.yml");
  try {
    return loadRules(existsSync(file) ? file : null, {
      cacheFile: join(commonDir, "dejafix", "rules-cache.json"),
    });
  } catch (e) {
    notices.push(`rules not usable (${(e as Error).message.split("\n")[0]}); built-in defaults applied`);
    return loadRules(null);
  }
}

/** The rules and the model loading for one check. */
interface Prepared {
  rules: Rules;
  notices: string[];
  model: Promise<RiskModel | null>;
  /** Who the next commit is by (`git var GIT_AUTHOR_IDENT`), asked while the change is read. */
  author: Promise<AuthorStamp | null>;
}
/** Set by `prepare`, taken by the next check of the same repository (later checks read the rules again). */
const prepared = new Map<string, Prepared>();

function prepareFor(top: string, commonDir: string): Prepared {
  const notices: string[] = [];
  const rules = rulesOf(top, commonDir, notices);
  // In `match` mode the verdict never reads the score: the hook does not pay for onnxruntime at all.
  // Otherwise the session is loaded once per process (loadModel caches it).
  const model = rules.verdict.mode === "match" ? Promise.resolve(null) : loadModelOrNull(commonDir);
  model.catch(() => undefined);
  const author = import("../git/repo.js").then((m) => m.nextAuthor(top));
  author.catch(() => undefined);
  return { rules, notices, model, author };
}

/**
 * Called by the hook harness before it reads the change: the rules are read and the model starts
 * loading, so onnxruntime's start-up runs at the checker's first wait instead of after it.
 */
export function prepare(layout: NonNullable<CheckContext["layout"]>): void {
  prepared.set(layout.commonDir, prepareFor(layout.topLevel, layout.commonDir));
}

/** Checks one staged change or pushed commit. */
export async function check(change: StagedChange, ctx: CheckContext): Promise<Verdict> {
  tierFor(change.files.reduce((n, f) => n + f.hunks.reduce((k, h) => k + h.lines.length, 0), 0));
  const [{ commitAuthorAndMessage, currentBranchName, gitCommonDir, repoRoot }, { classifyCommit }] =
    await Promise.all([import("../git/repo.js"), import("../history/classify.js")]);
  const [{ checkChange }, { matchChange }] = await Promise.all([
    import("../verdict/checkChange.js"),
    import("../verdict/matchChange.js"),
  ]);
  const top = ctx.layout?.topLevel ?? (await repoRoot(ctx.repoDir));
  const commonDir = ctx.layout?.commonDir ?? (await gitCommonDir(top));
  const ready = prepared.get(commonDir);
  prepared.delete(commonDir);
  const { rules, model, notices: ruleNotices, author: nextAuthor } = ready ?? prepareFor(top, commonDir);
  const notices = [...ruleNotices];
  let author = await nextAuthor;
  let isFix = false;
  let message: string | undefined;
  if (change.source === "commit" && change.commit) {
    const c = await commitAuthorAndMessage(top, change.commit);
    author = c.author ?? author;
    message = c.message;
    isFix = classifyCommit(c.message, rules.fixes, undefined, (n) => notices.push(n)).isFix;
  }
  const now = Math.floor(Date.now() / 1000);
  const verdict = await checkChange({
    change,
    rules,
    commonDir,
    author: author ?? { email: "", time: now, tzMinutes: -new Date().getTimezoneOffset() },
    branch: ctx.layout ? currentBranchFromGitDir(ctx.layout.gitDir) : await currentBranchName(top),
    isFix,
    ...(message !== undefined ? { message } : {}),
    ctx,
    model,
    match: matchChange,
  });
  return { ...verdict, notices: [...notices, ...verdict.notices] };
}

export const checker: Checker = check;
