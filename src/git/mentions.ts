import { gitSyncMaybe } from "./run.js";

/**
 * Whether a file of a commit's tree matching one of `globs` (`*.c`, `*.h`), other than `except`, has `word`
 * as a whole word (`git grep -q -w -F`): a member a suggestion would use is one the repository's code still
 * has. Asked only for a suggestion about to be placed, so one process.
 */
export function mentions(
  repoDir: string,
  rev: string,
  word: string,
  globs: readonly string[],
  except: readonly string[],
): boolean {
  const out = gitSyncMaybe(repoDir, [
    "grep",
    "-q",
    "-w",
    "-F",
    "-e",
    word,
    rev,
    "--",
    ...globs.map((g) => `:(glob)**/${g}`),
    ...except.map((p) => `:(exclude,literal)${p}`),
  ]);
  return out !== null;
}
