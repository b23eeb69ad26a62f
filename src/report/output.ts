/**
 * Every line the CLI prints goes out through here, and so through src/report/sanitize.ts: a file name or a
 * commit message from a repository cannot reach the terminal as an escape sequence, a C1 control or a bidi
 * mark, whichever command prints it. dejafix's own colours are kept when colours are on for that stream.
 */
import { colorEnabled } from "./colors.js";
import { escapeJsonUnsafe, sanitizeOutput } from "./sanitize.js";

function styled(stream: NodeJS.WriteStream): boolean {
  return colorEnabled({ isTTY: Boolean(stream.isTTY) });
}

export function printOut(text: string): void {
  process.stdout.write(sanitizeOutput(text, styled(process.stdout)));
}

export function printErr(text: string): void {
  process.stderr.write(sanitizeOutput(text, styled(process.stderr)));
}

/** JSON keeps the data exact: C0 controls are escaped by JSON.stringify, C1 and bidi marks here. */
export function jsonText(value: unknown, indent?: number): string {
  return escapeJsonUnsafe(JSON.stringify(value, null, indent));
}
