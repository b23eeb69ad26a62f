/**
 * The shell pieces init writes: the per-clone copies of hooks/ (with the Node and runner that ran init
 * filled in as fallbacks), the stub for a hooks folder, and the guarded one-liner for husky and lefthook.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { HOOK_NAMES, HOOK_TABLE, type HookName, hookSpec } from "../hooks/table.js";

/** Every hook dejafix installs, in the order of the table (src/hooks/table.ts). */
export const HOOKS: readonly HookName[] = HOOK_NAMES;

/** Hooks whose stdin carries data (the refs being pushed, the rewritten commits). */
export const STDIN_HOOKS: ReadonlySet<HookName> = new Set(
  HOOK_TABLE.filter((h) => h.stdin).map((h) => h.name),
);

/** First comment line of every file git runs that dejafix wrote; how init and uninstall recognise them. */
export const STUB_MARKER = "# dejafix managed hook";

/** dist/src/install/hookScripts.js → the package root (where hooks/ and dist/ live). */
export function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
}

export function runnerPath(root: string = packageRoot()): string {
  return join(root, "dist", "src", "cli", "hookRunner.js");
}

/** Single-quotes a value for sh: 'it'\''s'. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

export interface HookCopy {
  name: string;
  content: string;
  mode: number;
}

/** hooks/<name> and hooks/dejafix.sh, with init's Node and runner written into dejafix.sh. */
export function hookCopies(root: string, nodePath: string, runner: string): HookCopy[] {
  const dir = join(root, "hooks");
  const lib = readFileSync(join(dir, "dejafix.sh"), "utf8")
    .replace(/^DEJAFIX_INIT_NODE=.*$/m, `DEJAFIX_INIT_NODE=${shQuote(nodePath)}`)
    .replace(/^DEJAFIX_INIT_RUNNER=.*$/m, `DEJAFIX_INIT_RUNNER=${shQuote(runner)}`);
  return [
    { name: "dejafix.sh", content: lib, mode: 0o644 },
    ...HOOKS.map((h) => ({ name: h, content: hookScript(h), mode: 0o755 })),
  ];
}

/** The per-clone script of one hook, written from its entry in the table: it sources hooks/dejafix.sh. */
export function hookScript(hook: HookName): string {
  return [
    "#!/bin/sh",
    `# dejafix ${hook} hook: ${hookSpec(hook).purpose}.`,
    "# Installed per clone by `dejafix init`; skip once with DEJAFIX=0 (or git's --no-verify).",
    "# shellcheck disable=SC2034 # read by dejafix.sh",
    `dejafix_hook=${hook}`,
    "# shellcheck source=dejafix.sh",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: sh's own parameter expansion (the hook's folder)
    '. "${0%/*}/dejafix.sh"',
    "",
  ].join("\n");
}

/** The file placed in a hooks folder: runs the user's previous hook, then this clone's dejafix hook. */
export function stubScript(root: string, hook: HookName): string {
  return readFileSync(join(root, "hooks", "stub.sh"), "utf8").replace("__DEJAFIX_HOOK__", hook);
}

/**
 * One line for files shared through the repository (.husky/*, lefthook.yml): it runs this clone's copy of
 * the hook when there is one and does nothing otherwise, so teammates without dejafix are never blocked.
 */
export function guardedCall(hook: HookName, args: string): string {
  const call = args ? `sh "$dejafix_script" ${args}` : `sh "$dejafix_script"`;
  return (
    `dejafix_script="$(git rev-parse --git-common-dir)/dejafix/hooks/${hook}"; ` +
    `if [ -f "$dejafix_script" ]; then ${call}; fi`
  );
}
