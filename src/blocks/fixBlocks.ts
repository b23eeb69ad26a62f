/**
 * The blocks a fix changed: each change group of the fix's hunks, in the file as the fix found it, cut to
 * the smallest statement window of at least `minLines` normalized lines around it (the window
 * `fileBlocks` cuts the blocks of a change with), with the fix's edits restricted to that window so the
 * fix can be replayed elsewhere. Windows whose change is cosmetic (comments, formatting, a consistent
 * rename, the wording of a message) are left out: they hold no bug.
 */
import type { HunkLine } from "../git/types.js";
import { fileBlocks, type LineRange } from "./fileBlocks.js";
import { normalizeBlock } from "./normalizeBlock.js";
import type { NormalizedBlock, NormToken } from "./types.js";

/**
 * One change of a fix inside a block: `del` lines starting at block line `at` (0-based) became `add`,
 * which start at line `afterAt` of the block's after text. A pure insertion has no `del` and goes
 * before line `at`.
 */
export interface FixEdit {
  at: number;
  afterAt: number;
  del: string[];
  add: string[];
}

export interface ExtractedBlock {
  /** 1-based inclusive range in the old file. */
  start: number;
  end: number;
  before: string[];
  after: string[];
  edits: FixEdit[];
}

/** Largest defect block, in multiples of `minLines` normalized lines. */
export const MAX_BLOCK_FACTOR = 3;

/** A fix hunk as stored: old start and the body lines with their markers. */
export interface StoredHunk {
  oldStart: number;
  lines: HunkLine[];
}

interface Group {
  /** 1-based old line of the first deleted line, or the line the insertion goes before. */
  pos: number;
  del: string[];
  add: string[];
}

/*
 * fix_hunks.body is the hunk's lines with their markers, joined by LF (plain -U3 diff), e.g.
 *   " \tfor (i = 0; i <= n; i++)"
 *   "-\t\tsum += a[i];"
 *   "+\t\tsum += a[i - 1];"
 */
export function parseHunkBody(body: string): HunkLine[] {
  if (body === "") return [];
  const out: HunkLine[] = [];
  for (const raw of body.split("\n")) {
    const kind = raw[0];
    if (kind === "+" || kind === "-" || kind === " ") out.push({ kind, text: raw.slice(1) });
  }
  return out;
}

function groupsOf(hunks: readonly StoredHunk[]): Group[] {
  const groups: Group[] = [];
  for (const h of hunks) {
    let old = Math.max(1, h.oldStart);
    let current: Group | null = null;
    for (const l of h.lines) {
      if (l.kind === " ") {
        current = null;
        old++;
        continue;
      }
      if (current === null) {
        current = { pos: old, del: [], add: [] };
        groups.push(current);
      }
      if (l.kind === "-") {
        current.del.push(l.text);
        old++;
      } else current.add.push(l.text);
    }
  }
  // Whitespace-only groups (blank lines added or removed) carry no fix.
  return groups.filter((g) => [...g.del, ...g.add].some((t) => t.trim() !== ""));
}

/** Old-file lines a group is anchored on (an insertion: the lines around it). */
function seedOf(g: Group, n: number): LineRange {
  if (g.del.length > 0) return { start: g.pos, end: g.pos + g.del.length - 1 };
  return { start: Math.max(1, g.pos - 1), end: Math.min(Math.max(1, n), g.pos) };
}

function inside(g: Group, start: number, end: number): boolean {
  if (g.del.length > 0) return g.pos >= start && g.pos + g.del.length - 1 <= end;
  return g.pos - 1 >= start && g.pos <= end; // strictly between two lines of the block
}

/**
 * The windows one fix changed in one file (see the file comment), each with its before and after text,
 * its block-relative edits and its normalization; sorted by start. Cosmetic windows are dropped.
 */
export function blocksOfFix(
  oldLines: string[],
  hunks: readonly StoredHunk[],
  language: string,
  minLines = 0,
): Array<ExtractedBlock & { norm: NormalizedBlock }> {
  const groups = groupsOf(hunks);
  if (groups.length === 0) return [];
  const file = fileBlocks(oldLines, language);
  const byRange = new Map<string, LineRange>();
  for (const g of groups) {
    const seed = seedOf(g, oldLines.length);
    if (seed.start > oldLines.length) continue;
    // At most 3 × minLines normalized lines: a change's region (src/verdict/matchChange.ts) holds it whole.
    const r = file.window(
      { start: seed.start, end: Math.min(seed.end, oldLines.length) },
      minLines,
      undefined,
      minLines > 0 ? MAX_BLOCK_FACTOR * minLines : Number.POSITIVE_INFINITY,
    );
    byRange.set(`${r.start}-${r.end}`, r);
  }
  const out: Array<ExtractedBlock & { norm: NormalizedBlock }> = [];
  for (const b of byRange.values()) {
    const mine = groups.filter((g) => inside(g, b.start, b.end)).sort((x, y) => x.pos - y.pos);
    const before = oldLines.slice(b.start - 1, b.end);
    const after: string[] = [];
    const edits: FixEdit[] = [];
    let k = 0;
    for (const g of mine) {
      const at = g.pos - b.start;
      if (at < k) continue; // overlaps an earlier group (cannot happen with well-formed hunks)
      after.push(...before.slice(k, at));
      edits.push({ at, afterAt: after.length, del: g.del, add: g.add });
      after.push(...g.add);
      k = at + g.del.length;
    }
    after.push(...before.slice(k));
    if (edits.length === 0) continue;
    // Normalized from its own text, as readers of the index normalize `before` again.
    const norm = normalizeBlock(before, language, b.start);
    if (isCosmeticChange(before, after, language, norm) || onlyImports(before, after, edits)) continue;
    if (isTable(norm)) continue;
    out.push({ start: b.start, end: b.end, before, after, edits, norm });
  }
  return out.sort((x, y) => x.start - y.start);
}

/** A line that starts an import, an include, a package or a namespace use, in the common languages. */
const IMPORT_START =
  /^\s*(?:import\b|export\s*(?:\*|\{)[^;]*\bfrom\b|export\s*\{|from\s+[\w.]+\s+import\b|#\s*(?:include|import)\b|using\s+(?:static\s+)?[\w.]+\s*;|package\s+[\w.]+\s*;?\s*$|(?:const|let|var)\s+[\w{},\s]+=\s*require\(|use\s+[\w:]+)/;

/** Indexes of the lines that belong to import statements (a multi-line `import { a, b } from …` whole). */
export function importLines(lines: readonly string[]): Set<number> {
  const out = new Set<number>();
  let open = 0;
  lines.forEach((line, i) => {
    if (open === 0 && !IMPORT_START.test(line)) return;
    out.add(i);
    for (const ch of line) {
      if (ch === "{" || ch === "(") open++;
      else if ((ch === "}" || ch === ")") && open > 0) open--;
    }
  });
  return out;
}

/** The edit only adds, removes or changes imports (`was`/`now`: `importLines` of before and after). */
export function importEdit(e: FixEdit, was: ReadonlySet<number>, now: ReadonlySet<number>): boolean {
  return (
    e.del.every((l, i) => l.trim() === "" || was.has(e.at + i)) &&
    e.add.every((l, i) => l.trim() === "" || now.has(e.afterAt + i))
  );
}

/** The fix only added, removed or changed imports there: where a fix's names come from, not its bug. */
function onlyImports(
  before: readonly string[],
  after: readonly string[],
  edits: readonly FixEdit[],
): boolean {
  const was = importLines(before);
  const now = importLines(after);
  return edits.every((e) => importEdit(e, was, now));
}

/**
 * A block that is a list of one kind of line (registrations, struct fields, `#define`s, a table of
 * assignments): at least half its normalized lines are the same line. A fix there adds or edits an
 * entry; other lists of the same shape are everywhere and hold no such bug.
 */
export function isTable(norm: NormalizedBlock): boolean {
  // Rows, not their brackets (`} , {` between C struct rows), and a sign is no other shape (`-2` vs `3`).
  const rows = norm.lines.filter((l) => !/^[\s{}()[\],;]*$/.test(l)).map((l) => l.replace(/- 0\b/g, "0"));
  const count = new Map<string, number>();
  for (const r of rows) count.set(r, (count.get(r) ?? 0) + 1);
  return rows.length >= 4 && Math.max(0, ...count.values()) * 2 >= rows.length;
}

/** Tokens of a block without its docstrings: a statement that is a string and nothing else is a comment. */
function codeTokens(norm: NormalizedBlock): NormToken[] {
  const count = new Map<number, number>();
  for (const t of norm.tokens) count.set(t.lineIndex, (count.get(t.lineIndex) ?? 0) + 1);
  return norm.tokens.filter(
    (t) => !(t.kind === "literal" && t.norm === '""' && count.get(t.lineIndex) === 1),
  );
}

/**
 * What a string literal says stripped of its words: its punctuation and its placeholders (`%d`, `{0}`,
 * `${name}`), so `"Cannot read %s"` → `"%s"`: rewording keeps it, a changed format character does not.
 */
function skeleton(text: string): string {
  return (text.match(/%[-+ #0-9.]*[a-zA-Z]|\$?\{[^{}]*\}|[^\p{L}\p{N}\s]/gu) ?? []).join("");
}

/**
 * Whether `after` differs from `before` only cosmetically: in comments and docstrings, whitespace and layout, in the
 * wording of string literals (letters, digits and spaces; a changed format or pattern character counts),
 * or by a consistent rename (every use of a name became one new name that was not there before).
 * Numbers, operators, keywords, calls and the shape of the code are never cosmetic.
 */
export function isCosmeticChange(
  before: readonly string[],
  after: readonly string[],
  language: string,
  /** `normalizeBlock(before, language, firstLine)` when the caller has it (only lines differ by firstLine). */
  beforeNorm: NormalizedBlock = normalizeBlock([...before], language, 1),
): boolean {
  const a = codeTokens(beforeNorm);
  const b = codeTokens(normalizeBlock([...after], language, 1));
  if (a.length !== b.length) return false;
  const renames = new Map<string, string>();
  const reverse = new Map<string, string>();
  const uses = new Map<string, number>();
  for (const t of a) if (t.kind === "identifier") uses.set(t.text, (uses.get(t.text) ?? 0) + 1);
  const namesAfter = new Set(b.filter((t) => t.kind === "identifier").map((t) => t.text));
  for (let i = 0; i < a.length; i++) {
    const x: NormToken = a[i]!;
    const y: NormToken = b[i]!;
    if (x.norm !== y.norm || x.kind !== y.kind) return false;
    if (x.text === y.text) {
      if (x.kind === "identifier" && renames.has(x.text)) return false;
      continue;
    }
    if (x.kind === "literal") {
      if (x.norm !== '""' || skeleton(x.text) !== skeleton(y.text)) return false;
      continue;
    }
    if (x.kind !== "identifier") return false;
    // A rename: the old name is gone after, the new one was not there before, one to one. A name used
    // once is no rename: calling another function is a fix.
    if ((uses.get(x.text) ?? 0) < 2 || namesAfter.has(x.text) || uses.has(y.text)) return false;
    if ((renames.get(x.text) ?? y.text) !== y.text || (reverse.get(y.text) ?? x.text) !== x.text)
      return false;
    renames.set(x.text, y.text);
    reverse.set(y.text, x.text);
  }
  return true;
}
