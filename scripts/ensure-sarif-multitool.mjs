#!/usr/bin/env node
// Before the tests: test/sarif.e2e.test.ts runs Microsoft's SARIF Multitool (its SARIF and GitHub rule
// sets) on dejafix's SARIF. The tool is a self-contained .NET program shipped on npm
// (@microsoft/sarif-multitool, with one package per platform): no .NET runtime is needed. It is not a
// dependency of dejafix; this installs it once from the npm registry into a cache folder outside the
// repository (DEJAFIX_TOOLS_DIR, default ~/.cache/dejafix-tools) and prints the program's path.
// SARIF_MULTITOOL=/path/to/Sarif.Multitool uses a copy you already have instead.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const SARIF_MULTITOOL_VERSION = "5.7.0";

/** Where the program is once installed (it may not be yet). */
export function sarifMultitoolPath(env = process.env) {
  if (env.SARIF_MULTITOOL) return env.SARIF_MULTITOOL;
  const root = env.DEJAFIX_TOOLS_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "dejafix-tools");
  const dir = join(root, `sarif-multitool-${SARIF_MULTITOOL_VERSION}`);
  const exe = process.platform === "win32" ? "Sarif.Multitool.exe" : "Sarif.Multitool";
  return join(dir, "node_modules", "@microsoft", `sarif-multitool-${process.platform}`, exe);
}

function install() {
  const exe = sarifMultitoolPath();
  if (existsSync(exe)) return exe;
  if (process.env.SARIF_MULTITOOL) throw new Error(`SARIF_MULTITOOL=${exe} does not exist`);
  const dir = join(exe, "..", "..", "..", "..");
  mkdirSync(dir, { recursive: true });
  console.error(`Installing @microsoft/sarif-multitool@${SARIF_MULTITOOL_VERSION} (SARIF validator for the tests) in ${dir}…`);
  const r = spawnSync(
    "npm",
    ["install", "--prefix", dir, "--no-save", "--no-package-lock", "--no-audit", "--no-fund",
      `@microsoft/sarif-multitool@${SARIF_MULTITOOL_VERSION}`],
    { cwd: dir, stdio: ["ignore", "inherit", "inherit"], shell: process.platform === "win32" },
  );
  if (r.status !== 0 || !existsSync(exe))
    throw new Error(
      `could not install @microsoft/sarif-multitool from npm (exit ${r.status}); install it by hand and set SARIF_MULTITOOL to its Sarif.Multitool`,
    );
  // Its postinstall does this too, unless scripts are off (pnpm, --ignore-scripts).
  if (process.platform !== "win32") chmodSync(exe, 0o755);
  return exe;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    console.log(install());
  } catch (e) {
    console.error(String(e instanceof Error ? e.message : e));
    process.exit(1);
  }
}
