/**
 * Text from commits and files goes to a terminal: a commit message can carry `ESC ] 8 ;;` hyperlinks that
 * lie, `ESC [ 2 J` that clears the screen, a title-setting OSC, or bidi overrides that make code read
 * differently from how it runs (Trojan Source). Everything that is not printable text is removed here.
 */

// ESC-introduced sequences, longest first:
//  OSC  ESC ] … (BEL | ESC \)          e.g. "\x1b]8;;http://evil\x07"
//  DCS/SOS/PM/APC  ESC P|X|^|_ … ESC \
//  CSI  ESC [ params intermediates final   e.g. "\x1b[31m", "\x1b[2J"
//  two-byte ESC x (and ESC with intermediates, e.g. "\x1b(B")
const ESC_SEQUENCE =
  /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[ -/]*[0-~]?/g;

// The same in their 8-bit C1 forms: CSI 0x9b, OSC 0x9d, DCS 0x90, SOS 0x98, PM 0x9e, APC 0x9f, ST 0x9c.
const C1_SEQUENCE = /\x9d[^\x07\x9c]*[\x07\x9c]?|[\x90\x98\x9e\x9f][^\x9c]*\x9c?|\x9b[0-?]*[ -/]*[@-~]?/g;

// Remaining controls: C0 except \t and \n, DEL, C1, and the bidi embedding/override/isolate marks.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Removes every terminal escape sequence and control character; keeps \n and \t. CRLF becomes LF. */
export function sanitize(text: string): string {
  return text.replace(/\r\n/g, "\n").replace(ESC_SEQUENCE, "").replace(C1_SEQUENCE, "").replace(CONTROL, "");
}

/** For one-line places (subjects, paths): also folds newlines and tabs into spaces. */
export function sanitizeLine(text: string): string {
  return sanitize(text).replace(/[\n\t]+/g, " ");
}

/**
 * JSON output keeps the data exact but must not carry raw C1 or bidi characters either (JSON.stringify
 * escapes C0 only), so those are written as \u escapes.
 */
export function escapeJsonUnsafe(json: string): string {
  return json.replace(
    /[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

// The only sequences dejafix itself writes (picocolors, when colours are on): bold, dim, their reset, and
// the foreground colours red..cyan with their reset. None of them hides text or moves the cursor.
const OWN_STYLE = /\x1b\[(?:1|2|22|3[1-6]|39)m/g;

/**
 * For whole blocks of output on their way to a terminal: everything `sanitize` removes is removed, except,
 * when `keepStyle` is set (colours on for that stream), dejafix's own colour sequences. A safety net under
 * the renderers, which sanitize each field they take from a repository.
 */
export function sanitizeOutput(text: string, keepStyle: boolean): string {
  if (!keepStyle) return sanitize(text);
  let out = "";
  let last = 0;
  for (const m of text.matchAll(OWN_STYLE)) {
    out += sanitize(text.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + sanitize(text.slice(last));
}
