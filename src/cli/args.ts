import { type ParseArgsConfig, parseArgs } from "node:util";
import type { Device } from "../model/train.js";

/** A command-line mistake: the message says what was wrong, main.ts adds where to read the usage. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface Command {
  summary: string;
  help: string;
  run(argv: string[]): Promise<number>;
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** node:util parseArgs, strict, with its errors turned into UsageError. */
export function parse(
  argv: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  opts: { positionals?: boolean } = {},
): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      allowPositionals: opts.positionals ?? true,
      strict: true,
    });
    return { values: values as Parsed["values"], positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export type Format = "text" | "json" | "sarif";

export function formatOf(value: unknown, allowed: readonly Format[]): Format {
  const f = String(value ?? "text") as Format;
  if (!allowed.includes(f)) throw new UsageError(`--format must be one of: ${allowed.join(", ")}`);
  return f;
}

/** A numeric flag's value, or undefined when the flag is absent; a UsageError naming the flag otherwise. */
export function numberFlag(
  value: unknown,
  flag: string,
  range: { min: number; integer?: boolean },
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (
    String(value).trim() === "" ||
    !Number.isFinite(n) ||
    n < range.min ||
    (range.integer === true && !Number.isInteger(n))
  )
    throw new UsageError(
      `${flag} must be ${range.integer ? "a whole number" : "a number"} ≥ ${range.min}, got "${String(value)}"`,
    );
  return n;
}

/** `--device auto|cpu|cuda`, or undefined when absent. */
export function deviceFlag(value: unknown): Device | undefined {
  if (value === undefined) return undefined;
  if (value === "auto" || value === "cpu" || value === "cuda") return value;
  throw new UsageError(`--device must be auto, cpu or cuda, got "${String(value)}"`);
}
