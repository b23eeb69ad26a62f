/**
 * The hook's time budget, enforced from outside the JavaScript that runs the check.
 *
 * A timer on the main thread cannot fire while a checker computes synchronously (a 15 s loop, a slow
 * SQLite query, a blocking read): the event loop never comes back to it. So something outside it waits
 * for the deadline instead. When the deadline passes before the hook has decided, it writes the budget
 * notice to stderr and ends the process with SIGALRM, which hooks/dejafix.sh turns into "let the change
 * through". A verdict the main thread reaches after that is never acted on.
 *
 * Who decides is settled once, atomically: the main thread `settle()`s before it prints a verdict or sets
 * an exit code; the watcher does the same before it fires. Whichever comes first wins; the other does nothing.
 *
 * The watcher is a `/bin/sh` that sleeps (POSIX systems, where the hook itself runs under sh): about 2 ms
 * of CPU. The decision is a directory both sides try to create (mkdir is atomic: one of them gets it). On
 * Windows a worker thread waits on a shared clock instead; it costs ~25 ms of CPU (a second V8 isolate
 * starting up), so it is the fallback only. The harness starts either only once it knows it will check
 * (hooks that skip, like a rebase's replayed commits, never do). Measured with
 * `node dist/bench/hookBench.js --baseline ROOT`.
 */
import { spawn } from "node:child_process";
import { mkdirSync, rmdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The exit status a shell sees for a process ended by SIGALRM (128 + 14). */
export const WATCHDOG_EXIT_STATUS = 142;

// Layout of the shared buffer: Int32 slots, then the notice as UTF-8.
const WAKE = 0; // bumped to wake the worker once the hook has settled
const OWNER = 1; // who decided: UNDECIDED, HOOK, FIRED (the worker) or LATE (the hook, past the deadline)
const NOTICE_BYTES = 2; // length of the notice
const DEADLINE_AT = 16; // byte offset of a Float64: the deadline in epoch milliseconds
const NOTICE_AT = 24;
const NOTICE_MAX = 2048;
const UNDECIDED = 0;
const HOOK = 1;
const FIRED = 2;
const LATE = 3;

// CommonJS, run by the worker. It sleeps until the deadline (waking early when the hook settles), then fires
// unless the hook has settled first. SIGKILL follows if a handler kept SIGALRM from ending the process.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const slots = new Int32Array(workerData, 0, 3);
const deadline = new Float64Array(workerData, ${DEADLINE_AT}, 1);
(function watch() {
  for (;;) {
    if (Atomics.load(slots, ${OWNER}) !== ${UNDECIDED}) return;
    const wake = Atomics.load(slots, ${WAKE});
    const left = deadline[0] - Date.now();
    if (left <= 0) break;
    Atomics.wait(slots, ${WAKE}, wake, left);
  }
  if (Atomics.compareExchange(slots, ${OWNER}, ${UNDECIDED}, ${FIRED}) !== ${UNDECIDED}) return;
  const n = Atomics.load(slots, ${NOTICE_BYTES});
  try { writeSync(2, Buffer.from(new Uint8Array(workerData, ${NOTICE_AT}, n)).toString("utf8") + "\\n"); } catch {}
  try { process.kill(process.pid, "SIGALRM"); } catch { process.kill(process.pid); }
  setTimeout(() => process.kill(process.pid, "SIGKILL"), 500);
})();
`;

/**
 * What `settle` found: "on-time" (the hook decides), "late" (past the deadline: the hook lets the change
 * through and prints the notice itself) or "fired" (the watchdog is printing the notice and ending the
 * process: the hook lets the change through and prints nothing).
 */
export type Settled = "on-time" | "late" | "fired";

export interface Deadline {
  /** Epoch milliseconds. */
  readonly at: number;
  /** Claims the decision; after "on-time" the watchdog never fires. The first answer is kept. */
  settle(): Settled;
}

/** A deadline the hook checks itself (library callers and tests): nothing ends the process. */
export function localDeadline(at: number): Deadline {
  let settled: Settled | null = null;
  return {
    at,
    settle(): Settled {
      settled ??= Date.now() <= at ? "on-time" : "late";
      return settled;
    },
  };
}

/**
 * A deadline enforced from outside the main thread that ends the process when it passes (the hook's entry
 * point): a sleeping shell where there is one, else a worker thread.
 */
export function startWatchdog(at: number, notice: string): Deadline {
  return process.platform === "win32" ? threadWatchdog(at, notice) : shellWatchdog(at, notice);
}

// Run by /bin/sh as: sh -c WATCHER dejafix-watchdog SECONDS CEILING LOCK PID NOTICE. Sleeps until the
// deadline (a `sleep` without fractions sleeps whole seconds; none at all, and it stands down), then takes
// the decision unless the hook has (a LOCK that exists: the hook made it), prints the notice and ends the
// hook: SIGALRM, and SIGKILL if a handler kept it alive. A hook that is gone already is left alone. GUI
// clients may run hooks with a bare PATH: sleep, mkdir and rmdir live in /bin or /usr/bin everywhere.
const WATCHER = `PATH="\${PATH:+$PATH:}/usr/bin:/bin"
sleep "$1" 2>/dev/null || sleep "$2" 2>/dev/null || exit 0
if ! mkdir "$3" 2>/dev/null; then [ -d "$3" ] && exit 0; fi
kill -0 "$4" 2>/dev/null || { rmdir "$3" 2>/dev/null; exit 0; }
printf '%s\\n' "$5" >&2
kill -ALRM "$4" 2>/dev/null
i=0
while kill -0 "$4" 2>/dev/null && [ $i -lt 10 ]; do sleep 0.05 2>/dev/null || sleep 1; i=$((i + 1)); done
kill -0 "$4" 2>/dev/null && kill -KILL "$4" 2>/dev/null
rmdir "$3" 2>/dev/null
exit 0`;

export function shellWatchdog(at: number, notice: string): Deadline {
  const lock = join(tmpdir(), `dejafix-deadline-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const ms = Math.max(0, at - Date.now());
  const watcher = spawn(
    "/bin/sh",
    [
      "-c",
      WATCHER,
      "dejafix-watchdog",
      (ms / 1000).toFixed(3),
      String(Math.ceil(ms / 1000)),
      lock,
      String(process.pid),
      notice.slice(0, NOTICE_MAX),
    ],
    // Its own process group, so that standing down ends its `sleep` too (which holds stderr open).
    { detached: true, stdio: ["ignore", "ignore", "inherit"] },
  );
  watcher.unref();
  // A watcher that cannot start (no /bin/sh): a thread does its job.
  let fallback: Deadline | undefined;
  watcher.on("error", () => {
    fallback ??= threadWatchdog(at, notice);
  });
  let stood = false;
  const standDown = (): void => {
    // Once only: a process group id is free for reuse once its processes are gone.
    if (stood) return;
    stood = true;
    try {
      if (watcher.pid !== undefined) process.kill(-watcher.pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  };
  // Whatever ends the process, the watcher ends with it.
  process.once("exit", standDown);
  let settled: Settled | null = null;
  return {
    at,
    settle(): Settled {
      if (settled !== null) return settled;
      if (fallback) {
        settled = fallback.settle();
        return settled;
      }
      const onTime = Date.now() <= at;
      try {
        mkdirSync(lock);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") {
          // The watcher fired: give it the moment it needs to print and end the process.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
          settled = "fired";
          return settled;
        }
        // No folder for the decision (an unwritable temp folder): the watcher cannot take it either.
      }
      standDown();
      try {
        rmdirSync(lock);
      } catch {
        // Not made, or already gone.
      }
      settled = onTime ? "on-time" : "late";
      return settled;
    },
  };
}

/** The deadline kept by a worker thread (where there is no /bin/sh). */
export function threadWatchdog(at: number, notice: string): Deadline {
  const shared = new SharedArrayBuffer(NOTICE_AT + NOTICE_MAX);
  const slots = new Int32Array(shared, 0, 3);
  const when = new Float64Array(shared, DEADLINE_AT, 1);
  const bytes = new Uint8Array(shared, NOTICE_AT, NOTICE_MAX);
  const wake = () => {
    Atomics.add(slots, WAKE, 1);
    Atomics.notify(slots, WAKE);
  };
  const { written } = new TextEncoder().encodeInto(notice, bytes);
  Atomics.store(slots, NOTICE_BYTES, written);
  when[0] = at;
  // Loaded here only: the module costs its compile on every hook otherwise.
  const { Worker } = createRequire(import.meta.url)(
    "node:worker_threads",
  ) as typeof import("node:worker_threads");
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: shared,
    stdout: false,
    stderr: false,
    env: {},
  });
  // Never keeps the process alive, and an error inside it (none expected) must not end the hook.
  worker.unref();
  worker.on("error", () => undefined);
  return {
    at,
    settle(): Settled {
      const onTime = Date.now() <= (when[0] ?? 0);
      const previous = Atomics.compareExchange(slots, OWNER, UNDECIDED, onTime ? HOOK : LATE);
      wake();
      if (previous === UNDECIDED) return onTime ? "on-time" : "late";
      if (previous === HOOK) return "on-time";
      if (previous === LATE) return "late";
      // The watchdog fired: give it the moment it needs to print and end the process.
      Atomics.wait(slots, WAKE, Atomics.load(slots, WAKE), 1000);
      return "fired";
    },
  };
}
