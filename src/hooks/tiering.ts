/**
 * V8's optimizing compiler (TurboFan) during a blocking hook. A check of a small change is over before the
 * code it would optimize has paid for its compilation, which runs on a second thread: on two cores shared
 * with other work that thread costs the hook about a quarter of its CPU time and shows in its wall time.
 * So a blocking hook starts with TurboFan off, and turns it back on as soon as it knows the change is large,
 * where the hot loops (lexing, normalizing, LCS) run long enough for optimized code to pay. Background hooks
 * (index upkeep) never turn it off.
 */
import { setFlagsFromString } from "node:v8";

/**
 * Lines a change adds and removes from which its check runs with TurboFan. Measured on redis (a new C file
 * staged, whole hook CPU without / with TurboFan): 150 lines 220 / 340 ms, 1,000 lines 430 / 650 ms,
 * 1,400 lines 640 / 770 ms, 1,900 lines 1,070 / 825 ms.
 */
export const OPTIMIZE_FROM_LINES = 1500;

/** A check of a small change to come: code is interpreted or baseline-compiled, never optimized. */
export function quickStart(): void {
  setFlagsFromString("--no-turbofan");
}

/** The change to check: with `lines` added and removed lines or more, TurboFan is on again. */
export function tierFor(lines: number): void {
  if (lines >= OPTIMIZE_FROM_LINES) setFlagsFromString("--turbofan");
}
