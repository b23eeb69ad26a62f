import { extname } from "node:path";
import { isCodePath } from "../history/evidence.js";

/**
 * Kamei's subsystem: the top-level directory of a path ("" for files at the root).
 * The SQL twin in src/index/metricsStore.ts must give the same answer.
 */
export function subsystemOf(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/** Directory of a path with its trailing slash ("src/a/" for "src/a/x.ts", "" at the root), like SQL's rtrim trick. */
export function directoryOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/") + 1);
}

/** Extensions of one language family; anything else is its own language (".go" → "go"). */
const FAMILY: Record<string, string> = {
  ".c": "c",
  ".h": "c",
  ".cc": "cpp",
  ".cpp": "cpp",
  ".cxx": "cpp",
  ".hpp": "cpp",
  ".hh": "cpp",
  ".hxx": "cpp",
  ".mm": "objc",
  ".kt": "kotlin",
  ".kts": "kotlin",
  ".js": "javascript",
  ".jsx": "javascript",
  ".mjs": "javascript",
  ".cjs": "javascript",
  ".ts": "typescript",
  ".tsx": "typescript",
  ".mts": "typescript",
  ".cts": "typescript",
  ".py": "python",
  ".pyx": "python",
  ".pl": "perl",
  ".pm": "perl",
  ".sh": "shell",
  ".bash": "shell",
  ".ex": "elixir",
  ".exs": "elixir",
  ".erl": "erlang",
  ".hrl": "erlang",
  ".clj": "clojure",
  ".cljs": "clojure",
  ".ml": "ocaml",
  ".mli": "ocaml",
  ".asm": "assembly",
  ".s": "assembly",
  ".ada": "ada",
  ".adb": "ada",
  ".ads": "ada",
  ".f90": "fortran",
  ".f": "fortran",
  ".el": "lisp",
  ".lisp": "lisp",
  ".scm": "lisp",
};

/** Language of a source file by its extension, or null when the path is not code (docs, data, build files). */
export function languageOf(path: string): string | null {
  if (!isCodePath(path)) return null;
  const ext = extname(path).toLowerCase();
  return FAMILY[ext] ?? ext.slice(1);
}
