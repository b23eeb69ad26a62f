#!/usr/bin/env node
/**
 * The `dejafix` command: argument parsing and dispatch only. Every command is a thin wrapper over the
 * library API in src/api.ts, which the tests call directly.
 */
import { printErr, printOut } from "../report/output.js";
import { type Command, commands } from "./commands.js";

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
