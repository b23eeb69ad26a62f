/**
 * Every sentence dejafix shows a person, in one place so the wording stays consistent and reviewable.
 * Each says what happened and what to do next. Arguments that came from commits or files must already be
 * sanitized (renderers do that); arguments here are dejafix's own values.
 */
import type { Colors } from "./colors.js";

const TAG = "dejafix";

/** What a refused team index did not fit, by refusal kind (src/index/snapshotFile.ts). */
const SNAPSHOT_KINDS: Record<string, string> = {
  format: "not a snapshot",
  corrupt: "corrupt file",
  truncated: "truncated download",
  schema: "another schema version",
  repository: "another repository",
  tip: "tip not in this clone",
  rules: "rules digest mismatch",
  model: "model digest mismatch",
  source: "cannot fetch it",
};

export const messages = {
  // --- hook harness ---------------------------------------------------------------------------------------
  budgetExceeded: (c: Colors, ms: number, hook: "pre-commit" | "pre-push" | string) => {
    const push = hook === "pre-push";
    return c.dim(
      `${TAG}: the check took longer than ${ms} ms, so this ${push ? "push" : "commit"} went through unchecked. ` +
        `Run \`dejafix doctor\` to see what is slow, or raise ${push ? "hooks.prePush.timeBudgetMs" : "hooks.timeBudgetMs"} in .dejafix/rules.yml.`,
    );
  },
  crashedOpen: (c: Colors, error: string, log: string) =>
    c.yellow(
      `${TAG}: internal error (${error}); the commit went through unchecked. Details: ${log}. ` +
        "Run `dejafix doctor`, and report it if it repeats.",
    ),
  crashedClosed: (c: Colors, error: string, log: string) =>
    c.red(
      `${TAG}: internal error (${error}); stopped because .dejafix/rules.yml sets hooks.failure: closed. ` +
        `Details: ${log}. To go on anyway: DEJAFIX_OVERRIDE="why" git commit …`,
    ),
  rulesUnreadable: (c: Colors, file: string, error: string) =>
    c.yellow(
      `${TAG}: ${file} could not be read (${error}); using default hook settings. Run \`dejafix rules check\`.`,
    ),
  noChecker: (c: Colors, error: string) =>
    c.dim(`${TAG}: no checker could be loaded (${error}); nothing was checked. Run \`dejafix doctor\`.`),
  blockedCommit: (c: Colors) =>
    c.red(
      `${TAG}: commit stopped. Fix it as suggested above, or commit anyway and record why: ` +
        'DEJAFIX_OVERRIDE="your reason" git commit …',
    ),
  blockedPush: (c: Colors) =>
    c.red(
      `${TAG}: push stopped. Amend the commits above, or push anyway and record why: ` +
        'DEJAFIX_OVERRIDE="your reason" git push …',
    ),
  overrideRecorded: (c: Colors, file: string) =>
    c.yellow(`${TAG}: override recorded in ${file}; the change went through despite the block.`),
  overrideEmpty: (c: Colors) =>
    c.red(
      `${TAG}: DEJAFIX_OVERRIDE needs a reason, e.g. DEJAFIX_OVERRIDE="hotfix for INC-42, reviewed by Ana".`,
    ),
  pushSummary: (c: Colors, checked: number, omitted: number) =>
    c.dim(
      `${TAG}: checked ${checked} new commit${checked === 1 ? "" : "s"}` +
        (omitted > 0 ? `; ${omitted} older ones were not checked (limit hooks.prePush.maxCommits)` : ""),
    ),
  passLine: (c: Colors, detail: string) => c.dim(`${TAG} ✓ ${detail}`),
  notice: (c: Colors, text: string) => c.dim(`${TAG}: ${text}`),
  // --- history pass ---------------------------------------------------------------------------------------
  fileSkipped: (c: Colors, path: string, commit: string, reason: "unreadable" | "unfit") =>
    c.yellow(
      reason === "unreadable"
        ? `${TAG}: skipped ${path} from commit ${commit.slice(0, 10)} on: git cannot read one of its versions ` +
            "(a broken or partial clone). The rest of the history is indexed; run `git fsck` to see what is missing."
        : `${TAG}: skipped ${path} from commit ${commit.slice(0, 10)} on: its diffs do not fit its lines, even read again ` +
            "with git blame. The rest of the history is indexed; add the path to paths.ignore in .dejafix/rules.yml " +
            "to silence this.",
    ),
  commitHeader: (c: Colors, sha: string, subject: string) =>
    c.bold(`${TAG} · commit ${sha.slice(0, 10)} ${subject}`),
  indexDamaged: (c: Colors, reason: string) =>
    c.yellow(
      `${TAG}: the index is damaged (${reason}), so this change went through unchecked. The next background ` +
        "update moves it aside and rebuilds it; to do it now, run `dejafix index`.",
    ),
  indexDamagedClosed: (c: Colors, reason: string) =>
    c.red(
      `${TAG}: the index is damaged (${reason}); stopped because .dejafix/rules.yml sets hooks.failure: closed. ` +
        'Run `dejafix index` to move it aside and rebuild it, or go on anyway: DEJAFIX_OVERRIDE="why" git commit …',
    ),

  // --- the index's one writer -----------------------------------------------------------------------------
  /** `holder` null: the process holding the lock left no usable name (just starting, or a hand-made file). */
  writerWaiting: (c: Colors, holder: { pid: number; host: string; command: string; since: string } | null) =>
    c.dim(
      `${TAG}: ${
        holder
          ? `\`${holder.command}\` (pid ${holder.pid} on ${holder.host}, since ${holder.since})`
          : "another dejafix process"
      } is writing the index; waiting for it to finish. Ctrl-C stops waiting; nothing is lost.`,
    ),
  /** A writer (`dejafix index`, init, calibrate) ran out of room: what it committed before stays. */
  indexDiskFull: (c: Colors, dir: string) =>
    c.red(
      `${TAG}: the disk holding ${dir} is full, so the index was not finished; what it had saved is kept. ` +
        "Free some space there, then run `dejafix index` to finish it.",
    ),
  /** The hook could not read the index for want of room (SQLite writes a small file beside it to read). */
  indexDiskFullHook: (c: Colors, dir: string) =>
    c.yellow(
      `${TAG}: the disk holding ${dir} is full, so this change went through unchecked. ` +
        "Free some space there; the index catches up after the next commit.",
    ),
  indexMovedAside: (c: Colors, reason: string, file: string) =>
    c.yellow(
      `${TAG}: the index was damaged (${reason}); it was moved aside to ${file} and is rebuilt from history ` +
        "now. Attach that file to a bug report if you file one, then delete it.",
    ),

  // --- team index ---------------------------------------------------------------------------------------
  /** `kind` names what did not fit, in the words a user searches for. */
  snapshotRefused: (c: Colors, source: string, kind: string, reason: string) =>
    c.yellow(
      `${TAG}: not using the team index ${source}: ${SNAPSHOT_KINDS[kind] ?? kind}: ${reason}. ` +
        "Mining this clone's history instead (the index is as good, only slower to build).",
    ),
  snapshotImported: (c: Colors, tip: string, commits: number, createdAt: string, seconds: number) =>
    c.dim(
      `${TAG}: started from the team index (${commits} commits up to ${tip.slice(0, 10)}, built ${createdAt}) ` +
        `in ${seconds.toFixed(1)} s; mining only the commits after it.`,
    ),
  snapshotNotNeeded: (c: Colors, tip: string) =>
    c.dim(`${TAG}: this index already covers the team index's tip ${tip.slice(0, 10)}; kept it as it is.`),
  snapshotExported: (file: string, commits: number, tip: string, bytes: number, rawBytes: number) =>
    `${TAG}: wrote the team index ${file}: ${commits} commits up to ${tip.slice(0, 10)}, ` +
    `${(bytes / 1048576).toFixed(1)} MiB (the index is ${(rawBytes / 1048576).toFixed(1)} MiB). ` +
    "Clones start from it with `dejafix init --from` (docs/team.md).",

  pairsSummary: (
    c: Colors,
    s: {
      written: number;
      blocks: number;
      skipped: { secrets: number; tests: number; generated: number; filtered: number };
      secretKinds: Record<string, number>;
    },
    file: string | null,
  ) =>
    `${TAG}: wrote ${s.written} bug→fix pair${s.written === 1 ? "" : "s"} (${s.blocks} defect blocks)${file ? ` to ${file}` : ""}; ` +
    `left out ${s.skipped.tests} in test code and ${s.skipped.generated} in generated code (--include-tests, --include-generated), ` +
    `${s.skipped.filtered} by the filters. ` +
    (s.skipped.secrets > 0
      ? c.yellow(
          `Skipped ${s.skipped.secrets} that look like they hold a secret (${Object.entries(s.secretKinds)
            .map(([k, n]) => `${n} ${k}`)
            .join(", ")}); they are never exported.`,
        )
      : "No pair looked like it holds a secret.") +
    (s.written === 0 ? " Nothing to write? Run `dejafix index` first." : ""),

  // --- verdict block --------------------------------------------------------------------------------------
  riskHeadline: (c: Colors, action: "warn" | "block", scoreText: string, level: string) => {
    const mark = action === "block" ? c.red("✖") : c.yellow("▲");
    const verb = action === "block" ? c.red("blocked") : c.yellow("warning");
    return `${mark} ${c.bold(`${TAG}: risky change`)} — ${scoreText}, level ${c.bold(level)} → ${verb}`;
  },
  matchHeadline: (c: Colors, action: "warn" | "block", revert: boolean) => {
    const mark = action === "block" ? c.red("✖") : c.yellow("▲");
    const verb = action === "block" ? c.red("blocked") : c.yellow("warning");
    const what = revert
      ? "this change gets back code that a past fix removed"
      : "this change writes a past bug again";
    return `${mark} ${c.bold(`${TAG}: ${what}`)} → ${verb}`;
  },
  /** One quiet line: a past bug written again, below the rules' warning level. */
  matchNote: (
    c: Colors,
    where: string,
    fixSha: string,
    subject: string,
    date: string,
    more: number,
    see: string,
  ) =>
    c.dim(
      `${TAG} note: ${where} writes again a bug fixed in ${fixSha.slice(0, 10)} "${subject}"${date ? ` (${date})` : ""}` +
        `${more > 0 ? ` and ${more} more` : ""}; see the fix: ${see}`,
    ),
  scoreText: (value: number, percentile?: number) =>
    `score ${value.toFixed(2)}` +
    (percentile !== undefined
      ? ` (riskier than ${Math.round(percentile)}% of this repository's commits)`
      : ""),
  reasons: (c: Colors, reasons: string[]) => `  ${c.dim("why:")} ${reasons.join("; ")}`,
  matchLine: (c: Colors, where: string, similarity: number, evidence: string, revert: boolean) =>
    `  ${c.bold(revert ? "gets back what a fix removed" : "writes a past bug again")} at ${where} · ` +
    `block ${Math.round(similarity * 100)}% similar · link ${evidence}`,
  revertHint: (c: Colors) =>
    `    ${c.yellow("this code descends from the fixed code: a revert, a bad merge or old code copied over new")}`,
  defectLine: (c: Colors, sha: string, subject: string, date: string, path: string) =>
    `    ${c.dim("introduced by")} ${c.cyan(sha.slice(0, 10))} ${subject}${date ? c.dim(` (${date})`) : ""} in ${path}`,
  fixLine: (c: Colors, sha: string, subject: string, date: string) =>
    `    ${c.dim("fixed by")}      ${c.cyan(sha.slice(0, 10))} ${subject}${date ? c.dim(` (${date})`) : ""}`,
  messageBody: (c: Colors, body: string) => `      ${c.dim(body)}`,
  issues: (c: Colors, issues: string[]) => `    ${c.dim("issues:")} ${issues.join(", ")}`,
  suggestionHeader: (c: Colors, applies: boolean | null) =>
    `  ${c.bold("the fix applied then, in your code")}` +
    (applies === true ? c.dim(" (applies cleanly: git apply)") : "") +
    ":",
  historicalHeader: (c: Colors, path: string, why: string) =>
    `  ${c.bold(`the fix applied then, as it was in ${path}`)} ${c.dim(`(not placed in your code: ${why})`)}:`,
  feedbackHint: (c: Colors, id: string) =>
    `    ${c.dim(`helpful? dejafix feedback ${id} useful   · wrong? dejafix feedback ${id} wrong`)}`,
  diffCut: (c: Colors, hidden: number) =>
    `    ${c.dim(`… ${hidden} more lines (use --format json for all)`)}`,
  moreMatches: (c: Colors, n: number, see: string) =>
    `  ${c.dim(`… and ${n} more past bug${n === 1 ? "" : "s"} written again (all of them: ${see} --format json)`)}`,
  nextSteps: (c: Colors) =>
    `  ${c.dim("skip once: DEJAFIX=0 git commit …  ·  why this fired: dejafix rules explain")}`,

  // --- install --------------------------------------------------------------------------------------------
  installedHooksDir: (dir: string, hooks: string[]) =>
    `Installed dejafix hooks in ${dir}: ${hooks.join(", ")}.`,
  chainedUserHook: (hook: string, moved: string) =>
    `Your existing ${hook} hook still runs first; it now lives in ${moved} (dejafix uninstall puts it back).`,
  huskyEdited: (files: string[]) =>
    `Added a dejafix line to ${files.join(", ")} (husky). Commit these files so the team runs it too; ` +
    "each clone still needs `npx dejafix init` once.",
  lefthookEdited: (file: string) =>
    `Added dejafix commands to ${file}. Run \`npx lefthook install\` once so lefthook picks them up.`,
  alreadyInstalled: () => "dejafix hooks were already installed; nothing changed.",
  hooksInstalled: (manager: string, dir: string) => `hooks installed (${manager}) in ${dir}`,
  hooksNotInstalled: () => "hooks not installed: run `npx dejafix init`",
  hooksMoved: (installedIn: string, runsFrom: string) =>
    `hooks not run: they were installed in ${installedIn}, but git now runs hooks from ${runsFrom} ` +
    "(core.hooksPath changed); run `npx dejafix init` again",
  hooksMissing: (dir: string, hooks: readonly string[]) =>
    `hooks not run: ${hooks.join(", ")} no longer call${hooks.length === 1 ? "s" : ""} dejafix in ${dir}; ` +
    "run `npx dejafix init` again",
  uninstalled: (n: number) =>
    n === 0 ? "dejafix hooks were not installed; nothing to remove." : `Removed dejafix from ${n} place(s).`,
  restoredUserHook: (hook: string) => `Restored your original ${hook} hook.`,
  keptEditedFile: (file: string) =>
    `${file} was edited after \`dejafix init\`; removed only the dejafix lines and kept your changes.`,
} as const;
