/**
 * Where a file can be cut so that the layout of the lines between two cuts, computed alone, is the whole
 * file's layout there (src/blocks/blockLayout.ts, src/blocks/fileBlocks.ts).
 *
 * A region from line A to line B (exclusive) qualifies when:
 * - the same brackets are open at A and at B, and none of them closes in between (`ScanCuts.top` equal):
 *   every bracket opened inside closes inside, or stays unmatched in both scans;
 * - no string or comment is open at A or B;
 * - (brace languages) the item before A is `;`, an opening bracket, or a `}` not followed by `else`,
 *   `catch` or `finally`: a statement's header never reaches back over A, and no `} else …` chain runs on
 *   past A; the item before B is `;` or `}`, and the first one from B on is neither such a keyword nor a
 *   `)` or `]`: no statement inside runs on past B, and no call's closing `})` straddles it;
 * - (indentation languages) no bracket is open, and A and B start unindented logical lines that are not a
 *   closing `end` / `fi` / `}` and do not follow a decorator (`@…`) or a backslash continuation.
 * The blocks of brackets open at A (outside the region) contain it whole.
 */
import { CLOSER_LINE, indentWidth } from "./blockLayout.js";
import { blockStyleOf } from "./languageOf.js";
import { KIND_CODE, type ScanCuts, type ScanRegion } from "./scanCode.js";

export type Region = ScanRegion;

const CONTINUATION = new Set(["else", "catch", "finally"]);

function braceStart(c: ScanCuts, l: number): boolean {
  if (l === 0) return true;
  if (c.pending[l] === 1) return false;
  const last = c.lastKind[l];
  if (last === KIND_CODE.semi || last === KIND_CODE.open) return true;
  return last === KIND_CODE.close && c.lastText[l] === "}" && !continuation(c, l);
}

function braceEnd(c: ScanCuts, l: number, n: number): boolean {
  if (l === n) return true;
  if (c.pending[l] === 1) return false;
  const last = c.lastKind[l];
  if (last !== KIND_CODE.semi && !(last === KIND_CODE.close && c.lastText[l] === "}")) return false;
  if (continuation(c, l)) return false;
  return !(c.firstKind(l) === KIND_CODE.close && c.firstText(l) !== "}");
}

function continuation(c: ScanCuts, l: number): boolean {
  return c.firstKind(l) === KIND_CODE.kw && CONTINUATION.has(c.firstText(l));
}

/** An unindented logical line that starts a statement of its own (see the file comment). */
function indentCut(lines: readonly string[], c: ScanCuts, l: number, n: number): boolean {
  if (l === 0 || l === n) return true;
  if (c.pending[l] === 1 || c.depth[l] !== 0 || c.hasCode[l] !== 1) return false;
  const text = lines[l]!;
  if (indentWidth(text) !== 0 || CLOSER_LINE.test(text.trim())) return false;
  // The code line before: no backslash continuation into this one, and no decorator above it.
  let p = l - 1;
  while (p >= 0 && c.hasCode[p] !== 1) p--;
  if (p < 0) return true;
  if (/\\\s*$/.test(lines[p]!)) return false;
  // The logical line that one belongs to (a decorator may span lines): back to a line at depth 0.
  while (p > 0 && (c.depth[p] !== 0 || c.pending[p] === 1 || /\\\s*$/.test(lines[p - 1]!))) p--;
  return !lines[p]!.trimStart().startsWith("@");
}

/**
 * The smallest qualifying region holding lines `s`..`e` (0-based) with `margin` lines on both sides (or to
 * the file's edges), or null when only the whole file does.
 */
export function regionAround(
  lines: readonly string[],
  language: string,
  c: ScanCuts,
  s: number,
  e: number,
  margin: number,
): Region | null {
  const n = lines.length;
  const indent = blockStyleOf(language) === "indent";
  const start = (l: number) => (indent ? indentCut(lines, c, l, n) : braceStart(c, l));
  const end = (l: number) => (indent ? indentCut(lines, c, l, n) : braceEnd(c, l, n));
  // Look for B in a bounded stretch first: a cut far below is no better than the whole file.
  const reach = Math.max(4 * margin, 400);
  c.through(e + 1 + margin);
  for (let a = Math.max(0, s - margin); a >= 0; a--) {
    if (!start(a)) continue;
    if (indent && c.depth[a] !== 0) continue;
    const top = c.top[a]!;
    for (let b = Math.min(n, e + 1 + margin); b <= n && b - e <= reach; b++) {
      c.through(b);
      if (c.top[b] !== top) continue;
      if (!end(b)) continue;
      if (a === 0 && b === n) return null;
      return { from: a, to: b, base: baseOf(c, top) };
    }
    if (s - a > reach) return null;
  }
  return null;
}

/** The brackets open at a line whose innermost is `top`, outermost first. */
function baseOf(c: ScanCuts, top: number): string[] {
  const out: string[] = [];
  for (let id = top; id >= 0; id = c.outer[id]!) out.push(c.bracket[id]!);
  return out.reverse();
}
