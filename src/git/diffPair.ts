import { DIFF_FORMAT, parseDiffBody } from "./parseLog.js";
import { git } from "./run.js";
import type { FileChange } from "./types.js";

/**
 * The diff between two commits in the same form as the history pass (`--raw -z -p -U0 -w -M`).
 * Used for the rare merges whose files differ from every parent (content merges, conflict fixes).
 */
export async function diffPair(
  repoDir: string,
  from: string,
  to: string,
  paths: string[] = [],
): Promise<FileChange[]> {
  const out = await git(repoDir, [
    "diff-tree",
    "-r",
    ...DIFF_FORMAT,
    "-U0",
    "-w",
    from,
    to,
    "--",
    ...paths.map((p) => `:(literal)${p}`),
  ]);
  return parseDiffBody(out);
}
