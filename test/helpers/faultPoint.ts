/**
 * Runs that stop themselves at a fault point (src/index/faultPoint.ts): the process writes its pid to the marker
 * file and sends itself SIGSTOP, so a test can do its fault (kill it, fill the disk) at that exact point.
 */
import { existsSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Linux process state letter (T: stopped), or null when the process is gone. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? null;
  } catch {
    return null;
  }
}

/** Waits (25 ms a try) until the run has stopped at `at` and wrote its pid to `marker`; fails if it ends first. */
export async function stoppedAt(
  p: { closed: Promise<unknown>; err(): string },
  marker: string,
  at: string,
  tries: number,
): Promise<number> {
  let ended = false;
  void p.closed.then(() => {
    ended = true;
  });
  for (let i = 0; i < tries; i++) {
    if (existsSync(marker)) {
      const pid = Number(readFileSync(marker, "utf8"));
      if (pid > 0 && processState(pid) === "T") return pid;
    }
    if (ended) throw new Error(`the run ended without reaching ${at}:\n${p.err()}`);
    await sleep(25);
  }
  throw new Error(`the run never reached ${at}`);
}
