/**
 * A small hand-written lexer that finds the bracket structure of a file while skipping strings and
 * comments. It knows just enough about each language family (comment markers, quote rules) to keep
 * `{` inside `"a { b"` or `// }` from unbalancing a block. It does not parse: regex literals in
 * JavaScript and here-documents in shells are read as code.
 */

export type ScanItemKind = "open" | "close" | "semi" | "kw" | "code";

/** One structural item; consecutive ordinary code on a line is merged into one `code` item. */
export interface ScanItem {
  kind: ScanItemKind;
  /** The bracket, `;`, or the continuation keyword (`else`, `catch`, `finally`); empty for code. */
  text: string;
  /** 0-based line. */
  line: number;
}

export interface ScanResult {
  items: ScanItem[];
  /** For brackets: index of the matching bracket, or -1 when unmatched; -1 for other items. */
  partner: Int32Array;
  /** Index of the innermost open bracket enclosing each item, or -1 at top level. */
  parent: Int32Array;
  /** Per line: 1 when the line holds code (strings count, comments and blanks do not). */
  hasCode: Uint8Array;
  /** Per line: number of unclosed brackets at the start of the line. */
  depthAtStart: Int32Array;
  /** Per line: 1 when the line starts inside a multi-line string or block comment. */
  continued: Uint8Array;
}

interface Syntax {
  lineComments: string[];
  blockComments: Array<[string, string]>;
  /** `'` opens a string only as a one-character literal (`'a'`, `'\n'`): C, Java, Rust lifetimes... */
  charQuote: boolean;
  /** Backtick strings may span lines (JS templates, Go raw strings). */
  backtick: boolean;
  /** `"""` / `'''` strings spanning lines (Python, Kotlin, Java text blocks...). */
  triple: boolean;
}

const HASH_COMMENT = new Set([
  "python",
  "yaml",
  "coffeescript",
  "livescript",
  "ruby",
  "crystal",
  "elixir",
  "julia",
  "nim",
  "bash",
  "shell-session",
  "makefile",
  "perl",
  "r",
  "powershell",
  "toml",
  "docker",
  "cmake",
  "gdscript",
  "tcl",
  "awk",
  "graphql",
  "properties",
  "apacheconf",
  "nginx",
  "puppet",
  "gitignore",
  "editorconfig",
  "hcl",
  "nix",
  "sass",
]);
const DASH_COMMENT = new Set([
  "lua",
  "sql",
  "plsql",
  "haskell",
  "elm",
  "purescript",
  "idris",
  "agda",
  "ada",
  "vhdl",
]);
const PERCENT_COMMENT = new Set(["matlab", "erlang", "latex", "prolog"]);
const SEMI_COMMENT = new Set(["lisp", "clojure", "scheme", "racket", "asm6502", "nasm", "armasm", "ini"]);
const CHAR_QUOTE = new Set([
  "c",
  "cpp",
  "c-header",
  "cpp-header",
  "java",
  "csharp",
  "rust",
  "go",
  "kotlin",
  "scala",
  "swift",
  "dart",
  "objectivec",
  "groovy",
  "d",
  "zig",
  "odin",
  "vala",
  "verilog",
  "lisp",
  "clojure",
  "scheme",
  "racket",
  "arduino",
  "glsl",
  "hlsl",
  "opencl",
  "processing",
  "solidity",
]);
const BACKTICK = new Set(["javascript", "typescript", "jsx", "tsx", "vue", "svelte", "astro", "flow", "go"]);
const TRIPLE = new Set([
  "python",
  "kotlin",
  "scala",
  "swift",
  "groovy",
  "julia",
  "java",
  "dart",
  "elixir",
  "nim",
  "toml",
  "gdscript",
]);

function syntaxOf(language: string): Syntax {
  const syntax: Syntax = {
    lineComments: ["//"],
    blockComments: [["/*", "*/"]],
    charQuote: CHAR_QUOTE.has(language),
    backtick: BACKTICK.has(language),
    triple: TRIPLE.has(language),
  };
  if (HASH_COMMENT.has(language)) {
    syntax.lineComments = ["#"];
    syntax.blockComments = language === "nix" ? [["/*", "*/"]] : [];
  } else if (DASH_COMMENT.has(language)) {
    syntax.lineComments = ["--"];
    syntax.blockComments = language === "lua" ? [["--[[", "]]"]] : [["{-", "-}"]];
    if (language === "sql" || language === "plsql") syntax.blockComments = [["/*", "*/"]];
  } else if (PERCENT_COMMENT.has(language)) {
    syntax.lineComments = ["%"];
    syntax.blockComments = [];
  } else if (SEMI_COMMENT.has(language)) {
    syntax.lineComments = [";"];
    syntax.blockComments = [];
  } else if (language === "php") {
    syntax.lineComments = ["//", "#"];
  } else if (language === "markup" || language === "markdown" || language === "xml") {
    syntax.lineComments = [];
    syntax.blockComments = [["<!--", "-->"]];
  } else if (language === "vue" || language === "svelte" || language === "astro") {
    syntax.blockComments.push(["<!--", "-->"]);
  }
  return syntax;
}

const CONTINUATION_KEYWORDS = new Set(["else", "catch", "finally"]);

function isWordChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c > 127
  );
}

/** Lexes `lines` of `language` into brackets, `;`, continuation keywords and per-line facts. */
export function scanCode(lines: string[], language: string): ScanResult {
  const syntax = syntaxOf(language);
  const items: ScanItem[] = [];
  const hasCode = new Uint8Array(lines.length);
  const depthAtStart = new Int32Array(lines.length);
  const continued = new Uint8Array(lines.length);
  const stack: number[] = [];
  const partnerList: number[] = [];
  const parentList: number[] = [];
  // Open multi-line construct carried from one line to the next: a closing delimiter to look for.
  let pendingClose: string | null = null;
  let pendingIsString = false;

  const push = (kind: ScanItemKind, text: string, line: number): void => {
    const last = items[items.length - 1];
    if (kind === "code" && last !== undefined && last.kind === "code" && last.line === line) return;
    items.push({ kind, text, line });
    partnerList.push(-1);
    parentList.push(stack.length > 0 ? stack[stack.length - 1]! : -1);
  };

  for (let ln = 0; ln < lines.length; ln++) {
    const s = lines[ln]!;
    depthAtStart[ln] = stack.length;
    let i = 0;
    if (pendingClose !== null) {
      continued[ln] = 1;
      const end = findClose(s, 0, pendingClose, pendingIsString);
      if (end < 0) {
        if (pendingIsString) hasCode[ln] = 1;
        continue;
      }
      if (pendingIsString) hasCode[ln] = 1;
      i = end;
      pendingClose = null;
    }
    lineLoop: while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 9 || c === 13 || c === 12) {
        i++;
        continue;
      }
      for (const marker of syntax.lineComments) {
        if (s.startsWith(marker, i)) break lineLoop;
      }
      for (const [open, close] of syntax.blockComments) {
        if (s.startsWith(open, i)) {
          const end = findClose(s, i + open.length, close, false);
          if (end < 0) {
            pendingClose = close;
            pendingIsString = false;
            break lineLoop;
          }
          i = end;
          continue lineLoop;
        }
      }
      hasCode[ln] = 1;
      const ch = s[i]!;
      if (ch === '"' || ch === "'" || (ch === "`" && syntax.backtick)) {
        if (syntax.triple && (ch === '"' || ch === "'") && s.startsWith(ch.repeat(3), i)) {
          const end = findClose(s, i + 3, ch.repeat(3), true);
          push("code", "", ln);
          if (end < 0) {
            pendingClose = ch.repeat(3);
            pendingIsString = true;
            break;
          }
          i = end;
          continue;
        }
        if (ch === "'" && syntax.charQuote) {
          const m = /^'(?:\\.[^'\n]{0,9}|[^'\\])'/.exec(s.slice(i, i + 14));
          push("code", "", ln);
          i += m !== null ? m[0].length : 1;
          continue;
        }
        const end = findClose(s, i + 1, ch, true);
        push("code", "", ln);
        if (end < 0) {
          // Backtick strings continue on the next line; other quotes end with the line (C rules).
          if (ch === "`") {
            pendingClose = "`";
            pendingIsString = true;
          }
          break;
        }
        i = end;
        continue;
      }
      if (ch === "{" || ch === "(" || ch === "[") {
        push("open", ch, ln);
        stack.push(items.length - 1);
        i++;
        continue;
      }
      if (ch === "}" || ch === ")" || ch === "]") {
        const want = ch === "}" ? "{" : ch === ")" ? "(" : "[";
        // Pop to the nearest matching opener; openers skipped on the way stay unmatched.
        let at = stack.length - 1;
        while (at >= 0 && items[stack[at]!]!.text !== want) at--;
        if (at >= 0) stack.length = at + 1;
        const open = at >= 0 ? stack.pop()! : -1;
        push("close", ch, ln);
        if (open >= 0) {
          partnerList[open] = items.length - 1;
          partnerList[items.length - 1] = open;
          parentList[items.length - 1] = parentList[open]!;
        }
        i++;
        continue;
      }
      if (ch === ";") {
        push("semi", ";", ln);
        i++;
        continue;
      }
      if (isWordChar(c)) {
        let j = i + 1;
        while (j < s.length && isWordChar(s.charCodeAt(j))) j++;
        const word = s.slice(i, j);
        push(
          CONTINUATION_KEYWORDS.has(word) ? "kw" : "code",
          CONTINUATION_KEYWORDS.has(word) ? word : "",
          ln,
        );
        i = j;
        continue;
      }
      push("code", "", ln);
      i++;
    }
  }
  return {
    items,
    partner: Int32Array.from(partnerList),
    parent: Int32Array.from(parentList),
    hasCode,
    depthAtStart,
    continued,
  };
}

/** Index just after `close` in `s` from `from`, honouring backslash escapes in strings; -1 if absent. */
function findClose(s: string, from: number, close: string, escapes: boolean): number {
  let i = from;
  while (i < s.length) {
    if (escapes && s.charCodeAt(i) === 92) {
      i += 2;
      continue;
    }
    if (s.startsWith(close, i)) return i + close.length;
    i++;
  }
  return -1;
}
