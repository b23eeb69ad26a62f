import { createRequire } from "node:module";
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
 * Formats of the most common extensions, named as @jscpd/tokenizer names them (defect blocks stored by
 * either path agree). Looking them up here spares hooks the tokenizer's ~200 ms start-up.
 */
const BY_EXTENSION: Record<string, string> = {
  c: "c",
  h: "c-header",
  cc: "cpp",
  cpp: "cpp",
  cxx: "cpp",
  hpp: "cpp-header",
  hh: "cpp-header",
  java: "java",
  kt: "kotlin",
  kts: "kotlin",
  scala: "scala",
  groovy: "groovy",
  cs: "csharp",
  go: "go",
  rs: "rust",
  swift: "swift",
  dart: "dart",
  js: "javascript",
  jsx: "jsx",
  mjs: "javascript",
  cjs: "javascript",
  ts: "typescript",
  tsx: "tsx",
  mts: "typescript",
  cts: "typescript",
  vue: "vue",
  svelte: "svelte",
  py: "python",
  pyx: "python",
  pyi: "python",
  rb: "ruby",
  php: "php",
  pl: "perl",
  pm: "perl",
  lua: "lua",
  sh: "bash",
  bash: "bash",
  zsh: "bash",
  r: "r",
  jl: "julia",
  erl: "erlang",
  hs: "haskell",
  elm: "elm",
  clj: "clojure",
  cljs: "clojure",
  sql: "sql",
  cr: "crystal",
  coffee: "coffeescript",
  m: "objectivec",
  mm: "objectivec",
  css: "css",
  scss: "scss",
  less: "less",
  yml: "yaml",
  yaml: "yaml",
  toml: "toml",
  cmake: "cmake",
};

/** Text that is not code: never worth loading the tokenizer's grammars for (most commits touch some). */
const NOT_CODE = new Set(
  (
    "md markdown mdx txt rst adoc json jsonc json5 lock xml html htm svg csv tsv log ini cfg conf env properties " +
    "map snap png jpg jpeg gif ico webp pdf zip gz tgz woff woff2 ttf eot mp3 mp4 wav bin exe dll so dylib a o class jar"
  ).split(" "),
);

let tokenizerFormatOf: ((path: string) => string | undefined) | undefined;

/**
 * The @jscpd/tokenizer format of a file, from its name (`src/a.ts` → `typescript`, `x.py` → `python`,
 * `Makefile` → `makefile`), or undefined when no format claims it. Rare extensions ask the tokenizer.
 */
export function languageOf(path: string): string | undefined {
  const base = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  if (base === "makefile" || base === "gnumakefile") return "makefile";
  if (base === "dockerfile") return "docker";
  if (base === "cmakelists.txt") return "cmake";
  const dot = base.lastIndexOf(".");
  if (dot < 0) return undefined;
  const ext = base.slice(dot + 1);
  const known = BY_EXTENSION[ext];
  if (known) return known;
  if (NOT_CODE.has(ext)) return undefined;
  tokenizerFormatOf ??= (
    createRequire(import.meta.url)("@jscpd/tokenizer") as typeof import("@jscpd/tokenizer")
  ).getFormatByFile;
  return tokenizerFormatOf(path) ?? undefined;
}

/**
 * Formats that are prose, data, configuration, build scripts or style sheets rather than program code: their "blocks"
 * are not where a defect and its fix live (a CI action bumped in YAML, a reworded paragraph).
 */
const NOT_PROGRAM = new Set([
  "makefile",
  "cmake",
  "docker",
  "markdown",
  "txt",
  "plaintext",
  "csv",
  "json",
  "yaml",
  "toml",
  "ini",
  "properties",
  "css",
  "scss",
  "sass",
  "less",
  "stylus",
]);

/** The tokenizer format of a path when its blocks are program code worth matching, else undefined. */
export function codeLanguageOf(path: string): string | undefined {
  const lang = languageOf(path);
  return lang === undefined || NOT_PROGRAM.has(lang) ? undefined : lang;
}

/** Whether blocks of `language` are found by brackets or by indentation. */
export function blockStyleOf(language: string): BlockStyle {
  return INDENT_LANGUAGES.has(language) ? "indent" : "brace";
}
