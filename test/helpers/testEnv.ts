import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

/**
 * Loaded before every test file (`node --import`, package.json's test script). The tests run hooks as they run
 * on a developer's machine: the CI variable of the machine running the tests (GitHub Actions, `.ci/run`) would
 * make every hook skip (hooks.ci: skip). The tests of CI mode set CI themselves.
 */
delete process.env.CI;

// lefthook installed for the tests by scripts/ensure-hook-managers.mjs (when it was not on PATH already).
const tools =
  process.env.DEJAFIX_TOOLS_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "dejafix-tools");
const lefthookBin = join(tools, "lefthook-2.2.1", "node_modules", ".bin");
if (existsSync(lefthookBin)) process.env.PATH = `${lefthookBin}${delimiter}${process.env.PATH ?? ""}`;
