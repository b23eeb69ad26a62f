/**
 * A change that takes a past fix out again, line for line, in the fix's own file: it removes every line
 * the fix wrote and writes back every line the fix took out (or, for a fix that only inserted a check,
 * removes the check and keeps the code it guarded). That is a revert, a bad merge or old code pasted over
 * new, whatever became of the code around it since: the block around the fix may have changed so much
 * that it is no clone of the defect block any more, but the fix's own lines are exact.
 *
 *   fix then   -  o = peak[o];           the fix took out `peak[o]`, wrote `peak[j]`
 *              +  o = peak[j];
 *   change now -  o = peak[j];           takes out what the fix wrote, writes back what it took out
 *              +  o = peak[o];           → a revert of that fix, with the fix placed back
 *
 * Only lines that say something count (a name of three letters or more and eight characters of code):
 * taking out a `break;` the fix once added somewhere is no revert of it.
 */
import type { FixEdit } from "../blocks/fixBlocks.js";
import type { Hunk } from "../git/types.js";
import { detectIndent, reindent } from "./indentation.js";
import {
  annotationOnlyEdit,
  codeLine,
  compileOnlyEdit,
  declaresNewName,
  definesNewName,
  typeOnlyEdit,
  wordsOf,
  wordsOfText,
} from "./recurrence.js";

export interface LineRevert {
  /** Indexes into the block's edits that the change takes back. */
  edits: number[];
  /** The developer's lines (new file numbering) where the bug is back: the re-added lines, or where the check was. */
  lines: number[];
  /** The new file with the fix put back, line by line. */
  fixed: string[];
}

/** A line that says something: code (not a comment) with a name of three letters or more and eight characters. */
function says(line: string): boolean {
  if (/^(?:\/\/|\/\*|\*|#(?!\s*(?:include|define|if|undef|pragma)\b)|--|;)/.test(line)) return false;
  // A bare name on its own line is a member of a list (an import's names, an enum, arguments): no behaviour.
  if (/^[\p{L}_$][\p{L}\p{N}_$]*,?$/u.test(line.trim())) return false;
  return line.replace(/\s+/g, "").length >= 8 && /[\p{L}_$][\p{L}\p{N}_$]{2,}/u.test(line);
}

/** One hunk of the change: its added lines by new-file number, its removed lines, by code text. */
interface HunkSide {
  newStart: number;
  newEnd: number;
  added: Map<string, number[]>;
  removed: Map<string, number>;
  /** Where removed lines were, in new-file numbering (the line they stood before). */
  removedAt: number;
}

function hunkSides(hunks: readonly Hunk[]): HunkSide[] {
  return hunks.map((h) => {
    const added = new Map<string, number[]>();
    const removed = new Map<string, number>();
    // A hunk that only removes lines names the line before them (git's convention): they stood before the next.
    let line = h.newLines === 0 ? h.newStart + 1 : h.newStart;
    let removedAt = line;
    for (const l of h.lines) {
      const t = codeLine(l.text);
      if (l.kind === "+") {
        if (t !== "") added.set(t, [...(added.get(t) ?? []), line]);
        line++;
      } else if (l.kind === "-") {
        if (t !== "") removed.set(t, (removed.get(t) ?? 0) + 1);
        removedAt = Math.max(1, line);
      } else line++;
    }
    return {
      newStart: h.newStart,
      newEnd: h.newStart + Math.max(0, h.newLines - 1),
      added,
      removed,
      removedAt,
    };
  });
}

/** Lines of a hunk besides the revert's own that a revert may carry (a brace git's diff shifted, a blank). */
const SLACK = 3;

/** What one file's change is, read once for every defect block of that file. */
interface FileChange {
  sides: HunkSide[];
  newLines: readonly string[];
  wordsAdded: ReadonlyMap<string, ReadonlySet<string>>;
  addedAnywhere: Set<string>;
  removedAnywhere: Set<string>;
  /** Every line of the file after the change, as code; read on first need. */
  inFile: () => Set<string>;
  /** Every word of the file after the change; read on first need. */
  wordsInFile: () => Set<string>;
}

/**
 * The change to one file, ready to be asked of each defect block of that file (`revertsOf(block)`): the
 * hunks are read once, not once per block, so a file with hundreds of past fixes costs one pass.
 */
export function lineReverts(
  hunks: readonly Hunk[],
  newLines: readonly string[],
  /** Every word the whole change adds, in any file (`ChangeLines.words`): where a fix's names went. */
  wordsAdded: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): (block: RevertBlock) => LineRevert | null {
  const sides = hunkSides(hunks);
  let inFile: Set<string> | undefined;
  let wordsInFile: Set<string> | undefined;
  const file: FileChange = {
    sides,
    newLines,
    wordsAdded,
    addedAnywhere: new Set(sides.flatMap((h) => [...h.added.keys()])),
    removedAnywhere: new Set(sides.flatMap((h) => [...h.removed.keys()])),
    inFile: () => {
      inFile ??= new Set(newLines.map(codeLine));
      return inFile;
    },
    wordsInFile: () => {
      wordsInFile ??= wordsOfText(newLines.join("\n"));
      return wordsInFile;
    },
  };
  return (block) => revertIn(block, file);
}

type RevertBlock = {
  before: readonly string[];
  after: readonly string[];
  edits: readonly FixEdit[];
  language: string;
  /** Lines the same fix took out in one place of the file and wrote in another (its other blocks included). */
  moved?: ReadonlySet<string>;
};

/** The lines a fix took out in one of its edits and wrote in another, over all its blocks of a file. */
export function movedLines(blocks: ReadonlyArray<{ edits: readonly FixEdit[] }>): Set<string> {
  const wrote = new Set<string>();
  const tookOut = new Set<string>();
  for (const b of blocks)
    for (const e of b.edits) {
      const del = new Set(e.del.map(codeLine));
      const add = new Set(e.add.map(codeLine));
      for (const l of add) if (!del.has(l)) wrote.add(l);
      for (const l of del) if (!add.has(l)) tookOut.add(l);
    }
  return new Set([...wrote].filter((l) => l !== "" && tookOut.has(l)));
}

const BARE_WORDS = new Set([
  "return",
  "this",
  "self",
  "null",
  "nil",
  "None",
  "undefined",
  "true",
  "false",
  "True",
  "False",
  "break",
  "continue",
  "else",
  "end",
  "pass",
]);

/** A line of keywords and punctuation only (`return this;`, `} else {`, `break;`). */
function namesNothing(line: string): boolean {
  return (line.match(/[\p{L}_$][\p{L}\p{N}_$]*/gu) ?? []).every((w) => BARE_WORDS.has(w));
}

/** The first line from `from` on, going `step`, that says something and names something (as code), or "". */
function nearestTelling(lines: readonly string[], from: number, step: 1 | -1): string {
  for (let i = from; i >= 0 && i < lines.length; i += step) {
    const l = codeLine(lines[i] ?? "");
    if (says(l) && !namesNothing(l)) return l;
  }
  return "";
}

/**
 * The edits of one defect block (`before` → `after` through `edits`, as the index holds them) that the
 * change to one file takes back, or null. `newLines` is the file after the change. An edit is taken back
 * in one hunk of the change that is little else, at the place the fix made it (a line of the code around
 * the fix next to the hunk): the same text written back elsewhere is other code.
 */
export function findLineRevert(
  block: RevertBlock,
  hunks: readonly Hunk[],
  newLines: readonly string[],
  wordsAdded: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): LineRevert | null {
  return lineReverts(hunks, newLines, wordsAdded)(block);
}

function revertIn(block: RevertBlock, file: FileChange): LineRevert | null {
  const { sides, newLines, wordsAdded, addedAnywhere, removedAnywhere } = file;
  // Most blocks of a file share no line with the change: nothing the fix wrote is taken out, nothing it took out is back.
  const touched = block.edits.some(
    (e) =>
      e.add.some((l) => removedAnywhere.has(codeLine(l))) ||
      e.del.some((l) => addedAnywhere.has(codeLine(l))),
  );
  if (!touched) return null;
  const beforeWords = new Set(block.before.flatMap(wordsOf));
  const edits: number[] = [];
  const lines: number[] = [];
  const fixed = [...newLines];
  // Applied bottom-up so earlier line numbers stay valid.
  const placements: Array<{ at: number; remove: number; insert: string[] }> = [];
  const codeNear = (from: number, to: number): Set<string> => {
    const out = new Set<string>();
    for (let i = Math.max(1, from); i <= Math.min(newLines.length, to); i++) {
      const t = codeLine(newLines[i - 1] ?? "");
      if (t !== "") out.add(t);
    }
    return out;
  };
  // Every line the block's fix wrote or took out, for telling the fix's own lines from other code in a hunk.
  const ownWrote = new Set(block.edits.flatMap((e) => e.add.map(codeLine)));
  const ownTookOut = new Set(block.edits.flatMap((e) => e.del.map(codeLine)));
  const movedAll = block.moved ?? movedLines([block]);
  // A bare line moved (no name in it) is restructuring; a call moved (`pushMergeArg()` after a check instead
  // of before) is a fix of order, undone by moving it back: written again elsewhere by the change, as it must.
  const moved = new Set([...movedAll].filter(namesNothing));
  block.edits.forEach((e, k) => {
    const del = e.del.map(codeLine).filter((l) => l !== "");
    const add = e.add.map(codeLine).filter((l) => l !== "");
    const wrapped = add.filter((l) => del.includes(l));
    // A bare line the fix took out in one place and wrote in another (a `return this;` moved up when a method
    // was split) is its restructuring, neither the bug nor the cure.
    const wrote = add.filter((l) => !del.includes(l) && !moved.has(l));
    const tookOut = del.filter((l) => !add.includes(l) && !moved.has(l));
    if (![...wrote, ...tookOut].some(says)) return;
    // A declaration the fix added (a variable, a field) is where its cure is kept, not the cure: taken out,
    // it says nothing unless the lines that use it go back too (their own edits).
    if (tookOut.length === 0 && wrote.length > 0 && wrote.every((l) => declaresNewName(l, beforeWords)))
      return;
    // So is a whole function the fix added (its header first, its closing brace last): what calls it is the cure.
    const code = wrote.filter((l) => !/^(?:\/\/|\/\*|\*|#(?!\s*define))/.test(l));
    if (
      tookOut.length === 0 &&
      code.length > 1 &&
      definesNewName(code[0]!, beforeWords) &&
      /^}/.test(code.at(-1)!)
    )
      return;
    // A cast or a non-null mark taken out again changes no behaviour.
    if (typeOnlyEdit(e, block.language) || annotationOnlyEdit(e, block.language)) return;
    // Nor does an include, an `#undef` or a `(void)x;` the fix added, taken out: the compiler's business.
    if (compileOnlyEdit(e, block.language)) return;
    // A name the fix brought in that the change writes elsewhere: the fix moved (into a helper), not undone.
    const brought = wrote
      .flatMap(wordsOf)
      .filter(
        (w) => w.replace(/^['"`]|['"`]$/g, "").length >= 3 && /[\p{L}_$]/u.test(w) && !beforeWords.has(w),
      );
    if (brought.some((w) => [...(wordsAdded.get(w) ?? [])].some((l) => !wrote.includes(codeLine(l))))) return;
    // A name the fix's lines found in the code (the iterator it freed, the variable it read) that the file
    // no longer has anywhere: the code was rewritten without it, and the fix's lines cannot come back.
    const found = wrote
      .flatMap(wordsOf)
      .filter((w) => /^[\p{L}_$][\p{L}\p{N}_$]{1,}$/u.test(w) && beforeWords.has(w));
    if (found.some((w) => !file.wordsInFile().has(w))) return;
    // The code the fix wrapped in a check stays: unwrapping is the revert, deleting it all is not.
    if (!wrapped.every((l) => file.inFile().has(l))) return;
    // Code around the fix, as it found it: the line above the edit and the line below.
    // The nearest that says something: `}` or `return 1;` stand next to any place of a file.
    const above = nearestTelling(block.before, e.at - 1, -1);
    const below = nearestTelling(block.before, e.at + e.del.length, 1);
    const h = sides.find((side) => {
      // Everything the fix wrote taken out here (and written nowhere by the change), everything it took out back.
      if (!wrote.every((l) => side.removed.has(l) && (movedAll.has(l) || !addedAnywhere.has(l))))
        return false;
      if (!tookOut.every((l) => side.added.has(l))) return false;
      const other =
        [...side.removed.entries()].reduce((n, [l, c]) => n + (wrote.includes(l) ? 0 : c), 0) +
        [...side.added.entries()].reduce((n, [l, at]) => n + (tookOut.includes(l) ? 0 : at.length), 0);
      if (other > Math.max(SLACK, wrote.length + tookOut.length)) return false;
      // A fix that only inserted lines is taken back only by a hunk that does nothing else that says something
      // (other edits of the same fix aside): the same lines dropped while the code around is rewritten is a redesign.
      if (tookOut.length === 0 && wrapped.length === 0) {
        const rewrites =
          [...side.removed.keys()].some((l) => !ownWrote.has(l) && says(l)) ||
          [...side.added.keys()].some((l) => !ownTookOut.has(l) && says(l));
        if (rewrites) return false;
      }
      const near = codeNear(side.newStart - 3, side.newEnd + 3);
      return (above !== "" && near.has(above)) || (below !== "" && near.has(below));
    });
    if (h === undefined) return;
    // A call the fix moved (a fix of order) that the change moves on the same way, past the fix's place,
    // still stands where the fix wanted it: moved on, not back (curl's `free(filename)` moved above the
    // early return, then higher still). Only a fix whose move is within this block tells the way.
    const movedOn = wrote.some((l) => {
      if (!movedAll.has(l) || !addedAnywhere.has(l)) return false;
      const from = block.edits.find(
        (o) => o !== e && o.del.some((d) => codeLine(d) === l) && !o.add.some((a) => codeLine(a) === l),
      );
      if (from === undefined) return false;
      const up = e.at < from.at;
      const to = sides.flatMap((side) => side.added.get(l) ?? []);
      return to.length > 0 && to.every((n) => n < h.removedAt === up);
    });
    if (movedOn) return;
    const back = tookOut.flatMap((l) => h.added.get(l) ?? []).sort((a, b) => a - b);
    edits.push(k);
    if (back.length > 0) {
      lines.push(...back);
      // The lines written back, as one run, are replaced by the fix's lines in their indentation.
      const first = back[0]!;
      const last = back[back.length - 1]!;
      placements.push({
        at: first,
        remove: last - first + 1,
        insert: indented(e.add, e.del[0] ?? "", newLines[first - 1] ?? "", newLines),
      });
    } else {
      const at = h.removedAt;
      lines.push(at);
      const anchorFix = block.before[e.at - 1] ?? e.add[0] ?? "";
      const anchorDev = newLines[at - 2] ?? newLines[at - 1] ?? "";
      placements.push({ at, remove: 0, insert: indented(e.add, anchorFix, anchorDev, newLines) });
    }
  });
  if (edits.length === 0) return null;
  for (const p of placements.sort((a, b) => b.at - a.at)) fixed.splice(p.at - 1, p.remove, ...p.insert);
  return { edits, lines: [...new Set(lines)].sort((a, b) => a - b), fixed };
}

/** The fix's lines moved to the developer's indentation: `fixAnchor` in the fix's code is `devAnchor` here. */
function indented(
  lines: readonly string[],
  fixAnchor: string,
  devAnchor: string,
  devFile: readonly string[],
): string[] {
  const from = detectIndent(lines.length > 0 ? [fixAnchor, ...lines] : [fixAnchor]);
  const to = detectIndent(devFile);
  return lines.map((l) => reindent(l, fixAnchor, from, devAnchor, to));
}
