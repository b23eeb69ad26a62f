/**
 * The harness's plug-in points: the checker (risk score + clone match + fix, src/hooks/checker.ts, or the
 * module DEJAFIX_CHECKER names) and the index updater of the post-* hooks (`dejafix index`, or the module
 * DEJAFIX_INDEXER names). Both are loaded only when a hook needs them, to keep start-up short.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Checker } from "../verdict/types.js";

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Call site for the real checker (risk score from src/model + clone match from src/clones + fix from
 * src/suggest): the module `src/hooks/checker.ts` must export `checker: Checker`. DEJAFIX_CHECKER (a module
 * path exporting `checker` or a default function) replaces it, which is how the end-to-end tests plug in.
 */
export const DEFAULT_CHECKER_MODULE = "./checker.js";

/** A checker module may also export `prepare(layout)`, called before the change is read (to start slow loads). */
type Prepare = (layout: { topLevel: string; gitDir: string; commonDir: string }) => void;
export type Loaded = { ok: true; fn: Checker; prepare?: Prepare } | { ok: false; error: string };

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
      const main = join(HERE, "..", "cli", "main.js");
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
