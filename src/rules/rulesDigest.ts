import { createHash } from "node:crypto";
import type { Rules } from "./types.js";

/**
 * sha256 of the parts of the rules that decide what `dejafix index` stores: which commits are fixes
 * (`fixes`), how SZZ picks defect commits (`szz`), which files are followed (`paths`) and which give
 * defect blocks (`clones`). Levels, schedules and hook settings are left out: they change what a hook
 * does with the index, not the index. `extra` is the content of files those parts name (the bug
 * issues export), which the caller reads.
 */
export function indexRulesDigest(rules: Rules, extra = ""): string {
  const { fixes, szz, paths, clones } = rules;
  return createHash("sha256")
    .update(canonical({ fixes, szz, paths, clones }))
    .update(`\0${extra}`)
    .digest("hex");
}

/** JSON with object keys sorted, so two equal rules give one text whatever order they were read in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}
