/**
 * Decides from a commit message whether the commit fixes a defect, and which earlier commits the
 * developer named as the origin of that defect.
 *
 * Sample input (a Linux-style fix with a declared origin and an issue key):
 *
 *   net: fix use after free in foo_close()
 *
 *   The socket is released before the timer is stopped. Reported in LANG-788.
 *
 *   Fixes: 1234abcd5678 ("net: add foo timer")
 *   Signed-off-by: A Developer <a@example.org>
 *
 * Choices (see docs/rules.md, "fixes"):
 * - Keywords match whole words (`[\p{L}\p{N}_]+`), never substrings: "prefix", "debug" and
 *   identifiers like `fix_header` are not fixes (Commit-guru's substring match counts them).
 * - Cosmetic phrases ("fix typo", "fix lint", "fix docs") are removed before keyword matching.
 * - A conventional type other than `fix` (`feat:`, `docs:`, `chore:`...) is the developer's own
 *   classification: keywords and untracked issue references are then ignored.
 * - With a tracker export (`bugIssues`), a commit is a fix only when it references a known bug id
 *   or names the commit it repairs (declared link or revert), as CLEVER did at Ubisoft.
 * - Without one, an issue reference alone is not a fix unless `issueRefsAreFixes` is set: JIRA-driven
 *   projects name an issue in every commit, features included (93% of apache/zookeeper's commits).
 * - A written sha is 7–40 lowercase hex characters with at least one digit and one letter a-f
 *   (or exactly 40 characters): "deadbeef", "facade" and "2019010" are words or numbers, not commits.
 */

import { DEFAULT_FIX_CONFIG, type FixConfig } from "../rules/fixes.js";
import { bugReportProbability } from "./fixWords.js";
import { MessageRegexes, type MessageView } from "./messageRegexes.js";
import type { DeclaredRef, FixClassification, FixReason } from "./types.js";

export { checkFixConfig, DEFAULT_FIX_CONFIG, type FixConfig } from "../rules/fixes.js";

interface Compiled {
  /** All keywords as one alternation, run on the lower-cased message; null when there are none. */
  keywords: RegExp | null;
  /** patterns, ignore and issueKeyPattern: the team's own run under a time limit. */
  regexes: MessageRegexes;
  keyIgnore: Set<string>;
  nonFixTypes: Set<string>;
  nonFixScopes: Set<string>;
  conventional: boolean;
  issueRefsAreFixes: boolean;
  wordingThreshold: number;
}

const compiledCache = new WeakMap<object, Compiled>();

const WORD = /[\p{L}\p{N}_]+/gu;

function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

function compile(config: Partial<FixConfig>): Compiled {
  const cached = compiledCache.get(config);
  if (cached) return cached;
  const full: FixConfig = { ...DEFAULT_FIX_CONFIG, ...config };
  // "off-by-one" → off[^\p{L}\p{N}_]+by[^\p{L}\p{N}_]+one; longest first so phrases win.
  const alternatives = full.keywords
    .map((k) => words(k).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .filter((ws) => ws.length > 0)
    .map((ws) => ws.join("[^\\p{L}\\p{N}_]+"))
    .sort((a, b) => b.length - a.length);
  const compiled: Compiled = {
    keywords:
      alternatives.length === 0
        ? null
        : new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join("|")})(?![\\p{L}\\p{N}_])`, "u"),
    regexes: new MessageRegexes(full),
    keyIgnore: new Set(full.issueKeyIgnore.map((k) => k.toUpperCase())),
    nonFixTypes: new Set(full.nonFixTypes.map((t) => t.toLowerCase())),
    nonFixScopes: new Set(full.nonFixScopes.map((t) => t.toLowerCase())),
    conventional: full.conventional,
    issueRefsAreFixes: full.issueRefsAreFixes,
    wordingThreshold: full.wordingThreshold,
  };
  compiledCache.set(config, compiled);
  return compiled;
}

/** 7–40 lowercase hex with a digit and a letter, or a full 40-character sha. */
export function looksLikeSha(word: string): boolean {
  if (!/^[0-9a-f]{7,40}$/.test(word)) return false;
  return word.length === 40 || (/[0-9]/.test(word) && /[a-f]/.test(word));
}

/**
 * Normalises an issue reference as written or as listed in a tracker export:
 * `#123`, `GH-123`, `123` → `#123`; `lang-788` → `LANG-788`. Returns null for anything else.
 */
export function normalizeIssueId(raw: string): string | null {
  const text = raw.trim();
  const num = /^(?:#|gh-)?(\d+)$/i.exec(text);
  if (num) return `#${Number.parseInt(num[1]!, 10)}`;
  if (/^[A-Za-z][A-Za-z0-9_]*-[0-9]+$/.test(text)) return text.toUpperCase();
  return null;
}

// `Merge pull request #12 from a/fix-x`, `Merge branch 'fix/x' into main`, `Merge remote-tracking branch ...`
const MERGE_SUBJECT = /^Merge (?:pull request|branch|branches|remote-tracking branch|tag|commit|'|")/;
// `fix: x`, `fix(parser): x`, `fix!: x`, `feat(api)!: x`
const CONVENTIONAL = /^([a-z]+)(?:\(([^()\r\n]*)\))?!?:\s/i;
// `KEY-1 [docs] …`, `[tests] …`: a component tag in square brackets after any issue keys.
const SCOPE_TAG = /^(?:[[(]?[A-Z][A-Z0-9_]+-\d+[\])]?[\s:,-]*)*\[([\w.-]+)\]/;
// GitHub's closing syntax names an issue, not a bug: `(fixes #12)`, `Closes #3`, `resolves GH-4`,
// `fix LANG-7 and LANG-8`; feature requests are closed that way too.
const REF = String.raw`(?:#\d+|GH-\d+|https?://\S+/(?:issues|pull)/\d+|[A-Z][A-Z0-9_]+-\d+)`;
const CLOSING = new RegExp(
  String.raw`\(?\b(?:fix(?:e[sd])?|close[sd]?|resolve[sd]?)\b:?\s*(?:issue\s*)?${REF}(?:\s*(?:,|and|&)\s*${REF})*\)?`,
  "gi",
);
// A body that lists the commits of a squashed branch (`* fix lint`, `- wip`): those lines are not its story.
const BULLET = /^[ \t]*[*-][ \t]+/;
// A keyword that is negated close before it: "no one ever reported a bug", "not a regression".
const NEGATED = /\b(?:no|not|never|without|nobody|none|non)\b(?:[\s-]+[\p{L}\p{N}_']+){0,4}[\s-]*$/iu;
const NO_LONGER = /\bno[\s-]+longer\b(?:[\s-]+[\p{L}\p{N}_']+){0,3}[\s-]*$/iu;
/** Symptoms of the build, the tests or the docs, not of the product: "fix failing test", "broken link". */
const NOT_A_SYMPTOM =
  /\b(?:broken|wrong|dead)\s+(?:links?|urls?|docs?|documentation|badges?|anchors?)\b|\bfail(?:ing|ed|s)?\s+(?:tests?|specs?|builds?|ci|checks?|jobs?)\b|\b(?:tests?|specs?|builds?|ci|docs?|lint|checks?)\s+(?:fails?|failing|failed|broken|breaks)\b/gi;
/**
 * What a bug report's title says (JIRA-style subjects name the symptom, not the fix): "X fails on
 * postgres", "NPE in Y", "Z dies on startup", "KEY-1 breaks the sharelib", "queue taking longer".
 */
const SYMPTOM =
  /(?<![\p{L}\p{N}_])(?:fails|failing|failed|failures?|broken|breaks|wrong|incorrect(?:ly)?|hangs?|hanging|hung|stuck|dies|died|deadlocks?|timed out|corrupt(?:s|ed|ion)?|(?:does|did|could|is|are|was|were)(?:n't| not)|cannot|can't|unable to|not working|no longer works|taking longer|takes too long|unexpected(?:ly)?|overflows?|stale|loses|lost|ignores|ignored|loops forever|endless(?:ly)?|regress(?:es|ed))(?![\p{L}\p{N}_])/iu;
/** An exception or error class named in the subject: `NullPointerException in X`, `ValueError when …`. */
const EXCEPTION_NAME =
  /(?<![\p{L}\p{N}_])(?:[A-Z][\p{L}\p{N}]*(?:Exception|Error)|NPE|SIGSEGV|SIGABRT)(?![\p{L}\p{N}_])/u;
// GitHub squash merges end the subject with the pull request number: `Add option (#1234)`.
const PR_SUFFIX = /\s\(#\d+\)\s*$/;
// `#123` not inside a word, an HTML entity (`&#123;`), a URL anchor or `C#`.
const HASH_REF = /(?<![\w&/#])#(\d{1,9})(?!\w)/g;
const GH_REF = /(?<!\w)GH-(\d{1,9})(?!\w)/gi;

// `Fixes: 1234abcd5678 ("net: add foo timer")` (Linux), `Fixes: <40 hex>`.
const FIXES_TRAILER = /^[ \t]*Fixes:[ \t]*(?:commit[ \t]+)?`?([0-9a-f]{7,40})\b/gim;
// `regression from abc1234`, `introduced in commit abc1234`, `broken by https://.../commit/abc1234`.
const PHRASE_LINK =
  /\b(regression\s+(?:from|since|in|introduced\s+(?:in|by))|regressed\s+(?:in|by)|introduced\s+(?:in|by)|broken\s+(?:in|by)|caused\s+by)\s+(?:(?:the\s+)?commit\s+)?(?:https?:\/\/\S*?\/commits?\/)?[`'"(]?([0-9a-f]{7,40})\b/gi;
// `This reverts commit 0123456789abcdef0123456789abcdef01234567.` (git revert's body line, at the
// start of a line: an indented one quotes another commit's message).
const REVERT_LINE = /^This reverts commit ([0-9a-f]{7,40})\b/gim;
const REVERT_SUBJECT = /^Revert\s+["']/;
const REVERT_OF_REVERT = /^Revert\s+["']Revert\s/;

/** A keyword that is not negated just before it ("no one reported a bug" says there was none). */
function hasKeyword(text: string, c: Compiled, rx: MessageView): boolean {
  if (rx.hit(text)) return true;
  if (c.keywords === null) return false;
  // Lower-casing first keeps the regex case-sensitive: `iu` together is ~50× slower in V8.
  const lower = text.toLowerCase();
  const all = new RegExp(c.keywords.source, "gu");
  for (const m of lower.matchAll(all)) {
    const before = lower.slice(Math.max(0, m.index - 60), m.index);
    if (!NEGATED.test(before) || NO_LONGER.test(before)) return true;
  }
  return false;
}

/** `Upgrade jackson-databind to 2.10.5.1`, `Bump netty from 4.1.42 to 4.1.50`, `update dependency x to ^8.5`. */
const DEPENDENCY_BUMP =
  /^(?:[[(]?[A-Z][A-Z0-9_]+-\d+[\])]?[\s:,-]*)*(?:upgrade|update|bump)s?\b[^\n]*?\b(?:to|from)\s+[v^~]?\d/i;

/** Subjects that say what was built or changed (a feature, a chore), after any issue keys. */
const FEATURE_VERB =
  /^(?:[[(]?[A-Z][A-Z0-9_]+-\d+[\])]?[\s:,-]*)*(?:add|adds|added|introduce|create|implement|support|allow|expose|provide|document|update|upgrade|bump|refactor|rename|remove|move|deprecate|improve|enable|disable|use|make|new)\b/i;

function symptomIn(subject: string, c: Compiled): boolean {
  if (FEATURE_VERB.test(subject)) return false;
  const text = subject.replace(CLOSING, " ").replace(NOT_A_SYMPTOM, " ");
  if (SYMPTOM.test(text) || EXCEPTION_NAME.test(text)) return true;
  return c.wordingThreshold < 1 && bugReportProbability(text) >= c.wordingThreshold;
}

/**
 * Keywords left after closing references ("fixes #12", removed by the caller) and cosmetic phrases ("fix
 * typo") are removed: "keyword"; "dismissed" when every keyword was negated ("not a regression") or in a
 * cosmetic phrase; null when the text names none.
 */
function keywordIn(bare: string, c: Compiled, rx: MessageView): "keyword" | "dismissed" | null {
  if (!hasKeyword(bare, c, rx)) return c.keywords?.test(bare.toLowerCase()) ? "dismissed" : null;
  return hasKeyword(rx.strip(bare), c, rx) ? "keyword" : "dismissed";
}

function addIssue(issues: string[], id: string | null): void {
  if (id !== null && !issues.includes(id)) issues.push(id);
}

function findIssues(text: string, c: Compiled, rx: MessageView): string[] {
  const issues: string[] = [];
  for (const m of text.matchAll(HASH_REF)) addIssue(issues, normalizeIssueId(m[1]!));
  for (const m of text.matchAll(GH_REF)) addIssue(issues, normalizeIssueId(m[1]!));
  for (const key of rx.issueKeys(text)) {
    const prefix = key.slice(0, key.lastIndexOf("-")).toUpperCase();
    if (c.keyIgnore.has(prefix)) continue;
    addIssue(issues, normalizeIssueId(key));
  }
  return issues;
}

function findDeclared(message: string, subject: string): DeclaredRef[] {
  const declared: DeclaredRef[] = [];
  const add = (sha: string, how: DeclaredRef["how"]) => {
    // The patterns are case-insensitive for their words; git writes shas in lower case only.
    if (!looksLikeSha(sha)) return;
    if (!declared.some((d) => d.sha === sha)) declared.push({ sha, how });
  };
  for (const m of message.matchAll(FIXES_TRAILER)) add(m[1]!, "fixes-trailer");
  for (const m of message.matchAll(PHRASE_LINK)) {
    add(m[2]!, /^regress/i.test(m[1]!) ? "regression" : "introduced-in");
  }
  // Re-applying a reverted change is not a repair of the revert: keep no link for it.
  if (!REVERT_OF_REVERT.test(subject)) for (const m of message.matchAll(REVERT_LINE)) add(m[1]!, "revert");
  return declared;
}

/**
 * Classifies one commit message. `config` may be partial (missing fields take the defaults);
 * `bugIssues` holds normalised ids (see `normalizeIssueId`) of issues a tracker marks as bugs.
 * `onNotice` hears, once, of a rules expression switched off for running past its time limit.
 */
export function classifyCommit(
  message: string,
  config?: Partial<FixConfig>,
  bugIssues?: ReadonlySet<string>,
  onNotice?: (text: string) => void,
): FixClassification {
  const c = compile(config ?? DEFAULT_FIX_CONFIG);
  const newline = message.indexOf("\n");
  let subject = (newline === -1 ? message : message.slice(0, newline)).trim();
  let body = newline === -1 ? "" : message.slice(newline + 1);
  const reasons: FixReason[] = [];

  // A merge subject names branches and pull requests, not what was repaired.
  // A merge subject names branches and pull requests; GitHub puts the pull request's title on the
  // first line of the body, which is then the subject.
  if (MERGE_SUBJECT.test(subject)) {
    const lines = body.split("\n");
    const first = lines.findIndex((l) => l.trim() !== "");
    subject = first >= 0 ? lines[first]!.trim() : "";
    body = first >= 0 ? lines.slice(first + 1).join("\n") : "";
  }
  // A "(#123)" suffix is usually a pull-request number, unless the tracker export says #123 is a bug.
  const suffix = PR_SUFFIX.exec(subject)?.[0].trim().slice(1, -1);
  const subjectForIssues = suffix && bugIssues?.has(suffix) ? subject : subject.replace(PR_SUFFIX, "");

  const conventional = c.conventional ? CONVENTIONAL.exec(subject) : null;
  const type = conventional?.[1]?.toLowerCase() ?? null;
  const scope = conventional?.[2]?.trim().toLowerCase() ?? null;
  // `OOZIE-3398 [docs] Fix the sub-workflow page`: a component tag that says the work is no code.
  const tag = type === null ? SCOPE_TAG.exec(subject)?.[1]?.toLowerCase() : undefined;
  const declaredNonFix =
    (type !== null &&
      (c.nonFixTypes.has(type) || (type === "fix" && scope !== null && c.nonFixScopes.has(scope)))) ||
    (tag !== undefined && c.nonFixScopes.has(tag));
  if (type === "fix" && !declaredNonFix) reasons.push("conventional");

  // A dependency bumped "to address CVE-…" or "to fix …" repairs the dependency, not this code.
  const keywordsCount = !declaredNonFix && !DEPENDENCY_BUMP.test(subject);
  // Closing references ("fixes #12") name an issue, not a repair: they are no keyword.
  const subjectBare = keywordsCount ? subject.replace(CLOSING, " ") : null;
  const storyBare = keywordsCount
    ? body
        .split("\n")
        .filter((l, _, all) => !(BULLET.test(l) && all.filter((x) => BULLET.test(x)).length >= 2))
        .join("\n")
        .replace(CLOSING, " ")
    : null;
  // Cherry-pick notes name the original commit of the same change, not an issue or an origin.
  body = body.replace(/^\(cherry picked from commit [0-9a-f]+\)$/gim, "");
  const issuesText = `${subjectForIssues}\n${body}`;
  const rx = c.regexes.view({ subject: subjectBare, story: storyBare, issues: issuesText });
  for (const n of rx.notices) onNotice?.(n);

  if (subjectBare !== null && storyBare !== null) {
    const inSubject = keywordIn(subjectBare, c, rx);
    if (inSubject === "keyword") reasons.push("keyword");
    // "Fix typo in the docs", "not a regression" say what it is: the words read like a bug report's.
    else if (inSubject === null && symptomIn(subject, c)) reasons.push("symptom");
    else if (keywordIn(storyBare, c, rx) === "keyword") reasons.push("body");
  }

  const issues = findIssues(issuesText, c, rx);
  if (bugIssues) {
    if (issues.some((id) => bugIssues.has(id))) reasons.push("issue");
  } else if (c.issueRefsAreFixes && !declaredNonFix && issues.length > 0) {
    reasons.push("issue");
  }

  // Under a type that is no fix, "broken by abc123" is about the test or build it repairs: not an origin.
  const declared = findDeclared(message, subject).filter((d) => !declaredNonFix || d.how !== "introduced-in");
  if (declared.some((d) => d.how !== "revert")) reasons.push("declared");
  const isRevert =
    declared.some((d) => d.how === "revert") ||
    (REVERT_SUBJECT.test(subject) && !REVERT_OF_REVERT.test(subject));
  if (isRevert) reasons.push("revert");

  // A keyword only in the body is recorded, but is no fix: measured on pytest (towncrier fragments)
  // and zookeeper (ApacheJIT), a fix 55% and 16% of the time.
  const isFix = bugIssues
    ? reasons.some((r) => r === "issue" || r === "declared" || r === "revert")
    : reasons.some((r) => r !== "body");
  return { isFix, reasons, issues, declared };
}
