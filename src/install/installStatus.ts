/**
 * Whether git will actually run dejafix's hooks now, not only whether `dejafix init` once ran: the install
 * record says where the hooks were put, but `core.hooksPath` can move afterwards (a husky or lefthook set up
 * later, a team config), and then git runs other files. `dejafix doctor` reports this.
 */
import { accessSync, constants, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { type RepoLayout, repoLayout } from "../git/repoLayout.js";
import { messages } from "../report/messages.js";
import { ownerOf, reachesDejafix } from "./hookOwner.js";
import { HOOKS } from "./hookScripts.js";
import { detectHusky, HUSKY_BEGIN } from "./husky.js";
import { addLefthookCommands, findLefthookConfig } from "./lefthook.js";
import { type Manager, readIfExists, readManifest } from "./manifest.js";

export interface InstallStatus {
  /** True when git runs dejafix's hooks from where it looks for hooks now. */
  ok: boolean;
  manager: Manager | null;
  /** Where git runs hooks from now (`core.hooksPath` respected). */
  hooksDir: string;
  /** What is wrong and what to do, one sentence; null when ok. */
  problem: string | null;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The manager that set core.hooksPath, when it is one dejafix knows. */
function managerOfHooksPath(layout: RepoLayout): string | undefined {
  return detectHusky(layout) ? "husky" : undefined;
}

export function installStatus(repoDir: string): InstallStatus {
  const layout = repoLayout(repoDir);
  const manifest = readManifest(layout.commonDir);
  const at = { hooksDir: layout.hooksDir };
  if (!manifest) return { ok: false, manager: null, ...at, problem: messages.hooksNotInstalled() };
  const bad = (problem: string): InstallStatus => ({ ok: false, manager: manifest.manager, ...at, problem });
  const copies = join(layout.commonDir, "dejafix", "hooks");
  const lostCopies = HOOKS.filter((h) => !existsSync(join(copies, h)));
  if (lostCopies.length > 0 || !existsSync(join(copies, "dejafix.sh")))
    return bad(messages.hooksMissing(copies, lostCopies.length > 0 ? lostCopies : ["dejafix.sh"]));

  if (manifest.manager === "husky") {
    const husky = detectHusky(layout);
    if (!husky) return bad(messages.hooksMoved(manifest.hooksDir, layout.hooksDir));
    const lost = HOOKS.filter((h) => !(readIfExists(join(husky.dir, h)) ?? "").includes(HUSKY_BEGIN));
    if (lost.length > 0) return bad(messages.hooksMissing(husky.dir, lost));
  } else if (manifest.manager === "lefthook") {
    const config = findLefthookConfig(layout.topLevel);
    if (!config || addLefthookCommands(readIfExists(config) ?? "") !== null)
      return bad(messages.hooksMissing(config ?? layout.topLevel, [...HOOKS]));
    if (resolve(manifest.hooksDir) !== resolve(layout.hooksDir))
      return bad(messages.hooksMoved(manifest.hooksDir, layout.hooksDir, managerOfHooksPath(layout)));
    const unsynced = HOOKS.filter((h) => ownerOf(readIfExists(join(layout.hooksDir, h))) !== "lefthook");
    if (unsynced.length > 0) return bad(messages.lefthookNotSynced(unsynced));
  } else {
    if (resolve(manifest.hooksDir) !== resolve(layout.hooksDir))
      return bad(messages.hooksMoved(manifest.hooksDir, layout.hooksDir, managerOfHooksPath(layout)));
    const lost = HOOKS.filter(
      (h) => !reachesDejafix(layout.hooksDir, h) || !executable(join(layout.hooksDir, h)),
    );
    // Name the manager that took the hooks, and how: that is what the user did and can recognise.
    const by = (owner: string) =>
      lost.filter((h) => ownerOf(readIfExists(join(layout.hooksDir, h))) === owner);
    if (by("lefthook").length > 0)
      return bad(messages.displacedBy("lefthook", "`lefthook install`", layout.hooksDir, by("lefthook")));
    if (by("pre-commit").length > 0)
      return bad(
        messages.displacedBy("pre-commit", "`pre-commit install -f`", layout.hooksDir, by("pre-commit")),
      );
    if (lost.length > 0) return bad(messages.hooksMissing(layout.hooksDir, lost));
  }
  return { ok: true, manager: manifest.manager, ...at, problem: null };
}
