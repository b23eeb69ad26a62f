/**
 * Which rules files apply to a path of the repository, in the order they are merged (each over the ones
 * before it):
 *
 *   <top>/.dejafix/rules.yml              the team's, committed
 *   <top>/packages/api/.dejafix/rules.yml a package's, committed (nearer folders later: the nearest wins)
 *   <top>/.dejafix/rules.local.yml        yours, git-ignored
 *   <top>/packages/api/.dejafix/rules.local.yml
 *
 * The team's files come first and the personal ones last, so what you set for yourself wins over every
 * team file, and between two team files (or two personal ones) the one nearer the path wins.
 */
import fs from "node:fs";
import path from "node:path";
import { PERSONAL_RULES_NAME } from "./loadRules.js";

export const RULES_DIR_NAME = ".dejafix";
export const TEAM_RULES_NAME = "rules.yml";

/** Present in any form: a FIFO or a directory in place of a rules file is loaded, and refused by name. */
function present(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * The folders between the top level and a repository-relative path (`a/b/c.ts` → "", "a", "a/b") that
 * hold a `.dejafix/rules.yml` or `.dejafix/rules.local.yml`, outermost first. `exists` is memoized by the
 * caller across the paths of one change.
 */
function ruleFolders(relPath: string, has: (folder: string) => boolean): string[] {
  const parts = relPath.split("/").slice(0, -1);
  const folders = [""];
  for (let i = 1; i <= parts.length; i++) folders.push(parts.slice(0, i).join("/"));
  return folders.filter((f) => f === "" || has(f));
}

/** The files that apply to one path, in merge order (see the header). */
export function rulesChainFor(top: string, relPath: string, has = folderHasRules(top)): string[] {
  const folders = ruleFolders(relPath, has);
  const at = (folder: string, name: string) => path.join(top, folder, RULES_DIR_NAME, name);
  const team = folders.map((f) => at(f, TEAM_RULES_NAME)).filter(present);
  const personal = folders.map((f) => at(f, PERSONAL_RULES_NAME)).filter(present);
  return [...team, ...personal];
}

/** A memoized test: does this folder (relative to the top) hold rules of its own? */
export function folderHasRules(top: string): (folder: string) => boolean {
  const known = new Map<string, boolean>();
  return (folder) => {
    let v = known.get(folder);
    if (v === undefined) {
      const dir = path.join(top, folder, RULES_DIR_NAME);
      v = present(path.join(dir, TEAM_RULES_NAME)) || present(path.join(dir, PERSONAL_RULES_NAME));
      known.set(folder, v);
    }
    return v;
  };
}

/**
 * The changed paths grouped by the rules that apply to them: one group per distinct chain of files,
 * the repository's own chain (no package file) first. Most changes give one group.
 */
export function groupByRules(
  top: string,
  relPaths: readonly string[],
): Array<{ files: string[]; paths: string[] }> {
  const has = folderHasRules(top);
  const groups = new Map<string, { files: string[]; paths: string[] }>();
  const rootKey = rulesChainFor(top, "x", has).join("\0");
  groups.set(rootKey, { files: rulesChainFor(top, "x", has), paths: [] });
  for (const p of relPaths) {
    const files = rulesChainFor(top, p, has);
    const key = files.join("\0");
    let g = groups.get(key);
    if (!g) {
      g = { files, paths: [] };
      groups.set(key, g);
    }
    g.paths.push(p);
  }
  return [...groups.values()].filter((g) => g.paths.length > 0);
}
