/**
 * The hooks dejafix installs, in one table: what git hands each one, what it reads, and whether it can stop
 * what git is doing. The installer writes one script per entry (src/install/hookScripts.ts) and the harness
 * (src/hooks/runHook.ts) acts on it, so a new hook (a commit-msg check, say) is one entry here and its
 * handling in the harness.
 */
import type { GatedHook, Rules } from "../rules/types.js";

export interface HookSpec {
  name: string;
  /** What the hook is for, as its script's comment says it. */
  purpose: string;
  /** git writes data on the hook's standard input (pre-push: the refs pushed; post-rewrite: the commits rewritten). */
  stdin: boolean;
  /** What it checks: the staged change, the pushed commits, or nothing (it keeps the index up to date). */
  reads: "staged" | "pushed" | null;
  /** A verdict can stop git (exit 1): only the hooks that check. */
  blocks: boolean;
}

export const HOOK_TABLE = [
  {
    name: "pre-commit",
    purpose: "checks the staged change for bugs this repository has had before",
    stdin: false,
    reads: "staged",
    blocks: true,
  },
  {
    name: "pre-push",
    purpose: "checks the commits being pushed for bugs this repository has had before",
    stdin: true,
    reads: "pushed",
    blocks: true,
  },
  {
    name: "post-commit",
    purpose: "brings the index up to date in the background",
    stdin: false,
    reads: null,
    blocks: false,
  },
  {
    name: "post-merge",
    purpose: "brings the index up to date in the background after a merge or pull",
    stdin: false,
    reads: null,
    blocks: false,
  },
  {
    name: "post-rewrite",
    purpose: "brings the index up to date in the background after a rebase or amend",
    stdin: true,
    reads: null,
    blocks: false,
  },
] as const satisfies readonly HookSpec[];

export type HookName = (typeof HOOK_TABLE)[number]["name"];

export const HOOK_NAMES: readonly HookName[] = HOOK_TABLE.map((h) => h.name);

export function isHookName(s: string | undefined): s is HookName {
  return HOOK_NAMES.includes(s as HookName);
}

export function hookSpec(name: HookName): HookSpec {
  return HOOK_TABLE.find((h) => h.name === name)!;
}

/** The hooks that check a change (and that levels, freeze windows and the time budgets name). */
export function isGated(name: HookName): name is GatedHook {
  return hookSpec(name).reads !== null;
}

/** The rules' switch and time budget of a checking hook. */
export function gateOf(name: GatedHook, rules: Rules): { enabled: boolean; budgetMs: number } {
  return name === "pre-push"
    ? { enabled: rules.hooks.prePush.enabled, budgetMs: rules.hooks.prePush.timeBudgetMs }
    : { enabled: rules.hooks.preCommit.enabled, budgetMs: rules.hooks.timeBudgetMs };
}
