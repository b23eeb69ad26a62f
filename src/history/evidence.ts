import { extname } from "node:path";

/**
 * What counts as SZZ evidence: deleted lines of source files, not blank, not comment-only. The rules
 * add the paths to leave out (by default tests: a test's old assertion blames the commit that wrote
 * the test, not the defect).
 */

const HASH_COMMENT = new Set([
  ".py",
  ".sh",
  ".bash",
  ".rb",
  ".pl",
  ".pm",
  ".r",
  ".yml",
  ".yaml",
  ".toml",
  ".cmake",
  ".ps1",
  ".tcl",
  ".nim",
  ".cr",
  ".ex",
  ".exs",
  ".jl",
  ".coffee",
]);
const DASH_COMMENT = new Set([".sql", ".lua", ".hs", ".elm", ".ada", ".adb", ".ads"]);
const SEMI_COMMENT = new Set([".clj", ".cljs", ".el", ".lisp", ".scm", ".asm", ".s"]);
const PERCENT_COMMENT = new Set([".erl", ".hrl", ".tex", ".m"]);

/** Extensions of source code: evidence is only taken from these. */
const CODE = new Set([
  ".c",
  ".h",
  ".cc",
  ".cpp",
  ".cxx",
  ".hpp",
  ".hh",
  ".hxx",
  ".m",
  ".mm",
  ".java",
  ".kt",
  ".kts",
  ".scala",
  ".groovy",
  ".cs",
  ".fs",
  ".go",
  ".rs",
  ".swift",
  ".dart",
  ".js",
  ".jsx",
  ".mjs",
  ".cjs",
  ".ts",
  ".tsx",
  ".mts",
  ".cts",
  ".vue",
  ".svelte",
  ".py",
  ".pyx",
  ".rb",
  ".php",
  ".pl",
  ".pm",
  ".lua",
  ".sh",
  ".bash",
  ".r",
  ".jl",
  ".ex",
  ".exs",
  ".erl",
  ".hrl",
  ".hs",
  ".elm",
  ".clj",
  ".cljs",
  ".sql",
  ".zig",
  ".nim",
  ".cr",
  ".ml",
  ".mli",
  ".coffee",
  ".tcl",
  ".ps1",
  ".vb",
  ".asm",
  ".s",
  ".d",
  ".ada",
  ".adb",
  ".ads",
  ".f90",
  ".f",
  ".pas",
  ".el",
  ".lisp",
  ".scm",
]);

export function isCodePath(path: string): boolean {
  return CODE.has(extname(path).toLowerCase());
}

/** True when a line holds no code: blank, or only a comment in the file's language. */
export function isNonCodeLine(text: string, path: string): boolean {
  const t = text.trim();
  if (t === "") return true;
  const ext = extname(path).toLowerCase();
  if (HASH_COMMENT.has(ext) && t.startsWith("#")) {
    // "#include", "#define" and friends are code in C; Python/shell comments start with "#".
    return true;
  }
  if (DASH_COMMENT.has(ext) && t.startsWith("--")) return true;
  if (SEMI_COMMENT.has(ext) && t.startsWith(";")) return true;
  if (PERCENT_COMMENT.has(ext) && t.startsWith("%")) return true;
  if (ext === ".py" && (t.startsWith('"""') || t.startsWith("'''"))) return true;
  if (ext === ".vb" && (t.startsWith("'") || /^rem\b/i.test(t))) return true;
  if (ext === ".html" || ext === ".xml" || ext === ".vue" || ext === ".svelte") {
    if (t.startsWith("<!--") || t.startsWith("-->")) return true;
  }
  // C-like block and line comments (also javadoc continuation lines "* @param").
  if (
    t.startsWith("//") ||
    t.startsWith("/*") ||
    t.startsWith("*/") ||
    (t.startsWith("*") && !t.startsWith("*="))
  ) {
    return !HASH_COMMENT.has(ext) || t.startsWith("//");
  }
  // A lone brace or bracket carries no behaviour of its own.
  return /^[{}()[\];,]+$/.test(t);
}

export interface EvidenceFilter {
  /** Path may provide evidence (source code, not ignored, not generated). */
  path(path: string): boolean;
  /** Line may provide evidence. */
  line(text: string, path: string): boolean;
}

export interface EvidenceOptions {
  /** Paths whose deleted lines are not evidence (tests, ignored and generated paths of the rules). */
  exclude?: (path: string) => boolean;
}

export function evidenceFilter(opts: EvidenceOptions = {}): EvidenceFilter {
  return {
    path: (p) => isCodePath(p) && !(opts.exclude?.(p) ?? false),
    line: (text, p) => !isNonCodeLine(text, p),
  };
}
