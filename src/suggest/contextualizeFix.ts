import type { FixEdit } from "../blocks/fixBlocks.js";
import { normalizeBlock } from "../blocks/normalizeBlock.js";
import type { NormalizedBlock, NormToken } from "../blocks/types.js";
import { alignLines } from "../clones/verify.js";
import { alignBlocks, alignTokensBy, identifierMap } from "./alignBlocks.js";
import { detectIndent, type IndentStyle, reindent } from "./indentation.js";

export interface DefectSide {
  /** The defect block as the fix found it, and after the fix. */
  before: string[];
  after: string[];
  edits: FixEdit[];
  language: string;
}

export interface DeveloperSide {
  /** The developer's whole file (staged text), split in lines. */
  fileLines: string[];
  /** Their block, 1-based inclusive, and its normalization (made with `firstLine = start`). */
  start: number;
  end: number;
  norm: NormalizedBlock;
}

export interface ContextualFix {
  /** The developer's file with the historical fix applied in their names and indentation. */
  newLines: string[];
  /** Some line differs from the developer's file. */
  changed: boolean;
  /** Every edit of the historical fix found its place in the developer's block. */
  complete: boolean;
  /** Defect name → developer name, as used for the renaming. */
  mapping: Map<string, string>;
}

interface Op {
  /** 0-based line of the developer's file. */
  start: number;
  del: number;
  ins: string[];
}

function byLine(tokens: readonly NormToken[]): Map<number, NormToken[]> {
  const out = new Map<number, NormToken[]>();
  for (const t of tokens) {
    if (t.text.includes("\n")) continue; // multi-line tokens cannot be patched in place
    let list = out.get(t.line);
    if (!list) {
      list = [];
      out.set(t.line, list);
    }
    list.push(t);
  }
  return out;
}

const startOf = (t: NormToken): number => t.column - 1;
const endOf = (t: NormToken): number => t.column - 1 + t.text.length;

/** `text[from..to)` with the identifier tokens inside it renamed through `mapping`. */
function renameSpan(
  text: string,
  from: number,
  to: number,
  tokens: readonly NormToken[],
  mapping: ReadonlyMap<string, string>,
): string {
  let out = "";
  let pos = from;
  for (const t of tokens) {
    if (t.kind !== "identifier" || startOf(t) < from || endOf(t) > to) continue;
    const name = mapping.get(t.text);
    if (name === undefined) continue;
    out += text.slice(pos, startOf(t)) + name;
    pos = endOf(t);
  }
  return out + text.slice(pos, to);
}

/** LCS of two token lists on their exact text, as index pairs. */
function lcsByText(a: readonly NormToken[], b: readonly NormToken[]): Array<[number, number]> {
  return alignTokensBy(a, b, (t) => t.text);
}

/**
 * Token-level re-application of one changed line: the edit that turned the defect line `del` into the
 * fixed line `add` is replayed on the developer's line `dev`, whose tokens correspond one to one with
 * `del`'s (same normalized text). Unchanged tokens keep the developer's own text (their names, their
 * literals, their spacing); inserted tokens come from the fix, renamed. Null when the line cannot be
 * patched this way.
 */
function patchLine(
  devText: string,
  devToks: readonly NormToken[],
  delToks: readonly NormToken[],
  addText: string,
  addToks: readonly NormToken[],
  mapping: ReadonlyMap<string, string>,
): string | null {
  if (delToks.length === 0 || addToks.length === 0 || devToks.length !== delToks.length) return null;
  if (!delToks.every((t, i) => t.norm === devToks[i]!.norm)) return null;
  const anchors: Array<[number, number]> = [...lcsByText(delToks, addToks), [delToks.length, addToks.length]];
  let out = "";
  let cursor = 0;
  let pk = -1;
  let pm = -1;
  for (const [k, m] of anchors) {
    if (k === pk + 1 && m === pm + 1) {
      pk = k;
      pm = m;
      continue;
    }
    const vStart = pk >= 0 ? endOf(devToks[pk]!) : startOf(devToks[0]!);
    const vEnd = k < devToks.length ? startOf(devToks[k]!) : endOf(devToks[devToks.length - 1]!);
    const aStart = pm >= 0 ? endOf(addToks[pm]!) : startOf(addToks[0]!);
    const aEnd = m < addToks.length ? startOf(addToks[m]!) : endOf(addToks[addToks.length - 1]!);
    out += devText.slice(cursor, vStart) + renameSpan(addText, aStart, aEnd, addToks, mapping);
    cursor = vEnd;
    pk = k;
    pm = m;
  }
  return out + devText.slice(cursor);
}

/** Keeps the developer's line endings: CR-LF files get CR-LF lines. */
function withEnding(line: string, crlf: boolean): string {
  const bare = line.endsWith("\r") ? line.slice(0, -1) : line;
  return crlf ? `${bare}\r` : bare;
}

/**
 * CLEVER's contextualised diff, computed: the historical fix of a defect block is replayed on the
 * developer's matching block. Lines are aligned by LCS over normalized lines and tokens within aligned
 * lines; a one-to-one identifier mapping (majority vote) renames what the fix adds; changed lines are
 * patched token by token (the developer's other tokens stay as written), added lines are re-indented
 * to the developer's indentation relative to the line they follow.
 */
export function contextualizeFix(
  defect: DefectSide,
  dev: DeveloperSide,
  pairs?: Array<[number, number]>,
  opts: {
    /** Replay only these edits (indexes into `defect.edits`): the ones whose bug the change wrote. */
    edits?: readonly number[];
    /** Identifier mapping to rename with (default: majority over every aligned token). */
    mapping?: Map<string, string>;
  } = {},
): ContextualFix {
  const defNorm = normalizeBlock(defect.before, defect.language, 1);
  const afterNorm = normalizeBlock(defect.after, defect.language, 1);
  const { lineMap, tokenPairs } = alignBlocks(
    defNorm,
    dev.norm,
    pairs ?? alignLines(dev.norm.hashes, defNorm.hashes),
  );
  const mapping = opts.mapping ?? identifierMap(tokenPairs);
  const defTok = byLine(defNorm.tokens);
  const afterTok = byLine(afterNorm.tokens);
  const devTok = byLine(dev.norm.tokens);
  const defStyle: IndentStyle = detectIndent(defect.before);
  const devStyle: IndentStyle = detectIndent(dev.fileLines.slice(dev.start - 1, dev.end));
  const crlf = (dev.fileLines[dev.start - 1] ?? "").endsWith("\r");
  const devLine = (line: number): string => dev.fileLines[line - 1] ?? "";
  const hasTokens = (map: Map<number, NormToken[]>, line: number): boolean =>
    (map.get(line)?.length ?? 0) > 0;

  const ops: Op[] = [];
  let complete = true;

  const renameLine = (afterLine: number): string => {
    const text = defect.after[afterLine - 1] ?? "";
    return renameSpan(text, 0, text.length, afterTok.get(afterLine) ?? [], mapping);
  };

  const replayed = opts.edits ? opts.edits.map((k) => defect.edits[k]!) : defect.edits;
  for (const e of replayed) {
    const delLines = e.del.map((_, i) => e.at + 1 + i); // 1-based in `before`
    const addLines = e.add.map((_, i) => e.afterAt + 1 + i); // 1-based in `after`

    // Changed lines, one for one: patch each developer line token by token.
    if (delLines.length > 0 && delLines.length === addLines.length) {
      const patched: Op[] = [];
      let ok = true;
      delLines.forEach((d, i) => {
        if (!ok) return;
        const a = addLines[i]!;
        if (!hasTokens(defTok, d) && !hasTokens(afterTok, a)) return; // blank or comment line
        const v = lineMap.get(d);
        const line =
          v === undefined
            ? null
            : patchLine(
                devLine(v),
                devTok.get(v) ?? [],
                defTok.get(d) ?? [],
                defect.after[a - 1] ?? "",
                afterTok.get(a) ?? [],
                mapping,
              );
        if (line === null || v === undefined) ok = false;
        else patched.push({ start: v - 1, del: 1, ins: [line] });
      });
      if (ok) {
        ops.push(...patched);
        continue;
      }
    }

    // Whole lines: replace the developer's lines of the deleted ones, or insert next to an aligned line.
    const tokenful = delLines.filter((d) => hasTokens(defTok, d));
    let start: number;
    let del: number;
    let defAnchor: number;
    let devAnchor: number;
    if (tokenful.length > 0) {
      const mapped = tokenful.map((d) => lineMap.get(d));
      if (mapped.some((v) => v === undefined)) {
        complete = false;
        continue;
      }
      const vs = mapped as number[];
      start = Math.min(...vs);
      del = Math.max(...vs) - start + 1;
      defAnchor = tokenful[0]!;
      devAnchor = lineMap.get(defAnchor)!;
    } else {
      // Pure insertion (or only blank lines deleted): after the nearest aligned line above, else before
      // the nearest aligned line below.
      let found: { def: number; dev: number; after: boolean } | null = null;
      for (let l = e.at; l >= 1 && !found; l--) {
        const v = lineMap.get(l);
        if (v !== undefined && hasTokens(defTok, l)) found = { def: l, dev: v, after: true };
      }
      for (let l = e.at + 1 + e.del.length; l <= defect.before.length && !found; l++) {
        const v = lineMap.get(l);
        if (v !== undefined && hasTokens(defTok, l)) found = { def: l, dev: v, after: false };
      }
      if (!found) {
        complete = false;
        continue;
      }
      start = found.after ? found.dev + 1 : found.dev;
      del = 0;
      defAnchor = found.def;
      devAnchor = found.dev;
    }
    const fromAnchor = defect.before[defAnchor - 1] ?? "";
    const toAnchor = devLine(devAnchor);
    const ins = addLines.map((a) =>
      withEnding(reindent(renameLine(a), fromAnchor, defStyle, toAnchor, devStyle), crlf),
    );
    ops.push({ start: start - 1, del, ins });
  }

  // Apply bottom-up; an edit overlapping one already placed is dropped.
  ops.sort((x, y) => y.start - x.start || y.del - x.del);
  const newLines = [...dev.fileLines];
  let floor = Number.POSITIVE_INFINITY;
  for (const op of ops) {
    if (op.start + op.del > floor) {
      complete = false;
      continue;
    }
    newLines.splice(op.start, op.del, ...op.ins);
    floor = op.start;
  }
  const changed = newLines.length !== dev.fileLines.length || newLines.some((l, i) => l !== dev.fileLines[i]);
  return { newLines, changed, complete, mapping };
}
