import { createRequire } from "node:module";
import { hashLine } from "./hashLine.js";
import { blockStyleOf } from "./languageOf.js";
import { canLex, lexCode } from "./lexCode.js";
import type { NormalizedBlock, NormKind, NormToken } from "./types.js";

/*
 * @jscpd/tokenizer (Prism grammars) gives typed tokens with 1-based positions, e.g. for `if (a > 1) {`:
 *   {type:"keyword",value:"if",loc:{start:{line:1,column:1}}}  {type:"empty",value:" "}
 *   {type:"punctuation",value:"("}  {type:"default",value:"a"}  {type:"operator",value:">"}
 *   {type:"number",value:"1"}  {type:"punctuation",value:")"}  {type:"punctuation",value:"{"}
 *   {type:"new_line",value:"\n"}
 * Grammars differ in their type names (`function`, `class-name`, `key`, `variable`, `shell-comment`,
 * `triple-quoted-string`...) and some leave strings as `default` (Ruby, PHP, YAML), so tokens are
 * classified by type where the type is clear and by shape otherwise.
 */
interface RawToken {
  type: string;
  value: string;
  loc?: { start: { line: number; column?: number } };
}

const IDENTIFIER = /^[$@]?[_\p{L}][_$\p{L}\p{N}]*$/u;
const NUMBER = /^[-+]?(?:0[xob][\da-f_]+|\d[\d_]*\.?[\d_]*(?:e[-+]?\d+)?|\.\d[\d_]*(?:e[-+]?\d+)?)[a-z]*$/i;
const STRING_START = /^(?:[rbfuRBFU@$]{0,2})["'`]/;

/**
 * Words kept verbatim where a grammar leaves them untyped (`default`): blind renaming must rename
 * identifiers only, never the keywords that give a block its shape. Contextual words that are often
 * variable names (`from`, `as`) are left out: a loop's `from` is a name.
 */
const KEYWORDS = new Set(
  (
    "if else elif for while do switch case default break continue return yield function def lambda class " +
    "struct enum interface import export new delete try catch except finally throw throws raise with " +
    "in is not and or var let const static public private protected final abstract async await typeof " +
    "instanceof sizeof void goto"
  ).split(" "),
);

/** Token types that are names; everything else of unclear type is judged by its shape. */
const NAME_TYPES = new Set([
  "default",
  "function",
  "class-name",
  "constant",
  "variable",
  "property",
  "parameter",
  "namespace",
  "symbol",
  "key",
  "function-variable",
  "attr-name",
  "word",
  "maybe-class-name",
  "generic-function",
]);
const KEEP_TYPES = new Set([
  "keyword",
  "builtin",
  "boolean",
  "operator",
  "punctuation",
  "important",
  "directive",
]);

function classify(type: string, value: string): { kind: NormKind; norm: string } | null {
  if (type === "empty" || type === "new_line" || type.includes("comment")) return null;
  if (type === "number") return { kind: "literal", norm: "0" };
  if (type.includes("string") || type === "char" || type === "regex" || type === "template-string") {
    return { kind: "literal", norm: '""' };
  }
  if (KEEP_TYPES.has(type))
    return { kind: type === "punctuation" || type === "operator" ? "symbol" : "keyword", norm: value };
  if (NAME_TYPES.has(type) || !KEEP_TYPES.has(type)) {
    if (IDENTIFIER.test(value)) {
      const untyped = type === "default" || type === "word" || type === "plain";
      return untyped && KEYWORDS.has(value)
        ? { kind: "keyword", norm: value }
        : { kind: "identifier", norm: "x" };
    }
    if (STRING_START.test(value)) return { kind: "literal", norm: '""' };
    if (NUMBER.test(value)) return { kind: "literal", norm: "0" };
  }
  return { kind: "symbol", norm: value.replace(/\s+/g, " ") };
}

let jscpdTokenize: ((code: string, format: string) => unknown[]) | undefined;

/** The tokenizer's lexer, loaded on first use only (its grammars cost ~200 ms to load). */
function tokenize(code: string, format: string): unknown[] {
  jscpdTokenize ??= (createRequire(import.meta.url)("@jscpd/tokenizer") as typeof import("@jscpd/tokenizer"))
    .tokenize as (code: string, format: string) => unknown[];
  return jscpdTokenize(code, format);
}

/** Tokens of `code`: the hand-written lexer for the common languages, @jscpd/tokenizer for the rest. */
function lex(code: string, language: string): RawToken[] {
  if (canLex(language)) return lexCode(code, language);
  return tokenize(code, tokenizerFormat(language)) as RawToken[];
}

/** Formats whose script parts are TypeScript/JavaScript but which have no grammar of their own. */
const SCRIPT_CONTAINERS = new Set(["vue", "svelte", "astro"]);
const formatCache = new Map<string, string>();

/**
 * The format to lex `language` with. Some of the tokenizer's formats have no grammar and make it print
 * a warning on every call (vue, for one): probe each format once, silently, and fall back to TypeScript
 * for single-file components and to plain words otherwise.
 */
function tokenizerFormat(language: string): string {
  const cached = formatCache.get(language);
  if (cached !== undefined) return cached;
  let supported = true;
  const warn = console.warn;
  console.warn = () => {
    supported = false;
  };
  try {
    tokenize("x", language);
  } catch {
    supported = false;
  } finally {
    console.warn = warn;
  }
  const format = supported ? language : SCRIPT_CONTAINERS.has(language) ? "typescript" : "txt";
  formatCache.set(language, format);
  return format;
}

/** Tokens after which a statement clearly goes on to the next line (`a +\n b`, `f(a,\n b)`). */
const CONTINUES_AFTER = new Set([",", ".", "(", "[", "=", "=>", "->", "::"]);

/**
 * NiCad-style normalization of a block's source lines:
 * - pretty-print one statement per line: brace languages break after `{` and `;` and before `}`
 *   (not inside `(...)`, so `for (;;)` stays whole) and at line ends that close a statement;
 *   indentation languages keep their logical lines (brackets spanning lines are joined);
 * - blind renaming: every identifier becomes `x`, keywords stay;
 * - literal abstraction: numbers become `0`, strings and characters `""`;
 * - comments and whitespace are dropped.
 * Every kept token remembers its original text, line and column (`firstLine` is the file line of
 * `lines[0]`), so later stages can map identifiers between a block and its clone.
 */
export function normalizeBlock(lines: string[], language: string, firstLine = 1): NormalizedBlock {
  const raw = lex(lines.join("\n"), language);
  const out: NormalizedBlock = { lines: [], hashes: [], tokens: [], spans: [] };
  normalizeTokens(raw, 0, raw.length, blockStyleOf(language) === "brace", firstLine - 1, out);
  return out;
}

/**
 * Tokenizes a whole file once and normalizes any of its line ranges from those tokens: the same result
 * as `normalizeBlock(fileLines.slice(start - 1, end), language, start)` for ranges that start and end
 * outside multi-line strings and comments (as blocks do), without lexing nested blocks again. With
 * `firstLine`, `fileLines` are the file's lines from that one on (a region lexed alone, where no token of
 * the whole file crosses its edges): ranges and token lines are the file's.
 */
export function normalizeFile(fileLines: string[], language: string, firstLine = 1): FileNormalizer {
  const raw = lex(fileLines.join("\n"), language);
  const brace = blockStyleOf(language) === "brace";
  const shift = firstLine - 1;
  // Each token classified once for every range cut from this file (a window's growth asks for dozens).
  const classes: (Classified | null | undefined)[] = new Array(raw.length);
  const lineOf = (i: number): number => raw[i]!.loc?.start.line ?? 1;
  // First token index whose line is ≥ line (tokens are in source order).
  const lowerBound = (line: number): number => {
    let lo = 0;
    let hi = raw.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (lineOf(mid) < line) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const range = (startLine: number, endLine: number, out: NormalizedBlock | null) =>
    normalizeTokens(
      raw,
      lowerBound(startLine - shift),
      lowerBound(endLine + 1 - shift),
      brace,
      shift,
      out,
      classes,
    );
  const normalize = ((startLine: number, endLine: number): NormalizedBlock => {
    const out: NormalizedBlock = { lines: [], hashes: [], tokens: [], spans: [] };
    range(startLine, endLine, out);
    return out;
  }) as FileNormalizer;
  normalize.count = (startLine, endLine) => range(startLine, endLine, null);
  return normalize;
}

/** The normalized block of a line range of one file; `count` gives only its number of lines (cheaper). */
export interface FileNormalizer {
  (startLine: number, endLine: number): NormalizedBlock;
  count(startLine: number, endLine: number): number;
}

type Classified = { kind: NormKind; norm: string };

/**
 * Pretty-prints and normalizes raw[from..to) into `out`; token lines are shifted by `lineShift`. Returns the
 * number of normalized lines. With `out` null only that number is computed (a window's growth asks for
 * sizes only): the same statement breaks, no text, hashes or token objects. `classes` caches `classify`
 * per raw token across calls on the same tokens.
 */
function normalizeTokens(
  raw: RawToken[],
  from: number,
  to: number,
  brace: boolean,
  lineShift: number,
  out: NormalizedBlock | null,
  classes: (Classified | null | undefined)[] = [],
): number {
  let count = 0;
  let current: NormToken[] = [];
  // What the breaks below read of the statement being built, kept without token objects when counting.
  let currentLength = 0;
  let lastNorm = "";
  let lastKind: NormKind = "symbol";
  // Open brackets; `{` only for block braces. Statements are separated only at statement level.
  const brackets: string[] = [];
  const statementLevel = (): boolean =>
    brackets.length === 0 || (brace && brackets[brackets.length - 1] === "{");
  let sawNewline = false;
  let afterOpen = false;

  const flush = (): void => {
    if (currentLength === 0) return;
    count++;
    currentLength = 0;
    if (out === null) return;
    const text = current.map((t) => t.norm).join(" ");
    const index = out.lines.length;
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    for (const t of current) {
      t.lineIndex = index;
      if (t.line < first) first = t.line;
      if (t.line > last) last = t.line;
      out.tokens.push(t);
    }
    out.lines.push(text);
    out.hashes.push(hashLine(text));
    out.spans.push({ first, last });
    current = [];
  };

  for (let r = from; r < to; r++) {
    const tok = raw[r]!;
    if (tok.type === "new_line" || (tok.type.includes("comment") && tok.value.includes("\n"))) {
      sawNewline = true;
      continue;
    }
    let c = classes[r];
    if (c === undefined) {
      c = classify(tok.type, tok.value);
      classes[r] = c;
    }
    if (c === null) continue;
    const value = tok.value;
    const blockPunct = brace && tok.type === "punctuation";

    if (afterOpen) {
      afterOpen = false;
      // `{}` stays on one line; anything else after `{` starts a new one.
      if (!(blockPunct && value === "}")) flush();
      else sawNewline = false;
    }
    if (sawNewline && currentLength > 0 && statementLevel()) {
      const continues =
        brace &&
        ((lastKind === "symbol" && (CONTINUES_AFTER.has(lastNorm) || isBinaryOperator(lastNorm))) ||
          (c.kind === "symbol" && (value === "." || value === "?." || isBinaryOperator(value))) ||
          // Allman style: a `{` on its own line ends the header above it.
          (blockPunct && value === "{"));
      if (!continues) flush();
    }
    sawNewline = false;
    if (blockPunct && value === "}" && !(currentLength > 0 && lastNorm === "{")) flush();

    currentLength++;
    lastNorm = c.norm;
    lastKind = c.kind;
    if (out !== null)
      current.push({
        norm: c.norm,
        text: value,
        kind: c.kind,
        line: lineShift + (tok.loc?.start.line ?? 1),
        column: tok.loc?.start.column ?? 1,
        lineIndex: -1,
      });
    if (c.kind === "symbol") {
      if (value === "{") brackets.push(blockPunct ? "{" : "(");
      else if (value === "(" || value === "[" || value === "${" || value === "#{") brackets.push("(");
      else if (value === "}" || value === ")" || value === "]") brackets.pop();
    }
    if (!blockPunct) continue;
    if (value === ";" && statementLevel()) flush();
    else if (value === "{") afterOpen = true;
  }
  flush();
  return count;
}

function isBinaryOperator(op: string): boolean {
  return (
    op !== "++" &&
    op !== "--" &&
    op !== "!" &&
    op !== "~" &&
    /^[-+*/%&|^<>=!?:~]+$|^(?:and|or|in|instanceof)$/.test(op)
  );
}

/** Normalized lines `from..to` (inclusive) of a block, as a block of their own. */
export function sliceNormalized(norm: NormalizedBlock, from: number, to: number): NormalizedBlock {
  return {
    lines: norm.lines.slice(from, to + 1),
    hashes: norm.hashes.slice(from, to + 1),
    spans: norm.spans.slice(from, to + 1),
    tokens: norm.tokens
      .filter((t) => t.lineIndex >= from && t.lineIndex <= to)
      .map((t) => ({ ...t, lineIndex: t.lineIndex - from })),
  };
}
