/** How a piece of code indents: with tabs, or with a number of spaces per level. */
export interface IndentStyle {
  tabs: boolean;
  /** Spaces per level (also used for the space part of tab-indented continuation lines). */
  width: number;
}

export function leadingWhitespace(line: string): string {
  return line.slice(0, line.length - line.trimStart().length);
}

/**
 * The indentation of a set of lines: tabs when more lines start with a tab than with spaces; the space
 * width is the most common step between the indents of consecutive code lines (4 when none is seen).
 */
export function detectIndent(lines: readonly string[]): IndentStyle {
  let tabbed = 0;
  let spaced = 0;
  const steps = new Map<number, number>();
  let prev = -1;
  for (const line of lines) {
    if (line.trim() === "") continue;
    const lead = leadingWhitespace(line);
    if (lead.startsWith("\t")) tabbed++;
    else if (lead.length > 0) spaced++;
    if (lead.includes("\t")) {
      prev = -1;
      continue;
    }
    if (prev >= 0 && lead.length > prev) {
      const step = lead.length - prev;
      if (step <= 8) steps.set(step, (steps.get(step) ?? 0) + 1);
    }
    prev = lead.length;
  }
  let width = 4;
  let best = 0;
  for (const [step, n] of steps) {
    if (n > best || (n === best && step < width)) {
      width = step;
      best = n;
    }
  }
  return { tabs: tabbed > spaced, width };
}

/** Indentation depth in levels of `style` (tabs count one level each, spaces 1/width). */
export function levelsOf(lead: string, style: IndentStyle): number {
  let levels = 0;
  for (const c of lead) levels += c === "\t" ? 1 : 1 / style.width;
  return levels;
}

export function indentString(levels: number, style: IndentStyle): string {
  const l = Math.max(0, levels);
  if (!style.tabs) return " ".repeat(Math.round(l * style.width));
  const whole = Math.floor(l + 1e-9);
  return "\t".repeat(whole) + " ".repeat(Math.round((l - whole) * style.width));
}

/**
 * Re-indents a line written next to `fromAnchor` (in the style `from`) so it keeps the same depth relative
 * to `toAnchor` in the style `to`: a line one level deeper than the defect's `if` lands one level
 * deeper than the developer's `if`, in the developer's tabs or spaces.
 */
export function reindent(
  line: string,
  fromAnchor: string,
  from: IndentStyle,
  toAnchor: string,
  to: IndentStyle,
): string {
  if (line.trim() === "") return "";
  const lead = leadingWhitespace(line);
  const delta = levelsOf(lead, from) - levelsOf(leadingWhitespace(fromAnchor), from);
  const target = levelsOf(leadingWhitespace(toAnchor), to) + delta;
  return indentString(target, to) + line.slice(lead.length);
}
