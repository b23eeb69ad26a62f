/**
 * `--format json`: the verdicts exactly as computed (strings are not altered, so scripts see the real commit
 * messages), with C1 and bidi characters written as \u escapes so printing the JSON is still safe.
 */

import type { ReportItem } from "../verdict/types.js";
import { escapeJsonUnsafe } from "./sanitize.js";

export const JSON_FORMAT_VERSION = 1;

export function renderJson(items: ReportItem[]): string {
  const doc = {
    version: JSON_FORMAT_VERSION,
    action:
      (["block", "warn", "note"] as const).find((a) => items.some((i) => i.verdict.action === a)) ?? "pass",
    results: items.map((i) => ({ commit: i.commit, ...i.verdict })),
  };
  return escapeJsonUnsafe(JSON.stringify(doc, null, 2));
}
