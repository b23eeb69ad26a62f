/**
 * The terminal view of a verdict: nothing for an ordinary change (or one dim line when asked), one quiet line
 * for a past bug written again below the rules' warning level, and a compact block for a warning — score and
 * level, reasons, the past bug written again with both commits' messages and issues, and the fix of that time
 * as a diff against the developer's own code (or as it was, when it could not be placed).
 */

import type { MatchReport, Verdict } from "../verdict/types.js";
import type { Colors } from "./colors.js";
import { messages } from "./messages.js";
import { sanitize, sanitizeLine } from "./sanitize.js";

export interface TextOptions {
  colors: Colors;
  /** Print one dim line for a passing change instead of nothing. */
  verbose?: boolean;
  /** How many matches to show in full (the rest are counted). */
  maxMatches?: number;
  /** How many diff lines of a suggestion to show. */
  maxDiffLines?: number;
  /** Message body lines shown under each commit subject. */
  maxBodyLines?: number;
  /** The command that shows this change in full, for "see" hints (`dejafix check --staged`, `dejafix check 1a2b3c4d5e`). */
  see?: string;
}

export function renderText(verdict: Verdict, opts: TextOptions): string {
  const c = opts.colors;
  const out: string[] = [];
  if (verdict.action === "pass") {
    if (opts.verbose) {
      const detail = verdict.score
        ? `${messages.scoreText(verdict.score.value, verdict.score.percentile)}, level ${sanitizeLine(verdict.level)}`
        : "no known risk";
      out.push(messages.passLine(c, detail));
    }
    for (const n of verdict.notices) out.push(messages.notice(c, sanitizeLine(n)));
    return out.join("\n");
  }
  const see = opts.see ?? "dejafix check --staged";
  if (verdict.action === "note") {
    const m = verdict.matches[0];
    if (m)
      out.push(
        messages.matchNote(
          c,
          `${sanitizeLine(m.path)}:${m.recurrence.lines[0] ?? m.startLine}`,
          sanitizeLine(m.fix.sha),
          sanitizeLine(m.fix.subject),
          day(m.fix.date),
          verdict.matches.length - 1,
          see,
        ),
      );
    for (const n of verdict.notices) out.push(messages.notice(c, sanitizeLine(n)));
    return out.join("\n");
  }
  const action = verdict.action;
  const level = sanitizeLine(verdict.level);
  if (verdict.score && verdict.level !== "none") {
    out.push(
      messages.riskHeadline(
        c,
        action,
        messages.scoreText(verdict.score.value, verdict.score.percentile),
        level,
      ),
    );
    if (verdict.score.reasons.length > 0)
      out.push(messages.reasons(c, verdict.score.reasons.map(sanitizeLine)));
  } else {
    out.push(messages.matchHeadline(c, action, verdict.matches[0]?.recurrence.kind === "revert"));
  }
  const shown = verdict.matches.slice(0, opts.maxMatches ?? 1);
  for (const m of shown) out.push(...renderMatch(m, opts));
  if (verdict.matches.length > shown.length)
    out.push(messages.moreMatches(c, verdict.matches.length - shown.length, see));
  for (const n of verdict.notices) out.push(messages.notice(c, sanitizeLine(n)));
  out.push(messages.nextSteps(c));
  return out.join("\n");
}

function renderMatch(m: MatchReport, opts: TextOptions): string[] {
  const c = opts.colors;
  const maxBody = opts.maxBodyLines ?? 2;
  const lines: string[] = [];
  const first = m.recurrence.lines[0];
  const last = m.recurrence.lines[m.recurrence.lines.length - 1];
  const where =
    `${sanitizeLine(m.path)}:${first ?? m.startLine}` +
    (last !== undefined && last !== first ? `-${last}` : "");
  const revert = m.recurrence.kind === "revert";
  lines.push(messages.matchLine(c, where, m.similarity, m.evidence, revert));
  if (revert) lines.push(messages.revertHint(c));
  lines.push(
    messages.defectLine(
      c,
      sanitizeLine(m.defect.sha),
      sanitizeLine(m.defect.subject),
      day(m.defect.date),
      sanitizeLine(m.defect.path),
    ),
  );
  lines.push(...body(m.defect.message, maxBody).map((b) => messages.messageBody(c, b)));
  lines.push(messages.fixLine(c, sanitizeLine(m.fix.sha), sanitizeLine(m.fix.subject), day(m.fix.date)));
  lines.push(...body(m.fix.message, maxBody).map((b) => messages.messageBody(c, b)));
  if (m.issues.length > 0) lines.push(messages.issues(c, m.issues.map(sanitizeLine)));
  if (m.suggestion) {
    lines.push(
      m.suggestion.placed
        ? messages.suggestionHeader(c, m.suggestion.appliesCleanly)
        : messages.historicalHeader(
            c,
            sanitizeLine(m.defect.path),
            sanitizeLine(m.suggestion.why ?? "unsure where"),
          ),
    );
    const diff = sanitize(m.suggestion.diff).replace(/\n$/, "").split("\n");
    const max = opts.maxDiffLines ?? 30;
    for (const d of diff.slice(0, max)) lines.push(`    ${colourDiffLine(c, d)}`);
    if (diff.length > max) lines.push(messages.diffCut(c, diff.length - max));
  }
  if (m.id) lines.push(messages.feedbackHint(c, sanitizeLine(m.id)));
  return lines;
}

/** Message lines after the subject, without trailers' blank lines, at most `max`. */
function body(message: string | undefined, max: number): string[] {
  if (!message || max <= 0) return [];
  const rest = sanitize(message)
    .split("\n")
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean);
  return rest.slice(0, max);
}

function day(iso: string | undefined): string {
  return iso ? sanitizeLine(iso).slice(0, 10) : "";
}

function colourDiffLine(c: Colors, line: string): string {
  if (line.startsWith("+++") || line.startsWith("---")) return c.bold(line);
  if (line.startsWith("+")) return c.green(line);
  if (line.startsWith("-")) return c.red(line);
  if (line.startsWith("@@")) return c.cyan(line);
  return line;
}
