import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * How features are extracted for scoring. It is part of the digest, so that percentiles stored by a
 * dejafix that built its token bags another way (before: from the plain diff) are computed again
 * rather than compared with scores they do not describe.
 */
export const FEATURES_VERSION = "token-bags: whitespace-insensitive diff";

/**
 * sha256 of a model file and of FEATURES_VERSION: stored percentiles belong to exactly one of these.
 * `bytes`: the file's content when the caller has read it already.
 */
export function modelDigest(path: string, bytes?: Uint8Array): string {
  return createHash("sha256")
    .update(bytes ?? readFileSync(path))
    .update(`\0${FEATURES_VERSION}`)
    .digest("hex");
}
