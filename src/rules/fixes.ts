/**
 * How fix commits are recognised, as the rules say it (`fixes` in .dejafix/rules.yml): the settings, their
 * defaults, and the check of the regular expressions a team writes. The classifier that applies them is
 * src/history/classify.ts; the rules stay a leaf that every stage may read.
 */

export interface FixConfig {
  /** Whole words or phrases ("memory leak"), matched case-insensitively on word boundaries. */
  keywords: string[];
  /** Regular expressions (JavaScript syntax, case-insensitive; Unicode mode if they use `\p{…}`) that also mark a fix. */
  patterns: string[];
  /** Regular expressions for cosmetic phrases removed before keyword matching ("fix typo"). */
  ignore: string[];
  /** Treat `fix:` / `fix(scope):` / `fix!:` subjects as fixes, and other types as non-fixes. */
  conventional: boolean;
  /** Conventional types whose commits are not fixes even when a keyword appears. */
  nonFixTypes: string[];
  /** Scopes under which a `fix(scope):` is no bug fix: `fix(deps): update postcss`, `fix(ci): …`. */
  nonFixScopes: string[];
  /** Regular expression for tracker keys such as `LANG-788` (no flags; matched case-sensitively). */
  issueKeyPattern: string;
  /** Key prefixes that are standards or encodings, not projects (`UTF-8`, `SHA-256`). */
  issueKeyIgnore: string[];
  /** Without a tracker export, whether any issue reference makes the commit a fix. */
  issueRefsAreFixes: boolean;
  /**
   * A subject without a keyword counts as a symptom (weak evidence) when the bug-report wording model
   * gives it at least this probability of naming a bug; 1 turns the model off.
   */
  wordingThreshold: number;
}

export const DEFAULT_FIX_CONFIG: Readonly<FixConfig> = Object.freeze({
  keywords: [
    "fix",
    "fixes",
    "fixed",
    "fixing",
    "bug",
    "bugs",
    "buggy",
    "bugfix",
    "bugfixes",
    "hotfix",
    "hotfixes",
    "defect",
    "defects",
    "fault",
    "faults",
    "faulty",
    "regression",
    "regressions",
    "crash",
    "crashes",
    "crashed",
    "crashing",
    "segfault",
    "segfaults",
    "deadlock",
    "deadlocks",
    "leak",
    "leaks",
    "leaking",
    "memory leak",
    "race condition",
    "off-by-one",
    "null pointer",
    "use after free",
    "npe",
    "infinite loop",
  ],
  patterns: ["\\bCVE-\\d{4}-\\d{4,}\\b"],
  ignore: [
    "\\b(?:fix|fixes|fixed|fixing)\\s+(?:(?:a|an|the|some|more|minor|small|several|all|two|few|couple|of|" +
      "various|remaining|multiple)\\s+)*(?:typos?|typographical|spelling|misspellings?|whitespace|indentation|" +
      "formatting|format|lint|linting|linter|style|docs?|documentation|javadocs?|comments?|grammar|wording|" +
      "links?|readme|changelog|examples?|warnings?|tests?|unit\\s+tests?|test\\s+cases?|self-?tests?|specs?|" +
      "merge\\s+conflicts?|conflicts?)\\b",
    // "fix deprecation warnings", "fix compiler (eclipse) warnings", "fix the remaining javac warnings"
    "\\b(?:fix|fixes|fixed|fixing)\\s+(?:(?:a|an|the|some|all|more|several|remaining)\\s+)*(?:\\(?(?:compiler|" +
      "compilation|javac|gcc|clang|deprecation|eclipse|javadoc|checkstyle|sonar|pmd|findbugs|spotbugs|lint|" +
      "build|typing|mypy|rat|ide)\\)?\\s+){1,2}(?:warnings?|deprecations?)\\b",
    // "typo fixes", "javadoc fix", "C++ test fixes", "Miscellaneous Maven fixes"
    "\\b(?:typos?|spelling|javadocs?|docs?|documentation|tests?|build|lint|style|pom(?:\\.xml)?|maven|" +
      "packaging|licen[cs]es?|compiler)\\s+(?:fix|fixes)\\b",
    "\\b(?:fix|fixes|fixed|fixing)\\s+(?:(?:a|an|the|some|more)\\s+)*(?:(?:flaky|intermittent(?:ly)?|failing|unstable|broken)\\s+(?:[\\w.#-]+\\s+){0,2}?(?:\\w*tests?|specs?|builds?|ci|jobs?|checks?)|compil(?:e|ation)|build|release|licen[cs]es?|findbugs?|spotbugs|checkstyle|javadocs?)\\b",
  ],
  conventional: true,
  nonFixTypes: [
    "feat",
    "feature",
    "docs",
    "doc",
    "style",
    "test",
    "tests",
    "ci",
    "build",
    "chore",
    "chores",
    "refactor",
    "perf",
    "types",
    "wip",
    "release",
    "workflow",
    "dx",
    "polish",
    "deps",
    "update",
    "new",
    "breaking",
    "upgrade",
  ],
  nonFixScopes: [
    "deps",
    "deps-dev",
    "dev-deps",
    "ci",
    "test",
    "tests",
    "docs",
    "doc",
    "readme",
    "changelog",
    "release",
  ],
  issueKeyPattern: "[A-Z][A-Z0-9_]+-[1-9][0-9]*",
  issueKeyIgnore: [
    "UTF",
    "UCS",
    "SHA",
    "MD",
    "ISO",
    "IEC",
    "IEEE",
    "ECMA",
    "RFC",
    "CVE",
    "CWE",
    "PEP",
    "JSR",
    "HTTP",
    "TLS",
    "SSL",
    "AES",
    "RSA",
    "X86",
    "AMD",
    "ARM",
    "GPL",
    "LGPL",
    "AGPL",
    "CP",
    "WIN",
    "BIG",
    "GB",
    "LATIN",
    "RC",
    "ES",
  ],
  issueRefsAreFixes: false,
  wordingThreshold: 0.7,
});

/**
 * Unicode mode only when a pattern needs it (`\p{...}`, `\u{...}`): with the `i` flag it makes
 * V8 about 50× slower on long messages.
 */
export function flagsFor(source: string, flags: string): string {
  return /\\[pP]\{|\\u\{/.test(source) ? `${flags}u` : flags;
}

/**
 * Checks the syntax of the configurable regular expressions; returns one message per bad entry,
 * naming the field and the entry index, so the rules loader can point at it.
 */
export function checkFixConfig(
  config: Partial<FixConfig>,
): { field: keyof FixConfig; index: number; message: string }[] {
  const problems: { field: keyof FixConfig; index: number; message: string }[] = [];
  const check = (field: "patterns" | "ignore" | "issueKeyPattern", source: string, index: number) => {
    try {
      new RegExp(source, flagsFor(source, ""));
    } catch (err) {
      problems.push({ field, index, message: `not a valid regular expression (${(err as Error).message})` });
    }
  };
  for (const [i, p] of (config.patterns ?? []).entries()) check("patterns", p, i);
  for (const [i, p] of (config.ignore ?? []).entries()) check("ignore", p, i);
  if (config.issueKeyPattern !== undefined) check("issueKeyPattern", config.issueKeyPattern, -1);
  return problems;
}
