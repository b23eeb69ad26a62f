#!/usr/bin/env node
/**
 * The `dejafix` command: argument parsing and dispatch only. Every command is a thin wrapper over the
 * library API in src/api.ts, which the tests call directly. Nothing is imported up front but Node's
 * module loader: `--version` and `--help` cost what Node's own start costs, and a command loads only
 * its own modules (src/cli/commands.ts).
 */
import module from "node:module";

// Node ≥ 22.1 keeps compiled code between runs (in the OS temp folder); Node 20 has no such cache.
const cache = (module as { enableCompileCache?: () => unknown }).enableCompileCache;
if (typeof cache === "function" && process.env.DEJAFIX_NO_COMPILE_CACHE === undefined) {
  try {
    cache();
  } catch {
    // A read-only temp folder only costs the speed-up.
  }
}

const EXIT = { ok: 0, usage: 2, failed: 3 } as const; // src/cli/args.ts EXIT, without loading it

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v" || name === "-V") {
    const [{ version }, { printOut }] = await Promise.all([
      import("./version.js"),
      import("../report/output.js"),
    ]);
    printOut(`${version()}\n`);
    return EXIT.ok;
  }
  const { commands } = await import("./commands.js");
  const { printErr, printOut } = await import("../report/output.js");
  const usage = (): string =>
    "dejafix — stop known bugs from coming back\n\nUsage: dejafix <command> [options]\n\nCommands:\n" +
    Object.entries(commands)
      .map(([n, c]) => `  ${n.padEnd(12)}${c.summary}`)
      .join("\n") +
    "\n\nRun `dejafix <command> --help` for a command's options. Exit codes: docs/cli.md.\n";
  if (!name || name === "--help" || name === "-h" || name === "help") {
    if (name === "help" && rest[0] && commands[rest[0]]) return main([rest[0], "--help"]);
    if (name) printOut(usage());
    else printErr(usage());
    return name ? EXIT.ok : EXIT.usage;
  }
  const entry = commands[name];
  if (!entry) {
    const { closestName } = await import("./closestName.js");
    const near = name.startsWith("-") ? undefined : closestName(name, Object.keys(commands));
    printErr(
      `dejafix: ${name.startsWith("-") ? "unknown option" : "unknown command"} "${name}".` +
        (near ? ` Did you mean \`dejafix ${near}\`?` : "") +
        "\nRun `dejafix --help` for the list of commands.\n",
    );
    return EXIT.usage;
  }
  const cmd = await entry.load();
  if (rest.includes("--help") || rest.includes("-h")) {
    printOut(`${cmd.help}\n`);
    return EXIT.ok;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof Error && err.name === "UsageError") {
      printErr(`dejafix ${name}: ${err.message}\nRun \`dejafix ${name} --help\` for its options.\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    const { printErr } = await import("../report/output.js");
    if (err instanceof Error && err.name === "IndexDiskFullError") {
      // One line naming the folder to free space in; the reason SQLite gave adds nothing for the user.
      const [{ messages }, { stderrColors }, { sanitizeLine }] = await Promise.all([
        import("../report/messages.js"),
        import("../report/colors.js"),
        import("../report/sanitize.js"),
      ]);
      const dir = (err as Error & { dir?: unknown }).dir;
      printErr(`${messages.indexDiskFull(stderrColors(), sanitizeLine(String(dir)))}\n`);
      process.exitCode = EXIT.failed;
      return;
    }
    const { message, hint } = describeError(err);
    printErr(`dejafix: ${message}\n${hint ? `${hint}\n` : ""}`);
    process.exitCode = EXIT.failed;
  },
);

function describeError(err: unknown): { message: string; hint?: string } {
  if (err instanceof Error) {
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
