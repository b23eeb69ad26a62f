/**
 * Whether a change writes a past bug again. A clone of a defect block is not yet a recurrence: the code a
 * developer edits is usually a clone of its own past, bugs included, long after the fix. It is one when
 * the lines the change adds or modifies are the lines the fix removed or changed (through the block
 * alignment), those lines still say what the bug said, and the code does not already hold the fix:
 *
 *   fix then        -  for (let i = 0; i <= n; i++) {      bug tokens: `<=`
 *                   +  for (let i = 0; i < n; i++) {       fix tokens: `<`
 *   change now      +  for (let k = 0; k <= m; k++) {      written by the change, `<=` again: recurrence
 *   change now      +  for (let k = 0; k < m; k++) {       the fix is there: nothing to say
 *
 * A fix that only inserted lines (a missing check) recurs where the change writes the code around the
 * gap without them, or deletes them (a revert). Code that descends from the fixed block itself (the same
 * file) recurs only when the change re-adds the removed lines exactly or deletes the added ones.
 */
import { type FixEdit, importEdit, importLines } from "../blocks/fixBlocks.js";
import type { NormalizedBlock, NormToken } from "../blocks/types.js";
import { lcsLength } from "../clones/verify.js";
import { alignBlocks, alignTokensBy, identifierMap } from "./alignBlocks.js";

/** What the change did to the developer's file, in its own line numbers (1-based). */
export interface ChangeLines {
  /** Lines the change added or modified. */
  added: ReadonlySet<number>;
  /** Lines the change removed, each group after new line `after` (0: at the top). */
  deletions: ReadonlyArray<{ after: number; lines: readonly string[] }>;
  /** Every word (name, number, quoted string) the whole change adds, in any file, with the lines (trimmed). */
  words: ReadonlyMap<string, ReadonlySet<string>>;
  /** Every line the whole change removes, in any file, as `codeLine` writes it: what it moved or re-indented. */
  removed: ReadonlySet<string>;
  /** The added lines of this file by line number. */
  text: ReadonlyMap<number, string>;
}

/** A line of code with its whitespace collapsed and a trailing `//` comment dropped, to compare lines. */
export function codeLine(line: string): string {
  return line
    .replace(/\s\/\/.*$|\/\*.*?\*\//g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Names, numbers and quoted strings of a line of code, as `ChangeLines.words` holds them. */
export function wordsOf(line: string): string[] {
  return line.match(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|[\p{L}\p{N}_$]+/gu) ?? [];
}

/**
 * Every word `wordsOf` finds in the lines of `text`, in one pass over the text: the same expression with no
 * newline inside a match, so no word runs from one line into the next (a whole file's words in half the time).
 */
export function wordsOfText(text: string): Set<string> {
  return new Set(text.match(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`\n]*`|[\p{L}\p{N}_$]+/gu));
}

export interface DefectCode {
  /** The defect block as the fix found it (normalized with `firstLine` 1) and after the fix. */
  before: NormalizedBlock;
  after: NormalizedBlock;
  /** Source lines of the block before the fix. */
  lines: number;
  /** The block's text before and after the fix, line by line. */
  beforeLines: readonly string[];
  afterLines: readonly string[];
  edits: readonly FixEdit[];
  /** Its tokenizer format (`typescript`, `c`...). */
  language: string;
}

export interface Recurrence {
  /** `revert`: the code descends from the fixed block and gets the removed lines back; `copy`: elsewhere. */
  kind: "revert" | "copy";
  /** Indexes into `edits` of the edits whose bug the change writes again. */
  edits: number[];
  /** The developer's lines (file numbering) that write it. */
  lines: number[];
  /** Defect name → developer name, from the aligned context (the bug lines themselves are not used). */
  mapping: Map<string, string>;
}

function byLine(tokens: readonly NormToken[]): Map<number, NormToken[]> {
  const out = new Map<number, NormToken[]>();
  for (const t of tokens) {
    let list = out.get(t.line);
    if (!list) {
      list = [];
      out.set(t.line, list);
    }
    list.push(t);
  }
  return out;
}

/** A normalized line written with its tokens' own text (names renamed through `mapping`, if given). */
function exactText(tokens: readonly NormToken[], mapping?: ReadonlyMap<string, string>): string {
  return tokens.map((t) => (t.kind === "identifier" ? (mapping?.get(t.text) ?? t.text) : t.text)).join(" ");
}

function linesOf(norm: NormalizedBlock): NormToken[][] {
  const out: NormToken[][] = norm.lines.map(() => []);
  for (const t of norm.tokens) out[t.lineIndex]?.push(t);
  return out;
}

/**
 * The texts of `norm` around [from, to] (inclusive), in their exact tokens: each statement that
 * touches the range, and each source line in it (a statement spread over lines is compared line by line).
 */
function exactTextsIn(norm: NormalizedBlock, from: number, to: number): Set<string> {
  const lines = linesOf(norm);
  const out = new Set<string>();
  norm.spans.forEach((s, i) => {
    if (s.last >= from && s.first <= to) out.add(exactText(lines[i]!));
  });
  for (const [line, toks] of byLine(norm.tokens)) if (line >= from && line <= to) out.add(exactText(toks));
  return out;
}

/**
 * What the fix wrote on `lines` (source lines of the post-fix block), in exact tokens with names renamed
 * through `mapping`: each statement wholly inside them, and each line that carries meaning (a name, a
 * keyword or a literal; not `}` or `);`), so that a condition added to a statement over many lines counts.
 */
function meaningfulTexts(
  norm: NormalizedBlock,
  lines: readonly number[],
  mapping: ReadonlyMap<string, string>,
): string[] {
  const at = new Set(lines);
  const byIndex = linesOf(norm);
  const out: string[] = [];
  const meaningful = (toks: readonly NormToken[]) => toks.some((t) => t.kind !== "symbol");
  for (const toks of byIndex)
    if (toks.every((t) => at.has(t.line)) && meaningful(toks)) out.push(exactText(toks, mapping));
  for (const [line, toks] of byLine(norm.tokens))
    if (at.has(line) && meaningful(toks)) out.push(exactText(toks, mapping));
  return out;
}

/** Says why a match is no recurrence, and gives the null that means so. */
function rejected(why: (reason: string) => void, reason: string): null {
  why(reason);
  return null;
}

export function findRecurrence(
  defect: DefectCode,
  dev: NormalizedBlock,
  pairs: Array<[number, number]>,
  change: ChangeLines,
  opts: {
    /** The developer's code descends from the fixed block (the same file of this repository). */
    lineage: boolean;
    /** Every word of the developer's file (the names a fix's inserted lines use must exist there). */
    fileWords?: ReadonlySet<string>;
    /** Every line of the developer's file, as `codeLine` writes it. */
    fileLines?: ReadonlySet<string>;
    /** The developer's file, line by line (line n at n − 1): where a jump from the gap lands. */
    fileText?: readonly string[];
    /** Similarity of the two blocks (NiCad's L / max n). */
    similarity?: number;
    /** Told why the match is no recurrence (for `check --explain`). */
    why?: (reason: string) => void;
  },
): Recurrence | null {
  const why = opts.why ?? (() => {});
  const { lineage } = opts;
  const fileWords = opts.fileWords ?? new Set<string>();
  const similarity = opts.similarity ?? 0;

  const { lineMap, tokenPairs } = alignBlocks(defect.before, dev, pairs);
  const bugLines = new Set<number>();
  for (const e of defect.edits) for (let i = 0; i < e.del.length; i++) bugLines.add(e.at + 1 + i);
  const context = tokenPairs.filter(([d]) => !bugLines.has(d.line));
  const mapping = identifierMap(context);
  // Code elsewhere is the same code in other names only when one name stands for one name throughout:
  // look-alikes of the same shape pair their names up every which way.
  if (!lineage && !consistentNames(context, mapping)) {
    why("the names of the two blocks do not pair up one to one");
    return null;
  }
  // A copy keeps the constants it is about: `NodeTypes.ELEMENT` is not `NodeTypes.ATTRIBUTE`.
  if (!lineage && !sameMembers(tokenPairs, defect.before, dev)) {
    why("the two blocks name other constants (`Kind.A` for `Kind.B`): the same shape, not the same code");
    return null;
  }
  // And it keeps the names that tell what the code does (the functions it calls, its constants): a switch
  // over other constants, calls of other functions in the same order, is the same shape, not the same code.
  if (!lineage && !sameTellingNames(context, defect.before, defect.beforeLines)) {
    why("the two blocks call other functions or name other constants: the same shape, not the same code");
    return null;
  }
  // The bug was in those very calls and constants: the lines that were the bug, called with another
  // function's name (`setup_upload(a, b)` for `add_headers(conn, buf)`), are another function's call.
  const onBug = tokenPairs.filter(([d]) => bugLines.has(d.line));
  if (!lineage && !sameTellingNames(onBug, defect.before, defect.beforeLines, 1, true)) {
    why("the lines that were the bug call other functions: not the same bug");
    return null;
  }
  const defTok = byLine(defect.before.tokens);
  const afterTok = byLine(defect.after.tokens);
  const devTok = byLine(dev.tokens);
  const devFirst = dev.spans[0]?.first ?? 1;
  const devLast = dev.spans[dev.spans.length - 1]?.last ?? devFirst;

  const edits: number[] = [];
  /** Edits undone that wrote more than punctuation (or changed lines). */
  let meaningful = 0;
  const lines = new Set<number>();
  const importsBefore = importLines(defect.beforeLines);
  const importsAfter = importLines(defect.afterLines);
  const beforeWords = new Set(defect.beforeLines.flatMap(wordsOf));
  const beforeText = new Set(defect.beforeLines.map((l) => l.trim()));
  // A fix word the change writes in a line the block did not have before the fix: the fix went there.
  const movedTo = (w: string): boolean => [...(change.words.get(w) ?? [])].some((l) => !beforeText.has(l));
  // A line the fix added, written by the change itself somewhere (`sdsfree(s);` now in the callee).
  // A line the fix only re-indented was there before it: a revert writes it back in its old place.
  const writtenElsewhere = (line: string): boolean => {
    const t = line.trim();
    if (beforeText.has(t)) return false;
    const [w] = wordsOf(t);
    return w !== undefined && (change.words.get(w)?.has(t) ?? false);
  };
  const fileLines = opts.fileLines ?? new Set<string>();
  const renamed = (line: string): string =>
    line.replace(/[\p{L}_$][\p{L}\p{N}_$]*/gu, (w) => mapping.get(w) ?? w);
  const isSubstantial = (line: string): boolean =>
    (codeLine(line).match(/[\p{L}_$][\p{L}\p{N}_$]{2,}/gu) ?? []).length >= 2;
  const fixLineInFile = (line: string): boolean =>
    fileLines.has(codeLine(line)) || fileLines.has(codeLine(renamed(line)));
  for (const [k, e] of defect.edits.entries()) {
    const whyEdit = (reason: string) => why(`edit ${k + 1}: ${reason}`);
    // An import is where a fix's names come from, not its bug.
    if (importEdit(e, importsBefore, importsAfter)) {
      whyEdit("an import");
      continue;
    }
    // Its own code losing what the fix brought in, while the change writes that elsewhere, is the fix
    // moved or restructured (a condition merged into another, a cleanup moved into a helper), not undone.
    if (lineage) {
      const moved = fixWords(e, afterTok, beforeWords).find(movedTo) ?? e.add.find(writtenElsewhere)?.trim();
      if (moved !== undefined) {
        whyEdit(`the change writes the fix's \`${moved}\` elsewhere`);
        continue;
      }
    }
    // A cast or a non-null mark changes no behaviour: a type-only edit is no bug written again.
    if (typeOnlyEdit(e, defect.language)) {
      whyEdit("a type-only edit");
      continue;
    }
    // `@Override` and its kind are metadata the compiler checks (a fix for an old compiler's rules), not behaviour.
    if (annotationOnlyEdit(e, defect.language)) {
      whyEdit("the fix only changed annotations");
      continue;
    }
    if (compileOnlyEdit(e, defect.language)) {
      whyEdit("the fix only changed includes or marks for the compiler");
      continue;
    }
    // Elsewhere, who may see a declaration (`export`, `static`) is that declaration's business.
    if (!lineage && modifierOnlyEdit(e)) {
      whyEdit("the fix only changed a declaration's modifiers");
      continue;
    }
    // The file already has what the fix wrote (in its own names or the developer's): nothing is missing.
    // Lines the fix only re-indented are no part of what it wrote.
    const substantial = e.add.filter((l) => isSubstantial(l) && !beforeText.has(l.trim()));
    if (substantial.length > 0 && substantial.every(fixLineInFile)) {
      whyEdit("the file already has the fix's lines");
      continue;
    }
    // Import lines are no bug lines, even in an edit that also changed code. Nor are lines the fix only
    // re-indented (a fix that wraps code in a check is the check inserted).
    const delCode = new Set(e.del.map(codeLine));
    const addCode = new Set(e.add.map(codeLine));
    const shifted = (l: string): boolean => delCode.has(codeLine(l)) && addCode.has(codeLine(l));
    const del = e.del
      .map((_, i) => e.at + 1 + i)
      .filter(
        (d) =>
          (defTok.get(d)?.length ?? 0) > 0 &&
          !importsBefore.has(d - 1) &&
          !shifted(defect.beforeLines[d - 1] ?? ""),
      );
    const add = e.add
      .map((_, i) => e.afterAt + 1 + i)
      .filter((a) => (afterTok.get(a)?.length ?? 0) > 0 && !shifted(defect.afterLines[a - 1] ?? ""));
    const written =
      del.length > 0
        ? changedLinesWritingBug(del, add, {
            defTok,
            afterTok,
            devTok,
            lineMap,
            mapping,
            change,
            lineage,
            nearlySame: similarity >= NEARLY_SAME,
            why: whyEdit,
          })
        : insertionLeftOut(e, add, {
            defect,
            dev,
            defTok,
            afterTok,
            lineMap,
            mapping,
            change,
            lineage,
            devFirst,
            devLast,
            fileWords,
            fileLines: opts.fileLines ?? new Set(),
            fileText: opts.fileText ?? [],
            beforeWords,
            nearlySame: similarity >= NEARLY_SAME,
            why: whyEdit,
          });
    if (written === null) continue;
    edits.push(k);
    if (del.length > 0 || add.some((a) => afterTok.get(a)?.some((t) => t.kind !== "symbol"))) meaningful++;
    for (const l of written) lines.add(l);
  }
  if (meaningful === 0) {
    why("no edit of the fix is undone by the change");
    return null;
  }
  if (lineage) {
    // A revert gets the old code back and writes nothing new in the block: a change that also writes
    // other code there is a redesign that happens to drop what the fix had added.
    const before = new Set(defect.beforeLines.map(codeLine));
    for (const [line, text] of change.text) {
      if (line < devFirst || line > devLast) continue;
      const t = codeLine(text);
      if (t !== "" && !before.has(t)) {
        why(`line ${line} is new code, not the pre-fix code back: a redesign`);
        return null;
      }
    }
  }
  // A copy nearer the fixed code than the buggy code (in normalized lines) has the fix already, in its own
  // names (curl's `str_has_ctrl` with the unsigned-char cast a cookie fix added): nothing to warn about.
  if (!lineage && lcsLength(dev.hashes, defect.after.hashes) > lcsLength(dev.hashes, defect.before.hashes)) {
    why("your code is nearer the fixed code than the buggy code: the fix is there already");
    return null;
  }
  return { kind: lineage ? "revert" : "copy", edits, lines: [...lines].sort((a, b) => a - b), mapping };
}

/**
 * The edits undone only named things anew (`robj *aux` → `robj *aux1, *aux2`: the words they brought in
 * are all names the fix introduced) while the lines the fix wrote with those names, in this block or its
 * others in the file (`others`), still stand in the file under other names (`aux = createStringObject(
 * "KEEPTTL",7)` for `aux2 = ...`): the change renamed what the fix named, and kept what it did. `found` is
 * every word of the fix's file as the fix found it. Gives one such line, or null.
 */
export function fixStandsRenamed(
  edits: readonly FixEdit[],
  undone: readonly number[],
  others: readonly FixEdit[],
  found: ReadonlySet<string>,
  fileLines: ReadonlySet<string>,
): string | null {
  const isName = (w: string): boolean => /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(w);
  const all = [...edits, ...others];
  const added = all.flatMap((e) => e.add);
  const removed = all.flatMap((e) => e.del);
  const fresh = new Set(added.flatMap(wordsOf).filter((w) => isName(w) && !found.has(w)));
  const afterWords = new Set(added.flatMap(wordsOf));
  const gone = new Set(removed.flatMap(wordsOf).filter((w) => isName(w) && !afterWords.has(w)));
  if (fresh.size === 0) return null;
  for (const k of undone) {
    const e = edits[k]!;
    const had = new Set(e.del.flatMap(wordsOf));
    const brought = e.add.flatMap(wordsOf).filter((w) => !had.has(w));
    if (brought.length === 0 || !brought.every((w) => fresh.has(w))) return null;
  }
  const names = [...fresh, ...gone].sort((a, b) => b.length - a.length);
  const wild = (line: string): string => {
    let out = codeLine(line).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    for (const n of names) out = out.replace(wordRegExp(n.replace(/\$/g, "\\$&")), "\u0000");
    return out;
  };
  const removedShapes = new Set(removed.map(wild));
  // What the fix did with its new names: lines that are not only a removed line renamed.
  // The renaming lines themselves (a block may share an edit with another of the fix's blocks) aside.
  const renaming = new Set(undone.flatMap((k) => edits[k]!.add.map(codeLine)));
  const kept = [...edits.filter((_, k) => !undone.includes(k)), ...others]
    .flatMap((e) => e.add)
    .filter((l) => !renaming.has(codeLine(l)));
  const own = kept.filter(
    (l) => wordsOf(l).some((w) => fresh.has(w)) && wordsOf(l).length >= 3 && !removedShapes.has(wild(l)),
  );
  const pattern = (l: string) =>
    new RegExp(`^${wild(l).replaceAll("\u0000", "[\\p{L}_$][\\p{L}\\p{N}_$]*")}$`, "u");
  const standing = own.filter((l) => {
    const p = pattern(l);
    return [...fileLines].some((f) => p.test(f));
  });
  return own.length > 0 && standing.length === own.length ? codeLine(own[0]!) : null;
}

/** The lines the change wrote right after new line `after` (a modified hunk's new side), as `codeLine` writes them. */
function writtenAt(change: ChangeLines, after: number): string[] {
  const out: string[] = [];
  for (let l = after + 1; change.text.has(l); l++) out.push(codeLine(change.text.get(l)!));
  return out;
}

/**
 * Whether the change, while it gets one part of a fix back, rewrites another part of the same fix (in
 * the same file) into new code: it removes lines that fix added elsewhere without getting back what they
 * replaced. That is a redesign of what the fix touched (a sentinel value dropped with the code that
 * read it), not the fix undone. Gives the reason, or null.
 */
export function rewritesFixElsewhere(
  siblings: ReadonlyArray<{ edits: readonly FixEdit[] }>,
  change: ChangeLines,
  fileLines: ReadonlySet<string>,
  /** The code the fix found, every block of it (`codeLine`): written back, it is the revert, not new code. */
  found: ReadonlySet<string> = new Set(),
): string | null {
  const substantial = (l: string): boolean => (l.match(/[\p{L}_$][\p{L}\p{N}_$]{2,}/gu) ?? []).length >= 2;
  for (const b of siblings)
    for (const e of b.edits) {
      const del = new Set(e.del.map(codeLine).filter((l) => l !== ""));
      const add = new Set(e.add.map(codeLine).filter((l) => l !== ""));
      const wrote = [...add].filter((l) => !del.has(l) && substantial(l));
      const replaced = [...del].filter((l) => !add.has(l) && substantial(l));
      if (replaced.length === 0) {
        // A fix that only added lines (a flag, a guard around a call): its line taken out with new code
        // written in its place (another condition) is reworked; taken out alone, it is undone.
        const own = (l: string) =>
          add.has(codeLine(l)) && !del.has(codeLine(l)) && !fileLines.has(codeLine(l));
        const reworked = change.deletions.find(
          (d) =>
            d.lines.some((l) => /[\p{L}_$]/u.test(l) && own(l)) &&
            writtenAt(change, d.after).some(
              (l) => substantial(l) && !del.has(l) && !add.has(l) && !found.has(l),
            ),
        );
        if (reworked !== undefined)
          return `the change writes new code where it takes out \`${codeLine(reworked.lines.find(own)!)}\`, another line of the same fix: a rework`;
        continue;
      }
      const gone = wrote.find((l) => change.removed.has(l) && !fileLines.has(l));
      if (gone !== undefined && !replaced.some((l) => fileLines.has(l)))
        return `the change also rewrites \`${gone}\`, another line of the same fix, into new code: a redesign`;
    }
  return null;
}

/** The lines one side of a change adds to and removes from test files, as `codeLine` writes them. */
export interface TestLines {
  added: ReadonlySet<string>;
  removed: ReadonlySet<string>;
}

/**
 * Whether the change rewrites the tests the fix wrote: it takes out test lines the fix added and writes
 * test lines of its own (not the ones the fix replaced). The developer changed the behaviour the fix
 * pinned down, on purpose and with the tests to show it (a feature removed, a design replaced); a plain
 * revert of the fix takes its tests back to what they were and stays a recurrence. Gives the reason, or null.
 */
export function rewritesFixTests(fix: TestLines, change: TestLines): string | null {
  const substantial = (l: string): boolean => /[\p{L}_$][\p{L}\p{N}_$]{2,}/u.test(l);
  const dropped = [...fix.added].find((l) => substantial(l) && change.removed.has(l) && !change.added.has(l));
  if (dropped === undefined) return null;
  const own = [...change.added].some((l) => substantial(l) && !fix.removed.has(l) && !fix.added.has(l));
  return own
    ? `the change rewrites the fix's tests (\`${dropped}\` taken out, tests of its own written): the behaviour the fix pinned down is changed on purpose`
    : null;
}

/** `value as any`, `<Foo>x`-free TypeScript: casts, non-null marks and the parentheses they needed. */
function withoutTypeMarks(line: string): string {
  let t = codeLine(line)
    .replace(/\s+as\s+(?:const|[\w$.]+(?:<[^>]*>)?(?:\[\])*)(?=[\s)\],;.]|$)/g, "")
    .replace(/([\w$)\]])!(?=[.[)\],;]|$)/g, "$1");
  for (let prev = ""; prev !== t; ) {
    prev = t;
    t = t.replace(/\(\s*([\w$.]+)\s*\)(?=[.[])/g, "$1");
  }
  return t;
}

/** A TypeScript edit whose lines differ only by casts and non-null marks. */
export function typeOnlyEdit(e: FixEdit, language: string): boolean {
  if (language !== "typescript" && language !== "tsx") return false;
  if (e.del.length !== e.add.length || e.del.length === 0) return false;
  return e.del.every((d, i) => withoutTypeMarks(d) === withoutTypeMarks(e.add[i]!));
}

const ANNOTATED = new Set(["java", "kotlin", "scala", "groovy"]);
const ANNOTATION = /^@[\p{L}_$][\p{L}\p{N}_$.]*(?:\(.*\))?$/u;

/** A Java-family edit whose every line is an annotation (`@Override`, `@SuppressWarnings("unchecked")`). */
export function annotationOnlyEdit(e: FixEdit, language: string): boolean {
  if (!ANNOTATED.has(language)) return false;
  const lines = [...e.del, ...e.add].map(codeLine).filter((l) => l !== "");
  return lines.length > 0 && lines.every((l) => ANNOTATION.test(l));
}

/** Languages of C's preprocessor (`#include`, `#undef`, `#if`); C# has conditionals of its own but no includes. */
export const C_PREPROCESSED: ReadonlySet<string> = new Set([
  "c",
  "c-header",
  "cpp",
  "cpp-header",
  "objectivec",
]);
/** Lines the compiler reads but that do nothing at run time: an include, an undefine, a variable marked used. */
const COMPILE_ONLY = /^(?:#\s*(?:include|undef)\b.*|\(\s*void\s*\)\s*[\p{L}_$][\p{L}\p{N}_$]*\s*;)$/u;

/**
 * A C-family edit whose every line only concerns the compiler (`#include <curl/curl.h>`, `#undef stat`,
 * `(void)data;`): taken out again, the build says so or nothing changes; no bug comes back.
 */
export function compileOnlyEdit(e: FixEdit, language: string): boolean {
  if (!C_PREPROCESSED.has(language)) return false;
  const lines = [...e.del, ...e.add].map(codeLine).filter((l) => l !== "");
  return lines.length > 0 && lines.every((l) => COMPILE_ONLY.test(l));
}

const PP_CONDITION = /^\s*#\s*(?:if|ifdef|ifndef|elif)\b(.*)$/;
const PP_ELSE = /^\s*#\s*else\b/;
const PP_END = /^\s*#\s*endif\b/;

/** The macros a preprocessor condition line tests (`defined`, numbers and operators aside). */
function macrosOf(condition: string): string[] {
  return (codeLine(condition).match(/[A-Za-z_]\w*/g) ?? []).filter((w) => w !== "defined");
}

/**
 * The macros of the preprocessor conditions that enclose each of `lines` (0-based) in `code`, read from
 * the code's top (a condition opened above the code is not seen).
 */
function enclosingMacros(code: readonly string[], lines: ReadonlySet<number>): Set<string> {
  const out = new Set<string>();
  const open: string[][] = [];
  code.forEach((l, i) => {
    const c = PP_CONDITION.exec(l);
    if (c !== null) {
      if (/^\s*#\s*elif\b/.test(l)) open.pop();
      open.push(macrosOf(c[1]!));
    } else if (PP_END.test(l)) open.pop();
    else if (lines.has(i) && !PP_ELSE.test(l)) for (const m of open.flat()) out.add(m);
  });
  return out;
}

/**
 * Whether the change drops the build configuration a fix's lines were for: they sat under a preprocessor
 * condition the code already had before the fix (`#ifdef TLS1_3_VERSION … #else return CURLE_NOT_BUILT_IN;`),
 * and the change takes out every condition on its macros from the file (a minimum version raised, a platform
 * no longer built). The fix's lines go with the configuration they served; a revert of the fix puts its
 * condition back. Gives the reason, or null.
 */
export function dropsBuildCondition(
  block: { language: string; before: readonly string[]; after: readonly string[]; edits: readonly FixEdit[] },
  change: ChangeLines,
  fileLines: ReadonlySet<string>,
): string | null {
  if (!C_PREPROCESSED.has(block.language)) return null;
  const inserted = new Set<number>();
  for (const e of block.edits)
    e.add.forEach((l, i) => {
      if (codeLine(l) !== "" && !PP_CONDITION.test(l) && !PP_ELSE.test(l) && !PP_END.test(l))
        inserted.add(e.afterAt + i);
    });
  if (inserted.size === 0) return null;
  const before = new Set(
    block.before.flatMap((l) => {
      const c = PP_CONDITION.exec(l);
      return c === null ? [] : macrosOf(c[1]!);
    }),
  );
  const macros = [...enclosingMacros(block.after, inserted)].filter((m) => before.has(m));
  if (macros.length === 0) return null;
  const tested = (lines: Iterable<string>, m: string): boolean =>
    [...lines].some((l) => {
      const c = PP_CONDITION.exec(l);
      return c !== null && macrosOf(c[1]!).includes(m);
    });
  const dropped = macros.find(
    (m) => !tested(fileLines, m) && change.deletions.some((d) => tested(d.lines, m)),
  );
  return dropped === undefined
    ? null
    : `the change stops testing \`${dropped}\` in this file, the build condition the fix's lines were for: a configuration dropped, not the fix undone`;
}

const MODIFIERS =
  /\b(?:export|public|private|protected|internal|static|final|readonly|declare|extern|inline|const)\s+/g;

/** An edit that only adds or removes modifiers of declarations (`export declare const X` for `declare const X`). */
function modifierOnlyEdit(e: FixEdit): boolean {
  if (e.del.length !== e.add.length || e.del.length === 0) return false;
  const bare = (l: string): string => codeLine(l).replace(MODIFIERS, "");
  return (
    e.del.every((d, i) => bare(d) === bare(e.add[i]!)) &&
    e.del.some((d, i) => codeLine(d) !== codeLine(e.add[i]!))
  );
}

/**
 * Whether the change, reverting a fix, takes away a name the fix only used: a name its lines call or read
 * that the change removes from the file everywhere, deleting code that mentions it beyond the fix's own
 * lines (a declaration, other uses; imports aside). The change then removes that facility (a queue, a
 * helper) on purpose, and the fix's lines go with it: a redesign. Gives the reason, or null.
 */
export function removesWhatFixUsed(
  fixes: ReadonlyArray<{ edits: readonly FixEdit[] }>,
  change: ChangeLines,
  fileWords: ReadonlySet<string>,
  /** Every word of the fix's file as the fix found it. */
  found: ReadonlySet<string>,
): string | null {
  const fixLines = new Set(fixes.flatMap((b) => b.edits.flatMap((e) => e.add.map(codeLine))));
  // Only names the file had before the fix: a full revert takes away what the fix brought in (a helper
  // it added), never what the code it found was using.
  const used = new Set(
    [...fixLines]
      .flatMap((l) => l.match(/[\p{L}_$][\p{L}\p{N}_$]{2,}/gu) ?? [])
      .filter((w) => found.has(w) && !fileWords.has(w)),
  );
  if (used.size === 0) return null;
  for (const d of change.deletions) {
    const imports = importLines(d.lines);
    for (const [i, line] of d.lines.entries()) {
      if (imports.has(i) || fixLines.has(codeLine(line))) continue;
      const gone = (codeLine(line).match(/[\p{L}_$][\p{L}\p{N}_$]{2,}/gu) ?? []).find((w) => used.has(w));
      if (gone !== undefined)
        return `the change removes \`${gone}\` itself, which the fix only used: a redesign, not the fix undone`;
    }
  }
  return null;
}

const DEFINES = /^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:function|def|class|fn|func|import|from)\b/;
/** `static void name(...` / `int *name(...`: a function header (C, C++, Java, C#), not a call or a statement. */
const FUNCTION_HEADER = /^\s*([A-Za-z_][\w:]*)(?:[\s*&]+[\w:<>,*&[\]]+)*[\s*&]+([A-Za-z_~][\w:]*)\s*\([^;]*$/;
const NOT_A_TYPE = new Set([
  "if",
  "while",
  "for",
  "switch",
  "return",
  "else",
  "do",
  "case",
  "new",
  "delete",
  "throw",
  "await",
  "yield",
  "sizeof",
  "goto",
  "not",
  "and",
  "or",
]);
/** `const name =`, `let name`, `static int name =`: a variable declared by its first mention. */
const VARIABLE =
  /^\s*(?:export\s+)?(?:const|let|var|val|static)\s+(?:[\w<>,*&[\]]+\s+)*?[*&]?([A-Za-z_$][\w$]*)(?:\[[^\]]*\])*\s*(?::[^=]*)?(?:=|;|$)/;

/** `int n;`, `bool keep = TRUE;`, `struct conn *c;`: a variable or field declared with its type (C, C++, Java). */
const TYPED_DECLARATION =
  /^(?:(?:const|static|volatile|unsigned|signed|struct|enum|union|register|extern|final|private|protected|public)\s+)*([A-Za-z_][\w:.]*(?:<[^;=()]*>)?)(?:\s*[*&]+\s*|\s+)[*&]*([A-Za-z_]\w*)(?:\[[^\]]*\])*\s*(?:=\s*(?:-?[\w.]+|"[^"]*"|'[^']*'))?;$/;

/**
 * The line starts a definition: a function, class or import, or a variable or function whose name the
 * block did not have before the fix (a fix that only adds one declares something new; it checks nothing).
 */
export function definesNewName(line: string, before: ReadonlySet<string>): boolean {
  if (DEFINES.test(line)) return true;
  const f = FUNCTION_HEADER.exec(line);
  if (f && !NOT_A_TYPE.has(f[1]!) && !before.has(f[2]!)) return true;
  const v = VARIABLE.exec(line);
  return v !== null && !before.has(v[1]!);
}

/**
 * The line only declares a new name where the fix keeps its state: a definition, or a variable or field
 * declared with its type and at most a constant (`int num_pending;`, `bool keep = TRUE;`). One whose
 * value is computed (`final long was = cal.getTimeInMillis();`) does something where it stands.
 */
export function declaresNewName(line: string, before: ReadonlySet<string>): boolean {
  if (definesNewName(line, before)) return true;
  const d = TYPED_DECLARATION.exec(codeLine(line));
  return d !== null && !NOT_A_TYPE.has(d[1]!) && !before.has(d[2]!);
}

/**
 * Similarity from which other code is a copy of the defect block: the check it lacks may use names of
 * that code's API it does not call yet (`pauseTracking()` around a loop copied without it).
 */
const NEARLY_SAME = 0.9;

/** Most normalized lines a fix may have inserted to count as a check missing from other code. */
const MAX_INSERTED_CHECK = 6;

/** Least aligned name pairs, and least share of them the mapping agrees with, to call names consistent. */
const MIN_NAME_PAIRS = 4;
const MIN_NAME_AGREEMENT = 0.8;

function consistentNames(
  context: ReadonlyArray<[NormToken, NormToken]>,
  mapping: Map<string, string>,
): boolean {
  const names = context.filter(([a, b]) => a.kind === "identifier" && b.kind === "identifier");
  if (names.length < MIN_NAME_PAIRS) return false;
  const agree = names.filter(([a, b]) => mapping.get(a.text) === b.text).length;
  return agree >= MIN_NAME_AGREEMENT * names.length;
}

/** Tokens after which a name is a member of a value or a namespace, not a name of the scope. */
const MEMBER_OF = new Set([".", "->", "?.", "::"]);

/**
 * Qualified constants of the aligned code are the same on both sides: an enum member or a namespace's
 * name (`NodeTypes.ELEMENT`, `Status::Done`, `obj.MAX_SIZE`) is what the code is about, where a field of
 * a local value (`sample.duration_ms`) may be another in a copy.
 */
function sameMembers(
  pairs: ReadonlyArray<[NormToken, NormToken]>,
  defect: NormalizedBlock,
  dev: NormalizedBlock,
): boolean {
  // By place: the aligned tokens are copies of the blocks' own.
  const at = (t: NormToken): string => `${t.line}:${t.column}`;
  const constants = (norm: NormalizedBlock): Set<string> =>
    new Set(
      norm.tokens
        .filter((t, i) => {
          if (t.kind !== "identifier" || !MEMBER_OF.has(norm.tokens[i - 1]?.text ?? "")) return false;
          const owner = norm.tokens[i - 2];
          return (
            /^[A-Z][A-Z0-9_]+$/.test(t.text) || (owner?.kind === "identifier" && /^[A-Z]/.test(owner.text))
          );
        })
        .map(at),
    );
  const a = constants(defect);
  const b = constants(dev);
  const both = pairs.filter(([x, y]) => a.has(at(x)) || b.has(at(y)));
  return both.filter(([x, y]) => x.text === y.text).length >= MIN_NAME_AGREEMENT * both.length;
}

/** A constant or macro by its spelling (`REDIS_ZSET`, `MAX_SIZE`): capitals, digits and underscores. */
const CONSTANT = /^_*[A-Z][A-Z0-9_]*[A-Z0-9]$/;

/**
 * The aligned names that tell what code does keep their spelling in a copy: a developer who copies code
 * renames its locals, not the functions it calls nor its constants. Of the defect block's calls and
 * constants aligned with the developer's block, most (`MIN_NAME_AGREEMENT`) must be the same names.
 * Blocks without any (locals and operators only) say nothing here.
 */
function sameTellingNames(
  context: ReadonlyArray<[NormToken, NormToken]>,
  defect: NormalizedBlock,
  lines: readonly string[],
  agreement = MIN_NAME_AGREEMENT,
  /** Only the calls (the constants a fix took out are checked edit by edit, with a reason of their own). */
  callsOnly = false,
): boolean {
  const at = (t: NormToken): string => `${t.line}:${t.column}`;
  // The block's own function is named anew in a copy, its recursive calls with it.
  const own = new Set(
    lines.flatMap((l) => {
      const named = /\b(?:function|def|fn|func)\s+([\p{L}_$][\p{L}\p{N}_$]*)/u.exec(l)?.[1];
      const header = FUNCTION_HEADER.exec(l);
      return [named, header && !NOT_A_TYPE.has(header[1]!) ? header[2] : undefined].filter(
        (n): n is string => n !== undefined,
      );
    }),
  );
  const telling = new Set(
    defect.tokens
      .filter(
        (t, i) =>
          t.kind === "identifier" &&
          t.text.length > 2 &&
          !own.has(t.text) &&
          (defect.tokens[i + 1]?.text === "(" || (!callsOnly && CONSTANT.test(t.text))),
      )
      .map(at),
  );
  const pairs = context.filter(([a]) => telling.has(at(a)));
  if (pairs.length === 0) return true;
  return pairs.filter(([a, b]) => a.text === b.text).length >= agreement * pairs.length;
}

/** Distinctive words the fix brought in: names and literals of its added lines the block did not have. */
function fixWords(e: FixEdit, afterTok: Map<number, NormToken[]>, before: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < e.add.length; i++)
    for (const t of afterTok.get(e.afterAt + 1 + i) ?? [])
      if (
        (t.kind === "identifier" || (t.kind === "literal" && t.norm === '""')) &&
        t.text.length >= 3 &&
        !before.has(t.text)
      )
        out.push(t.text);
  return out;
}

interface LineContext {
  defTok: Map<number, NormToken[]>;
  afterTok: Map<number, NormToken[]>;
  devTok: Map<number, NormToken[]>;
  lineMap: Map<number, number>;
  mapping: Map<string, string>;
  change: ChangeLines;
  lineage: boolean;
  /** The two blocks are nearly the same code (a copy): names only the bug lines use may be renamed too. */
  nearlySame: boolean;
  why: (reason: string) => void;
}

/**
 * An edit that changed or removed code lines: the developer's counterparts of the removed lines must be
 * written by the change and still hold the bug: the same normalized tokens, and the tokens the fix took
 * out exactly (a name through the mapping of the context, or as it was when the context does not name
 * it: calling `memcpy` where the fix calls `memmove` is the bug; calling something else is not).
 * Code descending from the fixed block must get the removed lines back token for token. Returns the
 * developer lines, or null.
 */
function changedLinesWritingBug(del: number[], add: number[], c: LineContext): number[] | null {
  const counterparts = del.map((d) => c.lineMap.get(d));
  if (counterparts.some((v) => v === undefined)) return rejected(c.why, "a bug line has no counterpart");
  const devLines = [...new Set(counterparts as number[])];
  // Written by the change, and not a line it only moved or re-indented from elsewhere.
  const written = devLines.filter(
    (v) => c.change.added.has(v) && !c.change.removed.has(codeLine(c.change.text.get(v) ?? "")),
  );
  if (written.length === 0) return rejected(c.why, "the change did not write the bug lines' counterparts");
  const delToks = del.flatMap((d) => c.defTok.get(d) ?? []);
  const devToks = devLines.flatMap((v) => c.devTok.get(v) ?? []);
  if (delToks.length !== devToks.length || delToks.some((t, i) => t.norm !== devToks[i]!.norm))
    return rejected(c.why, "the counterparts differ from the bug lines in shape");
  // Elsewhere, the bug lines must be about this code's own names: one of their names is one the
  // surrounding code maps (a field declared `unsigned int` in another struct is another field).
  // Or the bug is a global name itself, kept exactly (`except TypeError:`, `memcpy(`).
  if (
    !c.lineage &&
    !c.nearlySame &&
    !delToks.some(
      (t, i) =>
        t.kind === "identifier" &&
        (c.mapping.get(t.text) === devToks[i]!.text ||
          (!c.mapping.has(t.text) && t.text === devToks[i]!.text)),
    )
  )
    return rejected(c.why, "the bug lines name nothing of the developer's code");
  const addToks = add.flatMap((a) => c.afterTok.get(a) ?? []);
  // Tokens the fix took out (and brought in): what differs between the two sides by exact text.
  const kept = new Set(alignTokensBy(delToks, addToks, (t) => t.text).map(([i]) => i));
  // A line the fix only took a brace off (`if (n) {` → `if (n)`, the block's other lines removed) held no
  // bug itself: the bug was in the lines the brace enclosed, and a block that needs its brace is no recurrence.
  const takenOut = delToks.filter((_, i) => !kept.has(i));
  if (takenOut.length > 0 && takenOut.every((t) => t.text === "{" || t.text === "}"))
    return rejected(c.why, "the fix only took a brace off this line: the bug was in the lines it enclosed");
  const locals = c.lineage
    ? new Map<string, string>()
    : localNames(delToks, devToks, c.mapping, c.nearlySame ? 1 : 2);
  // A bug line that calls nothing (`type MessageIds = 'noPrefix';`) is about its values: a copy keeps them,
  // and another string there (`'unaryMinus'`) is other code, however the fix extended the line.
  const calls = delToks.some((t, i) => t.text === "(" && delToks[i - 1]?.kind === "identifier");
  if (!c.lineage && !calls) {
    const other = delToks.findIndex(
      (t, i) => t.kind === "literal" && /^['"`]/.test(t.text) && t.text !== devToks[i]!.text,
    );
    if (other >= 0)
      return rejected(
        c.why,
        `\`${devToks[other]!.text}\` where the bug had \`${delToks[other]!.text}\`: other values`,
      );
  }
  for (let i = 0; i < delToks.length; i++) {
    if (!c.lineage && kept.has(i)) continue;
    const b = delToks[i]!;
    const t = devToks[i]!;
    // A constant the fix took out is the bug itself (`return SSH_OK;` where an error was due): a copy
    // keeps its constants, so another constant in its place is other code, whatever the names map to.
    const constant = !c.lineage && CONSTANT.test(b.text);
    const expected =
      b.kind === "identifier" && !constant ? (c.mapping.get(b.text) ?? locals.get(b.text) ?? b.text) : b.text;
    if (t.text !== expected) return rejected(c.why, `\`${t.text}\` where the bug had \`${expected}\``);
  }
  // The condition the fix put on the line stands in the block in another form (the guard kept as a block
  // around the line, or written above it): the line is guarded still, the fix's substance is there.
  const guard = keptCondition(delToks, addToks, devLines, c);
  if (guard !== null) return rejected(c.why, `the fix's \`${guard}\` is still there, around the line`);
  return written;
}

/**
 * A run of tokens the fix added on a changed line that makes a condition (`if (bc->client)`), found in
 * the developer's block on another line (names through the mapping); or null.
 */
function keptCondition(
  delToks: readonly NormToken[],
  addToks: readonly NormToken[],
  devLines: readonly number[],
  c: LineContext,
): string | null {
  const aligned = new Set(alignTokensBy(delToks, addToks, (t) => t.text).map(([, j]) => j));
  const runs: NormToken[][] = [];
  addToks.forEach((t, j) => {
    if (aligned.has(j)) return;
    if (j > 0 && !aligned.has(j - 1) && runs.length > 0) runs[runs.length - 1]!.push(t);
    else runs.push([t]);
  });
  const own = new Set(devLines);
  for (const run of runs) {
    if (
      run.length < 3 ||
      !run.some((t) => CONDITION.test(t.text)) ||
      !run.some((t) => t.kind === "identifier")
    )
      continue;
    const want = run.map((t) => (t.kind === "identifier" ? (c.mapping.get(t.text) ?? t.text) : t.text));
    for (const [line, toks] of c.devTok) {
      if (own.has(line)) continue;
      const have = toks.map((t) => t.text);
      for (let i = 0; i + want.length <= have.length; i++)
        if (want.every((w, k) => have[i + k] === w)) return want.join(" ");
    }
  }
  return null;
}

/**
 * Names bound on the bug lines themselves (a loop or lambda variable: used twice or more there, never
 * called, named nowhere in the context) renamed one to one in the developer's lines. A called name
 * the context does not know stays exact: calling something else is another bug.
 */
function localNames(
  delToks: readonly NormToken[],
  devToks: readonly NormToken[],
  mapping: ReadonlyMap<string, string>,
  /** Uses on the bug lines a name needs to be taken as bound there: one in a copy nearly the same code. */
  minUses: number,
): Map<string, string> {
  const seen = new Map<string, { dev: string; uses: number; called: boolean; consistent: boolean }>();
  delToks.forEach((b, i) => {
    if (b.kind !== "identifier" || mapping.has(b.text)) return;
    const t = devToks[i]!.text;
    const called = delToks[i + 1]?.text === "(";
    const v = seen.get(b.text);
    if (!v) seen.set(b.text, { dev: t, uses: 1, called, consistent: true });
    else {
      v.uses++;
      v.called ||= called;
      v.consistent &&= v.dev === t;
    }
  });
  const taken = new Set(mapping.values());
  const out = new Map<string, string>();
  for (const [name, v] of seen)
    if (v.uses >= minUses && !v.called && v.consistent && !taken.has(v.dev)) out.set(name, v.dev);
  return out;
}

/** Lines after a label that are still its code (up to the next `return`): a cleanup tail is short. */
const LABEL_REACH = 12;

/**
 * Whether a `goto` in file lines [from, to] lands on a label followed, before its `return`, by every one
 * of `texts` (exact token texts, compared without spaces).
 */
function jumpsToFixLines(
  file: readonly string[],
  from: number,
  to: number,
  texts: readonly string[],
): boolean {
  if (texts.length === 0) return false;
  for (let n = from; n <= to; n++) {
    const label = /^\s*goto\s+([A-Za-z_]\w*)\s*;/.exec(file[n - 1] ?? "")?.[1];
    if (label === undefined) continue;
    const labelLine = new RegExp(`^\\s*${label}\\s*:(?!:)`);
    let at = n;
    while (at < file.length && !labelLine.test(file[at]!)) at++;
    if (at === file.length) return false;
    const tail: string[] = [];
    for (const l of file.slice(at + 1, at + 1 + LABEL_REACH)) {
      tail.push(codeLine(l).replace(/\s+/g, ""));
      if (/^\s*return\b/.test(l)) break;
    }
    return texts.every((t) => tail.includes(t.replace(/\s+/g, "")));
  }
  return false;
}

interface GapContext {
  defect: DefectCode;
  dev: NormalizedBlock;
  defTok: Map<number, NormToken[]>;
  afterTok: Map<number, NormToken[]>;
  mapping: Map<string, string>;
  lineMap: Map<number, number>;
  change: ChangeLines;
  lineage: boolean;
  devFirst: number;
  devLast: number;
  fileWords: ReadonlySet<string>;
  fileLines: ReadonlySet<string>;
  fileText: readonly string[];
  /** Words of the defect block before the fix: the names the fix found there. */
  beforeWords: ReadonlySet<string>;
  /** The two blocks are nearly the same code (a copy): the fix's names need not be in the file. */
  nearlySame: boolean;
  why: (reason: string) => void;
}

const CONDITION = /(?:^|[^\p{L}\p{N}_$])(?:if|while|assert|unless|elif)(?![\p{L}\p{N}_$])|\?/u;
/** Lines around the developer's block where a check of its own may stand (a guard at the top of the function). */
const OWN_CHECK_REACH = 15;

/**
 * The member or function the fix's inserted check reads (a name of neither side's variables: `length`),
 * when a condition the change writes near the developer's block, with no counterpart in the buggy code,
 * reads it too; or null.
 */
function ownCheckOf(toks: readonly NormToken[], g: GapContext): string | null {
  if (!toks.some((t) => CONDITION.test(t.text))) return null;
  const read = [
    ...new Set(toks.filter((t) => t.kind === "identifier" && !g.mapping.has(t.text)).map((t) => t.text)),
  ];
  if (read.length === 0) return null;
  const aligned = new Set(g.lineMap.values());
  for (const [line, text] of g.change.text) {
    if (line < g.devFirst - OWN_CHECK_REACH || line > g.devLast + OWN_CHECK_REACH || aligned.has(line))
      continue;
    if (!CONDITION.test(text)) continue;
    const names = new Set(wordsOf(text));
    if (read.every((w) => names.has(w))) return read.join("`, `");
  }
  return null;
}

/**
 * An edit that only inserted lines (a missing check): the developer's code around the gap must lack
 * them, and the change must have written that code (elsewhere), or deleted them (a revert).
 */
function insertionLeftOut(e: FixEdit, add: number[], g: GapContext): number[] | null {
  if (add.length === 0) return rejected(g.why, "the fix inserted no code");
  if (!g.lineage) {
    // Elsewhere, a check is missing from a copy of the buggy code: code the change writes. Existing
    // code edited next to the gap was there already, and no copy of this change's making.
    const written = g.dev.spans.filter((sp) => {
      const text = g.change.text.get(sp.first);
      return g.change.added.has(sp.first) && !g.change.removed.has(codeLine(text ?? ""));
    }).length;
    if (2 * written < g.dev.spans.length)
      return rejected(
        g.why,
        "the change edits existing code next to the gap: it wrote no copy of the buggy code",
      );
    // A missing line is a missing check on this code's own names, not a declaration of new ones (a
    // `#define`, a struct field, an import) that other code simply has no use for.
    const toks = add.flatMap((a) => g.afterTok.get(a) ?? []);
    // A missing check is a few lines; a missing function or branch of that other code is its own design.
    // In a copy of the buggy code (nearly the same code) whatever the fix added is missing.
    if (!g.nearlySame && new Set(toks.map((t) => t.lineIndex)).size > MAX_INSERTED_CHECK)
      return rejected(g.why, "the fix inserted more than a check");
    // And every name it uses is one this code knows: mapped, or found in the developer's file (a
    // function of the same API). A new field, function or flag of that other code is no check here.
    // Code nearly the same as the defect block is a copy of it: whatever the fix added is missing.
    if (!g.nearlySame) {
      if (!toks.some((t) => t.kind === "identifier" && g.mapping.has(t.text)))
        return rejected(g.why, "the inserted lines name nothing of the developer's code");
      if (toks.some((t) => t.kind === "identifier" && !g.mapping.has(t.text) && !g.fileWords.has(t.text)))
        return rejected(g.why, "the inserted lines use names the file lacks");
    }
    if (add.every((a) => /^\s*#/.test(g.defect.afterLines[a - 1] ?? "")))
      return rejected(g.why, "the fix inserted preprocessor lines only");
    // A check the copy makes in its own way is not missing: a condition of the developer's code with no
    // counterpart in the buggy code that reads what the fix's check read (`expected.length > dataLen` for
    // `cs1.length() != cs2.length()`).
    const own = ownCheckOf(toks, g);
    if (own !== null) return rejected(g.why, `the copy checks \`${own}\` in its own way`);
    // Nor is a new function, class, import or variable: that is new code, not a missing check.
    if (add.some((a) => definesNewName(g.defect.afterLines[a - 1] ?? "", g.beforeWords)))
      return rejected(g.why, "the fix inserted a definition");
  }
  // The gap's own neighbours (the nearest lines with code on each side) place it; a counterpart found farther
  // off (imports at the block's top for a member inserted into a union) does not.
  let l = e.at;
  while (l >= 1 && (g.defTok.get(l)?.length ?? 0) === 0) l--;
  const above = l >= 1 ? g.lineMap.get(l) : undefined;
  l = e.at + 1 + e.del.length;
  while (l <= g.defect.lines && (g.defTok.get(l)?.length ?? 0) === 0) l++;
  const below = l <= g.defect.lines ? g.lineMap.get(l) : undefined;
  if (above === undefined && below === undefined) return rejected(g.why, "the gap has no counterpart");
  if (above !== undefined && below !== undefined && above >= below)
    return rejected(g.why, "the gap's sides are out of order");
  const from = above ?? g.devFirst;
  const to = below ?? g.devLast;
  // The fix's lines are there already (near the gap, in the developer's names): nothing to say.
  const fixTexts = meaningfulTexts(g.defect.after, add, g.mapping);
  // The closing `}` of a check the fix wrapped around code is undone with it; alone it is nothing.
  if (fixTexts.length === 0 && !g.lineage) return rejected(g.why, "the fix inserted punctuation only");
  const near = exactTextsIn(g.dev, from - 2, to + 2);
  // What says something decides (`end`, `return;` or `break;` stand near any gap); all of it there is the fix there.
  const telling = fixTexts.filter(
    (t) => t.replace(/\s+/g, "").length >= 8 && /[\p{L}_$][\p{L}\p{N}_$]{2,}/u.test(t),
  );
  const wanted = telling.length > 0 ? telling : fixTexts;
  if (wanted.every((t) => near.has(t))) return rejected(g.why, "the fix's lines are there");
  // Or the copy's path from the gap jumps to a label whose code does what the fix inserted (`goto out;` …
  // `out: close(fd);`): it cleans up on that path in its own way, and the fix's line would run twice.
  if (!g.lineage && jumpsToFixLines(g.fileText, from, to, wanted))
    return rejected(g.why, "the gap jumps to a label that already does what the fix inserted");
  const gapDeletions = g.change.deletions.filter((d) => d.after >= from - 1 && d.after < to);
  if (g.lineage) {
    // Only a deletion of the fix's own lines (those it re-indented too), and of nothing else there, is
    // its revert; and the file must not still have them (a duplicate removed is no check removed).
    const fixed = new Set(e.add.map(codeLine).filter((l) => l !== ""));
    // A declaration the fix inserted (a flag, a field) is where its cure is kept, not the cure: taken out,
    // it undoes nothing unless the code that uses it goes back too (shown by that code's own edit).
    if (
      add.every(
        (a) =>
          declaresNewName(g.defect.afterLines[a - 1] ?? "", g.beforeWords) ||
          codeLine(g.defect.afterLines[a - 1] ?? "") === "",
      )
    )
      return rejected(g.why, "the fix inserted a declaration only: the code that uses it is the cure");
    // A fix that wrapped code in a check is undone by unwrapping it: the wrapped code stays. A change that
    // deletes the wrapped code too removes the whole operation (a redesign), not the check.
    const delCode = new Set(e.del.map(codeLine));
    const wrapped = [...fixed].filter((l) => delCode.has(l));
    if (wrapped.some((l) => !g.fileLines.has(l)))
      return rejected(g.why, "the change deletes the code the fix wrapped in a check, not the check alone");
    const inserted = add.map((a) => codeLine(g.defect.afterLines[a - 1] ?? "")).filter((l) => l !== "");
    if (inserted.some((l) => wordsOf(l).length >= 2 && g.fileLines.has(l)))
      return rejected(g.why, "the file still has the fix's lines");
    // A change that also drops names the fix found in the code (the variable it checked, gone from the
    // file) is a redesign, not the fix undone. Names the fix brought in go with a revert of it.
    const names = add
      .flatMap((a) => g.afterTok.get(a) ?? [])
      .filter((t) => t.kind === "identifier" && g.beforeWords.has(t.text));
    if (names.some((t) => !g.fileWords.has(t.text)))
      return rejected(g.why, "the change also drops names the fix found in the code: a redesign");
    const reverted = gapDeletions.filter((d) => {
      const gone = d.lines.map(codeLine).filter((l) => l !== "");
      return gone.length > 0 && gone.every((l) => fixed.has(l));
    });
    if (reverted.length === 0) return rejected(g.why, "the change deleted no fix lines alone at the gap");
    return reverted.map((d) => Math.max(1, d.after));
  }
  // Code the change only moved here (from elsewhere in the change) was not written by it.
  const moved = (v: number): boolean => g.change.removed.has(codeLine(g.change.text.get(v) ?? ""));
  const written = [above, below].filter(
    (v): v is number => v !== undefined && g.change.added.has(v) && !moved(v),
  );
  if (written.length > 0) return written;
  if ([above, below].some((v) => v !== undefined && g.change.added.has(v)))
    return rejected(g.why, "the change only moved the code around the gap");
  if (gapDeletions.length === 0) return rejected(g.why, "the change wrote nothing around the gap");
  return gapDeletions.map((d) => Math.max(1, d.after));
}

/**
 * The fix only wrote a constant for the value it is defined as, or the value for the constant (`== ANET_ERR`
 * → `== -1`, and `#define ANET_ERR -1`): each changed line reads the same once the constant is replaced by
 * its value. Not behaviour: writing it back is no bug. `definitions` gives a constant's definitions in the
 * repository at the fix (none, or several different ones, and the edit is taken as a real change).
 */
export function macroSwapEdit(e: FixEdit, definitions: (name: string) => readonly string[]): boolean {
  if (e.del.length === 0 || e.del.length !== e.add.length) return false;
  const squeeze = (l: string): string => codeLine(l).replace(/\s+/g, "");
  let swapped = false;
  for (const [i, del] of e.del.entries()) {
    const add = e.add[i]!;
    if (squeeze(del) === squeeze(add)) continue;
    const dw = new Set(wordsOf(del));
    const aw = new Set(wordsOf(add));
    const names = [...dw, ...aw].filter((w) => dw.has(w) !== aw.has(w) && CONSTANT.test(w));
    if (names.length === 0) return false;
    let a = del;
    let b = add;
    for (const n of new Set(names)) {
      const values = definitions(n);
      if (values.length !== 1) return false;
      const word = wordRegExp(n);
      const value = values[0]!;
      a = a.replace(word, () => value);
      b = b.replace(word, () => value);
    }
    if (squeeze(a) !== squeeze(b)) return false;
    swapped = true;
  }
  return swapped;
}

/** A word of code (`source`, a regular expression) where no letter, digit, `_` or `$` touches it. */
function wordRegExp(source: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_$])${source}(?![\\p{L}\\p{N}_$])`, "gu");
}
