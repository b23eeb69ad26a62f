#!/usr/bin/env node
// Before the tests: test/managers.e2e.test.ts and test/install.test.ts run dejafix beside the real
// lefthook and pre-commit. Neither is a dependency of dejafix. Missing from PATH, lefthook is installed
// once from the npm registry into a cache folder outside the repository (DEJAFIX_TOOLS_DIR, default
// ~/.cache/dejafix-tools; test/helpers/testEnv.ts puts it on the tests' PATH), and pre-commit from
// Debian's package when running as root with apt; elsewhere this says how.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const LEFTHOOK_VERSION = "2.2.1";

const onPath = (name) => spawnSync(name, ["--version"], { stdio: "ignore" }).status === 0;
const root =
  process.env.DEJAFIX_TOOLS_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "dejafix-tools");
const lefthookDir = join(root, `lefthook-${LEFTHOOK_VERSION}`);
const lefthookBin = join(lefthookDir, "node_modules", ".bin", "lefthook");
let failed = false;

if (!onPath("lefthook") && !existsSync(lefthookBin)) {
  mkdirSync(lefthookDir, { recursive: true });
  console.error(`Installing lefthook@${LEFTHOOK_VERSION} (for the hook-manager tests) in ${lefthookDir}…`);
  const r = spawnSync(
    "npm",
    [
      "install",
      "--prefix",
      lefthookDir,
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      `lefthook@${LEFTHOOK_VERSION}`,
    ],
    { cwd: lefthookDir, stdio: ["ignore", "inherit", "inherit"], shell: process.platform === "win32" },
  );
  if (r.status !== 0 || !existsSync(lefthookBin)) {
    console.error(
      `could not install lefthook from npm (exit ${r.status}); npm install -g lefthook@${LEFTHOOK_VERSION}`,
    );
    failed = true;
  }
}

if (!onPath("pre-commit")) {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  if (isRoot && hasApt) {
    console.error("Installing Debian's pre-commit for the hook-manager tests…");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    spawnSync("apt-get", ["update", "-qq"], { stdio: ["ignore", "ignore", "inherit"], env });
    spawnSync("apt-get", ["install", "-y", "-qq", "pre-commit"], {
      stdio: ["ignore", "ignore", "inherit"],
      env,
    });
  }
  if (!onPath("pre-commit")) {
    console.error(
      "The hook-manager tests need pre-commit on PATH.\n" +
        "  Debian/Ubuntu: sudo apt-get install -y pre-commit\n" +
        "  elsewhere:     pipx install pre-commit",
    );
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
