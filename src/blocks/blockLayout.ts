import { blockStyleOf } from "./languageOf.js";
import { type ScanRegion, type ScanResult, scanCode } from "./scanCode.js";
import type { BlockStyle } from "./types.js";

/** A block as 0-based inclusive line indexes (the public functions convert to 1-based). */
export interface LineSpan {
  start: number;
  end: number;
}

/**
 * Every block of a file plus what is needed to align a line range to balanced code when no block
 * fits. Computed once per file; `expandToBlock` and `findBlocks` are thin views of it.
 */
export interface BlockLayout {
  style: BlockStyle;
  /** All blocks, sorted by start then end, without duplicates. */
  blocks: LineSpan[];
  /** Smallest range containing `span` whose brackets are balanced / whose logical lines are whole. */
  balance(span: LineSpan, maxLines: number): LineSpan | null;
}

/** Header lookback: a signature never spans more lines than this (guards files without semicolons). */
const MAX_HEADER_LINES = 30;

/**
 * The layout of a whole file, or with `region` of lines `region.from`..`region.to - 1` alone: the same
 * blocks as the whole file's layout inside them, when the region is cut where nothing crosses its edges
 * (src/blocks/fileBlocks.ts picks such lines). Lines are numbered as in the file either way.
 */
export function blockLayout(lines: string[], language: string, region?: ScanRegion): BlockLayout {
  const style = blockStyleOf(language);
  const scan = scanCode(lines, language, region);
  const from = region?.from ?? 0;
  const to = region?.to ?? lines.length;
  return style === "brace" ? braceLayout(lines, scan, from, to) : indentLayout(lines, scan, from, to);
}

function dedupe(spans: LineSpan[]): LineSpan[] {
  spans.sort((a, b) => a.start - b.start || a.end - b.end);
  const out: LineSpan[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last === undefined || last.start !== s.start || last.end !== s.end) out.push(s);
  }
  return out;
}

function braceLayout(lines: string[], scan: ScanResult, from: number, to: number): BlockLayout {
  const { items, partner, parent } = scan;
  // blankBefore[k] = whitespace-only lines among lines from..k-1, to spot blank lines between statements.
  const blankBefore = new Int32Array(lines.length + 1);
  for (let k = from; k < to; k++) blankBefore[k + 1] = blankBefore[k]! + (lines[k]!.trim() === "" ? 1 : 0);
  const blankBetween = (a: number, b: number): boolean =>
    b - a > 1 && blankBefore[b]! - blankBefore[a + 1]! > 0;

  /** First item of the statement that owns the bracket at `o` (its header: `if (...)`, `void f()`...). */
  const statementStart = (o0: number): number => {
    let o = o0;
    // A brace that ends a call or array (`it("x", () => {...})`, `run(rule, {...})`) belongs to the
    // statement holding that bracket. One followed by more elements (`[{...}, {...}]`,
    // `f(() => {...}, 100)`) is a block of its own, starting on its own line.
    for (;;) {
      const p = parent[o]!;
      if (p < 0 || items[p]!.text === "{") break;
      const close = partner[o]!;
      if (close < 0 || close + 1 !== partner[p]) return o;
      o = p;
    }
    const limit = items[o]!.line - MAX_HEADER_LINES;
    let first = o;
    let i = o - 1;
    while (i >= 0) {
      const it = items[i]!;
      if (it.line < limit || blankBetween(it.line, items[first]!.line)) break;
      if (it.kind === "semi" || it.kind === "open") break;
      if (it.kind === "close") {
        const q = partner[i]!;
        if (it.text === "}") {
          // `} else {`, `} catch (e) {`: the statement began with the `if` / `try` before it.
          if (items[first]!.kind === "kw" && q >= 0) return statementStart(q);
          break;
        }
        if (q < 0) break;
        first = q;
        i = q - 1;
        continue;
      }
      first = i;
      i--;
    }
    return first;
  };

  /** Last item of the statement closed by the `}` at `c`, following `else` / `catch` / `finally`. */
  const statementEnd = (c: number): number => {
    let end = c;
    for (;;) {
      const next = items[end + 1];
      if (next === undefined || next.kind !== "kw") return end;
      let j = end + 2;
      let advanced = false;
      while (j < items.length) {
        const it = items[j]!;
        if (it.kind === "open") {
          if (partner[j]! < 0) return end;
          if (it.text === "{") {
            end = partner[j]!;
            advanced = true;
            break;
          }
          j = partner[j]! + 1;
          continue;
        }
        if (it.kind === "semi") return j;
        if (it.kind === "close") return end;
        j++;
      }
      if (!advanced) return end;
    }
  };

  const spans: LineSpan[] = [];
  for (let o = 0; o < items.length; o++) {
    const it = items[o]!;
    if (it.kind !== "open" || it.text !== "{" || partner[o]! < 0) continue;
    spans.push({ start: items[statementStart(o)]!.line, end: items[statementEnd(partner[o]!)]!.line });
  }

  // Per line, the first and last line its brackets' partners are on (-1: none): a range is balanced when no
  // line of it reaches out, and growing it needs only the lines it did not hold yet.
  const reachUp = new Int32Array(lines.length + 1).fill(-1);
  const reachDown = new Int32Array(lines.length + 1).fill(-1);
  for (let k = 0; k < items.length; k++) {
    const q = partner[k]!;
    const ln = items[k]!.line;
    if (q < 0 || ln < from) continue;
    const pl = items[q]!.line;
    if (reachUp[ln] === -1 || pl < reachUp[ln]!) reachUp[ln] = pl;
    if (pl > reachDown[ln]!) reachDown[ln] = pl;
  }

  const balance = (span: LineSpan, maxLines: number): LineSpan | null => {
    let { start, end } = span;
    const read = (lo: number, hi: number): void => {
      for (let ln = lo; ln <= hi; ln++) {
        const up = reachUp[ln]!;
        if (up === -1) continue;
        if (up < start) start = up;
        if (reachDown[ln]! > end) end = reachDown[ln]!;
      }
    };
    // A range starting above the region, or ending past the file, is taken as it is (as it always was).
    if (start >= from && end < lines.length) {
      // Lines a..b are read: each round reads only the lines the range grew over in the last one.
      let a = start;
      let b = start - 1;
      while (start < a || Math.min(end, to - 1) > b) {
        const lo = start;
        const hi = Math.min(end, to - 1);
        read(lo, a - 1);
        read(Math.max(b + 1, lo), hi);
        a = lo;
        b = Math.max(b, hi);
        if (end - start + 1 > maxLines) return null;
      }
    }
    if (end - start + 1 > maxLines) return null;
    return { start, end };
  };

  return { style: "brace", blocks: dedupe(spans), balance };
}

/** Lines that only close a keyword- or bracket-delimited body: `end`, `fi`, `done`, `})`... */
export const CLOSER_LINE = /^(?:end\w*|fi|done|esac|[}\])]+)[\s;,)\]}]*$/;

export function indentWidth(s: string): number {
  let w = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32) w++;
    else if (c === 9) w = w - (w % 8) + 8;
    else break;
  }
  return w;
}

function indentLayout(lines: string[], scan: ScanResult, from: number, to: number): BlockLayout {
  const n = to;
  const { hasCode, depthAtStart, continued } = scan;
  // A logical line starts where code begins outside brackets, strings and backslash continuations.
  const logical = new Uint8Array(n);
  let prevCode = -1;
  for (let ln = from; ln < n; ln++) {
    if (hasCode[ln] !== 1) continue;
    const afterBackslash = prevCode >= 0 && /\\\s*$/.test(lines[prevCode]!);
    if (depthAtStart[ln] === 0 && continued[ln] !== 1 && !afterBackslash) logical[ln] = 1;
    prevCode = ln;
  }
  // lastCode[k] = last line < k holding code or the inside of a multi-line string.
  const lastCode = new Int32Array(n + 1).fill(-1);
  for (let k = from + 1; k <= n; k++)
    lastCode[k] = hasCode[k - 1] === 1 || continued[k - 1] === 1 ? k - 1 : lastCode[k - 1]!;

  const starts: number[] = [];
  for (let ln = from; ln < n; ln++) if (logical[ln] === 1) starts.push(ln);
  const indent = (ln: number): number => indentWidth(lines[ln]!);

  const spans: LineSpan[] = [];
  const open: number[] = []; // indexes into `starts` of headers whose body is still open
  const close = (k: number, boundary: number): void => {
    // `boundary`: index into `starts` of the first logical line after the body (or starts.length).
    const h = starts[k]!;
    let end = lastCode[boundary < starts.length ? starts[boundary]! : n]!;
    const next = starts[boundary];
    if (next !== undefined && indent(next) === indent(h) && CLOSER_LINE.test(lines[next]!.trim())) {
      end = lastCode[starts[boundary + 1] ?? n]!;
    }
    let start = h;
    // Decorators (`@app.route(...)`) belong to the definition below them.
    for (let d = k - 1; d >= 0; d--) {
      const p = starts[d]!;
      if (indent(p) !== indent(h) || !lines[p]!.trimStart().startsWith("@")) break;
      start = p;
    }
    spans.push({ start, end });
  };
  for (let k = 0; k < starts.length; k++) {
    const w = indent(starts[k]!);
    while (open.length > 0 && indent(starts[open[open.length - 1]!]!) >= w) close(open.pop()!, k);
    const next = starts[k + 1];
    if (next !== undefined && indent(next) > w) open.push(k);
  }
  while (open.length > 0) close(open.pop()!, starts.length);

  const balance = (span: LineSpan, maxLines: number): LineSpan | null => {
    let start = span.start;
    while (start > from && logical[start] !== 1) start--;
    let end = span.end;
    while (end + 1 < n && logical[end + 1] !== 1) end++;
    end = Math.max(span.end, lastCode[end + 1]!);
    if (end - start + 1 > maxLines) return null;
    return { start, end };
  };

  return { style: "indent", blocks: dedupe(spans), balance };
}
