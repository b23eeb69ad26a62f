import { git } from "./run.js";

/**
 * Owner commit of every line of `path` at `rev`, ignoring whitespace (`git blame -w --porcelain`).
 * Porcelain sample (a header per line; author fields only the first time a commit appears):
 *
 *   4d5e6f… 3 7 2        <- commit, line in commit, final line, lines in this group
 *   author Ada
 *   …
 *   filename src/a.ts
 *   \tconst x = 1;
 *   4d5e6f… 4 8
 *   \tconst y = 2;
 */
export async function blameOwners(repoDir: string, rev: string, path: string): Promise<string[]> {
  const out = await git(repoDir, ["blame", "-w", "--porcelain", rev, "--", path]);
  const owners: string[] = [];
  let expectHeader = true;
  for (const line of out.split("\n")) {
    if (expectHeader) {
      if (/^[0-9a-f]{40} \d+ \d+/.test(line)) {
        owners.push(line.slice(0, 40));
        expectHeader = false;
      }
    } else if (line.startsWith("\t")) {
      expectHeader = true;
    }
  }
  return owners;
}
