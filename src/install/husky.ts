/**
 * husky 9 sets `core.hooksPath .husky/_`; its generated `_/<hook>` runs `sh -e .husky/<hook>`, the user's
 * script, which is committed. dejafix adds a marked block at the end of that script (after the user's own
 * commands) and never touches `.husky/_`. husky 8 (`core.hooksPath .husky`) runs `.husky/<hook>` directly,
 * so a file created there needs a shebang and the executable bit.
 */
import { basename, dirname, isAbsolute, join } from "node:path";
import type { RepoLayout } from "../git/repoLayout.js";
import type { HookName } from "../hooks/table.js";
import { guardedCall } from "./hookScripts.js";

export const HUSKY_BEGIN = "# >>> dejafix: added by `dejafix init`; `dejafix uninstall` removes this block";
export const HUSKY_END = "# <<< dejafix";

export interface HuskySetup {
  /** The folder with the user's hook scripts (`.husky`). */
  dir: string;
  /** husky ≤ 8: scripts are the hooks themselves. */
  legacy: boolean;
}

/** husky is in charge when core.hooksPath points at `.husky/_` (v9) or `.husky` (v4–8). */
export function detectHusky(layout: Pick<RepoLayout, "hooksPathConfig" | "topLevel">): HuskySetup | null {
  const raw = layout.hooksPathConfig?.replace(/\/+$/, "");
  if (!raw) return null;
  const abs = isAbsolute(raw) ? raw : join(layout.topLevel, raw);
  if (basename(abs) === "_" && basename(dirname(abs)) === ".husky")
    return { dir: dirname(abs), legacy: false };
  if (basename(abs) === ".husky") return { dir: abs, legacy: true };
  return null;
}

export function huskyBlock(hook: HookName): string {
  return `${HUSKY_BEGIN}\n${guardedCall(hook, '"$@"')}\n${HUSKY_END}\n`;
}

/** The script with dejafix's block at the end (replacing an older block in place). */
export function addHuskyBlock(current: string | null, hook: HookName, legacy: boolean): string {
  const block = huskyBlock(hook);
  if (current === null) return `${legacy ? "#!/usr/bin/env sh\n" : ""}${block}`;
  if (current.includes(HUSKY_BEGIN)) return replaceBlock(current, block);
  const sep = current === "" || current.endsWith("\n") ? "" : "\n";
  return `${current}${sep}${block}`;
}

/** Removes dejafix's block, keeping everything else byte for byte. */
export function removeHuskyBlock(content: string): string {
  return replaceBlock(content, "");
}

function replaceBlock(content: string, replacement: string): string {
  const start = content.indexOf(HUSKY_BEGIN);
  if (start < 0) return content;
  const endMarker = content.indexOf(HUSKY_END, start);
  if (endMarker < 0) return content;
  let end = endMarker + HUSKY_END.length;
  if (content[end] === "\n") end++;
  return content.slice(0, start) + replacement + content.slice(end);
}
