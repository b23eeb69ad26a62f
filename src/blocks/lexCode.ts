/**
 * A small hand-written lexer for the languages most commits touch. Loading Prism's 200+ grammars
 * (@jscpd/tokenizer) costs ~200 ms of start-up, more than a whole pre-commit check may take; this one
 * loads in under a millisecond. It yields tokens in the same shape as the tokenizer (type, value,
 * 1-based line and column) so normalization treats both alike; other languages still go to
 * @jscpd/tokenizer (see normalizeBlock). Sample, for `if (a > 1) { // x`:
 *
 *   keyword "if" 1:1 · empty " " · punctuation "(" · default "a" · empty · operator ">" · empty ·
 *   number "1" · punctuation ")" · empty · punctuation "{" · empty · comment "// x" 1:14
 */

export interface LexToken {
  type: string;
  value: string;
  loc: { start: { line: number; column: number } };
}

type Family = "c" | "hash" | "python" | "dash" | "lisp" | "percent";

interface Syntax {
  family: Family;
  keywords: ReadonlySet<string>;
  /** Names the language predefines; kept verbatim like keywords (Prism's `builtin`). */
  builtins: ReadonlySet<string>;
  /** `'` starts a character/string literal (not a Rust lifetime or a Lisp quote). */
  singleQuote: boolean;
  /** Backquote strings (JS templates, Go raw strings, shell commands). */
  backquote: boolean;
  /** `$name` / `@name` are one identifier (shell, Perl, PHP, Ruby). */
  sigils: boolean;
}

const words = (s: string): ReadonlySet<string> => new Set(s.split(/\s+/).filter(Boolean));

const C_KEYWORDS =
  "if else for while do switch case default break continue return goto sizeof typedef struct union enum " +
  "static const extern volatile register inline unsigned signed void char short int long float double auto";
const KEYWORDS: Record<string, string> = {
  c: C_KEYWORDS,
  cpp: `${C_KEYWORDS} class public private protected virtual override template typename namespace using new delete this try catch throw nullptr true false bool operator friend constexpr noexcept explicit mutable static_cast dynamic_cast reinterpret_cast const_cast`,
  java: "abstract assert boolean break byte case catch char class const continue default do double else enum extends final finally float for goto if implements import instanceof int interface long native new package private protected public return short static strictfp super switch synchronized this throw throws transient try void volatile while true false null var record yield",
  javascript:
    "break case catch class const continue debugger default delete do else export extends finally for function if import in instanceof new return super switch this throw try typeof var void while with yield let static async await of true false null undefined get set",
  typescript:
    "break case catch class const continue debugger default delete do else export extends finally for function if import in instanceof new return super switch this throw try typeof var void while with yield let static async await of true false null undefined get set interface type enum implements namespace declare abstract public private protected readonly as is keyof infer never unknown any number string boolean symbol",
  go: "break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var true false nil",
  rust: "as break const continue crate else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while async await dyn",
  csharp:
    "abstract as base bool break byte case catch char checked class const continue decimal default delegate do double else enum event explicit extern false finally fixed float for foreach goto if implicit in int interface internal is lock long namespace new null object operator out override params private protected public readonly ref return sbyte sealed short sizeof stackalloc static string struct switch this throw true try typeof uint ulong unchecked unsafe ushort using virtual void volatile while var async await",
  kotlin:
    "as break class continue do else false for fun if in interface is null object package return super this throw true try typealias val var when while by catch constructor finally get import init set where override open data sealed private public protected internal",
  swift:
    "class deinit enum extension func import init let protocol struct subscript typealias var break case continue default defer do else fallthrough for guard if in repeat return switch where while as catch false is nil rethrows super self Self throw throws true try",
  scala:
    "abstract case catch class def do else extends false final finally for forSome if implicit import lazy match new null object override package private protected return sealed super this throw trait try true type val var while with yield",
  php: "abstract and array as break callable case catch class clone const continue declare default do echo else elseif empty enddeclare endfor endforeach endif endswitch endwhile extends final finally fn for foreach function global goto if implements include instanceof insteadof interface isset list namespace new or print private protected public require return static switch throw trait try unset use var while xor yield true false null",
  python:
    "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case self",
  ruby: "alias and begin break case class def defined do else elsif end ensure false for if in module next nil not or redo rescue retry return self super then true undef unless until when while yield",
  shell:
    "if then else elif fi case esac for select while until do done in function time local return export readonly declare",
  perl: "my our local sub if elsif else unless while until for foreach do last next redo return use require package",
  lua: "and break do else elseif end false for function goto if in local nil not or repeat return then true until while",
  sql: "select from where insert into update delete create table drop alter join left right inner outer on group by order having limit and or not null is in as values set begin end case when then else",
  haskell:
    "case class data default deriving do else if import in infix infixl infixr instance let module newtype of then type where",
  generic:
    "if else elif for while do switch case default break continue return function def class struct enum import from export try catch except finally throw raise new delete true false null nil",
};

const BUILTINS: Record<string, string> = {
  python:
    "abs all any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex delattr dict dir " +
    "divmod enumerate eval exec filter float format frozenset getattr globals hasattr hash help hex id input int " +
    "isinstance issubclass iter len list locals map max memoryview min next object oct open ord pow print property " +
    "range repr reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip __import__",
};

const FAMILY: Record<
  string,
  { family: Family; keywords: string; singleQuote?: boolean; backquote?: boolean; sigils?: boolean }
> = {
  c: { family: "c", keywords: "c" },
  "c-header": { family: "c", keywords: "c" },
  cpp: { family: "c", keywords: "cpp" },
  "cpp-header": { family: "c", keywords: "cpp" },
  objectivec: { family: "c", keywords: "cpp", sigils: true },
  java: { family: "c", keywords: "java" },
  groovy: { family: "c", keywords: "java", backquote: false },
  javascript: { family: "c", keywords: "javascript", backquote: true },
  jsx: { family: "c", keywords: "javascript", backquote: true },
  typescript: { family: "c", keywords: "typescript", backquote: true },
  tsx: { family: "c", keywords: "typescript", backquote: true },
  vue: { family: "c", keywords: "typescript", backquote: true },
  svelte: { family: "c", keywords: "typescript", backquote: true },
  go: { family: "c", keywords: "go", backquote: true },
  rust: { family: "c", keywords: "rust", singleQuote: false },
  csharp: { family: "c", keywords: "csharp" },
  kotlin: { family: "c", keywords: "kotlin" },
  swift: { family: "c", keywords: "swift" },
  scala: { family: "c", keywords: "scala" },
  dart: { family: "c", keywords: "java" },
  php: { family: "c", keywords: "php", sigils: true },
  css: { family: "c", keywords: "generic" },
  scss: { family: "c", keywords: "generic" },
  less: { family: "c", keywords: "generic" },
  python: { family: "python", keywords: "python" },
  ruby: { family: "hash", keywords: "ruby", sigils: true },
  crystal: { family: "hash", keywords: "ruby", sigils: true },
  bash: { family: "hash", keywords: "shell", backquote: true, sigils: true },
  shell: { family: "hash", keywords: "shell", backquote: true, sigils: true },
  perl: { family: "hash", keywords: "perl", sigils: true },
  r: { family: "hash", keywords: "generic" },
  yaml: { family: "hash", keywords: "generic" },
  toml: { family: "hash", keywords: "generic" },
  makefile: { family: "hash", keywords: "generic", sigils: true },
  cmake: { family: "hash", keywords: "generic", sigils: true },
  coffeescript: { family: "hash", keywords: "javascript" },
  elixir: { family: "hash", keywords: "ruby" },
  julia: { family: "hash", keywords: "generic" },
  nim: { family: "hash", keywords: "python" },
  lua: { family: "dash", keywords: "lua" },
  sql: { family: "dash", keywords: "sql" },
  plsql: { family: "dash", keywords: "sql" },
  haskell: { family: "dash", keywords: "haskell", singleQuote: false },
  elm: { family: "dash", keywords: "haskell", singleQuote: false },
  clojure: { family: "lisp", keywords: "generic", singleQuote: false },
  lisp: { family: "lisp", keywords: "generic", singleQuote: false },
  scheme: { family: "lisp", keywords: "generic", singleQuote: false },
  erlang: { family: "percent", keywords: "generic" },
  matlab: { family: "percent", keywords: "generic" },
};

const syntaxCache = new Map<string, Syntax>();

/** The lexer's syntax for a language (a tokenizer format name), or undefined when it has none. */
export function syntaxOf(language: string): Syntax | undefined {
  const cached = syntaxCache.get(language);
  if (cached) return cached;
  const f = FAMILY[language];
  if (!f) return undefined;
  const s: Syntax = {
    family: f.family,
    keywords: words(KEYWORDS[f.keywords] ?? ""),
    builtins: words(BUILTINS[f.keywords] ?? ""),
    singleQuote: f.singleQuote ?? true,
    backquote: f.backquote ?? false,
    sigils: f.sigils ?? false,
  };
  syntaxCache.set(language, s);
  return s;
}

export function canLex(language: string): boolean {
  return FAMILY[language] !== undefined;
}

// Longest first: the lexer takes the first that matches.
const OPERATORS = [
  ">>>=",
  "<<=",
  ">>=",
  ">>>",
  "===",
  "!==",
  "**=",
  "//=",
  "...",
  "<=>",
  "??=",
  "&&=",
  "||=",
  "::",
  "->",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "++",
  "--",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "<<",
  ">>",
  "**",
  "??",
  "?.",
  "//",
  ":=",
];
/** OPERATORS by their first character, longest first as there. */
const OPERATORS_BY_FIRST = new Map<string, string[]>();
for (const o of OPERATORS) OPERATORS_BY_FIRST.set(o[0]!, [...(OPERATORS_BY_FIRST.get(o[0]!) ?? []), o]);
/** Characters a Python string may start with: a quote or a prefix letter. */
const STRING_PREFIX = `'"rRbBuUfF`;
const PUNCTUATION = new Set(["{", "}", "(", ")", "[", "]", ";", ",", "."]);
const NUMBER =
  /(?:0[xXbBoO][\da-fA-F_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?|\.\d[\d_]*(?:[eE][+-]?\d+)?)[a-zA-Z]*/y;
const IDENT = /[A-Za-z_\u00C0-\uFFFF][\w\u00C0-\uFFFF]*/y;

function isIdentStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_" || c >= "\u00C0";
}

/** Lexes `code` (lines joined by \n) for `language`; throws when the language is not one it knows. */
export function lexCode(code: string, language: string): LexToken[] {
  const syn = syntaxOf(language);
  if (!syn) throw new Error(`no hand-written lexer for ${language}`);
  const out: LexToken[] = [];
  let line = 1;
  let lineStart = 0;
  walk(code, syn, language, (type, i, end) => {
    const value = code.slice(i, end);
    out.push({ type, value, loc: { start: { line, column: i - lineStart + 1 } } });
    // Multi-line tokens (block comments, strings) move the line counter past themselves.
    for (let k = value.indexOf("\n"); k >= 0; k = value.indexOf("\n", k + 1)) {
      line++;
      lineStart = i + k + 1;
    }
  });
  return out;
}

/**
 * Per line of `code` (0-based): whether `lexCode` is inside a token at its start (a block comment or a
 * string that spans lines), so lexing from that line alone would not give the same tokens. The same lexer,
 * without building tokens, run only as far as the lines asked about, and from near the first line asked
 * about rather than from the file's start when it can be shown to give the same answers (`syncedFrom`):
 * a one-line change deep in a long file costs about what it costs near the top.
 */
export function lexPendingLines(code: string, language: string): (line: number) => boolean {
  const syn = syntaxOf(language);
  if (!syn) throw new Error(`no hand-written lexer for ${language}`);
  let fromTop: ((line: number) => boolean) | undefined;
  let near: { first: number; pending: (line: number) => boolean } | null | undefined;
  return (target) => {
    near ??= target > SYNC_LINES ? syncedFrom(code, syn, language, target - SYNC_LINES, target) : null;
    if (near !== null && target >= near.first) return near.pending(target);
    fromTop ??= pendingFrom(code, syn, language, 0, 0);
    return fromTop(target);
  };
}

/** The offset of the line `lines` lines below the one starting at `from`; -1 past the last line. */
function lineStart(code: string, from: number, lines: number): number {
  let at = from;
  for (let l = 0; l < lines; l++) {
    const nl = code.indexOf("\n", at);
    if (nl < 0) return -1;
    at = nl + 1;
  }
  return at;
}

/** Lines above the first line asked about where `lexPendingLines` tries to start. */
const SYNC_LINES = 100;
/** Tokens lexed, over all the trial lexings, before `syncedFrom` gives up (C files met within 80). */
const MAX_SYNC_STEPS = 200;

/**
 * `pending(line)` for lines from `line` on, lexing from offset `at` (a token's start on that line, line
 * start or not): the line holding `at` is not answered unless `at` is its start.
 */
function pendingFrom(
  code: string,
  syn: Syntax,
  language: string,
  at0: number,
  line0: number,
): (line: number) => boolean {
  const pending: number[] = [];
  pending[line0] = 0;
  let line = line0;
  let at = at0;
  const emit = (type: string, i: number, end: number): void => {
    if (type === "new_line") {
      pending[++line] = 0;
      return;
    }
    if (type !== "comment" && type !== "string") return;
    mark(i, end);
  };
  const mark = (from: number, to: number): void => {
    for (let k = code.indexOf("\n", from); k >= 0 && k < to; k = code.indexOf("\n", k + 1))
      pending[++line] = 1;
  };
  return (target) => {
    // Lex on, some lines at a time, until the target line's start is passed (or the code ends).
    while (line < target + 1 && at < code.length) {
      let stop = at;
      for (let k = 0; k < 64 && stop >= 0; k++) stop = code.indexOf("\n", stop + 1);
      const until = stop < 0 ? code.length : stop + 1;
      at =
        syn.family === "c"
          ? multiLineTokensC(code, syn, at, until, mark, () => {
              pending[++line] = 0;
            })
          : walk(code, syn, language, emit, false, at, until);
    }
    return pending[target] === 1;
  };
}

/**
 * The lexer from line `start` on, when the lexing from the file's start provably joins it before line
 * `limit`; null when that cannot be shown (then only lexing from the top answers).
 *
 * The lexer keeps no state between tokens: where a token ends depends only on where it starts. The
 * lexing from the top reaches `start`'s first character either at a token's start, or inside a token that
 * spans lines: a block comment, a triple-quoted string, or a string of one quote kind (only these hold a
 * newline), and such a token ends where that kind's end is first found from `start` on. So it passes
 * through one of a few offsets, one per kind the language has; lexed from each of them, the lexings
 * meet at one token start (each steps on from the lowest offset until all stand on the same one), and
 * from there the lexing from the top is the same, whichever offset it came through.
 */
function syncedFrom(
  code: string,
  syn: Syntax,
  language: string,
  start: number,
  limit: number,
): { first: number; pending: (line: number) => boolean } | null {
  const at = lineStart(code, 0, start);
  const last = lineStart(code, at, limit - start);
  if (at <= 0 || last < 0) return null;
  const firstIndex = (close: string): number => {
    const e = code.indexOf(close, at);
    return e < 0 ? code.length : e + close.length;
  };
  // `quoted` in walk, from inside the string: an unescaped quote ends it, a newline too but in backticks.
  const stringEnd = (q: string): number => {
    let k = at;
    while (k < code.length) {
      const c = code[k];
      if (c === "\\") k += 2;
      else if (c === q) return k + 1;
      else if (c === "\n" && q !== "`") return k;
      else k++;
    }
    return code.length;
  };
  const offsets = [at, stringEnd('"'), stringEnd("'")];
  if (syn.backquote) offsets.push(stringEnd("`"));
  if (syn.family === "c") offsets.push(firstIndex("*/"));
  if (syn.family === "python") offsets.push(firstIndex("'''"), firstIndex('"""'));
  const step = (i: number): number => walk(code, syn, language, () => undefined, false, i, i + 1);
  // Lexings that stay apart are the common case where they never meet (template literals or docstrings
  // read inside out, one quote of each pair taken for the other): give up soon, the top answers.
  for (let steps = 0; ; steps++) {
    if (steps > MAX_SYNC_STEPS) return null;
    let low = 0;
    for (let k = 1; k < offsets.length; k++) if (offsets[k]! < offsets[low]!) low = k;
    // Past `limit`'s start, or at the end of the code (where an unclosed token would end too): no answer.
    if (offsets[low]! > last || offsets[low]! >= code.length) return null;
    const met = offsets.filter((o) => o === offsets[low]).length;
    if (met === offsets.length) break;
    if (met > 1) {
      const o = offsets[low]!;
      for (let k = offsets.length - 1; k >= 0; k--) if (offsets[k] === o) offsets.splice(k, 1);
      offsets.push(o);
      continue;
    }
    offsets[low] = step(offsets[low]!);
  }
  const met = offsets[0]!;
  // The line holding the meeting offset, and whether the offset is that line's start.
  let line = start;
  for (let k = code.indexOf("\n", at); k >= 0 && k < met; k = code.indexOf("\n", k + 1)) line++;
  const atLineStart = met === 0 || code[met - 1] === "\n";
  return { first: atLineStart ? line : line + 1, pending: pendingFrom(code, syn, language, met, line) };
}

/**
 * `walk` for the brace family reduced to what `lexPendingLines` needs, for long files: where comments and
 * strings are (`token` with their extent) and the line ends between tokens. In that family no other token
 * holds a `/`, a quote or a backquote (names, numbers and operators are made of other characters, and a
 * `/` followed by `/` or `*` is always a comment), so each of those characters, outside a comment or a
 * string, starts a token exactly where `walk` starts one, and the rest can be skipped a character at a
 * time. Returns where it stopped: a token's start at or after `until`, as `walk`.
 */
function multiLineTokensC(
  code: string,
  syn: Syntax,
  from: number,
  until: number,
  token: (start: number, end: number) => void,
  newLine: () => void,
): number {
  const n = code.length;
  // `quoted` of `walk`: to the closing quote (backslash escapes), or to the line end for all but `.
  const quoted = (start: number, q: number): number => {
    let k = start + 1;
    while (k < n) {
      const c = code.charCodeAt(k);
      if (c === 92) k += 2;
      else if (c === q) return k + 1;
      else if (c === 10 && q !== 96) return k;
      else k++;
    }
    return n;
  };
  let i = from;
  while (i < n && i < until) {
    const c = code.charCodeAt(i);
    if (c === 10) {
      newLine();
      i++;
    } else if (c === 47) {
      const next = code.charCodeAt(i + 1);
      if (next === 47) {
        const e = code.indexOf("\n", i);
        i = e < 0 ? n : e;
      } else if (next === 42) {
        const e = code.indexOf("*/", i + 2);
        const end = e < 0 ? n : e + 2;
        token(i, end);
        i = end;
      } else i++;
    } else if (c === 34 || (c === 39 && syn.singleQuote) || (c === 96 && syn.backquote)) {
      const end = quoted(i, c);
      token(i, end);
      i = end;
    } else if (c === 39) {
      // Rust lifetimes: a closed 'x' is still a char (the test of `walk`).
      if (code[i + 2] === "'" || (code[i + 1] === "\\" && code.indexOf("'", i + 2) - i <= 4)) {
        const end = quoted(i, 39);
        token(i, end);
        i = end;
      } else i++;
    } else i++;
  }
  return i;
}

/** The lexer shared by `lexCode` and `lexPendingLines`: calls `emit` with each token's type and extent. */
function walk(
  code: string,
  syn: Syntax,
  language: string,
  emit: (type: string, start: number, end: number) => void,
  /** false: words are all "default" (a caller that only needs where tokens end). */
  typed = true,
  /** Where to start (a token's start) and the offset after which to stop at the next token's start. */
  from = 0,
  until = code.length,
): number {
  let i = from;
  // Preprocessor directives are code: "#include", "#define" stay as words.
  const preprocessor = /^(?:c|cpp|c-header|cpp-header|objectivec)$/.test(language);
  const push = (type: string, end: number): void => {
    emit(type, i, end);
    i = end;
  };
  const untilLineEnd = (from: number): number => {
    const e = code.indexOf("\n", from);
    return e < 0 ? code.length : e;
  };
  const closing = (from: number, close: string): number => {
    const e = code.indexOf(close, from);
    return e < 0 ? code.length : e + close.length;
  };
  const quoted = (from: number, q: string): number => {
    let k = from + 1;
    while (k < code.length) {
      const c = code[k];
      if (c === "\\") k += 2;
      else if (c === q) return k + 1;
      else if (c === "\n" && q !== "`")
        return k; // unterminated: stop at the line end
      else k++;
    }
    return code.length;
  };

  while (i < code.length && i < until) {
    const c = code[i] as string;
    const next = code[i + 1] ?? "";
    if (c === "\n") {
      push("new_line", i + 1);
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
      let k = i + 1;
      for (let w = code.charCodeAt(k); w === 32 || w === 9 || w === 13 || w === 12 || w === 11; ) {
        w = code.charCodeAt(++k);
      }
      push("empty", k);
      continue;
    }
    // Comments.
    if (syn.family === "c") {
      if (c === "/" && next === "/") {
        push("comment", untilLineEnd(i));
        continue;
      }
      if (c === "/" && next === "*") {
        push("comment", closing(i + 2, "*/"));
        continue;
      }
      if (c === "#" && preprocessor) {
        push("keyword", i + 1);
        continue;
      }
    } else if ((syn.family === "hash" || syn.family === "python") && c === "#") {
      push("comment", untilLineEnd(i));
      continue;
    } else if (syn.family === "dash" && c === "-" && next === "-") {
      push("comment", untilLineEnd(i));
      continue;
    } else if (syn.family === "lisp" && c === ";") {
      push("comment", untilLineEnd(i));
      continue;
    } else if (syn.family === "percent" && c === "%") {
      push("comment", untilLineEnd(i));
      continue;
    }
    // Strings (Python prefixes and triple quotes included).
    if (syn.family === "python" && STRING_PREFIX.includes(c)) {
      const m = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(code.slice(i, i + 5));
      if (m && (m[1] === "" || !isIdentStart(code[i - 1] ?? " "))) {
        const q = m[2] as string;
        const start = i + (m[1] as string).length;
        push("string", q.length === 3 ? closing(start + 3, q) : quoted(start, q));
        continue;
      }
    }
    if (c === '"' || (c === "'" && syn.singleQuote) || (c === "`" && syn.backquote)) {
      push("string", quoted(i, c));
      continue;
    }
    if (c === "'" && !syn.singleQuote) {
      // Rust lifetimes ('a), Lisp quotes: a mark, not a literal. A closed 'x' is still a char.
      if (code[i + 2] === "'" || (next === "\\" && code.indexOf("'", i + 2) - i <= 4))
        push("string", quoted(i, "'"));
      else push("operator", i + 1);
      continue;
    }
    // Numbers and names.
    if ((c >= "0" && c <= "9") || (c === "." && next >= "0" && next <= "9")) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(code);
      push("number", m ? i + m[0].length : i + 1);
      continue;
    }
    if (
      isIdentStart(c) ||
      (syn.sigils && (c === "$" || c === "@") && isIdentStart(next)) ||
      (c === "$" && syn.family === "c")
    ) {
      IDENT.lastIndex = c === "$" || c === "@" ? i + 1 : i;
      const m = IDENT.exec(code);
      const end = m ? IDENT.lastIndex : i + 1;
      if (!typed) {
        push("default", end);
        continue;
      }
      const word = code.slice(i, end);
      push(syn.keywords.has(word) ? "keyword" : syn.builtins.has(word) ? "builtin" : "default", end);
      continue;
    }
    if (PUNCTUATION.has(c) && !(c === "." && next === "." && code[i + 2] === ".")) {
      push("punctuation", i + 1);
      continue;
    }
    const op = OPERATORS_BY_FIRST.get(c)?.find((o) => code.startsWith(o, i));
    push("operator", i + (op ? op.length : 1));
  }
  return i;
}
