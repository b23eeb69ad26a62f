/**
 * Matches a change against the past defects of the index, and keeps a match only when the change writes
 * that bug again. For every hunk, the statement window around it (cut as defect blocks were cut, so the
 * same code gives the same block) is looked up with the lossless prefix index and verified with the
 * rules' NiCad threshold; large added regions are looked up window by window. A verified clone counts
 * only when the lines the change added or modified are the lines the fix removed or changed and still
 * hold the bug (src/suggest/recurrence.ts); the fix of that time is then placed in the developer's code
 * or shown as it was (src/suggest/placeFix.ts). One past fix is shown once per change.
 */
import { fileBlocks, type LineRange, splitLines } from "../blocks/fileBlocks.js";
import { isCosmeticChange, MAX_BLOCK_FACTOR } from "../blocks/fixBlocks.js";
import { codeLanguageOf } from "../blocks/languageOf.js";
import { normalizeBlock, sliceNormalized } from "../blocks/normalizeBlock.js";
import type { NormalizedBlock } from "../blocks/types.js";
import { findInRegion, findInRegionBruteForce, type RegionMatch } from "../clones/findClones.js";
import { lcsLength } from "../clones/verify.js";
import { applyCheck } from "../git/applyCheck.js";
import { diffHunks } from "../git/diffLines.js";
import { fileAt } from "../git/fileAt.js";
import { macroValues } from "../git/macroValues.js";
import { mentions } from "../git/mentions.js";
import { readCommitChange, type StagedChange, type StagedFile } from "../git/readChange.js";
import type { Hunk } from "../git/types.js";
import { cloneIndex, type SqliteBlockStore } from "../index/blockStore.js";
import {
  type CommitInfo,
  type DefectBlock,
  DefectBlockReader,
  hasDefectBlocks,
} from "../index/defectBlocks.js";
import { markKey, matchId, suppressedFixes } from "../index/feedbackStore.js";
import type { IndexStore } from "../index/store.js";
import { diffIgnoringWhitespace } from "../metrics/diffIgnoringWhitespace.js";
import { isExcludedFromMatching, isGeneratedPath, isIgnoredPath, isTestPath } from "../rules/paths.js";
import type { Rules } from "../rules/types.js";
import { lineReverts, movedLines } from "../suggest/lineRevert.js";
import {
  type DeveloperBlock,
  historicalDiff,
  insertedLines,
  nameTheFileLacks,
  placeFix,
  unbalanced,
} from "../suggest/placeFix.js";
import {
  type ChangeLines,
  codeLine,
  type DefectCode,
  dropsBuildCondition,
  findRecurrence,
  fixStandsRenamed,
  macroSwapEdit,
  removesWhatFixUsed,
  rewritesFixElsewhere,
  rewritesFixTests,
  type TestLines,
  wordsOf,
  wordsOfText,
} from "../suggest/recurrence.js";
import { renderDiff } from "../suggest/renderDiff.js";
import type { CommitRef, MatchExplanation, MatchReport } from "../verdict/types.js";

/** A match with what feedback and reports need beyond `MatchReport`. */
export interface SuggestedMatch extends MatchReport {
  /** Stable id for `dejafix feedback <id> useful|wrong`. */
  id: string;
  defectBlockId: number;
  /** The repository the past defect lives in (another one when indexed with `--add-repo`). */
  repository: { name: string; role: "self" | "related" };
  /** The fix was placed in the developer's code (not only shown as it was). */
  complete: boolean;
}

export interface MatchOptions {
  /** Run `git apply --check` on each placed suggestion (default true). */
  applyCheck?: boolean;
  /**
   * Windows looked up per change (default 400), the windows of hunks before the windows inside large
   * added regions: a vendored import of thousands of lines is matched in part instead of holding the
   * commit up, and a notice says so.
   */
  maxBlocks?: number;
  /**
   * Only past defects whose fix this returns true for: a replay of history asks what the hook would
   * have known, the fixes that are ancestors of the commit checked.
   */
  knownFix?: (fixSha: string) => boolean;
  /**
   * `performance.now()` by which matching stops (the hook's time budget): the regions not looked up by
   * then are left out, and a notice says how many were.
   */
  deadline?: number;
  /** One sentence per thing left out (the region budget, the deadline), for the verdict's notices. */
  notices?: string[];
  /** Told of every past defect block the change resembles and why it is shown or not (`--explain`). */
  explain?: (e: MatchExplanation) => void;
  /**
   * The message of the commit checked, when it exists (pre-push, `check REV`): a change whose message names
   * the fix has been written knowing it.
   */
  changeMessage?: string;
}

/** A fix commit that is itself a revert (git's own wording, or a subject that starts with "revert"). */
export function isRevertCommit(message: string): boolean {
  return /^\s*revert\b/i.test(message) || /^This reverts commit [0-9a-f]{7,40}\b/im.test(message);
}

/** The message names the commit (an abbreviation of at least 7 hex digits, as git prints them). */
export function namesCommit(message: string, sha: string): boolean {
  if (sha.length < 7) return false;
  for (const m of message.matchAll(/\b[0-9a-f]{7,40}\b/gi)) {
    const id = m[0].toLowerCase();
    if (sha.toLowerCase().startsWith(id)) return true;
  }
  return false;
}

export function commitRef(c: CommitInfo): CommitRef {
  return {
    sha: c.sha,
    subject: c.message.split("\n", 1)[0] ?? "",
    message: c.message,
    date: new Date(c.authorTime * 1000).toISOString(),
    author: c.authorName,
  };
}

/** What the change did to one file, in its new line numbers (zero-context hunks, as git -U0 numbers them). */
export function changeLinesOf(
  file: Pick<StagedFile, "hunks">,
  words: ReadonlyMap<string, ReadonlySet<string>>,
  removed: ReadonlySet<string> = new Set(),
): ChangeLines {
  const added = new Set<number>();
  const text = new Map<number, string>();
  const deletions: Array<{ after: number; lines: string[] }> = [];
  for (const h of file.hunks) {
    for (let l = h.newStart; l < h.newStart + h.newLines; l++) added.add(l);
    let at = h.newStart;
    for (const l of h.lines) if (l.kind === "+") text.set(at++, l.text);
    if (h.oldLines > 0) {
      deletions.push({
        after: h.newLines > 0 ? h.newStart - 1 : h.newStart,
        lines: h.lines.filter((l) => l.kind === "-").map((l) => l.text),
      });
    }
  }
  return { added, deletions, words, removed, text };
}

/** Every line the change removes, in any file (`codeLine`), to tell moved code from code written anew. */
function linesRemoved(change: StagedChange): Set<string> {
  const out = new Set<string>();
  for (const f of change.files)
    for (const h of f.hunks) for (const l of h.lines) if (l.kind === "-") out.add(codeLine(l.text));
  out.delete("");
  return out;
}

/** The lines a change adds to and removes from the test files among `files` (`codeLine`). */
function testLines(files: readonly StagedFile[], rules: Rules): TestLines {
  const added = new Set<string>();
  const removed = new Set<string>();
  for (const f of files) {
    const path = f.newPath ?? f.oldPath;
    if (path === null || !isTestPath(rules, path)) continue;
    for (const h of f.hunks)
      for (const l of h.lines) if (l.kind !== " ") (l.kind === "+" ? added : removed).add(codeLine(l.text));
  }
  added.delete("");
  removed.delete("");
  return { added, removed };
}

/** Every word the change adds, in any of its files (to tell a fix moved elsewhere from a fix undone). */
function wordsAdded(change: StagedChange): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of change.files)
    for (const h of f.hunks)
      for (const l of h.lines) {
        if (l.kind !== "+") continue;
        const line = l.text.trim();
        for (const w of wordsOf(l.text)) {
          const lines = out.get(w) ?? new Set<string>();
          out.set(w, lines);
          lines.add(line);
        }
      }
  return out;
}

/**
 * Where to cut regions: each hunk (a pure deletion: the lines around it), then, inside hunks that add
 * more code than a defect block holds (a new function, a copied block), every `minLines`-th statement,
 * so that regions overlapping by more than a defect block cover all of it.
 */
function seedsOf(
  file: StagedFile,
  lineCount: number,
  statements: (r: LineRange) => NormalizedBlock,
  minLines: number,
) {
  const first: LineRange[] = [];
  const more: LineRange[] = [];
  for (const h of file.hunks) {
    if (h.newLines === 0) {
      const at = Math.min(Math.max(1, h.newStart), lineCount);
      first.push({ start: at, end: Math.min(lineCount, at + 1) });
      continue;
    }
    const r = { start: h.newStart, end: Math.min(lineCount, h.newStart + h.newLines - 1) };
    if (r.start > lineCount) continue;
    first.push(r);
    if (h.newLines < minLines) continue;
    const norm = statements(r);
    if (norm.lines.length <= minLines) continue;
    norm.spans.forEach((s, i) => {
      if (i % minLines === 0) more.push({ start: s.first, end: s.last });
    });
  }
  return [...first, ...more];
}

/** NiCad's similarity of two normalized blocks: LCS over the longer one. */
function similarityOf(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.max(a.length, b.length);
  return n === 0 ? 0 : lcsLength(a, b) / n;
}

/** Lines as `codeLine` writes them, blank ones left out, joined and framed by newlines for a search. */
function codeRun(lines: readonly string[]): string {
  return `\n${lines
    .map(codeLine)
    .filter((l) => l !== "")
    .join("\n")}\n`;
}

/** The file's change rewrites layout, comments, message wording or names only (a formatting commit). */
function cosmeticOnly(file: StagedFile, language: string): boolean {
  if (file.hunks.length === 0) return false;
  // A name renamed all over the file (a typo fixed in a declaration and its uses) is a rename only across
  // all hunks: one hunk alone holds one use of it.
  const all = (kind: "-" | "+") =>
    file.hunks.flatMap((h) => h.lines.filter((l) => l.kind === kind).map((l) => l.text));
  // Only a rename: the same lines taken out in one place and put back in another are a move, and a
  // statement moved is no formatting change.
  const renamed = all("-").map(codeLine).join("\n") !== all("+").map(codeLine).join("\n");
  if (file.hunks.length > 1 && renamed && isCosmeticChange(all("-"), all("+"), language)) return true;
  // Hunk by hunk: a statement moved elsewhere is one hunk that removes it and another that adds it,
  // the same tokens overall, and no formatting change.
  return file.hunks.every((h) => {
    const del = h.lines.filter((l) => l.kind === "-").map((l) => l.text);
    const add = h.lines.filter((l) => l.kind === "+").map((l) => l.text);
    const blank = (ls: string[]) => ls.every((l) => l.trim() === "");
    if (blank(del) && blank(add)) return true;
    return del.length > 0 && add.length > 0 && isCosmeticChange(del, add, language);
  });
}

/** Languages where a line's indentation is syntax: re-indenting a line moves it in or out of a block. */
const INDENTED = new Set(["python"]);

/**
 * The change as the lines it writes: inside each hunk, a line whose only change is its whitespace
 * (`a-1` → `a - 1`, a re-indent) was there before, so a commit that lays out old code writes no bug.
 * Only within a hunk: a line moved elsewhere is still moved (a fix undone by moving a call back). Where
 * indentation is syntax the exact diff stands.
 */
function writtenLines(change: StagedChange): StagedChange {
  const files = change.files.map((f) => {
    if (f.skipped !== null || f.binary || f.hunks.length === 0) return f;
    const language = f.newPath === null ? undefined : codeLanguageOf(f.newPath);
    if (language === undefined || INDENTED.has(language)) return f;
    return { ...f, hunks: f.hunks.flatMap(withoutLayout) };
  });
  return { ...change, files };
}

/** A zero-context hunk without the pairs of lines that differ only in whitespace, as hunks of the file. */
function withoutLayout(h: Hunk): Hunk[] {
  if (h.elided || h.oldLines === 0 || h.newLines === 0) return [h];
  const side = (kind: "-" | "+") =>
    `${h.lines
      .filter((l) => l.kind === kind)
      .map((l) => l.text)
      .join("\n")}\n`;
  // Numbered from the hunk's first lines: a sub-hunk's start (or the line a pure change follows) shifts by one base.
  return diffIgnoringWhitespace(side("-"), side("+")).map((sub) => ({
    ...sub,
    oldStart: h.oldStart - 1 + sub.oldStart,
    newStart: h.newStart - 1 + sub.newStart,
    section: h.section,
  }));
}

/** Extensions whose files declare what another's code uses (a C file's struct in a header). */
const CODE_FAMILIES = [
  ["c", "h", "cc", "cpp", "cxx", "hh", "hpp", "hxx"],
  ["js", "jsx", "mjs", "cjs", "ts", "tsx", "mts", "cts"],
];

/** A path's extension, lower case, without the dot ("" for none). */
function extensionOf(path: string): string {
  return /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? "";
}

/** The extensions of the files whose code may declare what a file of `path`'s language uses. */
function codeFamily(path: string): string[] {
  const ext = extensionOf(path);
  if (ext === "") return [];
  return CODE_FAMILIES.find((f) => f.includes(ext)) ?? [ext];
}

const EVIDENCE_RANK = { declared: 0, strong: 1, weak: 2 } as const;

/** Best first: a revert of the fix, then declared evidence, a placed fix, similarity, the newest fix. */
function rank(a: SuggestedMatch, b: SuggestedMatch): number {
  return (
    Number(a.recurrence.kind !== "revert") - Number(b.recurrence.kind !== "revert") ||
    EVIDENCE_RANK[a.evidence ?? "weak"] - EVIDENCE_RANK[b.evidence ?? "weak"] ||
    Number(!a.complete) - Number(!b.complete) ||
    b.similarity - a.similarity ||
    (b.fix.date ?? "").localeCompare(a.fix.date ?? "") ||
    a.path.localeCompare(b.path)
  );
}

/**
 * Matches a staged change (or a commit) against the defect blocks of the index, this repository's and
 * related ones'. Defect blocks the team marked wrong are not proposed. Best matches first, one per fix.
 */
/**
 * One clone index and one block reader per open index: a replay matches thousands of changes against
 * one index, and preparing their statements again for each change took half of its time.
 */
const readers = new WeakMap<IndexStore, { index: SqliteBlockStore; reader: DefectBlockReader }>();

function readersOf(store: IndexStore): { index: SqliteBlockStore; reader: DefectBlockReader } {
  let r = readers.get(store);
  if (!r) {
    r = { index: cloneIndex(store), reader: new DefectBlockReader(store) };
    readers.set(store, r);
  }
  return r;
}

export async function matchChange(
  store: IndexStore,
  change: StagedChange,
  rules: Rules,
  opts: MatchOptions = {},
): Promise<SuggestedMatch[]> {
  if (!hasDefectBlocks(store)) return [];
  change = writtenLines(change);
  const { index, reader } = readersOf(store);
  const suppressed = suppressedFixes(store);
  // A fix that was itself reverted later (and the revert is known) was withdrawn: nothing to propose.
  // Read when a candidate asks (a scan of every commit's declared references: most changes match nothing).
  let reverts: Array<[string, string]> | undefined;
  const withdrawn = (fix: string): boolean => {
    reverts ??= [...store.revertedCommits()];
    return reverts.some(([written, by]) => fix.startsWith(written) && (opts.knownFix?.(by) ?? true));
  };
  const { threshold, minLines } = rules.clones;
  const lookup = (norm: NormalizedBlock): RegionMatch[] =>
    threshold <= index.indexThreshold
      ? findInRegion(norm, index, { threshold, minLines })
      : findInRegionBruteForce(norm, index.all(), { threshold, minLines });
  // Regions hold the largest defect block (MAX_BLOCK_FACTOR × minLines lines) with room on both sides.
  const regionLines = Math.ceil((MAX_BLOCK_FACTOR * minLines) / (1 - threshold));
  const blocks = new Map<number, { block: DefectBlock; code: DefectCode } | null>();
  const left = new Map<number, { fix: string; why: string }>();
  const defectOf = (id: number) => {
    let d = blocks.get(id);
    if (d === undefined) {
      const block = reader.get(id);
      const leftOut =
        block === undefined
          ? "gone from the index"
          : suppressed.has(markKey(block.fix.sha, block.path))
            ? "marked wrong by the team"
            : opts.knownFix && !opts.knownFix(block.fix.sha)
              ? "the fix is not an ancestor"
              : withdrawn(block.fix.sha)
                ? "the fix was reverted later"
                : undefined;
      if (leftOut !== undefined) left.set(id, { fix: block?.fix.sha ?? "", why: leftOut });
      d =
        block === undefined || leftOut !== undefined
          ? null
          : {
              block,
              code: {
                before: normalizeBlock(block.before, block.language, 1),
                after: normalizeBlock(block.after, block.language, 1),
                lines: block.before.length,
                beforeLines: block.before,
                afterLines: block.after,
                language: block.language,
                edits: block.edits,
              },
            };
      blocks.set(id, d);
    }
    return d;
  };

  // Every window of the change first, so the budget can take the hunks' windows of all files first.
  interface Work {
    file: StagedFile;
    path: string;
    language: string;
    lines: string[];
    fb: ReturnType<typeof fileBlocks>;
    change: ChangeLines;
    /** Every word of the staged file: names a fix's new lines use must exist here. */
    fileWords: ReadonlySet<string>;
    /** Every line of the staged file (`codeLine`). */
    fileLines: ReadonlySet<string>;
    windows: LineRange[];
  }
  const work: Work[] = [];
  const words = wordsAdded(change);
  const removed = linesRemoved(change);
  for (const file of change.files) {
    const path = file.newPath;
    if (path === null || file.newText === null || file.skipped !== null || file.hunks.length === 0) continue;
    if (isIgnoredPath(rules, path) || isExcludedFromMatching(rules, path)) continue;
    if (isGeneratedPath(rules, path, file.newText)) continue;
    const language = codeLanguageOf(path);
    if (language === undefined || cosmeticOnly(file, language)) continue;
    const text = file.newText;
    const lines = splitLines(text);
    const fb = fileBlocks(lines, language);
    const seen = new Map<string, LineRange>();
    for (const seed of seedsOf(file, lines.length, (r) => fb.normalize(r), minLines)) {
      const w = fb.window(seed, regionLines);
      seen.set(`${w.start}-${w.end}`, w);
    }
    // Words and code lines of the whole file are read only when a match asks (most changes match nothing).
    let fileWords: Set<string> | undefined;
    let fileLines: Set<string> | undefined;
    work.push({
      file,
      path,
      language,
      lines,
      fb,
      change: changeLinesOf(file, words, removed),
      get fileWords() {
        fileWords ??= wordsOfText(text);
        return fileWords;
      },
      get fileLines() {
        fileLines ??= new Set(lines.map(codeLine));
        return fileLines;
      },
      windows: [...seen.values()],
    });
  }
  const total = work.reduce((s, w) => s + w.windows.length, 0);
  let budget = opts.maxBlocks ?? 400;
  if (total > budget) {
    // Breadth first: the first window of every file, then the second...
    const order: Array<[Work, LineRange]> = [];
    for (let k = 0; order.length < budget; k++) {
      let any = false;
      for (const w of work) {
        const r = w.windows[k];
        if (r === undefined) continue;
        any = true;
        if (order.length < budget) order.push([w, r]);
      }
      if (!any) break;
    }
    for (const w of work) w.windows = order.filter(([x]) => x === w).map(([, r]) => r);
    opts.notices?.push(
      `matched ${budget} of the ${total} blocks of this change against past defects (the rest were left out to stay within the time budget)`,
    );
  }

  const copySimilarity = rules.clones.copySimilarity;
  // Whether a fix of this repository still stands in its own file as the change found it: one later
  // undone or rewritten on purpose (its lines all gone) says nothing about code written now.
  const baseTexts = new Map<string, string | null>();
  const inForce = (block: DefectBlock): boolean => {
    if (block.repo.role !== "self" || change.base === null) return true;
    let have = baseTexts.get(block.newPath);
    if (have === undefined) {
      const touched = change.files.find((f) => f.oldPath === block.newPath);
      const text = touched ? touched.oldText : fileAt(block.repo.path, change.base, block.newPath);
      have = text === null ? null : codeRun(splitLines(text));
      baseTexts.set(block.newPath, have);
    }
    if (have === null) return true;
    // Each edit's lines as one run (the lines it wrapped included): lines as common as `}, parent)`
    // stand alone elsewhere in a large file, the fix's whole run does not.
    const runs = block.edits
      .filter((e) => e.add.some((l) => /[\p{L}\p{N}_$]{2,}/u.test(l) && !e.del.includes(l)))
      .map((e) => codeRun(e.add));
    return runs.length === 0 || 2 * runs.filter((r) => have.includes(r)).length >= runs.length;
  };
  // Every word of a fix's file as the fix found it (its parent's version), read once per fix and file.
  const foundByFix = new Map<string, Set<string>>();
  const wordsBeforeFix = (block: DefectBlock): Set<string> => {
    const key = `${block.fix.sha}:${block.path}`;
    let words = foundByFix.get(key);
    if (words === undefined) {
      const text = block.fix.sha ? fileAt(block.repo.path, `${block.fix.sha}^`, block.path) : null;
      words = text === null ? new Set(block.before.flatMap(wordsOf)) : wordsOfText(text);
      foundByFix.set(key, words);
    }
    return words;
  };
  // Every line the change adds, in any file, as `codeLine` writes it (read from the words' lines, once).
  let added: Set<string> | undefined;
  const addedAnywhere = (): Set<string> => {
    if (added === undefined) {
      added = new Set<string>();
      for (const lines of work[0]?.change.words.values() ?? []) for (const l of lines) added.add(codeLine(l));
    }
    return added;
  };
  // The test lines of the change and of each fix, read only when a revert is about to be shown (rare): a
  // fix's own commit is one git read.
  let changeTests: TestLines | undefined;
  const fixTests = new Map<string, TestLines | null>();
  const testsOfFix = (block: DefectBlock): TestLines | null => {
    let t = fixTests.get(block.fix.sha);
    if (t === undefined) {
      try {
        t = testLines(readCommitChange(block.repo.path, block.fix.sha).files, rules);
      } catch {
        t = null;
      }
      fixTests.set(block.fix.sha, t);
    }
    return t;
  };
  // Whether a member the developer's file does not name may be used by a suggestion: one the staged files
  // name, or one the change removed nowhere but in the lines the suggestion puts back (a library's member,
  // `errno.ENOSYS`, is named by no code of the repository), or one other code of the repository still
  // names. A member the change removed elsewhere (a field taken out of its struct, the method a revert
  // took away) and no other code names is gone: the line would not build.
  let staged: Set<string> | undefined;
  const removedLines = new Map<string, string[]>();
  const mentioned = new Map<string, boolean>();
  const memberKnown =
    (block: DefectBlock) =>
    (name: string, inserted: readonly string[]): boolean => {
      staged ??= new Set(
        change.files.flatMap((f) => (f.newText === null ? [] : [...wordsOfText(f.newText)])),
      );
      if (staged.has(name)) return true;
      // Code of the same language only, tests aside: a changelog entry or a test naming it declares nothing.
      const family = codeFamily(block.path);
      let removed = removedLines.get(family.join());
      if (removed === undefined) {
        removed = change.files
          .filter(
            (f) =>
              f.oldPath !== null && family.includes(extensionOf(f.oldPath)) && !isTestPath(rules, f.oldPath),
          )
          .flatMap((f) =>
            f.hunks.flatMap((h) => h.lines.filter((l) => l.kind === "-").map((l) => codeLine(l.text))),
          );
        removedLines.set(family.join(), removed);
      }
      const back = new Set(inserted.map(codeLine));
      if (!removed.some((l) => !back.has(l) && wordsOf(l).includes(name))) return true;
      if (block.repo.role !== "self" || change.base === null) return false;
      let m = mentioned.get(name);
      if (m === undefined) {
        const paths = change.files
          .flatMap((f) => [f.oldPath, f.newPath])
          .filter((p): p is string => p !== null);
        m = mentions(
          block.repo.path,
          change.base,
          name,
          codeFamily(block.path).map((e) => `*.${e}`),
          paths,
        );
        mentioned.set(name, m);
      }
      return m;
    };
  // A constant's definitions in the repository at a fix, read once per fix and name (a shown candidate only).
  const macros = new Map<string, string[]>();
  const valuesAtFix = (block: DefectBlock, name: string): string[] => {
    const key = `${block.fix.sha}:${name}`;
    let v = macros.get(key);
    if (v === undefined) {
      v = block.fix.sha ? macroValues(block.repo.path, block.fix.sha, name) : [];
      macros.set(key, v);
    }
    return v;
  };
  // The code a fix found in a file (every block of it there, `codeLine`): a revert writes it back. Read once per block.
  const found = new Map<number, Set<string>>();
  const foundInFile = (block: DefectBlock, siblings?: readonly DefectBlock[]): Set<string> => {
    let f = found.get(block.id);
    if (f === undefined) {
      const others = siblings ?? reader.ofFixInFile(block.fixId, block.path, block.id);
      f = new Set([block, ...others].flatMap((b) => b.before.map(codeLine)));
      found.set(block.id, f);
    }
    return f;
  };
  /** Why a recurrence found in one block is still not shown, or null. */
  const whyNotShown = (
    block: DefectBlock,
    kind: "revert" | "copy",
    similarity: number,
    w: { change: ChangeLines; fileLines: ReadonlySet<string>; fileWords: ReadonlySet<string> },
    /** The block's edits the change undoes, when known. */
    undone?: readonly number[],
  ): string | null => {
    if (opts.changeMessage !== undefined && namesCommit(opts.changeMessage, block.fix.sha))
      return `the change's message names this fix (${block.fix.sha.slice(0, 10)}): written knowing it`;
    if (kind === "revert" && isRevertCommit(block.fix.message))
      return "the fix was itself a revert: writing back what it took out lands that work again, by choice";
    // A fix that only wrote a constant for its value (or back) changed no behaviour: nothing to write again.
    const swap = block.edits.filter((e) => e.del.some((l) => codeLine(l) !== ""));
    if (swap.length > 0 && swap.every((e) => macroSwapEdit(e, (n) => valuesAtFix(block, n))))
      return "the fix only wrote a constant for the value it is defined as (or back): not behaviour";
    if (kind === "copy" && similarity < copySimilarity)
      return `${Math.round(100 * similarity)}% alike: a copy must be at least ${Math.round(100 * copySimilarity)}% the same code`;
    if (kind === "revert") {
      const siblings = reader.ofFixInFile(block.fixId, block.path, block.id);
      const elsewhere =
        rewritesFixElsewhere(siblings, w.change, w.fileLines, foundInFile(block, siblings)) ??
        // The fix's part in other files: taken out there and written as new code (not what it replaced).
        rewritesFixElsewhere(reader.ofFixOutside(block.fixId, block.path), w.change, addedAnywhere()) ??
        removesWhatFixUsed([block, ...siblings], w.change, w.fileWords, wordsBeforeFix(block)) ??
        dropsBuildCondition(block, w.change, w.fileLines);
      if (elsewhere !== null) return elsewhere;
      const renamed =
        undone === undefined
          ? null
          : fixStandsRenamed(
              block.edits,
              undone,
              siblings.flatMap((b) => b.edits),
              wordsBeforeFix(block),
              w.fileLines,
            );
      if (renamed !== null)
        return `the fix's \`${renamed}\` stands in other names: the change renames what the fix named`;
      const tests = block.fix.sha ? testsOfFix(block) : null;
      if (tests !== null && tests.added.size > 0) {
        changeTests ??= testLines(change.files, rules);
        const pinned = rewritesFixTests(tests, changeTests);
        if (pinned !== null) return pinned;
      }
    }
    // A revert of a fix reworked since is no revert of what stands; a copy of the buggy code is the bug
    // whatever became of the fix's own file later.
    return kind === "copy" || inForce(block)
      ? null
      : "the fix was undone or rewritten later in its own file: no longer in force";
  };
  // A revert writes back the code the fix found and nothing else: a change that writes new code among the
  // lines it takes back (a guard of its own at the top, a new out-parameter set beside them) reworks that
  // code, and the fix's line goes in the rework.
  const writesNewCode = (block: DefectBlock, range: LineRange, change: ChangeLines): string | null => {
    const old = foundInFile(block);
    for (const [line, text] of change.text) {
      if (line < range.start || line > range.end) continue;
      const t = codeLine(text);
      if (/[\p{L}\p{N}]/u.test(t) && !/^(?:\/\*|\*|\/\/|#\s*(?:if|else|endif))/.test(t) && !old.has(t))
        return `line ${line} is new code, not the pre-fix code back: a rework of the code the fix touched`;
    }
    return null;
  };
  const out = new Map<string, SuggestedMatch>();
  let looked = 0;
  const planned = work.reduce((s, w) => s + w.windows.length, 0);
  for (const w of work) {
    for (const region of w.windows) {
      if (budget-- <= 0) break;
      if (opts.deadline !== undefined && performance.now() > opts.deadline) break;
      looked++;
      const whole = w.fb.normalize(region);
      if (whole.lines.length < minLines) continue;
      for (const found of lookup(whole)) {
        // The part of the region the defect block matches is the developer's block.
        const norm = sliceNormalized(whole, found.from, found.to);
        const m = { ...found, pairs: found.pairs.map(([i, j]): [number, number] => [i - found.from, j]) };
        const range = { start: norm.spans[0]!.first, end: norm.spans[norm.spans.length - 1]!.last };
        const d = defectOf(m.id);
        const tell = (fix: string, outcome: string) =>
          opts.explain?.({
            fix,
            defectBlockId: m.id,
            path: w.path,
            line: range.start,
            similarity: m.similarity,
            outcome,
          });
        if (d === null) {
          const l = left.get(m.id);
          tell(l?.fix ?? "", l?.why ?? "left out");
          continue;
        }
        const { block, code } = d;
        const known = out.get(block.fix.sha);
        if (known?.recurrence.kind === "revert" && known.complete) continue;
        const lineage = block.repo.role === "self" && (w.path === block.newPath || w.path === block.path);
        const reasons: string[] = [];
        const rec = findRecurrence(code, norm, m.pairs, w.change, {
          lineage,
          fileWords: w.fileWords,
          fileLines: w.fileLines,
          fileText: w.lines,
          similarity: m.similarity,
          why: opts.explain && ((r) => reasons.push(r)),
        });
        const redesign = rec === null ? null : whyNotShown(block, rec.kind, m.similarity, w, rec.edits);
        if (redesign !== null) reasons.push(redesign);
        if (rec === null || redesign !== null) {
          tell(block.fix.sha, reasons.join("; ") || "not a recurrence");
          continue;
        }
        tell(block.fix.sha, `shown as a ${rec.kind}`);
        const dev: DeveloperBlock = {
          path: w.path,
          text: w.file.newText!,
          lines: w.lines,
          range,
          norm,
          added: w.change.added,
          memberKnown: memberKnown(block),
        };
        const suggestion = await placeFix(
          { ...block, path: block.path, startLine: block.startLine },
          dev,
          m.pairs,
          rec,
          opts,
        );
        const report = toReport(block, m, dev, rec, suggestion);
        if (known === undefined || rank(report, known) < 0) out.set(block.fix.sha, report);
      }
    }
  }
  // A fix taken out again line for line in its own file is a revert however the code around it changed
  // since (the block may be no clone of the defect block any more).
  for (const w of work) {
    if (opts.deadline !== undefined && performance.now() > opts.deadline) break;
    if (!w.file.hunks.some((h) => h.lines.some((l) => l.kind === "-"))) continue;
    const revertsOf = lineReverts(w.file.hunks, w.lines, w.change.words);
    for (const candidate of reader.inFile(w.path)) {
      const known = out.get(candidate.fix.sha);
      if (known?.recurrence.kind === "revert") continue;
      // The block's own lines first (cheap, and most blocks share none with the change), its normal form after.
      let found = revertsOf(candidate);
      if (found === null) continue;
      // What the fix moved between its blocks of this file (read only for a candidate revert: rare).
      const moved = movedLines([
        candidate,
        ...reader.ofFixInFile(candidate.fixId, candidate.path, candidate.id),
      ]);
      if (moved.size > 0) found = revertsOf({ ...candidate, moved });
      if (found === null) continue;
      const d = defectOf(candidate.id);
      if (d === null) continue;
      const { block } = d;
      const first = found.lines[0]!;
      const last = found.lines[found.lines.length - 1]!;
      const range = w.fb.window({ start: first, end: last }, block.before.length);
      const norm = w.fb.normalize(range);
      const similarity = similarityOf(norm.hashes, d.code.before.hashes);
      const tell = (outcome: string) =>
        opts.explain?.({
          fix: block.fix.sha,
          defectBlockId: block.id,
          path: w.path,
          line: first,
          similarity,
          outcome,
        });
      // The edits taken out again: those whose lines the change removes.
      const gone = new Set(w.change.deletions.flatMap((d) => d.lines.map(codeLine)));
      const undone = [...block.edits.keys()].filter((k) =>
        block.edits[k]!.add.some((l) => codeLine(l) !== "" && gone.has(codeLine(l))),
      );
      const why =
        writesNewCode(block, range, w.change) ?? whyNotShown(block, "revert", similarity, w, undone);
      if (why !== null) {
        tell(why);
        continue;
      }
      tell("shown as a revert: the fix's own lines taken out again");
      const dev: DeveloperBlock = {
        path: w.path,
        text: w.file.newText!,
        lines: w.lines,
        range,
        norm,
        added: w.change.added,
      };
      const newText = found.fixed.join("\n") + (dev.text.endsWith("\n") ? "\n" : "");
      const diff = renderDiff(dev.path, dev.text, newText);
      // The fix's lines put back must build here: a name the file no longer has (a variable the change removed)
      // leaves the historical fix shown as it was.
      const inserted = insertedLines(diffHunks(dev.text, newText));
      const lacks =
        unbalanced(w.lines, found.fixed, block.language) ??
        nameTheFileLacks(w.fileWords, { lines: found.fixed, inserted }, block.language, memberKnown(block));
      const applies =
        opts.applyCheck === false || lacks !== null ? null : await applyCheck(dev.path, dev.text, diff);
      const asItWas = (why: string): NonNullable<MatchReport["suggestion"]> => ({
        diff: historicalDiff({ ...block, startLine: block.startLine }),
        placed: false,
        appliesCleanly: null,
        why,
      });
      const suggestion: NonNullable<MatchReport["suggestion"]> =
        lacks !== null
          ? asItWas(lacks)
          : applies === false
            ? asItWas("git apply --check refused it")
            : { diff, placed: true, appliesCleanly: applies };
      const report = toReport(block, { similarity }, dev, { kind: "revert", lines: found.lines }, suggestion);
      if (known === undefined || rank(report, known) < 0) out.set(block.fix.sha, report);
    }
  }
  if (looked < planned)
    opts.notices?.push(
      `matched ${looked} of the ${planned} blocks of this change against past defects before the time budget ran out`,
    );
  return [...out.values()].sort(rank);
}

function toReport(
  block: DefectBlock,
  match: Pick<RegionMatch, "similarity">,
  dev: DeveloperBlock,
  rec: { kind: "revert" | "copy"; lines: number[] },
  suggestion: NonNullable<MatchReport["suggestion"]>,
): SuggestedMatch {
  const defect = block.defects[0] ?? block.fix;
  const related = block.repo.role === "related";
  const issues = [...new Set([...block.fix.issues, ...block.defects.flatMap((d) => d.issues)])];
  return {
    id: matchId(block.id, block.fix.sha),
    defectBlockId: block.id,
    repository: { name: block.repo.name, role: block.repo.role },
    complete: suggestion.placed,
    path: dev.path,
    startLine: dev.range.start,
    endLine: dev.range.end,
    similarity: match.similarity,
    // A related repository's path is named `repo:path`, as git names a path in a revision.
    defect: { ...commitRef(defect), path: related ? `${block.repo.name}:${block.path}` : block.path },
    fix: commitRef(block.fix),
    issues,
    recurrence: { kind: rec.kind, lines: rec.lines },
    evidence: block.evidence,
    suggestion,
  };
}
