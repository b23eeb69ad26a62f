import { diffHunks } from "../git/diffLines.js";

/**
 * A unified diff (`git diff` format, `context` lines around each change) from `oldText` to `newText` of
 * one file, with real line numbers, e.g.
 *
 *   --- a/src/text/fields.ts
 *   +++ b/src/text/fields.ts
 *   @@ -10,7 +10,7 @@
 *        const fields: Field[] = [];
 *   -    for (let pos = 0; pos <= line.length; pos++) {
 *   +    for (let pos = 0; pos < line.length; pos++) {
 *
 * Empty when the texts are equal.
 */
export function renderDiff(
  path: string,
  oldText: string,
  newText: string,
  context = 3,
  /** File line of the texts' first line, when they are a piece of a file (a block). */
  firstLine = 1,
): string {
  if (oldText === newText) return "";
  const split = (t: string): string[] => {
    const l = t.split("\n");
    if (l[l.length - 1] === "") l.pop();
    return l;
  };
  const a = split(oldText);
  const b = split(newText);
  const oldNoEol = oldText !== "" && !oldText.endsWith("\n");
  const newNoEol = newText !== "" && !newText.endsWith("\n");
  // Zero-context hunks as half-open 0-based ranges.
  const edits = diffHunks(oldText, newText).map((h) => {
    const oFrom = h.oldLines > 0 ? h.oldStart - 1 : h.oldStart;
    const nFrom = h.newLines > 0 ? h.newStart - 1 : h.newStart;
    return { oFrom, oTo: oFrom + h.oldLines, nFrom, nTo: nFrom + h.newLines };
  });
  const out = [`--- a/${path}`, `+++ b/${path}`];
  const NO_EOL = "\\ No newline at end of file";
  let g = 0;
  while (g < edits.length) {
    let last = g;
    while (last + 1 < edits.length && edits[last + 1]!.oFrom - edits[last]!.oTo <= 2 * context) last++;
    const first = edits[g]!;
    const end = edits[last]!;
    const oStart = Math.max(0, first.oFrom - context);
    const oEnd = Math.min(a.length, end.oTo + context);
    const nStart = first.nFrom - (first.oFrom - oStart);
    const nEnd = end.nTo + (oEnd - end.oTo);
    const body: string[] = [];
    const contextLine = (o: number): void => {
      body.push(` ${a[o]}`);
      if (o === a.length - 1 && oldNoEol && newNoEol) body.push(NO_EOL);
    };
    let o = oStart;
    for (let k = g; k <= last; k++) {
      const e = edits[k]!;
      for (; o < e.oFrom; o++) contextLine(o);
      for (let x = e.oFrom; x < e.oTo; x++) {
        body.push(`-${a[x]}`);
        if (x === a.length - 1 && oldNoEol) body.push(NO_EOL);
      }
      for (let y = e.nFrom; y < e.nTo; y++) {
        body.push(`+${b[y]}`);
        if (y === b.length - 1 && newNoEol) body.push(NO_EOL);
      }
      o = e.oTo;
    }
    for (; o < oEnd; o++) contextLine(o);
    const oCount = oEnd - oStart;
    const nCount = nEnd - nStart;
    const range = (start: number, count: number): string =>
      `${count === 0 ? start : start + 1}${count === 1 ? "" : `,${count}`}`;
    const shift = firstLine - 1;
    out.push(`@@ -${range(oStart + shift, oCount)} +${range(nStart + shift, nCount)} @@`, ...body);
    g = last + 1;
  }
  return `${out.join("\n")}\n`;
}
