/**
 * Named points between the writes of `dejafix index`, where the fault suite (test/faults.index.test.ts)
 * kills a run: with DEJAFIX_FAULT_AT=name[:n] the process writes its pid to DEJAFIX_FAULT_FILE and
 * stops itself (SIGSTOP) the n-th time (default: the first) it passes `name`; the test then kills it
 * there, or lets it go on. Unset in real use, where a call costs one comparison.
 *
 * Points: "batch" (a batch of mined commits committed), "tip" (mining done, tip saved), "metrics"
 * (change metrics written, hook tables not yet), "blocks" (a batch of defect blocks committed, clone
 * index not yet frozen), "calibration" (percentiles computed, not yet saved).
 */
import { writeFileSync } from "node:fs";

const [target = "", nth = "1"] = (process.env.DEJAFIX_FAULT_AT ?? "").split(":");
let hits = 0;

export function faultPoint(name: string): void {
  if (target === "" || name !== target) return;
  hits++;
  if (hits !== Number(nth)) return;
  const file = process.env.DEJAFIX_FAULT_FILE;
  if (file) writeFileSync(file, `${process.pid}\n`);
  process.kill(process.pid, "SIGSTOP");
}
