/**
 * The safe hook harness. hooks/dejafix.sh runs this file directly (not the full CLI, to keep start-up short):
 *   node hookRunner.js pre-commit
 *   node hookRunner.js pre-push <remote> <url>      (refs on stdin)
 *   node hookRunner.js post-commit | post-merge | post-rewrite
 * and maps its exit code: 0 lets the change through, 3 stops it (the hook exits 1), anything else is treated
 * as dejafix failing to start and lets the change through.
 *
 * Guarantees: reads only git objects (src/git/readChange.ts), never stashes, never writes the index or the work
 * tree; a time budget, counted from the process's start and enforced by a watchdog thread even against a
 * checker that never yields (src/cli/watchdog.ts), after which the change goes through with a one-line
 * notice and a late verdict is never acted on; a crash lets it through with a one-line error and a log file,
 * unless the rules say `hooks.failure: closed`. Every override of a block is recorded, crash blocks included.
 */
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { pushRange } from "../git/pushRange.js";
import {
  type ReadLimits,
  readCommitChanges,
  readStagedChange,
  type StagedChange,
} from "../git/readChange.js";
import {
  commitSubject,
  committerIdent,
  currentBranch,
  type RepoLayout,
  repoLayout,
} from "../git/repoLayout.js";
import { IndexDamagedError, isIndexDamage } from "../index/damage.js";
import { type Colors, stderrColors } from "../report/colors.js";
import { messages } from "../report/messages.js";
import { renderText } from "../report/renderText.js";
import { sanitizeLine } from "../report/sanitize.js";
import type { Action, Checker, HookName, ReportItem } from "../report/types.js";
import { defaultRules, MAX_TIME_BUDGET_MS } from "../rules/defaults.js";
import type { Rules } from "../rules/types.js";
import { printErr } from "./output.js";
import { type Deadline, localDeadline, startWatchdog } from "./watchdog.js";

/** Process exit code that tells hooks/dejafix.sh to stop the commit or push. */
export const BLOCK_EXIT_CODE = 3;

export const HOOK_NAMES: readonly HookName[] = [
  "pre-commit",
  "pre-push",
  "post-commit",
  "post-merge",
  "post-rewrite",
];

/**
 * What the harness takes from `.dejafix/rules.yml` (sections `hooks:` and `paths:`, read through src/rules,
 * defaults included), plus limits of its own that no rules key sets.
 */
export interface HookSettings {
  /** hooks.timeBudgetMs: after this many ms from the hook's start the commit goes through unchecked. */
  budgetMs: number;
  /** hooks.prePush.timeBudgetMs: the same for pre-push, which checks several commits. */
  pushBudgetMs: number;
  /** hooks.failure. "open": a crash lets the change through; "closed": a crash stops it. */
  failure: "open" | "closed";
  /** hooks.sequences: during rebase / merge / cherry-pick / revert, skip quietly, check but never block, or check. */
  sequences: "skip" | "warn" | "check";
  /** hooks.preCommit.enabled */
  preCommit: boolean;
  /** hooks.prePush.enabled */
  prePush: boolean;
  /** paths.maxFileBytes */
  maxFileBytes: number;
  /** The harness's own limit (no rules key). */
  maxFileLines: number;
  /** The harness's own limit (no rules key). */
  maxFiles: number;
  /** hooks.prePush.maxCommits: pre-push checks at most this many new commits (the newest). */
  maxPushCommits: number;
  /** Print one dim line for passing changes (no rules key). */
  verbose: boolean;
  /** paths.ignore */
  ignore: string[];
  /** paths.generated */
  generated: string[];
}

function settingsFromRules(r: Rules): Omit<HookSettings, "maxFileLines" | "maxFiles" | "verbose"> {
  return {
    budgetMs: r.hooks.timeBudgetMs,
    pushBudgetMs: r.hooks.prePush.timeBudgetMs,
    failure: r.hooks.failure,
    sequences: r.hooks.sequences,
    preCommit: r.hooks.preCommit.enabled,
    prePush: r.hooks.prePush.enabled,
    maxPushCommits: r.hooks.prePush.maxCommits,
    ignore: r.paths.ignore,
    generated: r.paths.generated,
    maxFileBytes: r.paths.maxFileBytes,
  };
}

/** The built-in rules' settings: the same values src/rules gives when there is no rules file. */
export const DEFAULT_SETTINGS: HookSettings = {
  ...settingsFromRules(defaultRules()),
  maxFileLines: 20_000,
  maxFiles: 300,
  verbose: false,
};

export const RULES_FILE = ".dejafix/rules.yml";

export interface SettingsRead {
  settings: Partial<HookSettings>;
  /** One line naming the file, line and field when the rules file is broken (defaults are used then). */
  error?: string;
}

/**
 * Reads the harness settings from the rules file through src/rules (schema-validated, cached); a broken
 * file never stops a commit: defaults plus a one-line notice. src/rules is loaded only when the file exists.
 */
export async function readHookSettings(topLevel: string, commonDir: string): Promise<SettingsRead> {
  const file = join(topLevel, RULES_FILE);
  if (!existsSync(file)) return { settings: {} };
  try {
    const { loadRules } = await import("../rules/loadRules.js");
    const rules = loadRules(file, { cacheFile: join(commonDir, "dejafix", "rules-cache.json") });
    return { settings: settingsFromRules(rules) };
  } catch (e) {
    const first = e instanceof Error ? (e.message.split("\n")[0] ?? "") : String(e);
    return { settings: {}, error: sanitizeLine(first).slice(0, 300) };
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
  /** Overrides on top of the rules file (tests, `dejafix check`). */
  settings?: Partial<HookSettings>;
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
  skipped?: "disabled" | "sequence" | "empty" | "locked";
  /** Log file written for an error. */
  logFile?: string;
}

function limitsOf(s: HookSettings): ReadLimits {
  return {
    maxFileBytes: s.maxFileBytes,
    maxFileLines: s.maxFileLines,
    maxFiles: s.maxFiles,
    ignore: s.ignore,
    generated: s.generated,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// files under <git-common-dir>/dejafix

export function dejafixDir(layout: Pick<RepoLayout, "commonDir">): string {
  return join(layout.commonDir, "dejafix");
}

/** Appends an error report to logs/hook-YYYY-MM-DD.log and returns the file. */
export function writeErrorLog(
  commonDir: string,
  hook: string,
  error: unknown,
  now: Date,
): string | undefined {
  try {
    const dir = join(commonDir, "dejafix", "logs");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `hook-${now.toISOString().slice(0, 10)}.log`);
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    appendFileSync(
      file,
      `${now.toISOString()} ${hook} node ${process.version} pid ${process.pid}\n${detail}\n\n`,
    );
    return file;
  } catch {
    return undefined;
  }
}

export const OVERRIDES_FILE = "overrides.jsonl";

/** What an override let through: the verdicts that blocked, or the crash that blocked (`hooks.failure: closed`). */
export type Overridden =
  | { kind: "verdict"; items: ReportItem[] }
  | { kind: "crash"; error: string; logFile: string | null };

/** git's answer, or null when git itself is what failed (a crash block can come from there). */
function orNull<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/** One JSON line per override: who, when, why, and what was overridden (as Meta records escalations). */
export function recordOverride(
  commonDir: string,
  repoDir: string,
  hook: HookName,
  reason: string,
  what: Overridden,
  now: Date,
): string {
  const dir = join(commonDir, "dejafix");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, OVERRIDES_FILE);
  const record = {
    time: now.toISOString(),
    who: orNull(() => committerIdent(repoDir)),
    hook,
    reason,
    branch: orNull(() => currentBranch(repoDir)),
    kind: what.kind,
    ...(what.kind === "crash"
      ? { error: what.error, log: what.logFile, verdicts: [] }
      : {
          verdicts: what.items
            .filter((i) => i.verdict.action === "block")
            .map((i) => ({
              commit: i.commit,
              level: i.verdict.level,
              action: i.verdict.action,
              score: i.verdict.score?.value ?? null,
              matches: i.verdict.matches.map((m) => ({
                path: m.path,
                startLine: m.startLine,
                defect: m.defect.sha,
                fix: m.fix.sha,
                similarity: m.similarity,
              })),
            })),
        }),
  };
  appendFileSync(file, `${JSON.stringify(record)}\n`);
  return file;
}

// ---------------------------------------------------------------------------------------------------------------
// the harness

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

/** The budget of a checking hook, within what a timer can hold (the schema says the same). */
export function budgetOf(name: HookName, s: HookSettings): number {
  const ms = name === "pre-push" ? s.pushBudgetMs : s.budgetMs;
  return Math.min(Math.max(0, ms), MAX_TIME_BUDGET_MS);
}

export async function runHook(name: HookName, opts: HookOptions): Promise<HookResult> {
  const env = opts.env ?? process.env;
  const now = opts.now ?? (() => new Date());
  const startedAt = opts.startedAt ?? Date.now();
  const write = opts.write ?? ((line: string) => printErr(`${line}\n`));
  const c = opts.colors ?? stderrColors(env);
  if (env.DEJAFIX === "0") return { exitCode: 0, outcome: "skipped", items: [], skipped: "disabled" };

  let layout: RepoLayout | undefined;
  let settings: HookSettings = { ...DEFAULT_SETTINGS, ...opts.settings };
  const checking = name === "pre-commit" || name === "pre-push";
  let deadline: Deadline = localDeadline(startedAt + budgetOf(name, settings));
  /** After the deadline: the change goes through, with the notice unless the watchdog already showed it. */
  const late = (settled: "late" | "fired", items: ReportItem[]): HookResult => {
    if (settled === "late") write(messages.budgetExceeded(c, budgetOf(name, settings), name));
    return { exitCode: 0, outcome: "timeout", items };
  };
  try {
    layout = repoLayout(opts.repoDir);
    const fromRules = await readHookSettings(layout.topLevel, layout.commonDir);
    if (fromRules.error) write(messages.rulesUnreadable(c, RULES_FILE, fromRules.error));
    settings = { ...DEFAULT_SETTINGS, ...fromRules.settings, ...opts.settings };

    if (!checking) return await runPostHook(name, layout, opts);
    // Rebase, cherry-pick and merge replay commits that were already checked; stay out of the way.
    if (layout.sequence && settings.sequences === "skip") {
      return { exitCode: 0, outcome: "skipped", items: [], skipped: "sequence" };
    }
    if ((name === "pre-commit" && !settings.preCommit) || (name === "pre-push" && !settings.prePush)) {
      return { exitCode: 0, outcome: "skipped", items: [], skipped: "disabled" };
    }
    const budgetMs = budgetOf(name, settings);
    const notice = messages.budgetExceeded(c, budgetMs, name);
    deadline = opts.watchdog
      ? opts.watchdog(startedAt + budgetMs, notice)
      : localDeadline(startedAt + budgetMs);
    // "warn" during a sequence: check and show, never stop a rebase half-way.
    const neverBlock = layout.sequence !== null && settings.sequences === "warn";
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
    const limits = limitsOf(settings);
    let omitted = 0;
    const changes: Array<() => StagedChange> = [];
    if (name === "pre-commit") {
      changes.push(() =>
        readStagedChange(opts.repoDir, {
          limits,
          ...(opts.amend !== undefined ? { amend: opts.amend } : {}),
        }),
      );
    } else {
      const plan = pushRange(opts.repoDir, opts.args?.[0] ?? "", opts.stdin ?? "", settings.maxPushCommits);
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
        const change = read();
        if (change.files.length === 0) continue;
        const left = deadline.at - Date.now();
        const raw = await withinBudget(
          () =>
            checker.fn(change, {
              repoDir: opts.repoDir,
              budgetMs: left,
              hook: name,
              layout: {
                topLevel: (layout as RepoLayout).topLevel,
                gitDir: (layout as RepoLayout).gitDir,
                commonDir: (layout as RepoLayout).commonDir,
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
        verbose: settings.verbose,
        see: item.commit ? `dejafix check ${item.commit.slice(0, 10)}` : "dejafix check --staged",
      });
      if (!text) continue;
      if (item.commit && item.verdict.action !== "pass") {
        write(messages.commitHeader(c, item.commit, sanitizeLine(commitSubject(opts.repoDir, item.commit))));
      }
      write(text);
    }
    if (name === "pre-push" && settings.verbose) write(messages.pushSummary(c, items.length, omitted));

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
    // A damaged index is no crash: one line, no log; the background update (a writer) moves the file
    // aside and rebuilds it. It stops the change only where the rules say `hooks.failure: closed`.
    if (isIndexDamage(e)) {
      const reason = sanitizeLine(e instanceof IndexDamagedError ? e.reason : (e as Error).message).slice(
        0,
        200,
      );
      const checking = name === "pre-commit" || name === "pre-push";
      if (settings.failure === "closed" && checking && !env.DEJAFIX_OVERRIDE?.trim()) {
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
    if (settings.failure === "closed" && checking) {
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
  }
}

/** When `git rev-parse` itself failed, the log still belongs next to the repository's git dir if there is one. */
function findCommonDirLoosely(repoDir: string): string | undefined {
  const dotGit = join(repoDir, ".git");
  return existsSync(dotGit) ? dotGit : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// post-* hooks: index upkeep, already detached by hooks/dejafix.sh

async function runPostHook(name: HookName, layout: RepoLayout, opts: HookOptions): Promise<HookResult> {
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

// ---------------------------------------------------------------------------------------------------------------
// plug-in points

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Call site for the real checker (risk score from src/model + clone match from src/clones + fix from
 * src/suggest): the module `src/cli/checker.ts` must export `checker: Checker`. DEJAFIX_CHECKER (a module
 * path exporting `checker` or a default function) replaces it, which is how the end-to-end tests plug in.
 */
export const DEFAULT_CHECKER_MODULE = "./checker.js";

/** A checker module may also export `prepare(layout)`, called before the change is read (to start slow loads). */
type Prepare = (layout: { topLevel: string; gitDir: string; commonDir: string }) => void;
type Loaded = { ok: true; fn: Checker; prepare?: Prepare } | { ok: false; error: string };

export async function loadChecker(env: NodeJS.ProcessEnv = process.env): Promise<Loaded> {
  const spec = env.DEJAFIX_CHECKER
    ? pathToFileURL(env.DEJAFIX_CHECKER).href
    : new URL(DEFAULT_CHECKER_MODULE, import.meta.url).href;
  let mod: { checker?: unknown; default?: unknown; prepare?: unknown };
  try {
    mod = (await import(spec)) as { checker?: unknown; default?: unknown; prepare?: unknown };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND") return { ok: false, error: `module not found: ${spec}` };
    throw e;
  }
  const fn = mod.checker ?? mod.default;
  if (typeof fn !== "function") return { ok: false, error: `${spec} exports no checker function` };
  return {
    ok: true,
    fn: fn as Checker,
    ...(typeof mod.prepare === "function" ? { prepare: mod.prepare as Prepare } : {}),
  };
}

/**
 * Call site for src/index: DEJAFIX_INDEXER names a module exporting `updateIndex(repoDir)`; by default the
 * CLI's incremental `dejafix index --repo DIR` runs (its output goes to the background log).
 */
export async function loadIndexUpdater(env: NodeJS.ProcessEnv): Promise<(repoDir: string) => Promise<void>> {
  if (env.DEJAFIX_INDEXER) {
    const mod = (await import(pathToFileURL(env.DEJAFIX_INDEXER).href)) as { updateIndex?: unknown };
    if (typeof mod.updateIndex !== "function")
      throw new Error(`${env.DEJAFIX_INDEXER} exports no updateIndex`);
    return mod.updateIndex as (repoDir: string) => Promise<void>;
  }
  return (repoDir: string) =>
    new Promise((resolve, reject) => {
      const main = join(HERE, "main.js");
      if (!existsSync(main)) {
        reject(new Error(`dejafix CLI not found at ${main}`));
        return;
      }
      // --no-wait: when another writer took the index meanwhile, it exits quietly; the next update catches up.
      const child = spawn(process.execPath, [main, "index", "--repo", repoDir, "--no-wait"], {
        stdio: "inherit",
      });
      child.on("error", reject);
      child.on("close", (code) =>
        code === 0 ? resolve() : reject(new Error(`dejafix index exited ${code}`)),
      );
    });
}

// ---------------------------------------------------------------------------------------------------------------
// entry point (run by hooks/dejafix.sh)

function isHookName(s: string | undefined): s is HookName {
  return HOOK_NAMES.includes(s as HookName);
}

function readStdin(): string {
  try {
    return readFileSync(0, "utf8");
  } catch {
    return "";
  }
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!isHookName(name)) {
    printErr(
      `dejafix: unknown hook "${sanitizeLine(String(name))}"; expected one of ${HOOK_NAMES.join(", ")}.\n`,
    );
    return 0;
  }
  if (process.env.DEJAFIX === "0") return 0;
  const stdin = name === "pre-push" || name === "post-rewrite" ? readStdin() : undefined;
  let watchdog: Deadline | undefined;
  const result = await runHook(name, {
    repoDir: process.cwd(),
    args,
    // The budget counts from the process's start.
    startedAt: performance.timeOrigin,
    watchdog: (at, notice) => {
      watchdog = startWatchdog(at, notice);
      return watchdog;
    },
    ...(stdin !== undefined ? { stdin } : {}),
  });
  // Whatever the outcome, the watchdog stands down before the process ends.
  watchdog?.settle();
  return result.exitCode === 1 ? BLOCK_EXIT_CODE : 0;
}

/** True when node was started on this file, also through a symlink (pnpm links packages into node_modules). */
function isEntryPoint(): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      // A checker that outlived the budget may hold timers or handles: leave once stderr is flushed.
      process.stderr.write("", () => process.exit(code));
    },
    (e: unknown) => {
      process.stderr.write(`dejafix: ${sanitizeLine(String(e))}\n`, () => process.exit(0));
    },
  );
}
