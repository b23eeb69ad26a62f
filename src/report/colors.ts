/**
 * The only place that decides whether output is coloured. picocolors' own detection reads process state at
 * import time; hooks need the decision per stream (git gives hooks a TTY on the terminal, none in GUI clients).
 * Order: NO_COLOR (any non-empty value) wins, then FORCE_COLOR ("0"/"false" off, anything else on), then
 * whether the stream is a TTY that is not TERM=dumb.
 */
import pc from "picocolors";

export type Colors = ReturnType<typeof pc.createColors>;

export interface ColorInput {
  env?: NodeJS.ProcessEnv;
  isTTY?: boolean;
}

export function colorEnabled({ env = process.env, isTTY = false }: ColorInput = {}): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === "0" || force.toLowerCase() === "false");
  return isTTY && env.TERM !== "dumb";
}

export function colors(input: ColorInput = {}): Colors {
  return pc.createColors(colorEnabled(input));
}

/** Colours for what goes to stderr (hooks write there: git shows it in terminals and GUI logs). */
export function stderrColors(env: NodeJS.ProcessEnv = process.env): Colors {
  return colors({ env, isTTY: Boolean(process.stderr.isTTY) });
}
