import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** sha256 of a model file: stored percentiles belong to exactly one model. */
export function modelDigest(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}
