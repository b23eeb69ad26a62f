/**
 * lefthook refuses to share a hooks folder, so with a lefthook config dejafix adds a `dejafix` command to
 * each hook in that config (comments and order kept) and lets lefthook run it; `npx lefthook install`
 * syncs the hooks. Sample of what is added:
 *   pre-push:
 *     commands:
 *       dejafix:
 *         run: dejafix_script="$(git rev-parse --git-common-dir)/dejafix/hooks/pre-push"; if ...; fi
 *         use_stdin: true
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { isMap, parseDocument } from "yaml";
import type { HookName } from "../hooks/table.js";
import { guardedCall, HOOKS, STDIN_HOOKS } from "./hookScripts.js";

export const LEFTHOOK_FILES = ["lefthook.yml", "lefthook.yaml", ".lefthook.yml", ".lefthook.yaml"];

export const COMMAND = "dejafix";

export function findLefthookConfig(topLevel: string): string | null {
  for (const name of LEFTHOOK_FILES) {
    const file = join(topLevel, name);
    if (existsSync(file)) return file;
  }
  return null;
}

function command(hook: HookName): Record<string, unknown> {
  // lefthook substitutes {1} {2} with the hook's arguments (pre-push: remote name and url).
  const args = hook === "pre-push" ? "{1} {2}" : "";
  return { run: guardedCall(hook, args), ...(STDIN_HOOKS.has(hook) ? { use_stdin: true } : {}) };
}

/** The config with dejafix's commands, or null when they are already there exactly. */
export function addLefthookCommands(text: string, hooks: readonly HookName[] = HOOKS): string | null {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`cannot edit lefthook config: ${doc.errors[0]?.message ?? ""}`);
  let changed = false;
  for (const hook of hooks) {
    const want = command(hook);
    const have = doc.getIn([hook, "commands", COMMAND]);
    const same =
      isMap(have) &&
      have.get("run") === want.run &&
      (have.get("use_stdin") ?? undefined) === want.use_stdin &&
      have.items.length === Object.keys(want).length;
    if (same) continue;
    doc.setIn([hook, "commands", COMMAND], doc.createNode(want));
    changed = true;
  }
  return changed ? doc.toString({ lineWidth: 0 }) : null;
}

/** Where lefthook keeps the checksum of the config its installed hooks match (it re-syncs on a change). */
export function lefthookChecksumFile(commonDir: string): string {
  return join(commonDir, "info", "lefthook.checksum");
}

/** Removes dejafix's commands, and the `commands` / hook keys that only held them. */
export function removeLefthookCommands(text: string, hooks: readonly HookName[] = HOOKS): string {
  const doc = parseDocument(text);
  for (const hook of hooks) {
    if (!doc.hasIn([hook, "commands", COMMAND])) continue;
    doc.deleteIn([hook, "commands", COMMAND]);
    const commands = doc.getIn([hook, "commands"]);
    if (isMap(commands) && commands.items.length === 0) doc.deleteIn([hook, "commands"]);
    const section = doc.getIn([hook]);
    if (isMap(section) && section.items.length === 0) doc.deleteIn([hook]);
  }
  return doc.toString({ lineWidth: 0 });
}
