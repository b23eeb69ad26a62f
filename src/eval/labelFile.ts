/**
 * Labels from elsewhere (`--labels FILE.csv`), instead of SZZ. Two layouts are read:
 *
 *   commit,buggy                                   (1/0, true/false, yes/no or buggy/clean)
 *   9e89d5b94d749f37525cd8778311e1c9f28f172a,1
 *
 *   commit,label,on_head                           (ApacheJIT, MSR'22)
 *   0051cd26087492fe393932d9fdac1f7bff8b7ac4,buggy,True
 *
 * Commits are full 40-character ids. Returns sha → true when defect-introducing.
 */
import { readFileSync } from "node:fs";
import { parseCsv, parseJitLabels } from "./oracles.js";

const FULL_SHA = /^[0-9a-f]{40}$/;
const TRUE = new Set(["1", "true", "yes", "buggy"]);
const FALSE = new Set(["0", "false", "no", "clean"]);

export function parseLabelFile(text: string, what = "labels file"): Map<string, boolean> {
  const [header] = parseCsv(text);
  const names = (header ?? []).map((h) => h.trim().toLowerCase());
  if (!names.includes("commit")) {
    throw new Error(
      `${what}: no "commit" column; the header is "${names.join(",")}". Expected commit,buggy or commit,label (ApacheJIT).`,
    );
  }
  if (!names.includes("buggy")) {
    if (names.includes("label")) return parseJitLabels(text);
    throw new Error(
      `${what}: no "buggy" or "label" column; the header is "${names.join(",")}". Expected commit,buggy or commit,label (ApacheJIT).`,
    );
  }
  const commitAt = names.indexOf("commit");
  const buggyAt = names.indexOf("buggy");
  const labels = new Map<string, boolean>();
  parseCsv(text)
    .slice(1)
    .forEach((cells, i) => {
      const line = i + 2;
      const sha = (cells[commitAt] ?? "").trim().toLowerCase();
      if (!FULL_SHA.test(sha))
        throw new Error(`${what}: line ${line}: "${sha}" is not a 40-character commit id.`);
      const value = (cells[buggyAt] ?? "").trim().toLowerCase();
      if (TRUE.has(value)) labels.set(sha, true);
      else if (FALSE.has(value)) labels.set(sha, false);
      else throw new Error(`${what}: line ${line}: buggy is "${value}"; use 1 or 0 (or true/false).`);
    });
  return labels;
}

export function loadLabelFile(path: string): Map<string, boolean> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read the labels file ${path}: ${(error as Error).message}`);
  }
  return parseLabelFile(text, path);
}
