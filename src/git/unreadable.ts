import { type CatFile, type CatFileCheck, catFile, catFileCheck } from "./catFile.js";
import { DIFF_FORMAT, LOG_FORMAT, LogParser, parseDiffBody, parseRawZ } from "./parseLog.js";
import { GitError, git } from "./run.js";
import type { CommitDiff, FileChange } from "./types.js";

/*
 * Objects git cannot read: a broken repository (a lost loose object) or a partial clone without its
 * promisor. git's own words, which name the object:
 *
 *   fatal: unable to read 64cdb22ff726906de6ed9d2cfbf402b070769607
 *   error: Could not read 64cdb22f…
 *   fatal: bad object 64cdb22f…
 */
const UNREADABLE =
  /(?:unable to read|could not read|bad object|missing blob object|invalid object)\s+'?([0-9a-f]{40,64})/i;

/** The object a failed git command could not read, or null when it failed for another reason. */
export function unreadableObject(e: unknown): string | null {
  if (!(e instanceof GitError)) return null;
  return UNREADABLE.exec(e.stderr)?.[1]?.toLowerCase() ?? null;
}

/** git's own test for binary content (xdiff-interface.c buffer_is_binary): a NUL in the first 8000 bytes. */
const FIRST_FEW_BYTES = 8000;

/** Blobs larger than this are taken as binary without being read (git diffs them as binary too). */
const MAX_TEXT_BYTES = 64 * 1024 * 1024;

export interface BlobProbe {
  /** true for text, false for binary, null when git cannot read the blob. */
  isText(oid: string): Promise<boolean | null>;
  close(): Promise<void>;
}

/** Two long-lived `git cat-file` processes, started on first use and again after a failure. */
export function blobProbe(repoDir: string): BlobProbe {
  let check: CatFileCheck | null = null;
  let cat: CatFile | null = null;
  const close = async (): Promise<void> => {
    const open = [check?.close(), cat?.close()];
    check = null;
    cat = null;
    await Promise.all(open);
  };
  return {
    async isText(oid: string): Promise<boolean | null> {
      try {
        check ??= catFileCheck(repoDir);
        const info = await check.info(oid);
        if (info?.type !== "blob") return null;
        if (info.size > MAX_TEXT_BYTES) return false;
        cat ??= catFile(repoDir);
        const content = await cat.read(oid);
        if (!content) return null;
        return content.subarray(0, FIRST_FEW_BYTES).indexOf(0) < 0;
      } catch {
        await close(); // a corrupt object can end cat-file itself
        return null;
      }
    },
    close,
  };
}

/**
 * One commit as the history pass would read it (`-U0 -w` against its first parent), from separate git
 * calls that leave out files whose blobs cannot be read. Used after `git log -p` stopped on such a blob.
 * `unreadable` gains every object found missing; the paths left out are returned beside the diff.
 */
export async function commitSkippingUnreadable(
  repoDir: string,
  sha: string,
  unreadable: Set<string>,
): Promise<{ diff: CommitDiff; skipped: string[] }> {
  // The header alone reads no blob.
  const parser = new LogParser();
  const head = await git(repoDir, [
    "log",
    "-1",
    "--no-walk",
    "--date=raw",
    `--format=${LOG_FORMAT}`,
    sha,
    "--",
  ]);
  const meta = [...parser.push(head), ...parser.end()][0]?.meta;
  if (!meta) throw new Error(`git log printed nothing for ${sha}`);
  const parent = meta.parents[0] ?? null;
  // Raw entries without renames read no blob either (rename detection would).
  const rawArgs = ["diff-tree", "-r", "--raw", "-z", "--no-abbrev", "--no-renames"];
  const raw = parseRawZ(
    await git(repoDir, parent ? [...rawArgs, parent, sha, "--"] : [...rawArgs, "--root", sha, "--"]),
  ).entries;
  const skipped = new Set<string>();
  for (;;) {
    const paths: string[] = [];
    for (const r of raw) {
      const path = (r.newPath ?? r.oldPath) as string;
      if (unreadable.has(r.oldBlob) || unreadable.has(r.newBlob)) skipped.add(path);
      else paths.push(path);
    }
    if (paths.length === 0) return { diff: { meta, against: parent, files: [] }, skipped: [...skipped] };
    const args = ["diff-tree", "-r", ...DIFF_FORMAT, "-U0", "-w"];
    try {
      const out = await git(repoDir, [
        ...args,
        ...(parent ? [parent, sha] : ["--root", sha]),
        "--",
        ...paths.map((p) => `:(literal)${p}`),
      ]);
      const files: FileChange[] = parseDiffBody(out);
      return { diff: { meta, against: parent, files }, skipped: [...skipped] };
    } catch (e) {
      const oid = unreadableObject(e);
      // A blob none of these entries names (one only rename detection reads): no way around it.
      if (!oid || unreadable.has(oid) || !raw.some((r) => r.oldBlob === oid || r.newBlob === oid)) throw e;
      unreadable.add(oid);
    }
  }
}
