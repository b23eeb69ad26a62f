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

/** Lines `from`..`to - 1` of a file, scanned alone (see `scanCode`). */
export interface ScanRegion {
  from: number;
  to: number;
  /**
   * The brackets open at line `from` (outermost first), as the whole file's scan has them: the region's
   * items see them as their enclosing brackets (`parent`), with an unknown partner (-2).
   */
  base: readonly string[];
}

/**
 * Lexes `lines` of `language` into brackets, `;`, continuation keywords and per-line facts. With `region`,
 * only those lines are scanned, from a line where the whole file's scan has nothing pending (no string or
 * comment open) and the `base` brackets open: the region's items are then those of the whole file's scan,
 * provided no bracket inside it closes one of `base` (`scanCuts` finds such lines). Per-line arrays span
 * the whole file; only the region's lines are filled.
 */
export function scanCode(lines: string[], language: string, region?: ScanRegion): ScanResult {
  const items: ScanItem[] = [];
  const partnerList: number[] = [];
  const parentList: number[] = [];
  const hasCode = new Uint8Array(lines.length);
  const depthAtStart = new Int32Array(lines.length);
  const continued = new Uint8Array(lines.length);
  const from = region?.from ?? 0;
  const seed: number[] = [];
  for (const text of region?.base ?? []) {
    items.push({ kind: "open", text, line: from - 1 });
    partnerList.push(-2);
    parentList.push(seed.length > 0 ? seed[seed.length - 1]! : -1);
    seed.push(items.length - 1);
  }
  walk(lines, syntaxOf(language), from, region?.to ?? lines.length, seed, {
    item(kind, text, line, top) {
      items.push({ kind, text, line });
      partnerList.push(-1);
      parentList.push(top);
      return items.length - 1;
    },
    textOf: (id) => items[id]!.text,
    matched(open, close) {
      partnerList[open] = close;
      partnerList[close] = open;
      parentList[close] = parentList[open]!;
    },
    line(ln, depth, pending) {
      depthAtStart[ln] = depth;
      if (pending) continued[ln] = 1;
    },
    code(ln) {
      hasCode[ln] = 1;
    },
  });
  return {
    items,
    partner: Int32Array.from(partnerList),
    parent: Int32Array.from(parentList),
    hasCode,
    depthAtStart,
    continued,
  };
}

/** Item kinds as numbers, for `ScanCuts.lastKind` / `firstKind` (0: no item). */
export const KIND_CODE: Record<ScanItemKind, number> = { open: 1, close: 2, semi: 3, kw: 4, code: 5 };

/**
 * What the whole file's scan says at the start of each line (0..lines.length), without building its items:
 * enough to pick lines where a region can be scanned alone (src/blocks/regions.ts). The file is scanned
 * from its start only as far as the lines asked about (`through`), so a change near the top of a long
 * file costs little.
 */
export interface ScanCuts {
  /** Scans at least lines 0..`line` (so the facts of `line + 1`'s start are known too); returns `this`. */
  through(line: number): ScanCuts;
  /** Brackets open at the line's start. */
  readonly depth: Int32Array;
  /** Id of the innermost open bracket at the line's start, -1 when none: equal ids at two lines mean no bracket open at the first closed before the second. */
  readonly top: Int32Array;
  /** 1 when the line starts inside a multi-line string or comment. */
  readonly pending: Uint8Array;
  /** Kind (KIND_CODE) and text of the last item before the line. */
  readonly lastKind: Uint8Array;
  readonly lastText: string[];
  /** Kind and text of the first item at or after the line's start (0: none up to the end). */
  firstKind(line: number): number;
  firstText(line: number): string;
  /** The bracket of each id, and the id of the bracket it is inside (-1 at top level). */
  readonly bracket: string[];
  readonly outer: number[];
  /** 1 when the line holds code (as `ScanResult.hasCode`). */
  readonly hasCode: Uint8Array;
}

/** One lazy pass of `scanCode`'s lexer over the file that keeps only `ScanCuts` (no items). */
export function scanCuts(lines: string[], language: string): ScanCuts {
  const n = lines.length;
  const syntax = syntaxOf(language);
  const depth = new Int32Array(n + 1);
  const top = new Int32Array(n + 1).fill(-1);
  const pending = new Uint8Array(n + 1);
  const lastKind = new Uint8Array(n + 1);
  const lastText: string[] = new Array(n + 1).fill("");
  const hasCode = new Uint8Array(n);
  const bracket: string[] = [];
  const outer: number[] = [];
  const stack: number[] = [];
  const state: WalkState = { pendingClose: null, pendingIsString: false };
  let kind = 0;
  let text = "";
  // First item of each line, as the scan finds them.
  const firstOnLine = new Uint8Array(n);
  const firstTextOnLine: string[] = new Array(n).fill("");
  let scanned = 0; // lines 0..scanned-1 are scanned; line `scanned`'s start facts are set
  const sink: ScanSink = {
    item(k, t, line, topId) {
      kind = KIND_CODE[k];
      text = t;
      if (firstOnLine[line] === 0) {
        firstOnLine[line] = kind;
        firstTextOnLine[line] = t;
      }
      if (k !== "open") return -2;
      bracket.push(t);
      outer.push(topId);
      return bracket.length - 1;
    },
    textOf: (id) => bracket[id]!,
    matched() {},
    line(ln, d, p) {
      depth[ln] = d;
      top[ln] = stack.length > 0 ? stack[stack.length - 1]! : -1;
      if (p) pending[ln] = 1;
      lastKind[ln] = kind;
      lastText[ln] = text;
    },
    code(ln) {
      hasCode[ln] = 1;
    },
  };
  const advance = (to: number): void => {
    if (to <= scanned) return;
    walk(lines, syntax, scanned, to, stack, sink, state);
    scanned = to;
    if (scanned === n) {
      depth[n] = stack.length;
      top[n] = stack.length > 0 ? stack[stack.length - 1]! : -1;
      lastKind[n] = kind;
      lastText[n] = text;
      if (state.pendingClose !== null) pending[n] = 1;
    } else sink.line(scanned, stack.length, state.pendingClose !== null);
  };
  /** The first line at or after `line` holding an item, or n. */
  const firstItemLine = (line: number): number => {
    let l = line;
    for (;;) {
      while (l < scanned && firstOnLine[l] === 0) l++;
      if (l < scanned || scanned === n) return l;
      advance(Math.min(n, scanned + 64));
    }
  };
  const cuts: ScanCuts = {
    through(line) {
      // In steps of some lines: each walk has a set-up cost.
      if (line >= scanned) advance(Math.min(n, Math.max(line + 1, scanned + 64)));
      return cuts;
    },
    depth,
    top,
    pending,
    lastKind,
    lastText,
    firstKind: (line) => {
      const l = firstItemLine(line);
      return l < n ? firstOnLine[l]! : 0;
    },
    firstText: (line) => {
      const l = firstItemLine(line);
      return l < n ? firstTextOnLine[l]! : "";
    },
    bracket,
    outer,
    hasCode,
  };
  return cuts;
}

/** Where `walk` puts what it finds: items (a full scan) or only what `scanCuts` keeps. */
interface ScanSink {
  /** An item; returns its id for brackets pushed on the stack (a merged code item returns -1). */
  item(kind: ScanItemKind, text: string, line: number, top: number): number;
  /** The bracket text of an id on the stack. */
  textOf(id: number): string;
  matched(open: number, close: number): void;
  /** Called at the start of each line with the number of open brackets and whether a string or comment goes on. */
  line(ln: number, depth: number, pending: boolean): void;
  code(ln: number): void;
}

/** A string or comment left open at the end of a walk, for the next walk over the following lines. */
interface WalkState {
  pendingClose: string | null;
  pendingIsString: boolean;
}

/** The lexer shared by `scanCode` and `scanCuts`: lines from..to-1, with `stack` (ids) open at the start. */
function walk(
  lines: string[],
  syntax: Syntax,
  from: number,
  to: number,
  stack: number[],
  sink: ScanSink,
  state: WalkState = { pendingClose: null, pendingIsString: false },
): void {
  // Open multi-line construct carried from one line to the next: a closing delimiter to look for.
  let { pendingClose, pendingIsString } = state;
  // First characters of the comment markers: a marker is tried only where its first character is.
  const lineMarks = syntax.lineComments;
  const lineFirst = lineMarks.map((m) => m.charCodeAt(0));
  const blockOpen = syntax.blockComments.map(([o]) => o);
  const blockClose = syntax.blockComments.map(([, c]) => c);
  const blockFirst = blockOpen.map((m) => m.charCodeAt(0));
  // Consecutive code items of a line are one item: only the first is handed on.
  let codeLine = -1;

  const push = (kind: ScanItemKind, text: string, line: number): number => {
    if (kind === "code") {
      if (codeLine === line) return -1;
      codeLine = line;
    } else codeLine = -1;
    return sink.item(kind, text, line, stack.length > 0 ? stack[stack.length - 1]! : -1);
  };

  for (let ln = from; ln < to; ln++) {
    const s = lines[ln]!;
    sink.line(ln, stack.length, pendingClose !== null);
    let i = 0;
    let hasCode = false;
    if (pendingClose !== null) {
      const end = findClose(s, 0, pendingClose, pendingIsString);
      if (pendingIsString) hasCode = true;
      if (end < 0) {
        if (hasCode) sink.code(ln);
        continue;
      }
      i = end;
      pendingClose = null;
    }
    lineLoop: while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 9 || c === 13 || c === 12) {
        i++;
        continue;
      }
      for (let k = 0; k < lineFirst.length; k++) {
        if (c === lineFirst[k] && s.startsWith(lineMarks[k]!, i)) break lineLoop;
      }
      for (let k = 0; k < blockFirst.length; k++) {
        const open = blockOpen[k]!;
        if (c === blockFirst[k] && s.startsWith(open, i)) {
          const end = findClose(s, i + open.length, blockClose[k]!, false);
          if (end < 0) {
            pendingClose = blockClose[k]!;
            pendingIsString = false;
            break lineLoop;
          }
          i = end;
          continue lineLoop;
        }
      }
      hasCode = true;
      if (c === 34 || c === 39 || (c === 96 && syntax.backtick)) {
        const ch = s[i]!;
        if (syntax.triple && c !== 96 && s.startsWith(ch.repeat(3), i)) {
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
        if (c === 39 && syntax.charQuote) {
          const m = /^'(?:\\.[^'\n]{0,9}|[^'\\])'/.exec(s.slice(i, i + 14));
          push("code", "", ln);
          i += m !== null ? m[0].length : 1;
          continue;
        }
        const end = findClose(s, i + 1, ch, true);
        push("code", "", ln);
        if (end < 0) {
          // Backtick strings continue on the next line; other quotes end with the line (C rules).
          if (c === 96) {
            pendingClose = "`";
            pendingIsString = true;
          }
          break;
        }
        i = end;
        continue;
      }
      // { ( [
      if (c === 123 || c === 40 || c === 91) {
        stack.push(push("open", s[i]!, ln));
        i++;
        continue;
      }
      // } ) ]
      if (c === 125 || c === 41 || c === 93) {
        const want = c === 125 ? "{" : c === 41 ? "(" : "[";
        // Pop to the nearest matching opener; openers skipped on the way stay unmatched.
        let at = stack.length - 1;
        while (at >= 0 && sink.textOf(stack[at]!) !== want) at--;
        if (at >= 0) stack.length = at + 1;
        const open = at >= 0 ? stack.pop()! : -1;
        const close = push("close", s[i]!, ln);
        if (open >= 0) sink.matched(open, close);
        i++;
        continue;
      }
      if (c === 59) {
        push("semi", ";", ln);
        i++;
        continue;
      }
      if (isWordChar(c)) {
        let j = i + 1;
        while (j < s.length && isWordChar(s.charCodeAt(j))) j++;
        // else, catch, finally: 4 to 7 letters starting with e, c or f.
        const word = j - i >= 4 && j - i <= 7 && (c === 101 || c === 99 || c === 102) ? s.slice(i, j) : "";
        if (CONTINUATION_KEYWORDS.has(word)) push("kw", word, ln);
        else push("code", "", ln);
        i = j;
        continue;
      }
      push("code", "", ln);
      i++;
    }
    if (hasCode) sink.code(ln);
  }
  state.pendingClose = pendingClose;
  state.pendingIsString = pendingIsString;
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
