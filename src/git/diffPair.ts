import { DIFF_FORMAT, parseDiffBody } from "./parseLog.js";
import { git } from "./run.js";
import type { GitShell } from "./shellRunner.js";
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
  /** The pass's long-lived shell, when it has one (a spawn from a big process blocks it for milliseconds). */
  shell?: GitShell,
): Promise<FileChange[]> {
  const run = shell ? (args: string[]) => shell.run(args) : (args: string[]) => git(repoDir, args);
  const out = await run([
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
