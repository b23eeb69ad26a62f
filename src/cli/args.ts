import { type ParseArgsConfig, parseArgs } from "node:util";
import type { Device } from "../model/train.js";
import { closestName } from "./closestName.js";

/**
 * A command-line mistake: the message says what was wrong (with a did-you-mean where one is near);
 * main.ts names the command, adds where to read its usage, and exits with USAGE_EXIT.
 */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The exit codes of every command (docs/cli.md): a usage error is never mistaken for a block. */
export const EXIT = {
  ok: 0,
  /** A change would be blocked, or a command found what it checks for (doctor, rules check). */
  found: 1,
  usage: 2,
  /** dejafix could not do what was asked (not a repository, an unreadable index, a failed step). */
  failed: 3,
} as const;

export interface Command {
  help: string;
  run(argv: string[]): Promise<number>;
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs, strict; a mistake becomes a UsageError in dejafix's words. */
export function parse(argv: string[], options: Options, opts: { positionals?: boolean } = {}): Parsed {
  const allowPositionals = opts.positionals ?? false;
  const mistake = firstMistake(argv, options, allowPositionals);
  if (mistake) throw new UsageError(mistake);
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: values as Parsed["values"], positionals };
  } catch (e) {
    // Only what the scan above does not foresee reaches here; Node's first sentence is enough then.
    throw new UsageError((e as Error).message.split(/\.\s/)[0] ?? String(e));
  }
}

/** The first argument parseArgs would refuse, said plainly; undefined when all are fine. */
function firstMistake(argv: string[], options: Options, allowPositionals: boolean): string | undefined {
  const longs = Object.keys(options);
  const byShort = new Map(Object.entries(options).flatMap(([n, o]) => (o.short ? [[o.short, n]] : [])));
  const unknown = (typed: string, body: string): string => {
    const near = closestName(body.replace(/^no-/, ""), longs);
    return `unknown option ${typed}${near ? ` (did you mean --${near}?)` : ""}`;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") break;
    let name: string | undefined;
    let inlineValue = false;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inlineValue = eq !== -1;
      if (!options[name]) return unknown(eq === -1 ? arg : arg.slice(0, eq), name);
    } else if (arg.startsWith("-") && arg.length > 1) {
      const body = arg.slice(1);
      // -format: one dash before a long name.
      if (body.length > 1 && options[body]) return `unknown option ${arg} (did you mean --${body}?)`;
      name = byShort.get(body[0] as string);
      if (!name) return unknown(arg, body);
      inlineValue = body.length > 1;
    } else {
      if (!allowPositionals) return `unexpected argument "${arg}": this command takes options only`;
      continue;
    }
    const type = options[name]?.type;
    if (type === "boolean" && inlineValue && arg.startsWith("--")) return `--${name} takes no value`;
    if (type === "string" && !inlineValue) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("-") && next !== "-"))
        return `--${name} needs a value (--${name} VALUE or --${name}=VALUE)`;
      i++;
    }
  }
  return undefined;
}

export type Format = "text" | "json" | "sarif";

export function formatOf(value: unknown, allowed: readonly Format[]): Format {
  return choiceFlag(value ?? "text", "--format", allowed);
}

/** A flag that takes one of a few words; a UsageError naming them (and the nearest) otherwise. */
export function choiceFlag<T extends string>(value: unknown, flag: string, allowed: readonly T[]): T {
  const v = String(value);
  if ((allowed as readonly string[]).includes(v)) return v as T;
  const near = closestName(v, allowed);
  const last = allowed[allowed.length - 1];
  const list = allowed.length > 1 ? `${allowed.slice(0, -1).join(", ")} or ${last}` : String(last);
  throw new UsageError(`${flag} must be ${list}, got "${v}"${near ? ` (did you mean ${near}?)` : ""}`);
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
  return choiceFlag<Device>(value, "--device", ["auto", "cpu", "cuda"]);
}
