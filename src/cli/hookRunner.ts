/**
 * The process git starts for a hook. hooks/dejafix.sh runs this file directly (not the full CLI, to keep
 * start-up short):
 *   node hookRunner.js pre-commit
 *   node hookRunner.js pre-push <remote> <url>      (refs on stdin)
 *   node hookRunner.js post-commit | post-merge | post-rewrite
 * and maps its exit code: 0 lets the change through, 3 stops it (the hook exits 1), anything else is treated
 * as dejafix failing to start and lets the change through. The harness itself is src/hooks/runHook.ts.
 */
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runHook } from "../hooks/runHook.js";
import { HOOK_NAMES, hookSpec, isHookName } from "../hooks/table.js";
import { quickStart } from "../hooks/tiering.js";
import { type Deadline, startWatchdog } from "../hooks/watchdog.js";
import { printErr } from "../report/output.js";
import { sanitizeLine } from "../report/sanitize.js";

/** Process exit code that tells hooks/dejafix.sh to stop the commit or push. */
export const BLOCK_EXIT_CODE = 3;

function readStdin(): string {
  try {
    return readFileSync(0, "utf8");
  } catch {
    return "";
  }
}

interface Ended {
  code: number;
  /** A change was checked (not skipped before the checker ran). */
  checked: boolean;
}

async function main(argv: string[]): Promise<Ended> {
  const [name, ...args] = argv;
  if (!isHookName(name)) {
    printErr(
      `dejafix: unknown hook "${sanitizeLine(String(name))}"; expected one of ${HOOK_NAMES.join(", ")}.\n`,
    );
    return { code: 0, checked: false };
  }
  if (process.env.DEJAFIX === "0") return { code: 0, checked: false };
  if (hookSpec(name).blocks) quickStart();
  const stdin = hookSpec(name).stdin ? readStdin() : undefined;
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
  return {
    code: result.exitCode === 1 ? BLOCK_EXIT_CODE : 0,
    checked: result.outcome !== "skipped" && result.outcome !== "timeout" && result.outcome !== "error",
  };
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

/**
 * Runs the hook named in `argv` and ends the process with its exit code (the pack, dist/src/hook.cjs, calls
 * this). `ended` runs just before, told whether a change was checked (the pack then keeps its code cache).
 */
export function start(argv: string[], ended?: (checked: boolean) => void): void {
  main(argv).then(
    ({ code, checked }) => {
      // A checker that outlived the budget may hold timers or handles: leave once stderr is flushed.
      process.stderr.write("", () => {
        ended?.(checked);
        process.exit(code);
      });
    },
    (e: unknown) => {
      process.stderr.write(`dejafix: ${sanitizeLine(String(e))}\n`, () => process.exit(0));
    },
  );
}

if (isEntryPoint()) start(process.argv.slice(2));
