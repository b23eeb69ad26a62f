import type { ChangeStatus, CommitDiff, CommitMeta, FileChange, Hunk, HunkLine } from "./types.js";

/**
 * Streaming parser for the one `git log` pass (see `logArgs`). A sample of the raw stream, with
 * `^A`/`^B`/`^C` for the \x01/\x02/\x03 separators of our --format and `^@` for the NULs of -z:
 *
 *   ^Ab9d5…6af c603…ff8^BAda^Bada@example.org^B1795363932 +0100^B1795363940^Bmain edit
 *
 *   Fixes: abc1234^C^@
 *   :100644 100644 de98…1deb d4c3…85e5 M^@f.txt^@:100644 100644 0aa0…b12b 0aa0…b12b R100^@old.txt^@new.txt^@^@diff --git a/f.txt b/f.txt
 *   index de98044..d4c30f7 100644
 *   --- a/f.txt
 *   +++ b/f.txt
 *   @@ -0,0 +1 @@
 *   +a0
 *   diff --git a/old.txt b/new.txt
 *   similarity index 100%
 *   …
 *
 * The raw part (`--raw -z`, documented in git-diff(1) "RAW OUTPUT FORMAT") lists every changed file;
 * the patch part (`-p -U0 -w`) only those whose content changed beyond whitespace, in the same order.
 * Patch sections are therefore matched to raw entries by their quoted `diff --git` header.
 * A merge is diffed against its first parent only; the caller asks for other parents when it must.
 */

export const LOG_FORMAT = "%x01%H %P%x02%an%x02%ae%x02%ad%x02%ct%x02%B%x03";

/**
 * How every diff dejafix reads is printed: raw entries NUL-separated with full blob ids, patches
 * without colour or external/textconv drivers, renames detected. Callers add context (-U) and -w.
 */
export const DIFF_FORMAT = [
  "-p",
  "--raw",
  "-z",
  "--no-abbrev",
  "--no-color",
  "--no-ext-diff",
  "--no-textconv",
  "-M",
];

/** Arguments of the single history pass; `revs` are appended by the caller. */
export function logArgs(): string[] {
  return [
    "log",
    "--reverse",
    "--topo-order",
    "--diff-merges=first-parent",
    ...DIFF_FORMAT,
    "-U0",
    "-w",
    "--date=raw",
    `--format=${LOG_FORMAT}`,
  ];
}

export interface RawEntry {
  oldMode: string;
  newMode: string;
  oldBlob: string;
  newBlob: string;
  status: ChangeStatus;
  similarity?: number;
  oldPath: string | null;
  newPath: string | null;
}

const HEX40 = /^[0-9a-f]{40}$/;

/** Incremental parser: feed decoded text, receive whole commits as soon as they are complete. */
export class LogParser {
  /** @param maxHunkLines hunks longer than this keep their counts but not their lines (memory bound). */
  constructor(private readonly maxHunkLines = Number.POSITIVE_INFINITY) {}

  private buf = "";
  /** Where the current (incomplete) record starts in `buf`, or -1 before the first record. */
  private start = -1;
  /** Where to resume looking for the next record start. */
  private scan = 0;

  /** Chunks that came after `buf` and can start no record, joined to it once one can. */
  private rest: string[] = [];

  push(text: string): CommitDiff[] {
    // A long record (a generated file's diff) arrives over many chunks. Appending each to `buf` and
    // searching it would copy the whole record once per chunk (gigabytes of garbage for a 10 MB
    // diff): a chunk without \x01, after text with no undecided \x01 left, waits aside instead.
    if (this.start >= 0 && !text.includes("\x01") && this.buf.indexOf("\x01", this.scan) < 0) {
      this.rest.push(text);
      return [];
    }
    if (this.rest.length > 0) {
      this.buf += this.rest.join("");
      this.rest = [];
    }
    // Drop consumed text once per chunk, not once per record (records are often tiny).
    if (this.start > 0) {
      this.buf = this.buf.slice(this.start);
      this.scan -= this.start;
      this.start = 0;
    }
    this.buf += text;
    const out: CommitDiff[] = [];
    if (this.start < 0) {
      this.start = this.nextRecordStart(0);
      if (this.start < 0) return out;
      this.scan = this.start + 1;
    }
    for (;;) {
      const next = this.nextRecordStart(Math.max(this.scan, this.start + 1));
      if (next < 0) {
        this.scan = Math.max(this.start + 1, this.buf.length - 41);
        return out;
      }
      out.push(parseRecord(this.buf.slice(this.start + 1, next), this.maxHunkLines));
      this.start = next;
      this.scan = next + 1;
    }
  }

  end(): CommitDiff[] {
    if (this.rest.length > 0) {
      this.buf += this.rest.join("");
      this.rest = [];
    }
    const out = this.start < 0 ? [] : [parseRecord(this.buf.slice(this.start + 1), this.maxHunkLines)];
    this.buf = "";
    this.start = -1;
    this.scan = 0;
    return out;
  }

  /** A record starts with \x01 at the start of the stream or after \n or \0, followed by a full sha. */
  private nextRecordStart(from: number): number {
    let i = this.buf.indexOf("\x01", from);
    while (i >= 0) {
      const prev = i === 0 ? "\n" : this.buf[i - 1];
      if (prev === "\n" || prev === "\0") {
        if (i + 41 > this.buf.length) return -1; // not enough text yet to tell
        if (HEX40.test(this.buf.slice(i + 1, i + 41))) return i;
      }
      i = this.buf.indexOf("\x01", i + 1);
    }
    return -1;
  }
}

function parseRecord(rec: string, maxHunkLines: number): CommitDiff {
  const headerEnd = rec.indexOf("\x03");
  if (headerEnd < 0)
    throw new Error(`malformed git log record: no header terminator near ${rec.slice(0, 60)}`);
  const meta = parseHeader(rec.slice(0, headerEnd));
  return { meta, against: meta.parents[0] ?? null, files: parseDiffBody(rec, headerEnd + 1, maxHunkLines) };
}

/** Raw entries then patches, as printed by `git log`/`git diff-tree` with `--raw -z -p`. */
export function parseDiffBody(rec: string, from = 0, maxHunkLines = Number.POSITIVE_INFINITY): FileChange[] {
  const { entries: raw, end } = parseRawZ(rec, from);
  let pos = end;
  while (pos < rec.length && (rec[pos] === "\0" || rec[pos] === "\n")) pos++;
  const files = raw.map(toFileChange);
  attachPatches(rec.slice(pos), raw, files, maxHunkLines);
  return files;
}

/**
 * A copy of `s` that does not keep its source alive. V8 cuts substrings as views of their parent, so a
 * 40-byte blob id kept in a line tree would otherwise pin the megabytes of stream it was read from.
 */
function detach(s: string): string {
  return Buffer.from(s, "utf8").toString("utf8");
}

/**
 * The raw entries (`--raw -z`, git-diff(1) "RAW OUTPUT FORMAT") starting at `from`, and where they end.
 * Sample, NULs as \0: `:100644 100644 de98044… a7bc997… R050\0f\0g\0:000000 100644 0000000… d5d0b8b… A\0bin\0`.
 * Unmerged (U) and unknown (X) entries are read as modifications.
 */
export function parseRawZ(text: string, from = 0): { entries: RawEntry[]; end: number } {
  let pos = from;
  while (pos < text.length && (text[pos] === "\0" || text[pos] === "\n")) pos++;
  const entries: RawEntry[] = [];
  while (text[pos] === ":") {
    const metaEnd = text.indexOf("\0", pos);
    const fields = text.slice(pos + 1, metaEnd).split(" ");
    const statusField = fields[4] ?? "M";
    const letter = statusField.charAt(0);
    const status: ChangeStatus = letter === "U" || letter === "X" ? "M" : (letter as ChangeStatus);
    let p = metaEnd + 1;
    const path1End = text.indexOf("\0", p);
    const path1 = text.slice(p, path1End);
    p = path1End + 1;
    let path2: string | null = null;
    if (status === "R" || status === "C") {
      const path2End = text.indexOf("\0", p);
      path2 = text.slice(p, path2End);
      p = path2End + 1;
    }
    entries.push({
      oldMode: fields[0] ?? "000000",
      newMode: fields[1] ?? "000000",
      oldBlob: detach(fields[2] ?? ""),
      newBlob: detach(fields[3] ?? ""),
      status,
      similarity:
        (status === "R" || status === "C") && statusField.length > 1
          ? Number(statusField.slice(1))
          : undefined,
      oldPath: status === "A" ? null : detach(path1),
      newPath: status === "D" ? null : detach(path2 ?? path1),
    });
    pos = p;
  }
  return { entries, end: pos };
}

function parseHeader(header: string): CommitMeta {
  // Its own copy: every field is cut from it, and a sha kept by a replay's record would otherwise pin the
  // whole text of its commit's diff (356 MB of strings over curl's 39k commits).
  const h = detach(header);
  const [shaParents = "", name = "", email = "", date = "", ct = "", ...msg] = h.split("\x02");
  const [sha = "", ...parents] = shaParents.trim().split(" ");
  const [secs = "0", tz = "+0000"] = date.split(" ");
  const sign = tz.startsWith("-") ? -1 : 1;
  const tzMinutes = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5)));
  return {
    sha,
    parents: parents.filter((p) => p.length > 0),
    author: { name, email: email.toLowerCase() },
    authorTime: Number(secs),
    authorTzMinutes: Number.isFinite(tzMinutes) ? tzMinutes : 0,
    committerTime: Number(ct),
    // %B ends with a newline; the message may itself contain \x02 only in pathological cases.
    message: msg.join("\x02").replace(/\n+$/, ""),
  };
}

function toFileChange(r: RawEntry): FileChange {
  return {
    status: r.status,
    oldPath: r.oldPath,
    newPath: r.newPath,
    oldMode: r.oldMode,
    newMode: r.newMode,
    oldBlob: r.oldBlob,
    newBlob: r.newBlob,
    binary: false,
    similarity: r.similarity,
    hunks: [],
  };
}

/** The `diff --git` header git prints for a raw entry (quote_c_style of "a/<path>" and "b/<path>"). */
export function patchHeader(oldPath: string, newPath: string): string {
  return `diff --git ${quoteGitPath(`a/${oldPath}`)} ${quoteGitPath(`b/${newPath}`)}`;
}

const C_ESCAPES: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\v": "\\v",
  "\f": "\\f",
  "\r": "\\r",
  '"': '\\"',
  "\\": "\\\\",
};

/** git's quote_c_style with core.quotepath=false: only control characters, `"` and `\` force quoting. */
export function quoteGitPath(p: string): string {
  if (!/[\x00-\x1f"\\\x7f]/.test(p)) return p;
  let out = '"';
  for (const ch of p) {
    const esc = C_ESCAPES[ch];
    if (esc) out += esc;
    else if (ch < " " || ch === "\x7f") out += `\\${ch.charCodeAt(0).toString(8).padStart(3, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

const HUNK_RE = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

function attachPatches(patch: string, raw: RawEntry[], files: FileChange[], maxHunkLines: number): void {
  // Walk the text line by line with indexOf: a vendored import can be millions of lines, and an array of
  // them all (split) would be the largest thing in memory.
  let pos = 0;
  const next = (): string | null => {
    if (pos >= patch.length) return null;
    let end = patch.indexOf("\n", pos);
    if (end < 0) end = patch.length;
    const line = patch.slice(pos, end);
    pos = end + 1;
    return line;
  };
  let entry = 0;
  let current: FileChange | null = null;
  for (let line = next(); line !== null; line = next()) {
    if (line.startsWith("diff --git ")) {
      current = null;
      // A type change (symlink -> file) prints two sections, deletion then addition, for one entry.
      const prev = raw[entry - 1];
      if (prev?.status === "T" && patchHeader(prev.oldPath ?? "", prev.newPath ?? "") === line) {
        current = files[entry - 1] as FileChange;
        continue;
      }
      // Entries without a patch (whitespace-only under -w, pure renames without text) are skipped.
      for (let k = entry; k < raw.length; k++) {
        const r = raw[k] as RawEntry;
        if (patchHeader(r.oldPath ?? r.newPath ?? "", r.newPath ?? r.oldPath ?? "") === line) {
          current = files[k] as FileChange;
          entry = k + 1;
          break;
        }
      }
      continue;
    }
    if (!current) continue;
    if (line.startsWith("Binary files ")) {
      current.binary = true;
      continue;
    }
    const m = HUNK_RE.exec(line);
    if (!m) continue;
    const hunk: Hunk = {
      oldStart: Number(m[1]),
      oldLines: m[2] === undefined ? 1 : Number(m[2]),
      newStart: Number(m[3]),
      newLines: m[4] === undefined ? 1 : Number(m[4]),
      section: (m[5] ?? "").trim(),
      lines: [],
    };
    let oldLeft = hunk.oldLines;
    let newLeft = hunk.newLines;
    const keep = oldLeft + newLeft <= maxHunkLines;
    if (!keep) hunk.elided = true;
    // Count lines instead of trusting prefixes: a deleted line "-- x" prints as "--- x".
    while (oldLeft > 0 || newLeft > 0 || patch.startsWith("\\", pos)) {
      const l = next();
      if (l === null) break;
      const c = l[0];
      if (c === "\\") continue;
      const kind = c === "+" ? "+" : c === "-" ? "-" : " ";
      if (kind !== "+") oldLeft--;
      if (kind !== "-") newLeft--;
      if (keep) hunk.lines.push({ kind, text: l.slice(1) } satisfies HunkLine);
    }
    current.hunks.push(hunk);
  }
}
