#!/usr/bin/env node
/**
 * The `dejafix` command: argument parsing and dispatch only. Every command is a thin wrapper over the
 * library API in src/api.ts, which the tests call directly.
 */
import { spawnSync } from "node:child_process";
import { printErr, printOut } from "../report/output.js";
import { type Command, commands } from "./commands.js";

/**
 * Commands that replay whole histories. V8 lets garbage pile up to gigabytes before a full collection,
 * so these run in a child Node with a heap cap that keeps the process under 1 GiB (costs one start-up,
 * ~40 ms, never paid by hooks).
 */
const HEAVY = new Set(["index", "dataset", "eval", "calibrate", "init"]);
const HEAP_MB = 640;

function reexecWithHeapCap(argv: string[]): number | null {
  if (
    process.env.DEJAFIX_HEAP_CAPPED === "1" ||
    process.execArgv.some((a) => a.startsWith("--max-old-space-size"))
  ) {
    return null;
  }
  const script = process.argv[1];
  if (!script) return null;
  const r = spawnSync(
    process.execPath,
    [`--max-old-space-size=${HEAP_MB}`, ...process.execArgv, script, ...argv],
    {
      stdio: "inherit",
      env: { ...process.env, DEJAFIX_HEAP_CAPPED: "1" },
    },
  );
  if (r.error) return null; // could not re-run: carry on uncapped
  return r.status ?? (r.signal ? 128 + 9 : 1);
}

const USAGE = `dejafix — stop known bugs from coming back

Usage: dejafix <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`)
  .join("\n")}

Run \`dejafix <command> --help\` for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    printOut(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-v") {
    const { version } = await import("./version.js");
    printOut(`${version()}\n`);
    return 0;
  }
  const cmd: Command | undefined = commands[name];
  if (!cmd) {
    printErr(`dejafix: unknown command "${name}".\n\n${USAGE}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    printOut(`${cmd.help}\n`);
    return 0;
  }
  if (HEAVY.has(name)) {
    const code = reexecWithHeapCap(argv);
    if (code !== null) return code;
  }
  return cmd.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const { message, hint } = describeError(err);
    printErr(`dejafix: ${message}\n${hint ? `${hint}\n` : ""}`);
    process.exitCode = 1;
  },
);

function describeError(err: unknown): { message: string; hint?: string } {
  if (err instanceof Error) {
    if (err.name === "UsageError") return { message: err.message, hint: "Run `dejafix --help` for usage." };
    if (err.name === "GitError" && /not a git repository/i.test(err.message)) {
      return {
        message: "this folder is not inside a git repository.",
        hint: "cd into your repository, or pass --repo DIR.",
      };
    }
    return { message: err.message };
  }
  return { message: String(err) };
}
