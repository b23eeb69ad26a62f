import { gitSync } from "./run.js";

/**
 * A file's text in a commit (`git cat-file blob REV:PATH`), or null when it is not there or not text.
 * For the rare question asked once per candidate (is a past fix still in its file?), so one process.
 */
export function fileAt(repoDir: string, rev: string, path: string): string | null {
  try {
    const blob = gitSync(repoDir, ["cat-file", "blob", `${rev}:${path}`]);
    return blob.subarray(0, 8000).includes(0) ? null : blob.toString("utf8");
  } catch {
    return null;
  }
}
