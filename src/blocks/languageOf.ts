/**
 * A file's format (the @jscpd/tokenizer name of its language) from its name, read from the language
 * registry (src/languages); rare extensions ask the tokenizer, whose ~200 ms start-up hooks never pay.
 */
import { createRequire } from "node:module";
import {
  EXTENSIONS,
  extensionOf,
  FILE_NAMES,
  INDENT_FORMATS,
  NOT_CODE_EXTENSIONS,
  NOT_PROGRAM_FORMATS,
} from "../languages/registry.js";
import type { BlockStyle } from "./types.js";

let tokenizerFormatOf: ((path: string) => string | undefined) | undefined;

/**
 * The @jscpd/tokenizer format of a file, from its name (`src/a.ts` → `typescript`, `x.py` → `python`,
 * `Makefile` → `makefile`), or undefined when no format claims it. Rare extensions ask the tokenizer.
 */
export function languageOf(path: string): string | undefined {
  const named = FILE_NAMES[path.slice(path.lastIndexOf("/") + 1).toLowerCase()];
  if (named) return named;
  const ext = extensionOf(path);
  if (ext === "") return undefined;
  const known = EXTENSIONS[ext]?.format;
  if (known) return known;
  if (NOT_CODE_EXTENSIONS.has(ext)) return undefined;
  tokenizerFormatOf ??= (
    createRequire(import.meta.url)("@jscpd/tokenizer") as typeof import("@jscpd/tokenizer")
  ).getFormatByFile;
  return tokenizerFormatOf(path) ?? undefined;
}

/** The tokenizer format of a path when its blocks are program code worth matching, else undefined. */
export function codeLanguageOf(path: string): string | undefined {
  const lang = languageOf(path);
  return lang === undefined || NOT_PROGRAM_FORMATS.has(lang) ? undefined : lang;
}

/** Whether blocks of `language` are found by brackets or by indentation. */
export function blockStyleOf(language: string): BlockStyle {
  return INDENT_FORMATS.has(language) ? "indent" : "brace";
}
