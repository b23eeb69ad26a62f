/**
 * What dejafix knows of programming languages, in one table every stage reads: for each file extension,
 * its @jscpd/tokenizer format (block extraction and normalization), its family (the change metrics'
 * language indicator, a model feature: a family never changes name) and how its comments start (SZZ
 * evidence skips comment-only lines); for each format, whether blocks are found by braces or by
 * indentation, and whether it is program code at all.
 */

/** Comment syntax besides C-style comments: `#`, `--`, `;` or `%` at the start of a line. */
export type CommentStyle = "hash" | "dash" | "semi" | "percent";

export interface ExtensionInfo {
  /** The @jscpd/tokenizer format (absent: ask the tokenizer). */
  format?: string;
  /** Language family of source code (absent: not source code, for metrics and SZZ evidence). */
  family?: string;
  comment?: CommentStyle;
}

/** Lower-case extensions, with their dot. */
export const EXTENSIONS: Readonly<Record<string, ExtensionInfo>> = {
  ".ada": { family: "ada", comment: "dash" },
  ".adb": { family: "ada", comment: "dash" },
  ".ads": { family: "ada", comment: "dash" },
  ".asm": { family: "assembly", comment: "semi" },
  ".bash": { format: "bash", family: "shell", comment: "hash" },
  ".c": { format: "c", family: "c" },
  ".cc": { format: "cpp", family: "cpp" },
  ".cjs": { format: "javascript", family: "javascript" },
  ".clj": { format: "clojure", family: "clojure", comment: "semi" },
  ".cljs": { format: "clojure", family: "clojure", comment: "semi" },
  ".cmake": { format: "cmake", comment: "hash" },
  ".coffee": { format: "coffeescript", family: "coffee", comment: "hash" },
  ".cpp": { format: "cpp", family: "cpp" },
  ".cr": { format: "crystal", family: "cr", comment: "hash" },
  ".cs": { format: "csharp", family: "cs" },
  ".css": { format: "css" },
  ".cts": { format: "typescript", family: "typescript" },
  ".cxx": { format: "cpp", family: "cpp" },
  ".d": { family: "d" },
  ".dart": { format: "dart", family: "dart" },
  ".el": { family: "lisp", comment: "semi" },
  ".elm": { format: "elm", family: "elm", comment: "dash" },
  ".erl": { format: "erlang", family: "erlang", comment: "percent" },
  ".ex": { family: "elixir", comment: "hash" },
  ".exs": { family: "elixir", comment: "hash" },
  ".f": { family: "fortran" },
  ".f90": { family: "fortran" },
  ".fs": { family: "fs" },
  ".go": { format: "go", family: "go" },
  ".groovy": { format: "groovy", family: "groovy" },
  ".h": { format: "c-header", family: "c" },
  ".hh": { format: "cpp-header", family: "cpp" },
  ".hpp": { format: "cpp-header", family: "cpp" },
  ".hrl": { family: "erlang", comment: "percent" },
  ".hs": { format: "haskell", family: "hs", comment: "dash" },
  ".hxx": { family: "cpp" },
  ".java": { format: "java", family: "java" },
  ".jl": { format: "julia", family: "jl", comment: "hash" },
  ".js": { format: "javascript", family: "javascript" },
  ".jsx": { format: "jsx", family: "javascript" },
  ".kt": { format: "kotlin", family: "kotlin" },
  ".kts": { format: "kotlin", family: "kotlin" },
  ".less": { format: "less" },
  ".lisp": { family: "lisp", comment: "semi" },
  ".lua": { format: "lua", family: "lua", comment: "dash" },
  ".m": { format: "objectivec", family: "m", comment: "percent" },
  ".mjs": { format: "javascript", family: "javascript" },
  ".ml": { family: "ocaml" },
  ".mli": { family: "ocaml" },
  ".mm": { format: "objectivec", family: "objc" },
  ".mts": { format: "typescript", family: "typescript" },
  ".nim": { family: "nim", comment: "hash" },
  ".pas": { family: "pas" },
  ".php": { format: "php", family: "php" },
  ".pl": { format: "perl", family: "perl", comment: "hash" },
  ".pm": { format: "perl", family: "perl", comment: "hash" },
  ".ps1": { family: "ps1", comment: "hash" },
  ".py": { format: "python", family: "python", comment: "hash" },
  ".pyi": { format: "python" },
  ".pyx": { format: "python", family: "python" },
  ".r": { format: "r", family: "r", comment: "hash" },
  ".rb": { format: "ruby", family: "rb", comment: "hash" },
  ".rs": { format: "rust", family: "rs" },
  ".s": { family: "assembly", comment: "semi" },
  ".scala": { format: "scala", family: "scala" },
  ".scm": { family: "lisp", comment: "semi" },
  ".scss": { format: "scss" },
  ".sh": { format: "bash", family: "shell", comment: "hash" },
  ".sql": { format: "sql", family: "sql", comment: "dash" },
  ".svelte": { format: "svelte", family: "svelte" },
  ".swift": { format: "swift", family: "swift" },
  ".tcl": { family: "tcl", comment: "hash" },
  ".tex": { comment: "percent" },
  ".toml": { format: "toml", comment: "hash" },
  ".ts": { format: "typescript", family: "typescript" },
  ".tsx": { format: "tsx", family: "typescript" },
  ".vb": { family: "vb" },
  ".vue": { format: "vue", family: "vue" },
  ".yaml": { format: "yaml", comment: "hash" },
  ".yml": { format: "yaml", comment: "hash" },
  ".zig": { family: "zig" },
  ".zsh": { format: "bash" },
};

/** File names that name their format whole (lower-cased). */
export const FILE_NAMES: Readonly<Record<string, string>> = {
  makefile: "makefile",
  gnumakefile: "makefile",
  dockerfile: "docker",
  "cmakelists.txt": "cmake",
};

/**
 * Formats whose blocks are delimited by indentation (or by keywords on well-indented lines, like
 * Ruby's `def ... end`): the brace scan finds nothing useful in them, the indentation scan does.
 */
export const INDENT_FORMATS = new Set([
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

/** Extensions of text that is not code: never worth loading the tokenizer's grammars for. */
export const NOT_CODE_EXTENSIONS = new Set(
  (
    "md markdown mdx txt rst adoc json jsonc json5 lock xml html htm svg csv tsv log ini cfg conf env properties " +
    "map snap png jpg jpeg gif ico webp pdf zip gz tgz woff woff2 ttf eot mp3 mp4 wav bin exe dll so dylib a o class jar"
  )
    .split(" ")
    .map((e) => `.${e}`),
);

/**
 * Formats that are prose, data, configuration, build scripts or style sheets rather than program code:
 * their "blocks" are not where a defect and its fix live (a CI action bumped in YAML, a reworded paragraph).
 */
export const NOT_PROGRAM_FORMATS = new Set([
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

/** The lower-cased extension of a path's file name with its dot (`src/A.TS` → `.ts`), or "". */
export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot < 0 ? "" : base.slice(dot).toLowerCase();
}
