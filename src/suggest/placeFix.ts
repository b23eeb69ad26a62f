/**
 * Puts a past fix where the bug is written again, or says it cannot. The fix is replayed (renamed and
 * re-indented) only on the edits whose bug the change wrote, and the result is kept only when it is a
 * sound edit of the developer's code: every such edit found its place, no line the code already has is
 * written a second time, brackets still balance, the code moved towards the fixed version, and
 * `git apply --check` accepts the diff. Otherwise the historical fix is shown as it was, with its own
 * path and lines.
 */
import { normalizeBlock } from "../blocks/normalizeBlock.js";
import type { NormalizedBlock, NormToken } from "../blocks/types.js";
import { lcsLength } from "../clones/verify.js";
import { applyCheck } from "../git/applyCheck.js";
import { diffHunks } from "../git/diffLines.js";
import type { Hunk } from "../git/types.js";
import type { MatchReport } from "../verdict/types.js";
import { contextualizeFix, type DefectSide } from "./contextualizeFix.js";
import { C_PREPROCESSED, codeLine, type Recurrence, wordsOf } from "./recurrence.js";
import { renderDiff } from "./renderDiff.js";

export interface DeveloperBlock {
  path: string;
  /** The staged file, whole, and split in lines. */
  text: string;
  lines: string[];
  /** The matched window, 1-based inclusive, and its normalization (`firstLine` = start). */
  range: { start: number; end: number };
  norm: NormalizedBlock;
  /** Lines of the file the change added or modified (file numbering): the suggestion may rewrite only the bug's. */
  added?: ReadonlySet<number>;
  /** Whether a member the file itself does not name is one the suggestion may use (see `nameTheFileLacks`). */
  memberKnown?: (name: string, inserted: readonly string[]) => boolean;
}

export interface HistoricalFix extends DefectSide {
  path: string;
  /** Line of the block's first line in the file the fix changed. */
  startLine: number;
}

export type Suggestion = NonNullable<MatchReport["suggestion"]>;

const BRACKETS: Array<[string, string]> = [
  ["(", ")"],
  ["[", "]"],
  ["{", "}"],
];

/** Open minus close count of each bracket pair in the code of `lines` (strings and comments aside). */
function bracketBalance(lines: string[], language: string): number[] {
  const toks = normalizeBlock(lines, language, 1).tokens.filter((t) => t.kind === "symbol");
  return BRACKETS.map(
    ([o, c]) => toks.filter((t) => t.text === o).length - toks.filter((t) => t.text === c).length,
  );
}

/** Languages whose files go through a preprocessor with `#if` … `#endif` (a fix may add or take out a pair). */
const PREPROCESSED = new Set([...C_PREPROCESSED, "csharp"]);

/** Open preprocessor conditionals of some lines: a fix placed in part can leave one open (a lone `#ifdef`). */
function conditionalBalance(lines: readonly string[]): number {
  let open = 0;
  for (const l of lines) {
    if (/^\s*#\s*if/.test(l)) open++;
    else if (/^\s*#\s*endif\b/.test(l)) open--;
  }
  return open;
}

/**
 * Why code edited from `before` to `after` would no longer parse by its brackets or its preprocessor
 * conditionals (a fix put back in part: its `#ifdef` without the `#endif`), or null.
 */
export function unbalanced(before: string[], after: string[], language: string): string | null {
  const was = bracketBalance(before, language);
  const now = bracketBalance(after, language);
  if (was.some((b, i) => b !== now[i])) return "its brackets would not balance";
  if (PREPROCESSED.has(language) && conditionalBalance(before) !== conditionalBalance(after))
    return "it would leave an #if without its #endif";
  return null;
}

/** Indices (0-based) in the new text of the lines some hunks add. */
export function insertedLines(hunks: readonly Hunk[]): number[] {
  return hunks.flatMap((h) => Array.from({ length: h.newLines }, (_, i) => h.newStart - 1 + i));
}

/** Words before a name that make `name(…)` a call, not a declaration (`return f(x)`, `new Foo(x)`). */
const CALLING = new Set([
  ...["return", "new", "else", "case", "await", "yield", "throw", "typeof", "delete", "in", "of", "do", "if"],
  ...["not", "and", "or", "is", "lambda", "assert", "raise", "elif", "while", "go", "defer", "print", "echo"],
]);

/**
 * Each `name(…)` of some tokens with its number of arguments and whether it declares the function (a type or
 * `function`/`def` before the name, as in `static int upload(…)`), by line; `variadic` when its list has `...`.
 */
function callsOf(
  toks: readonly NormToken[],
): Array<{ name: string; args: number; line: number; declares: boolean; variadic: boolean }> {
  const out: Array<{ name: string; args: number; line: number; declares: boolean; variadic: boolean }> = [];
  for (let i = 0; i + 1 < toks.length; i++) {
    if (toks[i]!.kind !== "identifier" || toks[i + 1]!.text !== "(") continue;
    let depth = 1;
    let commas = 0;
    let any = false;
    let variadic = false;
    let j = i + 2;
    for (; j < toks.length; j++) {
      const t = toks[j]!.text;
      if (t === "(" || t === "[" || t === "{") depth++;
      else if (t === ")" || t === "]" || t === "}") {
        depth--;
        if (depth === 0) break;
      } else if (depth === 1 && t === ",") commas++;
      else if (t === "..." || ((t === "*" || t === "**") && depth === 1 && /^[(,]$/.test(toks[j - 1]!.text)))
        variadic = true;
      any = true;
    }
    if (j >= toks.length) continue;
    const prev = toks[i - 1];
    const declares =
      prev !== undefined &&
      (prev.kind === "identifier" || prev.kind === "keyword" || prev.text === "*") &&
      !CALLING.has(prev.text) &&
      // `class Foo(Base):` names its bases, not what a call `Foo(a, b)` passes.
      prev.text !== "class";
    out.push({ name: toks[i]!.text, args: any ? commas + 1 : 0, line: toks[i]!.line, declares, variadic });
  }
  return out;
}

/**
 * A call the suggestion writes to a function the developer's file declares, with more arguments than that
 * declaration takes — in C, with another number (`setup_transfer_upload(config, FALSE, per)` where the file
 * declares it with two parameters): it would not build. Functions declared more than one way (overloads),
 * variadic ones and those declared elsewhere are left alone: a fix may well change how many arguments a
 * call passes.
 */
export function otherArity(
  file: readonly string[],
  window: readonly string[],
  inserted: readonly number[],
  language: string,
): string | null {
  if (inserted.length === 0) return null;
  const declared = new Map<string, Set<number>>();
  const variadic = new Set<string>();
  for (const c of callsOf(normalizeBlock([...file], language, 1).tokens)) {
    if (!c.declares) continue;
    declared.set(c.name, (declared.get(c.name) ?? new Set()).add(c.args));
    if (c.variadic) variadic.add(c.name);
  }
  const exact = language === "c" || language === "c-header";
  const at = new Set(inserted);
  for (const c of callsOf(normalizeBlock([...window], language, 0).tokens)) {
    if (!at.has(c.line) || c.declares || variadic.has(c.name)) continue;
    const counts = declared.get(c.name);
    if (counts?.size !== 1) continue;
    const params = [...counts][0]!;
    if (c.args > params || (exact && c.args !== params))
      return `it calls ${c.name} with ${c.args} arguments where your file declares ${params}`;
  }
  return null;
}

/** Why the replayed fix is not a sound edit of the developer's window, or null when it is. */
function unsound(
  fix: HistoricalFix,
  dev: DeveloperBlock,
  oldWindow: string[],
  newWindow: string[],
  language: string,
): string | null {
  // A line the code already has, written again (a second copy of a key, of a condition).
  const have = new Map<string, number>();
  for (const l of oldWindow) have.set(l.trim(), (have.get(l.trim()) ?? 0) + 1);
  const hunks = diffHunks(`${oldWindow.join("\n")}\n`, `${newWindow.join("\n")}\n`);
  for (const h of hunks) {
    const removed = h.lines.filter((l) => l.kind === "-").map((l) => l.text.trim());
    for (const l of h.lines) {
      if (l.kind !== "+") continue;
      const t = l.text.trim();
      if (!/[\p{L}\p{N}]/u.test(t)) continue;
      if ((have.get(t) ?? 0) > removed.filter((r) => r === t).length) return "it would duplicate a line";
    }
  }
  const broken = unbalanced(oldWindow, newWindow, language);
  if (broken !== null) return broken;
  const arity = otherArity(dev.lines, newWindow, insertedLines(hunks), language);
  if (arity !== null) return arity;
  const fixed = normalizeBlock(fix.after, fix.language, 1).hashes;
  const now = normalizeBlock(newWindow, language, dev.range.start).hashes;
  if (lcsLength(now, fixed) <= lcsLength(dev.norm.hashes, fixed))
    return "it would not bring the code closer to the fix";
  return null;
}

/**
 * A substantial line the suggestion adds that the file already has elsewhere (a second registration of
 * the same function, the same call written twice): it duplicates a line. Short lines (`return NULL;`,
 * `}`) are everywhere and do not count.
 */
function elsewhereInFile(
  dev: DeveloperBlock,
  oldWindow: string[],
  newWindow: string[],
  language: string,
): string | null {
  const count = (lines: readonly string[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const l of lines) m.set(codeLine(l), (m.get(codeLine(l)) ?? 0) + 1);
    return m;
  };
  const before = count(oldWindow);
  const after = count(newWindow);
  const words = (l: string): number => (l.match(/[\p{L}_$][\p{L}\p{N}_$]{2,}/gu) ?? []).length;
  const file = new Set(dev.lines.map(codeLine));
  const known = new Set(dev.lines.flatMap(wordsOf));
  const inserted: number[] = [];
  for (const [i, l] of newWindow.entries()) {
    const t = codeLine(l);
    const more = (after.get(t) ?? 0) - (before.get(t) ?? 0);
    if (more <= 0) continue;
    if (words(t) >= 2 && (file.has(t) || (before.get(t) ?? 0) > 0))
      return "it would duplicate a line of your file";
    inserted.push(i);
  }
  return nameTheFileLacks(known, { lines: newWindow, inserted }, language, dev.memberKnown);
}

/** The historical fix as it was: its own block, path and line numbers. */
/**
 * The suggestion takes out a line the change just wrote that is not one of the bug's: it would undo the
 * developer's own work, not the bug. Lines of the window are numbered from `dev.range.start`.
 */
export function undoesChange(
  dev: DeveloperBlock,
  oldWindow: string[],
  newWindow: string[],
  bugLines: ReadonlySet<number>,
): string | null {
  if (!dev.added) return null;
  for (const h of diffHunks(`${oldWindow.join("\n")}\n`, `${newWindow.join("\n")}\n`)) {
    // A line taken out and put back re-indented (code wrapped in a check again) stays.
    const kept = new Set(h.lines.filter((l) => l.kind === "+").map((l) => codeLine(l.text)));
    let line = dev.range.start + h.oldStart - 1;
    for (const l of h.lines) {
      if (l.kind === "+") continue;
      const taken = l.kind === "-" && !kept.has(codeLine(l.text)) && /[\p{L}\p{N}]/u.test(l.text);
      if (taken && dev.added.has(line) && !bugLines.has(line))
        return `it would take out line ${line}, which your change wrote`;
      line++;
    }
  }
  return null;
}

export function historicalDiff(fix: HistoricalFix): string {
  return renderDiff(fix.path, `${fix.before.join("\n")}\n`, `${fix.after.join("\n")}\n`, 3, fix.startLine);
}

/** Tokens after which a name is a member of a value, not a name of the file's scope. */
const MEMBER_ACCESS = new Set([".", "->", "?.", "::"]);

/**
 * Why the inserted lines (indices into `text.lines`, the code as it would be) would not build in the
 * developer's file, whose words (after the change) are `known`: a name the file never mentions (a variable
 * the change removed, a function or macro of that other code). The lines are lexed in their place, so the
 * words of a comment or string that spans lines (` * Returned when ...`) are not taken for names. A member
 * (`errno.ENOSYS`, `c->field`) belongs to a value's type, declared elsewhere: it is taken as there when
 * `memberKnown` says so, which matchChange answers from what the change removed (a field the change took
 * out of its struct, `c->pending_querybuf`, is gone). Null when every name is known.
 */
export function nameTheFileLacks(
  known: ReadonlySet<string>,
  text: { lines: readonly string[]; inserted: readonly number[] },
  language: string,
  memberKnown: (name: string, inserted: readonly string[]) => boolean = () => false,
): string | null {
  if (text.inserted.length === 0) return null;
  const at = new Set(text.inserted);
  const insertedText = text.inserted.map((i) => text.lines[i] ?? "");
  // Only the stretch from the first inserted line to the last is lexed, from the top of the window.
  const last = Math.max(...text.inserted);
  const toks = normalizeBlock(text.lines.slice(0, last + 1) as string[], language, 0).tokens;
  const unknown = toks.find(
    (k, i) =>
      at.has(k.line) &&
      k.kind === "identifier" &&
      !known.has(k.text) &&
      !(MEMBER_ACCESS.has(toks[i - 1]?.text ?? "") && memberKnown(k.text, insertedText)),
  );
  return unknown === undefined ? null : `it uses ${unknown.text}, which your file does not have`;
}

/**
 * A name of the fix's lines renamed to another of the developer's block while that block has the fix's own
 * name too (the fix's `checker` written as `program` beside the developer's `checker`): the names do not
 * pair up one to one there, and the renamed line would call the wrong thing. Gives the reason, or null.
 */
function renamedOntoOwnName(fix: HistoricalFix, dev: DeveloperBlock, recurrence: Recurrence): string | null {
  // The block's own names, not members of its values (`el.value` is no variable `value`).
  const toks = dev.norm.tokens;
  const own = new Set(
    toks
      .filter((t, i) => t.kind === "identifier" && !MEMBER_ACCESS.has(toks[i - 1]?.text ?? ""))
      .map((t) => t.text),
  );
  const written = (recurrence.edits ?? fix.edits.map((_, k) => k))
    .flatMap((k) => fix.edits[k]?.add ?? [])
    .flatMap((l) => l.match(/[\p{L}_$][\p{L}\p{N}_$]*/gu) ?? []);
  for (const name of new Set(written)) {
    const to = recurrence.mapping.get(name);
    if (to !== undefined && to !== name && own.has(name))
      return `it would write \`${to}\` for the fix's \`${name}\`, and your code has a \`${name}\` of its own`;
  }
  return null;
}

export async function placeFix(
  fix: HistoricalFix,
  dev: DeveloperBlock,
  pairs: Array<[number, number]>,
  recurrence: Recurrence,
  opts: { applyCheck?: boolean } = {},
): Promise<Suggestion> {
  const asItWas = (why: string): Suggestion => ({
    diff: historicalDiff(fix),
    placed: false,
    appliesCleanly: null,
    why,
  });
  const replay = contextualizeFix(
    fix,
    { fileLines: dev.lines, start: dev.range.start, end: dev.range.end, norm: dev.norm },
    pairs,
    { edits: recurrence.edits, mapping: recurrence.mapping },
  );
  if (!replay.complete) return asItWas("not every line of the fix found its place in your code");
  const clash = renamedOntoOwnName(fix, dev, recurrence);
  if (clash !== null) return asItWas(clash);
  if (!replay.changed) return asItWas("replayed on your code it changes nothing");
  const delta = replay.newLines.length - dev.lines.length;
  const oldWindow = dev.lines.slice(dev.range.start - 1, dev.range.end);
  const newWindow = replay.newLines.slice(dev.range.start - 1, dev.range.end + delta);
  const why =
    unsound(fix, dev, oldWindow, newWindow, fix.language) ??
    elsewhereInFile(dev, oldWindow, newWindow, fix.language);
  if (why !== null) return asItWas(why);
  const undone = undoesChange(dev, oldWindow, newWindow, new Set(recurrence.lines));
  if (undone !== null) return asItWas(undone);
  const newText = replay.newLines.join("\n") + (dev.text.endsWith("\n") ? "\n" : "");
  const diff = renderDiff(dev.path, dev.text, newText);
  const applies = opts.applyCheck === false ? null : await applyCheck(dev.path, dev.text, diff);
  if (applies === false) return asItWas("git apply --check refused it");
  return { diff, placed: true, appliesCleanly: applies };
}
