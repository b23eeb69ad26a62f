/**
 * The safe hook harness, as a library: `runHook(name, options)` runs one hook of the table (src/hooks/table.ts)
 * in a repository. src/cli/hookRunner.ts is the process git starts; tests and other tools call this.
 *
 * Guarantees: reads only git objects (src/git/readChange.ts), never stashes, never writes the index or the work
 * tree; a time budget, counted from the hook's start and enforced by a watchdog even against a
 * checker that never yields (src/hooks/watchdog.ts), after which the change goes through with a one-line
 * notice and a late verdict is never acted on; a crash lets it through with a one-line error and a log file,
 * unless the rules say `hooks.failure: closed`. Every override of a block is recorded, crash blocks included.
 * Its settings are the rules' own (`hooks`, `paths`), read through src/rules.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { pushRange } from "../git/pushRange.js";
import {
  type ReadLimits,
  readCommitChanges,
  type StagedChange,
  type StagedRead,
  startStagedRead,
} from "../git/readChange.js";
import { commitSubject, type WorktreeLayout, worktreeLayout } from "../git/repoLayout.js";
import { IndexDamagedError, isIndexDamage } from "../index/damage.js";
import { IndexDiskFullError } from "../index/diskFull.js";
import { type Colors, stderrColors } from "../report/colors.js";
import { messages } from "../report/messages.js";
import { printErr } from "../report/output.js";
import { renderText } from "../report/renderText.js";
import { sanitizeLine } from "../report/sanitize.js";
import { defaultRules, MAX_TIME_BUDGET_MS } from "../rules/defaults.js";
import type { Rules } from "../rules/types.js";
import type { Action, Checker, ReportItem } from "../verdict/types.js";
import { type Loaded, loadChecker, loadIndexUpdater } from "./plugins.js";
import { dejafixDir, type Overridden, recordOverride, writeErrorLog } from "./records.js";
import { gateOf, type HookName, hookSpec, isGated } from "./table.js";
import { type Deadline, localDeadline } from "./watchdog.js";

export const RULES_FILE = ".dejafix/rules.yml";

/** Limits of the change reader that no rules key sets: files with more lines, and changes with more files, are skipped. */
export const HARNESS_LIMITS = { maxFileLines: 20_000, maxFiles: 300 } as const;

export interface RulesRead {
  rules: Rules;
  /** One line naming the file, line and field when the rules file is broken (defaults are used then). */
  error?: string;
}

/**
 * The rules the harness runs with, through src/rules (schema-validated, cached); a broken file never stops
 * a commit: defaults plus a one-line notice. The loader is imported only when the file exists.
 */
export async function readHookRules(topLevel: string, commonDir: string): Promise<RulesRead> {
  const file = join(topLevel, RULES_FILE);
  if (!existsSync(file)) return { rules: defaultRules() };
  try {
    const { loadRules } = await import("../rules/loadRules.js");
    return { rules: loadRules(file, { cacheFile: join(commonDir, "dejafix", "rules-cache.json") }) };
  } catch (e) {
    const first = e instanceof Error ? (e.message.split("\n")[0] ?? "") : String(e);
    return { rules: defaultRules(), error: sanitizeLine(first).slice(0, 300) };
  }
}

export interface HookOptions {
  repoDir: string;
  /** Risk score + clone match. Default: the module named by DEJAFIX_CHECKER, else the built-in checker. */
  checker?: Checker;
  /** Hook arguments as git passed them (pre-push: remote name, url). */
  args?: string[];
  /** pre-push / post-rewrite stdin. */
  stdin?: string;
  /** DEJAFIX, DEJAFIX_OVERRIDE, NO_COLOR, FORCE_COLOR are read from here (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Rules to run with instead of the repository's `.dejafix/rules.yml`. */
  rules?: Rules;
  /** Print one dim line for passing changes. */
  verbose?: boolean;
  /** Force `--amend` handling; detected from the git process by default. */
  amend?: boolean;
  /** Where user-visible lines go (default stderr, which git shows for hooks). */
  write?: (line: string) => void;
  colors?: Colors;
  /** Call site for src/index: bring the index up to date (post-* hooks). */
  updateIndex?: (repoDir: string) => Promise<void>;
  now?: () => Date;
  /** When the hook started (epoch ms), where its time budget is counted from. Default: now. */
  startedAt?: number;
  /**
   * Starts the deadline to settle with before acting on a verdict. The entry point passes its watchdog;
   * library callers get one the harness checks itself. It is started once the hook knows it will check
   * (after the layout and the bounded rules read), so that hooks that skip (a rebase's replayed commits)
   * pay no thread; the budget still counts from `startedAt`.
   */
  watchdog?: (at: number, notice: string) => Deadline;
}

export interface HookResult {
  exitCode: 0 | 1;
  /** What happened: a verdict's action, or why nothing was decided. */
  outcome: Action | "skipped" | "timeout" | "error" | "overridden";
  /** Verdicts that were computed (one per pushed commit for pre-push). */
  items: ReportItem[];
  /** Why the hook skipped, when it did. */
  skipped?: "disabled" | "sequence" | "empty" | "locked" | "ci";
  /** Log file written for an error. */
  logFile?: string;
}

function limitsOf(r: Rules): ReadLimits {
  return {
    maxFileBytes: r.paths.maxFileBytes,
    ...HARNESS_LIMITS,
    ignore: r.paths.ignore,
    generated: r.paths.generated,
  };
}

class BudgetExceeded extends Error {}

/** Races the checker against the budget; the checker keeps running but the hook no longer waits for it. */
async function withinBudget<T>(work: () => Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BudgetExceeded()), Math.max(0, ms));
  });
  try {
    return await Promise.race([Promise.resolve().then(work), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function anchorOf(change: StagedChange): ReportItem["anchor"] {
  for (const f of change.files) {
    const h = f.hunks[0];
    if (h && f.newPath) return { path: f.newPath, line: Math.max(1, h.newStart) };
  }
  return undefined;
}

function worst(items: ReportItem[]): Action {
  if (items.some((i) => i.verdict.action === "block")) return "block";
  if (items.some((i) => i.verdict.action === "warn")) return "warn";
  if (items.some((i) => i.verdict.action === "note")) return "note";
  return "pass";
}

/**
 * The budget of a checking hook, within what a timer can hold (the schema says the same).
 * `DEJAFIX_TIME_BUDGET_MS` sets it for one machine (a slow laptop, a loaded runner) without touching the
 * team's rules; a value that is not a whole number of milliseconds is ignored.
 */
export function budgetOf(name: HookName, rules: Rules, env: NodeJS.ProcessEnv = {}): number {
  const own = env.DEJAFIX_TIME_BUDGET_MS?.trim();
  const ms =
    own && /^\d+$/.test(own)
      ? Number(own)
      : isGated(name)
        ? gateOf(name, rules).budgetMs
        : rules.hooks.timeBudgetMs;
  return Math.min(Math.max(0, ms), MAX_TIME_BUDGET_MS);
}

/** Whether the hook runs in CI: the `CI` variable that CI services set, unless it says 0 or false. */
export function inCi(env: NodeJS.ProcessEnv): boolean {
  const v = env.CI?.trim().toLowerCase();
  return v !== undefined && v !== "" && v !== "0" && v !== "false";
}

export async function runHook(name: HookName, opts: HookOptions): Promise<HookResult> {
  const env = opts.env ?? process.env;
  const now = opts.now ?? (() => new Date());
  const startedAt = opts.startedAt ?? Date.now();
  const write = opts.write ?? ((line: string) => printErr(`${line}\n`));
  const c = opts.colors ?? stderrColors(env);
  if (env.DEJAFIX === "0") return { exitCode: 0, outcome: "skipped", items: [], skipped: "disabled" };

  let layout: WorktreeLayout | undefined;
  let rules: Rules = opts.rules ?? defaultRules();
  // git first: the staged change is read by git processes while the rules, the checker and the model load.
  let staged: StagedRead | null = null;
  const checking = isGated(name);
  let deadline: Deadline = localDeadline(startedAt + budgetOf(name, rules, env));
  /** After the deadline: the change goes through, with the notice unless the watchdog already showed it. */
  const late = (settled: "late" | "fired", items: ReportItem[]): HookResult => {
    if (settled === "late") write(messages.budgetExceeded(c, budgetOf(name, rules, env), name));
    return { exitCode: 0, outcome: "timeout", items };
  };
  try {
    const layoutRead = worktreeLayout(opts.repoDir);
    if (hookSpec(name).reads === "staged") {
      staged = startStagedRead(opts.repoDir, opts.amend !== undefined ? { amend: opts.amend } : {});
    }
    layout = await layoutRead;
    if (!opts.rules) {
      const read = await readHookRules(layout.topLevel, layout.commonDir);
      if (read.error) write(messages.rulesUnreadable(c, RULES_FILE, read.error));
      rules = read.rules;
    }

    // A CI job's commits (a release bump, a bot) are not a developer's: CI runs `dejafix check` instead.
    if (inCi(env) && rules.hooks.ci === "skip") {
      if (isGated(name)) write(messages.ciSkipped(c, name));
      return { exitCode: 0, outcome: "skipped", items: [], skipped: "ci" };
    }
    if (!isGated(name)) return await runPostHook(name, layout, opts);
    // Rebase, cherry-pick and merge replay commits that were already checked; stay out of the way.
    if (layout.sequence && rules.hooks.sequences === "skip") {
      return { exitCode: 0, outcome: "skipped", items: [], skipped: "sequence" };
    }
    if (!gateOf(name, rules).enabled) {
      return { exitCode: 0, outcome: "skipped", items: [], skipped: "disabled" };
    }
    const budgetMs = budgetOf(name, rules, env);
    const notice = messages.budgetExceeded(c, budgetMs, name);
    deadline = opts.watchdog
      ? opts.watchdog(startedAt + budgetMs, notice)
      : localDeadline(startedAt + budgetMs);
    // "warn" during a sequence: check and show, never stop a rebase half-way.
    const neverBlock = layout.sequence !== null && rules.hooks.sequences === "warn";
    const checker: Loaded = opts.checker ? { ok: true, fn: opts.checker } : await loadChecker(env);
    if (!checker.ok) {
      write(messages.noChecker(c, checker.error));
      return { exitCode: 0, outcome: "skipped", items: [] };
    }
    try {
      checker.prepare?.({ topLevel: layout.topLevel, gitDir: layout.gitDir, commonDir: layout.commonDir });
    } catch {
      // Only a head start: the checker does the same work itself when it runs.
    }
    const items: ReportItem[] = [];
    const limits = limitsOf(rules);
    let omitted = 0;
    const changes: Array<() => StagedChange | Promise<StagedChange>> = [];
    if (staged !== null) {
      const read = staged;
      changes.push(() => read.finish(limits));
    } else {
      const plan = pushRange(
        opts.repoDir,
        opts.args?.[0] ?? "",
        opts.stdin ?? "",
        rules.hooks.prePush.maxCommits,
      );
      omitted = plan.omitted;
      // Read in order, a chunk of commits per few git processes (not four processes per commit).
      const reader = readCommitChanges(opts.repoDir, plan.commits, limits);
      for (const sha of plan.commits) {
        changes.push(() => {
          const next = reader.next();
          if (next.done || next.value.commit !== sha) throw new Error(`pushed commit ${sha} was not read`);
          return next.value;
        });
      }
    }
    try {
      for (const read of changes) {
        const change = await read();
        if (change.files.length === 0) continue;
        const left = deadline.at - Date.now();
        const raw = await withinBudget(
          () =>
            checker.fn(change, {
              repoDir: opts.repoDir,
              budgetMs: left,
              hook: name,
              layout: {
                topLevel: (layout as WorktreeLayout).topLevel,
                gitDir: (layout as WorktreeLayout).gitDir,
                commonDir: (layout as WorktreeLayout).commonDir,
              },
            }),
          left,
        );
        const verdict = neverBlock && raw.action === "block" ? { ...raw, action: "warn" as const } : raw;
        const anchor = anchorOf(change);
        items.push({
          verdict: { ...verdict, notices: [...change.notices, ...verdict.notices] },
          commit: change.commit,
          ...(anchor ? { anchor } : {}),
        });
      }
    } catch (e) {
      if (!(e instanceof BudgetExceeded)) throw e;
      const settled = deadline.settle();
      return late(settled === "on-time" ? "late" : settled, items);
    }
    // From here on the verdicts are acted on: only when they came within the budget.
    const settled = deadline.settle();
    if (settled !== "on-time") return late(settled, items);
    if (changes.length === 0 || items.length === 0) {
      return { exitCode: 0, outcome: "pass", items, skipped: "empty" };
    }

    for (const item of items) {
      const text = renderText(item.verdict, {
        colors: c,
        verbose: opts.verbose ?? false,
        see: item.commit ? `dejafix check ${item.commit.slice(0, 10)}` : "dejafix check --staged",
      });
      if (!text) continue;
      if (item.commit && item.verdict.action !== "pass") {
        write(messages.commitHeader(c, item.commit, sanitizeLine(commitSubject(opts.repoDir, item.commit))));
      }
      write(text);
    }
    if (name === "pre-push" && opts.verbose) write(messages.pushSummary(c, items.length, omitted));

    const action = worst(items);
    if (action !== "block") return { exitCode: 0, outcome: action, items };
    const override = env.DEJAFIX_OVERRIDE;
    if (override !== undefined) {
      if (override.trim() === "") {
        write(messages.overrideEmpty(c));
      } else {
        const file = recordOverride(
          layout.commonDir,
          opts.repoDir,
          name,
          override,
          { kind: "verdict", items },
          now(),
        );
        write(messages.overrideRecorded(c, file));
        return { exitCode: 0, outcome: "overridden", items };
      }
    }
    write(name === "pre-push" ? messages.blockedPush(c) : messages.blockedCommit(c));
    return { exitCode: 1, outcome: "block", items };
  } catch (e) {
    // A full disk is no crash either, and never stops the change, whatever hooks.failure says: an override
    // could not even be recorded on that disk. One line naming the folder to free space in.
    if (e instanceof IndexDiskFullError) {
      write(messages.indexDiskFullHook(c, sanitizeLine(e.dir)));
      return { exitCode: 0, outcome: "error", items: [] };
    }
    // A damaged index is no crash: one line, no log; the background update (a writer) moves the file
    // aside and rebuilds it. It stops the change only where the rules say `hooks.failure: closed`.
    if (isIndexDamage(e)) {
      const reason = sanitizeLine(e instanceof IndexDamagedError ? e.reason : (e as Error).message).slice(
        0,
        200,
      );
      if (rules.hooks.failure === "closed" && checking && !env.DEJAFIX_OVERRIDE?.trim()) {
        write(messages.indexDamagedClosed(c, reason));
        return { exitCode: 1, outcome: "error", items: [] };
      }
      write(messages.indexDamaged(c, reason));
      return { exitCode: 0, outcome: "error", items: [] };
    }
    const commonDir = layout?.commonDir ?? findCommonDirLoosely(opts.repoDir);
    const logFile = commonDir ? writeErrorLog(commonDir, name, e, now()) : undefined;
    const short = sanitizeLine(e instanceof Error ? (e.message.split("\n")[0] ?? "") : String(e)).slice(
      0,
      200,
    );
    const where = logFile ?? "no log file could be written";
    const logged = logFile ? { logFile } : {};
    if (checking) {
      // A crash after the deadline is a late answer like any other: it never stops the change.
      const settled = deadline.settle();
      if (settled !== "on-time") return { ...late(settled, []), outcome: "error", ...logged };
    }
    if (rules.hooks.failure === "closed" && checking) {
      const override = env.DEJAFIX_OVERRIDE;
      if (override?.trim() && commonDir) {
        write(messages.crashedOpen(c, short, where));
        const crash: Overridden = { kind: "crash", error: short, logFile: logFile ?? null };
        const file = recordOverride(commonDir, opts.repoDir, name, override, crash, now());
        write(messages.overrideRecorded(c, file));
        return { exitCode: 0, outcome: "overridden", items: [], ...logged };
      }
      if (override !== undefined && override.trim() === "") write(messages.overrideEmpty(c));
      write(messages.crashedClosed(c, short, where));
      return { exitCode: 1, outcome: "error", items: [], ...logged };
    }
    write(messages.crashedOpen(c, short, where));
    return { exitCode: 0, outcome: "error", items: [], ...logged };
  } finally {
    // A hook that skipped or failed before reading the change ends the git processes started for it.
    staged?.cancel();
  }
}

/** When `git rev-parse` itself failed, the log still belongs next to the repository's git dir if there is one. */
function findCommonDirLoosely(repoDir: string): string | undefined {
  const dotGit = join(repoDir, ".git");
  return existsSync(dotGit) ? dotGit : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// post-* hooks: index upkeep, already detached by hooks/dejafix.sh

async function runPostHook(name: HookName, layout: WorktreeLayout, opts: HookOptions): Promise<HookResult> {
  // During a rebase every replayed commit fires post-commit; post-rewrite at the end covers them all.
  if (layout.sequence && name === "post-commit")
    return { exitCode: 0, outcome: "skipped", items: [], skipped: "sequence" };
  const dir = dejafixDir(layout);
  mkdirSync(dir, { recursive: true });
  // Another writer at work (a manual `dejafix index`, an earlier update): it covers this commit or the
  // next update will. The index's writer lock decides (src/index/writerLock.ts); this hook never holds
  // it, so the `dejafix index` it starts can take it.
  const { indexWriterState } = await import("../index/writerLock.js");
  if (indexWriterState(join(dir, INDEX_FILE)).held)
    return { exitCode: 0, outcome: "skipped", items: [], skipped: "locked" };
  const update = opts.updateIndex ?? (await loadIndexUpdater(opts.env ?? process.env));
  await update(layout.topLevel);
  return { exitCode: 0, outcome: "pass", items: [] };
}

/** The index file under <git-common-dir>/dejafix (src/index/store.ts indexPath, without loading SQLite). */
const INDEX_FILE = "index.sqlite";
