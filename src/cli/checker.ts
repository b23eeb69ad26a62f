/**
 * The checker the hooks load (src/cli/hookRunner.ts imports `checker` from here): it gathers what the
 * verdict stage needs from git and the rules, then calls `checkChange`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  commitAuthorAndMessage,
  currentBranchName,
  gitCommonDir,
  nextAuthor,
  repoRoot,
} from "../git/repo.js";
import type { StagedChange } from "../git/staged.js";
import { classifyCommit } from "../history/classify.js";
import type { RiskModel } from "../model/load.js";
import type { CheckContext, Checker, Verdict } from "../report/types.js";
import { loadRules } from "../rules/loadRules.js";
import type { Rules } from "../rules/types.js";
import { checkChange } from "../verdict/checkChange.js";

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

type Matcher = NonNullable<Parameters<typeof checkChange>[0]["match"]>;

/** Clone matching (src/suggest) when it is built; without it the verdict rests on the score alone. */
async function loadMatcher(): Promise<Matcher | undefined> {
  const spec = "../suggest/matchChange.js";
  try {
    const mod = (await import(spec)) as { matchChange?: Matcher };
    return mod.matchChange;
  } catch {
    return undefined;
  }
}

/** The checked-out branch from the worktree's HEAD file (`ref: refs/heads/main`): no git process. */
function branchFromHead(gitDir: string): string | null {
  try {
    const m = /^ref: refs\/heads\/(.+)$/m.exec(readFileSync(join(gitDir, "HEAD"), "utf8"));
    return m ? (m[1] as string).trim() : null;
  } catch {
    return null;
  }
}

/** Checks one staged change or pushed commit. */
export async function check(change: StagedChange, ctx: CheckContext): Promise<Verdict> {
  const top = ctx.layout?.topLevel ?? (await repoRoot(ctx.repoDir));
  const commonDir = ctx.layout?.commonDir ?? (await gitCommonDir(top));
  const model = loadModelOrNull(commonDir);
  model.catch(() => undefined);
  const notices: string[] = [];
  const rules = rulesOf(top, commonDir, notices);
  let author = await nextAuthor(top);
  let isFix = false;
  if (change.source === "commit" && change.commit) {
    const c = await commitAuthorAndMessage(top, change.commit);
    author = c.author ?? author;
    isFix = classifyCommit(c.message, rules.fixes).isFix;
  }
  const now = Math.floor(Date.now() / 1000);
  const matchChange = await loadMatcher();
  const verdict = await checkChange({
    change,
    rules,
    commonDir,
    author: author ?? { email: "", time: now, tzMinutes: -new Date().getTimezoneOffset() },
    branch: ctx.layout ? branchFromHead(ctx.layout.gitDir) : await currentBranchName(top),
    isFix,
    ctx,
    model,
    ...(matchChange ? { match: matchChange } : {}),
  });
  return { ...verdict, notices: [...notices, ...verdict.notices] };
}

export const checker: Checker = check;
