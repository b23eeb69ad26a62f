import { EXTENSIONS, extensionOf } from "../languages/registry.js";

/**
 * What counts as SZZ evidence: deleted lines that are not blank or comment-only, first from source files
 * outside tests (a test's old assertion blames the commit that wrote the test, not the defect), and
 * only when a fix has none of those, from its other text files.
 */

/** Source code (evidence is only taken from these files), as the language registry says. */
export function isCodePath(path: string): boolean {
  return EXTENSIONS[extensionOf(path)]?.family !== undefined;
}

/** True when a line holds no code: blank, or only a comment in the file's language. */
export function isNonCodeLine(text: string, path: string): boolean {
  const t = text.trim();
  if (t === "") return true;
  const ext = extensionOf(path);
  const comment = EXTENSIONS[ext]?.comment;
  if (comment === "hash" && t.startsWith("#")) {
    // "#include", "#define" and friends are code in C; Python/shell comments start with "#".
    return true;
  }
  if (comment === "dash" && t.startsWith("--")) return true;
  if (comment === "semi" && t.startsWith(";")) return true;
  if (comment === "percent" && t.startsWith("%")) return true;
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
    return comment !== "hash" || t.startsWith("//");
  }
  // A lone brace or bracket carries no behaviour of its own.
  return /^[{}()[\];,]+$/.test(t);
}

export interface EvidenceFilter {
  /** Source code outside tests, ignored and generated paths: the evidence SZZ trusts first. */
  primary(path: string): boolean;
  /** Any other text file that is not ignored or generated (tests, build and packaging files): used only
   *  when a fix has no primary evidence, since developers also fix defects in tests and build scripts. */
  secondary(path: string): boolean;
  /** Line may provide evidence. */
  line(text: string, path: string): boolean;
}

export interface EvidenceOptions {
  /** Tests: evidence only when a fix changes nothing else. */
  isTest?: (path: string) => boolean;
  /** Never evidence (the rules file's ignored and generated paths). */
  ignore?: (path: string) => boolean;
}

export function evidenceFilter(opts: EvidenceOptions = {}): EvidenceFilter {
  const ignored = (p: string): boolean => opts.ignore?.(p) ?? false;
  return {
    primary: (p) => isCodePath(p) && !(opts.isTest?.(p) ?? false) && !ignored(p),
    secondary: (p) => !ignored(p),
    line: (text, p) => !isNonCodeLine(text, p),
  };
}
