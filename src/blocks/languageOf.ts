import { getFormatByFile } from "@jscpd/tokenizer";
import type { BlockStyle } from "./types.js";

/**
 * Languages whose blocks are delimited by indentation (or by keywords on well-indented lines, like
 * Ruby's `def ... end`): the brace scan finds nothing useful in them, the indentation scan does.
 */
const INDENT_LANGUAGES = new Set([
  "python",
  "yaml",
  "coffeescript",
  "livescript",
  "pug",
  "haml",
  "sass",
  "stylus",
  "nim",
  "ruby",
  "crystal",
  "elixir",
  "lua",
  "julia",
  "fsharp",
  "haskell",
  "elm",
  "purescript",
  "idris",
  "agda",
  "makefile",
  "gdscript",
  "renpy",
  "robotframework",
  "bash",
  "shell-session",
  "cmake",
  "vim",
  "matlab",
  "visual-basic",
  "vbnet",
  "fortran",
  "ada",
  "pascal",
  "erlang",
]);

/**
 * The @jscpd/tokenizer format of a file, from its name (`src/a.ts` → `typescript`, `x.py` → `python`,
 * `Makefile` → `makefile`), or undefined when no format claims it.
 */
export function languageOf(path: string): string | undefined {
  const format = getFormatByFile(path);
  if (format !== undefined) return format;
  const base = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  if (base === "makefile" || base === "gnumakefile") return "makefile";
  if (base === "dockerfile") return "docker";
  return undefined;
}

/** Whether blocks of `language` are found by brackets or by indentation. */
export function blockStyleOf(language: string): BlockStyle {
  return INDENT_LANGUAGES.has(language) ? "indent" : "brace";
}
