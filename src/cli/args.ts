import { type ParseArgsConfig, parseArgs } from "node:util";

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
export function parse(argv: string[], options: NonNullable<ParseArgsConfig["options"]>): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
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
