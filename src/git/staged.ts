/**
 * Reads the change a hook must judge — the staged index, or one commit being pushed — from git objects only.
 *
 * Safe by construction: every call here is read-only plumbing (`rev-parse`, `diff-index --cached`,
 * `diff-tree`, `cat-file`), run with GIT_OPTIONAL_LOCKS=0 so not even the index stat cache is refreshed.
 * Nothing reads the working tree, so partially staged files (`git add -p`) are judged exactly as they will
 * be committed. GIT_INDEX_FILE is inherited on purpose: `git commit -a` / `git commit <paths>` point hooks
 * at a temporary index and that is the content being committed.
 */

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import picomatch from "picomatch";
import { defaultRules } from "../rules/defaults.js";
import { isGeneratedPath } from "../rules/paths.js";
import type { Rules } from "../rules/types.js";
import { parseRawZ, type RawEntry } from "./parseLog.js";
import { gitSync } from "./run.js";
import type { FileChange, Hunk, HunkLine } from "./types.js";

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

// ---------------------------------------------------------------------------------------------------------------
// git plumbing (synchronous: a hook does one thing at a time and exits)

/** Runs git and returns stdout as bytes (src/git/run.ts's synchronous runner). */
export function gitBytes(repoDir: string, args: string[], input?: string | Buffer): Buffer {
  return gitSync(repoDir, args, input);
}

function gitText(repoDir: string, args: string[], input?: string): string {
  return gitBytes(repoDir, args, input).toString("utf8");
}

function gitMaybe(repoDir: string, args: string[]): string | null {
  try {
    return gitText(repoDir, args).trim();
  } catch {
    return null;
  }
}

/** A multi-step git operation that is stopped half-way; hooks stay out of its way by default. */
export type Sequence = "rebase" | "merge" | "cherry-pick" | "revert" | null;

export interface RepoLayout {
  /** Top of the work tree the hook runs in (a linked worktree's own top). */
  topLevel: string;
  /** This worktree's git dir. */
  gitDir: string;
  /** Shared by all worktrees: where dejafix keeps its index, logs and hook copies. */
  commonDir: string;
  /** Where git runs hooks from (`core.hooksPath` respected). */
  hooksDir: string;
  /** Raw `core.hooksPath` value, or null when unset. */
  hooksPathConfig: string | null;
  sequence: Sequence;
}

/**
 * One `rev-parse` answers every layout question (absolute paths, git ≥ 2.31). Raw output, one line each:
 *   /repo
 *   /repo/.git/worktrees/wt
 *   /repo/.git
 *   /repo/.husky/_
 *   /repo/.git/worktrees/wt/rebase-merge
 *   ...
 */
export function repoLayout(repoDir: string): RepoLayout {
  const probes = ["rebase-merge", "rebase-apply", "MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD"];
  const out = gitText(repoDir, [
    "rev-parse",
    "--path-format=absolute",
    "--show-toplevel",
    "--git-dir",
    "--git-common-dir",
    "--git-path",
    "hooks",
    ...probes.flatMap((p) => ["--git-path", p]),
  ]).split("\n");
  const [topLevel, gitDir, commonDir, hooksDir, rebaseMerge, rebaseApply, merge, pick, revert] = out;
  if (!topLevel || !gitDir || !commonDir || !hooksDir) throw new Error(`not a git work tree: ${repoDir}`);
  let sequence: Sequence = null;
  if ((rebaseMerge && existsSync(rebaseMerge)) || (rebaseApply && existsSync(rebaseApply)))
    sequence = "rebase";
  else if (pick && existsSync(pick)) sequence = "cherry-pick";
  else if (revert && existsSync(revert)) sequence = "revert";
  else if (merge && existsSync(merge)) sequence = "merge";
  return {
    topLevel,
    gitDir,
    commonDir,
    hooksDir,
    hooksPathConfig: gitMaybe(repoDir, ["config", "--get", "core.hooksPath"]) || null,
    sequence,
  };
}

/** `Name <email>` of whoever is committing (for the override log). */
export function committerIdent(repoDir: string): string {
  // Raw: "Ada Lovelace <ada@example.com> 1700000000 +0100"
  const raw = gitMaybe(repoDir, ["var", "GIT_COMMITTER_IDENT"]) ?? "";
  return raw.replace(/\s+\d+\s+[+-]\d{4}$/, "");
}

/** First line of a commit's message. */
export function commitSubject(repoDir: string, sha: string): string {
  return gitMaybe(repoDir, ["show", "-s", "--format=%s", sha]) ?? "";
}

/** Current branch name, or null on a detached HEAD. */
export function currentBranch(repoDir: string): string | null {
  return gitMaybe(repoDir, ["symbolic-ref", "--quiet", "--short", "HEAD"]);
}

function revParse(repoDir: string, rev: string): string | null {
  return gitMaybe(repoDir, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]);
}

function emptyTree(repoDir: string): string {
  // The empty tree's id depends on the object format (sha1 / sha256), so ask git instead of hard-coding it.
  return gitText(repoDir, ["hash-object", "-t", "tree", "--stdin"], "").trim();
}

// ---------------------------------------------------------------------------------------------------------------
// `--amend` detection

/**
 * Git does not tell pre-commit whether it is amending, but the result replaces HEAD, so the change must be
 * read against HEAD's parent. Walk up the process tree to the `git commit` that started the hook.
 */
export function detectAmend(startPid: number = process.ppid): boolean {
  let pid = startPid;
  for (let depth = 0; depth < 8 && pid > 1; depth++) {
    const info = processInfo(pid);
    if (!info) return false;
    const [cmd, ...rest] = info.argv;
    // The nearest git above the hook is the one committing (also through an alias such as `git ci`).
    if (cmd && /(^|\/)git(\.exe)?$/.test(cmd)) return rest.includes("--amend");
    pid = info.ppid;
  }
  return false;
}

function processInfo(pid: number): { ppid: number; argv: string[] } | null {
  try {
    // Linux: /proc/<pid>/stat is "pid (comm) state ppid ...", comm may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    return { ppid, argv };
  } catch {
    // macOS and others: `ps -o ppid=,args= -p PID` prints "  123 git commit --amend".
    const r = spawnSync("ps", ["-o", "ppid=,args=", "-p", String(pid)], { encoding: "utf8" });
    const m = /^\s*(\d+)\s+(.*)$/.exec(r.stdout?.trim() ?? "");
    if (!m) return null;
    return { ppid: Number(m[1]), argv: (m[2] ?? "").split(/\s+/) };
  }
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
  const buf = gitBytes(repoDir, ["cat-file", "--batch"], `${wanted.join("\n")}\n`);
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
  return out;
}

/** Git's own test: a NUL byte in the first 8000 bytes means binary. */
function isBinary(b: Buffer): boolean {
  return b.subarray(0, 8000).includes(0);
}

// ---------------------------------------------------------------------------------------------------------------
// line diff (Myers), zero-context hunks in git's numbering

/** Splits keeping whether each line ended with "\n", so a change of final newline is still a change. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  const last = lines.pop() as string;
  const keyed = lines.map((l) => `${l}\n`);
  if (last !== "") keyed.push(last);
  return keyed;
}

const MAX_EDIT_DISTANCE = 2000;

/**
 * Zero-context hunks between two texts. Uses Myers' O(ND) algorithm on the part between the common prefix
 * and suffix; if that part differs by more than MAX_EDIT_DISTANCE edits, it becomes one replacement hunk.
 * Numbering follows `git diff -U0`: a pure insertion's oldStart is the line it follows.
 */
export function diffHunks(oldText: string, newText: string): Hunk[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf])
    suf++;
  const ra = a.slice(pre, a.length - suf);
  const rb = b.slice(pre, b.length - suf);
  const script = myers(ra, rb) ?? [{ aStart: 0, aEnd: ra.length, bStart: 0, bEnd: rb.length }];
  return script
    .filter((e) => e.aEnd > e.aStart || e.bEnd > e.bStart)
    .map((e) => {
      const oldLines = e.aEnd - e.aStart;
      const newLines = e.bEnd - e.bStart;
      const lines: HunkLine[] = [
        ...ra.slice(e.aStart, e.aEnd).map((t): HunkLine => ({ kind: "-", text: stripNl(t) })),
        ...rb.slice(e.bStart, e.bEnd).map((t): HunkLine => ({ kind: "+", text: stripNl(t) })),
      ];
      return {
        oldStart: pre + e.aStart + (oldLines > 0 ? 1 : 0),
        oldLines,
        newStart: pre + e.bStart + (newLines > 0 ? 1 : 0),
        newLines,
        section: "",
        lines,
      };
    });
}

function stripNl(t: string): string {
  return t.endsWith("\n") ? t.slice(0, -1) : t;
}

interface Edit {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

/**
 * Myers' greedy algorithm. trace[d] keeps the frontier before step d for diagonals -d..d only (memory grows
 * with d², so the distance is capped); returns null past MAX_EDIT_DISTANCE.
 */
function myers(a: string[], b: string[]): Edit[] | null {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return [{ aStart: 0, aEnd: n, bStart: 0, bEnd: m }];
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice(off - d, off + d + 1));
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[off + k - 1] ?? 0) < (v[off + k + 1] ?? 0));
      let x = down ? (v[off + k + 1] ?? 0) : (v[off + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return null;
  // Backtrack: collect the matched (diagonal) cells; the gaps between them are the edits.
  const matches: Array<[number, number]> = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const pv = trace[d] as Int32Array; // frontier before step d, index k + d
    const at = (k: number): number => pv[k + d] ?? 0;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      matches.push([x, y]);
    }
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    matches.push([x, y]);
  }
  matches.reverse();
  const edits: Edit[] = [];
  let ai = 0;
  let bi = 0;
  for (const [mx, my] of matches) {
    if (mx > ai || my > bi) edits.push({ aStart: ai, aEnd: mx, bStart: bi, bEnd: my });
    ai = mx + 1;
    bi = my + 1;
  }
  if (ai < n || bi < m) edits.push({ aStart: ai, aEnd: n, bStart: bi, bEnd: m });
  return edits;
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
