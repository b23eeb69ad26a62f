/**
 * What a hook leaves behind under <git-common-dir>/dejafix: an error log when it crashed, and one line per
 * override of a block (who, when, why, and what was overridden), as Meta records escalations.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { committerIdent, currentBranch, type RepoLayout } from "../git/repoLayout.js";
import type { ReportItem } from "../verdict/types.js";
import type { HookName } from "./table.js";

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
