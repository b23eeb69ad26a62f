/**
 * Zero-context line diffs of two texts (Myers), in git's hunk numbering: suggestions and the whitespace-
 * insensitive view of a change are diffed here, without a git process.
 */
import type { Hunk, HunkLine } from "./types.js";

/** Splits keeping whether each line ended with "\n", so a change of final newline is still a change. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  const last = lines.pop() as string;
  const keyed = lines.map((l) => `${l}\n`);
  if (last !== "") keyed.push(last);
  return keyed;
}

const MAX_EDIT_DISTANCE = 2000;

/**
 * Zero-context hunks between two texts. Uses Myers' O(ND) algorithm on the part between the common prefix
 * and suffix; if that part differs by more than MAX_EDIT_DISTANCE edits, it becomes one replacement hunk.
 * Numbering follows `git diff -U0`: a pure insertion's oldStart is the line it follows.
 */
export function diffHunks(oldText: string, newText: string): Hunk[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf])
    suf++;
  const ra = a.slice(pre, a.length - suf);
  const rb = b.slice(pre, b.length - suf);
  const script = myers(ra, rb) ?? [{ aStart: 0, aEnd: ra.length, bStart: 0, bEnd: rb.length }];
  return script
    .filter((e) => e.aEnd > e.aStart || e.bEnd > e.bStart)
    .map((e) => {
      const oldLines = e.aEnd - e.aStart;
      const newLines = e.bEnd - e.bStart;
      const lines: HunkLine[] = [
        ...ra.slice(e.aStart, e.aEnd).map((t): HunkLine => ({ kind: "-", text: stripNl(t) })),
        ...rb.slice(e.bStart, e.bEnd).map((t): HunkLine => ({ kind: "+", text: stripNl(t) })),
      ];
      return {
        oldStart: pre + e.aStart + (oldLines > 0 ? 1 : 0),
        oldLines,
        newStart: pre + e.bStart + (newLines > 0 ? 1 : 0),
        newLines,
        section: "",
        lines,
      };
    });
}

function stripNl(t: string): string {
  return t.endsWith("\n") ? t.slice(0, -1) : t;
}

interface Edit {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

/**
 * Myers' greedy algorithm. trace[d] keeps the frontier before step d for diagonals -d..d only (memory grows
 * with d², so the distance is capped); returns null past MAX_EDIT_DISTANCE.
 */
function myers(a: string[], b: string[]): Edit[] | null {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return [{ aStart: 0, aEnd: n, bStart: 0, bEnd: m }];
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice(off - d, off + d + 1));
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[off + k - 1] ?? 0) < (v[off + k + 1] ?? 0));
      let x = down ? (v[off + k + 1] ?? 0) : (v[off + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return null;
  // Backtrack: collect the matched (diagonal) cells; the gaps between them are the edits.
  const matches: Array<[number, number]> = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const pv = trace[d] as Int32Array; // frontier before step d, index k + d
    const at = (k: number): number => pv[k + d] ?? 0;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      matches.push([x, y]);
    }
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    matches.push([x, y]);
  }
  matches.reverse();
  const edits: Edit[] = [];
  let ai = 0;
  let bi = 0;
  for (const [mx, my] of matches) {
    if (mx > ai || my > bi) edits.push({ aStart: ai, aEnd: mx, bStart: bi, bEnd: my });
    ai = mx + 1;
    bi = my + 1;
  }
  if (ai < n || bi < m) edits.push({ aStart: ai, aEnd: n, bStart: bi, bEnd: m });
  return edits;
}
