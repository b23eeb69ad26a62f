/**
 * Reads the change a hook must judge — the staged index, or one commit being pushed — from git objects only.
 *
 * Safe by construction: every call here is read-only plumbing (`rev-parse`, `diff-index --cached`,
 * `diff-tree`, `cat-file`), run with GIT_OPTIONAL_LOCKS=0 so not even the index stat cache is refreshed.
 * Nothing reads the working tree, so partially staged files (`git add -p`) are judged exactly as they will
 * be committed. GIT_INDEX_FILE is inherited on purpose: `git commit -a` / `git commit <paths>` point hooks
 * at a temporary index and that is the content being committed.
 */

import { basename } from "node:path";
import picomatch from "picomatch";
import { defaultRules } from "../rules/defaults.js";
import { isGeneratedPath } from "../rules/paths.js";
import type { Rules } from "../rules/types.js";
import { detectAmend } from "./detectAmend.js";
import { diffHunks } from "./diffLines.js";
import { parseRawZ, type RawEntry } from "./parseLog.js";
import {
  git,
  gitSync as gitBytes,
  gitSyncMaybe as gitMaybe,
  gitPipe,
  gitSyncText as gitText,
} from "./run.js";
import type { FileChange } from "./types.js";

/** Why a file's content was left out of the change handed to the checker. */
export type SkipReason = "submodule" | "binary" | "too-large" | "generated" | "ignored" | "limit";

export interface StagedFile extends FileChange {
  /** Old side as UTF-8 text (null when added, or when the content was skipped). */
  oldText: string | null;
  /** New side as UTF-8 text: the index blob, never the working tree (null when deleted or skipped). */
  newText: string | null;
  /** Set when the content was not read; the file still appears so reports can name it. */
  skipped: SkipReason | null;
}

export interface StagedChange {
  /** "index": what `git commit` is about to record; "commit": an existing commit (pre-push, `check REV`). */
  source: "index" | "commit";
  /** Commit the change is compared with (HEAD, the amended commit's parent, a pushed commit's first parent); null = empty tree. */
  base: string | null;
  /** The commit being checked when source is "commit". */
  commit: string | null;
  /** True when the staged content will replace HEAD (`git commit --amend`). */
  amend: boolean;
  files: StagedFile[];
  /** One plain sentence per thing left out or cut short (huge file, too many files...). */
  notices: string[];
}

export interface ReadLimits {
  /** Blobs larger than this are not read (either side). */
  maxFileBytes: number;
  /** Files with more lines than this are not diffed. */
  maxFileLines: number;
  /** Only the first files (in git's order) are read; the rest are listed as skipped. */
  maxFiles: number;
  /** Globs of paths never checked (rules: ignored paths). */
  ignore: string[];
  /** Globs of generated paths, on top of the rules' `paths.generated`. */
  generated: string[];
  /** The rules whose `paths` say what is generated (default: the built-in rules). */
  rules?: Rules;
}

export const DEFAULT_LIMITS: ReadLimits = {
  maxFileBytes: 1_000_000,
  maxFileLines: 20_000,
  maxFiles: 300,
  ignore: [],
  generated: [],
};

function revParse(repoDir: string, rev: string): string | null {
  return gitMaybe(repoDir, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
}

function emptyTree(repoDir: string): string {
  // The empty tree's id depends on the object format (sha1 / sha256), so ask git instead of hard-coding it.
  return gitText(repoDir, ["hash-object", "-t", "tree", "--stdin"], "").trim();
}

// ---------------------------------------------------------------------------------------------------------------
// raw diff entries (parsed by parseRawZ in parseLog.ts) to staged files

const ZERO = /^0+$/;
const GITLINK = "160000";

/**
 * Reads blob sizes then contents with two `cat-file` processes. Raw `--batch` output:
 *   d5d0b8b4c4c9e93689087 0f6799cfbb5ba984470 blob 3\nx\0y\n
 */
function readBlobs(repoDir: string, ids: string[], maxBytes: number): Map<string, Buffer | "too-large"> {
  const out = new Map<string, Buffer | "too-large">();
  const unique = [...new Set(ids.filter((id) => !ZERO.test(id)))];
  if (unique.length === 0) return out;
  const sizes = gitText(repoDir, ["cat-file", "--batch-check"], `${unique.join("\n")}\n`).split("\n");
  const wanted: string[] = [];
  for (const line of sizes) {
    // "<id> blob <size>" or "<id> missing"
    const [id, type, size] = line.split(" ");
    if (!id || type !== "blob") continue;
    if (Number(size) > maxBytes) out.set(id, "too-large");
    else wanted.push(id);
  }
  if (wanted.length === 0) return out;
  parseBatch(gitBytes(repoDir, ["cat-file", "--batch"], `${wanted.join("\n")}\n`), out);
  return out;
}

/** Reads `cat-file --batch` output ("<id> <type> <size>\n<content>\n" per object) into `out`. */
function parseBatch(buf: Buffer, out: Map<string, Buffer | "too-large">): void {
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) break;
    const [id, type, size] = buf.subarray(pos, nl).toString("utf8").split(" ");
    pos = nl + 1;
    if (!id || type === "missing" || size === undefined) continue;
    const n = Number(size);
    out.set(id, buf.subarray(pos, pos + n));
    pos += n + 1;
  }
}

/** Git's own test: a NUL byte in the first 8000 bytes means binary. */
function isBinary(b: Buffer): boolean {
  return b.subarray(0, 8000).includes(0);
}

// ---------------------------------------------------------------------------------------------------------------
// building the change

/** Path matchers of the read limits, built once per read. */
interface PathFilters {
  isIgnored: (path: string) => boolean;
  isGenerated: (path: string) => boolean;
  /** By what the file says (a `@generated` header, minified lines, its size). */
  generatedContent: (path: string, text: string) => boolean;
}

/** Generated files as the rules say them (src/rules/paths.ts), with the caller's extra globs. */
function pathFilters(limits: ReadLimits): PathFilters {
  const rules = limits.rules ?? defaultRules();
  const extra = limits.generated.length > 0 ? picomatch(limits.generated, { dot: true }) : () => false;
  return {
    isIgnored: limits.ignore.length > 0 ? picomatch(limits.ignore, { dot: true }) : () => false,
    isGenerated: (path) => extra(path) || isGeneratedPath(rules, path),
    generatedContent: (path, text) => isGeneratedPath(rules, path, text),
  };
}

/** The blob ids whose contents a change needs: files in scope that are not submodules, ignored or generated. */
function wantedBlobs(raw: readonly RawEntry[], limits: ReadLimits, filters: PathFilters): string[] {
  return raw.slice(0, limits.maxFiles).flatMap((e) => {
    const path = e.newPath ?? e.oldPath ?? "";
    const readable =
      e.oldMode !== GITLINK &&
      e.newMode !== GITLINK &&
      !filters.isIgnored(path) &&
      !filters.isGenerated(path);
    return readable ? [e.oldBlob, e.newBlob] : [];
  });
}

function buildChange(
  repoDir: string,
  raw: RawEntry[],
  limits: ReadLimits,
  meta: Pick<StagedChange, "source" | "base" | "commit" | "amend">,
  /** Blob contents read beforehand (several commits at once); else read here. */
  prefetched?: Map<string, Buffer | "too-large">,
  filters: PathFilters = pathFilters(limits),
): StagedChange {
  const notices: string[] = [];
  const { isIgnored, isGenerated } = filters;
  if (raw.length > limits.maxFiles) {
    notices.push(`only the first ${limits.maxFiles} of ${raw.length} changed files were checked`);
  }
  const blobs = prefetched ?? readBlobs(repoDir, wantedBlobs(raw, limits, filters), limits.maxFileBytes);
  const files = raw.map((e, index): StagedFile => {
    const path = e.newPath ?? e.oldPath ?? "";
    const base: StagedFile = { ...e, binary: false, hunks: [], oldText: null, newText: null, skipped: null };
    if (index >= limits.maxFiles) return { ...base, skipped: "limit" };
    if (e.oldMode === GITLINK || e.newMode === GITLINK) return { ...base, skipped: "submodule" };
    if (isIgnored(path)) return { ...base, skipped: "ignored" };
    if (isGenerated(path)) return { ...base, skipped: "generated" };
    const oldB = ZERO.test(e.oldBlob) ? Buffer.alloc(0) : blobs.get(e.oldBlob);
    const newB = ZERO.test(e.newBlob) ? Buffer.alloc(0) : blobs.get(e.newBlob);
    if (oldB === "too-large" || newB === "too-large") {
      notices.push(`${basename(path)} is larger than ${limits.maxFileBytes} bytes and was not checked`);
      return { ...base, skipped: "too-large" };
    }
    if (!oldB || !newB) return { ...base, skipped: "too-large" };
    if (isBinary(oldB) || isBinary(newB)) return { ...base, binary: true, skipped: "binary" };
    const oldText = e.oldPath === null ? null : oldB.toString("utf8");
    const newText = e.newPath === null ? null : newB.toString("utf8");
    if (newText !== null && filters.generatedContent(path, newText)) return { ...base, skipped: "generated" };
    const lineCount = Math.max(countLines(oldText), countLines(newText));
    if (lineCount > limits.maxFileLines) {
      notices.push(`${basename(path)} has more than ${limits.maxFileLines} lines and was not checked`);
      return { ...base, skipped: "too-large" };
    }
    return { ...base, oldText, newText, hunks: diffHunks(oldText ?? "", newText ?? "") };
  });
  return { ...meta, files, notices };
}

function countLines(text: string | null): number {
  if (!text) return 0;
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

export interface ReadStagedOptions {
  /** Force amend handling on or off; by default it is detected from the `git commit` process. */
  amend?: boolean;
  limits?: Partial<ReadLimits>;
}

/**
 * The change `git commit` is about to record: index blobs against HEAD (or against HEAD's parent when
 * amending, because the new commit replaces HEAD). An unborn branch compares with the empty tree.
 */
export function readStagedChange(repoDir: string, opts: ReadStagedOptions = {}): StagedChange {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const head = revParse(repoDir, "HEAD");
  const amend = head !== null && (opts.amend ?? detectAmend());
  const base = amend ? revParse(repoDir, "HEAD^") : head;
  const raw = gitText(repoDir, [
    "diff-index",
    "--cached",
    "-z",
    "--no-abbrev",
    "-M",
    "--ignore-submodules=none",
    base ?? emptyTree(repoDir),
  ]);
  return buildChange(repoDir, parseRawZ(raw).entries, limits, { source: "index", base, commit: null, amend });
}

/** A staged read whose git processes run while the caller does other work (see `startStagedRead`). */
export interface StagedRead {
  /** The change, read with these limits (known once the rules are). */
  finish(limits?: Partial<ReadLimits>): Promise<StagedChange>;
  /** Ends the git processes when the change will not be read after all. */
  cancel(): void;
}

/**
 * `readStagedChange` with its git processes started now and run in parallel: the diff against HEAD (or
 * HEAD's parent when amending), a `cat-file --batch-check` told HEAD's id (and its parent's) at once and the
 * sizes of the changed blobs once the diff is in, and a `cat-file --batch` for their contents. The hook
 * starts it first, loads the model and its modules while git works, and calls `finish` once the rules
 * (which say what is too large, ignored or generated) are read. The same change as `readStagedChange`.
 */
export function startStagedRead(repoDir: string, opts: { amend?: boolean } = {}): StagedRead {
  const amend = opts.amend ?? detectAmend();
  const check = gitPipe(repoDir, ["cat-file", "--batch-check"]);
  const batch = gitPipe(repoDir, ["cat-file", "--batch"]);
  // HEAD names the commit whatever the branch; a missing HEAD (unborn) or parent makes the diff fail below.
  check.write(amend ? "HEAD\nHEAD^\n" : "HEAD\n");
  const rawArgs = ["diff-index", "--cached", "-z", "--no-abbrev", "-M", "--ignore-submodules=none"];
  const diff = git(repoDir, [...rawArgs, amend ? "HEAD^" : "HEAD"]).catch(() => null);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    check.end();
    batch.end();
  };
  return {
    cancel: end,
    async finish(given = {}) {
      const limits = { ...DEFAULT_LIMITS, ...given };
      const filters = pathFilters(limits);
      const raw = await diff;
      const entries = raw === null ? null : parseRawZ(raw).entries;
      const ids =
        entries === null
          ? []
          : [...new Set(wantedBlobs(entries, limits, filters))].filter((id) => !ZERO.test(id));
      check.write(ids.length > 0 ? `${ids.join("\n")}\n` : "");
      check.end();
      const answers = (await check.output).toString("utf8").split("\n");
      // "<id> commit <size>" or "HEAD missing": an unborn branch, or amending the first commit.
      const idOf = (line: string | undefined) =>
        line?.endsWith(" missing") ? null : (line?.split(" ")[0] ?? null);
      const head = idOf(answers[0]);
      const base = amend ? idOf(answers[1]) : head;
      const headed = amend ? 2 : 1;
      if (entries === null || base === null) {
        // No base commit: against the empty tree, as `readStagedChange` compares an unborn branch.
        ended = true;
        batch.end();
        return readStagedChange(repoDir, { amend: head !== null && amend, limits: given });
      }
      const blobs = new Map<string, Buffer | "too-large">();
      const wanted: string[] = [];
      for (const line of answers.slice(headed)) {
        // "<id> blob <size>" or "<id> missing"
        const [id, type, size] = line.split(" ");
        if (!id || type !== "blob") continue;
        if (Number(size) > limits.maxFileBytes) blobs.set(id, "too-large");
        else wanted.push(id);
      }
      batch.write(wanted.length > 0 ? `${wanted.join("\n")}\n` : "");
      ended = true;
      batch.end();
      parseBatch(await batch.output, blobs);
      return buildChange(
        repoDir,
        entries,
        limits,
        { source: "index", base, commit: null, amend },
        blobs,
        filters,
      );
    },
  };
}

/** The change one existing commit made against its first parent (pre-push, `dejafix check REV`). */
export function readCommitChange(
  repoDir: string,
  commit: string,
  limits: Partial<ReadLimits> = {},
): StagedChange {
  const all = { ...DEFAULT_LIMITS, ...limits };
  const base = revParse(repoDir, `${commit}^`);
  const raw = gitText(repoDir, [
    "diff-tree",
    "-r",
    "-z",
    "--no-abbrev",
    "-M",
    base ?? emptyTree(repoDir),
    commit,
  ]);
  return buildChange(repoDir, parseRawZ(raw).entries, all, { source: "commit", base, commit, amend: false });
}

/**
 * The changes of many existing commits, in the order given, as `readCommitChange` reads each one, but
 * with a fixed number of git processes per chunk of commits (one `rev-list`, one `diff-tree --stdin`,
 * two `cat-file`) instead of four per commit. Merge commits are read one by one against their first
 * parent, as `readCommitChange` does.
 */
export function* readCommitChanges(
  repoDir: string,
  commits: readonly string[],
  limits: Partial<ReadLimits> = {},
  /** Commits per chunk: bounds the blob contents held at once. */
  chunk = 50,
): Generator<StagedChange> {
  const all = { ...DEFAULT_LIMITS, ...limits };
  const filters = pathFilters(all);
  for (let i = 0; i < commits.length; i += chunk) {
    const part = commits.slice(i, i + chunk);
    const input = `${part.join("\n")}\n`;
    const parents = new Map<string, string[]>();
    for (const line of gitText(
      repoDir,
      ["rev-list", "--no-walk=unsorted", "--parents", "--stdin"],
      input,
    ).split("\n")) {
      const [sha, ...ps] = line.trim().split(" ");
      if (sha) parents.set(sha, ps);
    }
    // --always: a header for every commit, so that each commit's entries can be told apart.
    const text = gitText(
      repoDir,
      ["diff-tree", "--stdin", "--always", "--root", "-r", "-z", "--no-abbrev", "-M"],
      input,
    );
    const raws = new Map<string, RawEntry[]>();
    let pos = 0;
    while (pos < text.length) {
      while (text[pos] === "\0" || text[pos] === "\n") pos++;
      const end = text.indexOf("\0", pos);
      if (end < 0) break;
      const parsed = parseRawZ(text, end + 1);
      raws.set(text.slice(pos, end), parsed.entries);
      pos = parsed.end;
    }
    const blobs = readBlobs(
      repoDir,
      part.flatMap((sha) => wantedBlobs(raws.get(sha) ?? [], all, filters)),
      all.maxFileBytes,
    );
    for (const sha of part) {
      const ps = parents.get(sha) ?? [];
      if (ps.length > 1) {
        yield readCommitChange(repoDir, sha, limits);
        continue;
      }
      const meta = { source: "commit" as const, base: ps[0] ?? null, commit: sha, amend: false };
      yield buildChange(repoDir, raws.get(sha) ?? [], all, meta, blobs, filters);
    }
  }
}
