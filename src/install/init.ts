/**
 * `dejafix init` as a library function: installs the hooks where git runs them — next to husky, lefthook or
 * the user's own hooks, never over them — records every change for `uninstall`, then hands over to the
 * rules and indexing steps. Running it twice changes nothing the second time.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { type RepoLayout, repoLayout } from "../git/repoLayout.js";
import type { HookName } from "../hooks/table.js";
import { messages } from "../report/messages.js";
import { ownerOf } from "./hookOwner.js";
import { HOOKS, hookCopies, packageRoot, runnerPath, STUB_MARKER, stubScript } from "./hookScripts.js";
import { addHuskyBlock, detectHusky } from "./husky.js";
import { addLefthookCommands, findLefthookConfig, lefthookChecksumFile } from "./lefthook.js";
import {
  type EntryRole,
  hash,
  type Manager,
  type Manifest,
  modeOf,
  readIfExists,
  readManifest,
  writeManifest,
} from "./manifest.js";

/** Suffix of a user's hook that dejafix moved aside and still runs first. */
export const CHAINED_SUFFIX = ".before-dejafix";

export interface InitSteps {
  /**
   * Call site for src/rules: write `.dejafix/rules.yml` (with its `$schema` line) when it is missing and
   * return the files it created, so `uninstall` can remove them if they are still unedited.
   */
  writeRules?: (ctx: { repoDir: string; topLevel: string }) => Promise<string[]>;
  /** Call site for src/index: index the history once (progress bar on a TTY). Runs after the hooks are in. */
  indexHistory?: (ctx: { repoDir: string; commonDir: string }) => Promise<void>;
}

export interface InitOptions {
  repoDir: string;
  /** "auto" (default): husky when core.hooksPath is husky's, lefthook when it has a config, else the hooks folder. */
  manager?: Manager | "auto";
  /** Node written into the hooks as a fallback for GUI clients (default: the Node running init). */
  nodePath?: string;
  /** Package whose hooks/ and dist/ are installed (default: this one). */
  packageRoot?: string;
  /**
   * Add the `prepare` script (and dejafix as a devDependency) to a JavaScript project's package.json, so
   * every clone gets the hooks on `npm install` (default: true). `init --prepare` itself passes false.
   */
  packageJson?: boolean;
  steps?: InitSteps;
}

export interface InitResult {
  manager: Manager;
  hooksDir: string;
  /** Files init wrote or moved this time (empty when everything was already in place). */
  changed: string[];
  /** What to tell the user, one sentence each. */
  messages: string[];
}

/** Applies file changes and records in the manifest what each file was before the first change. */
class Recorder {
  readonly changed: string[] = [];
  constructor(readonly manifest: Manifest) {}

  ensureDir(dir: string): void {
    const missing: string[] = [];
    for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
    for (const d of missing) {
      mkdirSync(d);
      if (!this.manifest.createdDirs.includes(d)) this.manifest.createdDirs.push(d);
    }
  }

  write(path: string, content: string, role: EntryRole, mode?: number): void {
    const current = readIfExists(path);
    const currentMode = modeOf(path);
    const modeOk = mode === undefined || (currentMode !== null && (currentMode & 0o777) === mode);
    if (current === content && modeOk) return;
    this.ensureDir(dirname(path));
    const entry = this.manifest.entries.find((e) => e.path === path && e.role !== "chained");
    if (entry) {
      // Someone else changed the file since dejafix last wrote it (husky init rewrote package.json, say):
      // its old content is no longer the whole truth, so uninstall will take out only dejafix's lines.
      if (current !== null && hash(current) !== entry.afterHash) entry.othersChanged = true;
      entry.afterHash = hash(content);
    } else
      this.manifest.entries.push({
        role,
        path,
        before: current,
        beforeMode: currentMode,
        afterHash: hash(content),
      });
    writeFileSync(path, content);
    const finalMode = mode ?? (current === null ? 0o644 : undefined);
    if (finalMode !== undefined) chmodSync(path, finalMode);
    this.changed.push(path);
  }

  moveAside(from: string, to: string): void {
    renameSync(from, to);
    this.manifest.entries.push({
      role: "chained",
      path: to,
      movedFrom: from,
      before: null,
      beforeMode: null,
      afterHash: "",
    });
    this.changed.push(to);
  }

  record(path: string, role: EntryRole): void {
    const content = readIfExists(path);
    if (content === null || this.manifest.entries.some((e) => e.path === path)) return;
    this.manifest.entries.push({ role, path, before: null, beforeMode: null, afterHash: hash(content) });
    this.changed.push(path);
  }
}

function detectManager(layout: RepoLayout): Manager {
  if (detectHusky(layout)) return "husky";
  if (findLefthookConfig(layout.topLevel)) return "lefthook";
  return "hooks-dir";
}

function installHooksDir(rec: Recorder, layout: RepoLayout, root: string, out: string[]): void {
  const installed: HookName[] = [];
  for (const hook of HOOKS) {
    const target = join(layout.hooksDir, hook);
    const current = readIfExists(target);
    // pre-commit's hook runs dejafix's stub as its `.legacy` hook (pre-commit's "migration mode"): both run.
    if (ownerOf(current) === "pre-commit" && ownerOf(readIfExists(`${target}.legacy`)) === "dejafix")
      continue;
    if (current !== null && !current.includes(STUB_MARKER)) {
      const aside = `${target}${CHAINED_SUFFIX}`;
      if (existsSync(aside)) {
        throw new Error(
          `${aside} already exists, so dejafix cannot keep your ${hook} hook beside it. ` +
            "Move one of them away and run `dejafix init` again.",
        );
      }
      rec.moveAside(target, aside);
      out.push(messages.chainedUserHook(hook, aside));
    }
    const before = rec.changed.length;
    rec.write(target, stubScript(root, hook), "stub", 0o755);
    if (rec.changed.length > before) installed.push(hook);
  }
  if (installed.length > 0) out.unshift(messages.installedHooksDir(layout.hooksDir, installed));
}

function installHusky(rec: Recorder, layout: RepoLayout, out: string[]): void {
  const husky = detectHusky(layout);
  if (!husky) throw new Error("core.hooksPath does not point at husky; run `dejafix init` without --husky");
  const edited: string[] = [];
  for (const hook of HOOKS) {
    const file = join(husky.dir, hook);
    const current = readIfExists(file);
    const next = addHuskyBlock(current, hook, husky.legacy);
    const before = rec.changed.length;
    rec.write(
      file,
      next,
      "husky",
      husky.legacy || current === null ? (husky.legacy ? 0o755 : 0o644) : undefined,
    );
    if (rec.changed.length > before) edited.push(relative(layout.topLevel, file));
  }
  if (edited.length > 0) out.push(messages.huskyEdited(edited));
}

function installLefthook(rec: Recorder, layout: RepoLayout, out: string[]): void {
  const file = findLefthookConfig(layout.topLevel) ?? join(layout.topLevel, "lefthook.yml");
  const next = addLefthookCommands(readIfExists(file) ?? "");
  if (next === null) return;
  // lefthook installs a hook file for every hook its config names: uninstall removes those only dejafix's
  // commands brought in, so it needs to know which were lefthook's before.
  if (!rec.manifest.lefthookHooksBefore) {
    rec.manifest.lefthookHooksBefore = HOOKS.filter(
      (h) => ownerOf(readIfExists(join(layout.hooksDir, h))) === "lefthook",
    );
    rec.manifest.lefthookChecksumBefore = readIfExists(lefthookChecksumFile(layout.commonDir));
  }
  rec.write(file, next, "lefthook");
  out.push(
    syncLefthook(layout)
      ? messages.lefthookSynced(relative(layout.topLevel, file))
      : messages.lefthookEdited(relative(layout.topLevel, file)),
  );
}

/**
 * Runs `lefthook install` (the project's own lefthook first, then one on PATH) so that lefthook installs
 * the hooks dejafix just added to its config; lefthook alone installs a hook only on its next install.
 * False when there is no lefthook to run or it failed: the message then asks the user to run it.
 */
function syncLefthook(layout: RepoLayout): boolean {
  const local = join(layout.topLevel, "node_modules", ".bin", "lefthook");
  const r = spawnSync(existsSync(local) ? local : "lefthook", ["install"], {
    cwd: layout.topLevel,
    stdio: "ignore",
    timeout: 30_000,
  });
  return r.status === 0;
}

export async function init(opts: InitOptions): Promise<InitResult> {
  const layout = repoLayout(opts.repoDir);
  const root = opts.packageRoot ?? packageRoot();
  const existing = readManifest(layout.commonDir);
  const manager = opts.manager && opts.manager !== "auto" ? opts.manager : detectManager(layout);
  const manifest: Manifest = existing
    ? { ...existing, manager, hooksDir: layout.hooksDir }
    : { version: 1, manager, hooksDir: layout.hooksDir, entries: [], createdDirs: [] };
  const rec = new Recorder(manifest);
  const out: string[] = [];

  // This clone's copy of the hook scripts, shared by all its worktrees. Run from npx's or pnpm dlx's cache,
  // the runner is copied out of it first: those caches are pruned, and the hooks would then find nothing.
  const runtime = ephemeralInstall(root) ? stableCopy(root, layout.commonDir, manifest, out) : root;
  const copyDir = join(layout.commonDir, "dejafix", "hooks");
  for (const copy of hookCopies(root, opts.nodePath ?? process.execPath, runnerPath(runtime))) {
    rec.write(join(copyDir, copy.name), copy.content, "hook-copy", copy.mode);
  }
  if (manager === "husky") installHusky(rec, layout, out);
  else if (manager === "lefthook") installLefthook(rec, layout, out);
  else installHooksDir(rec, layout, root, out);

  if (opts.packageJson ?? true) addToPackageJson(rec, layout, root, out);
  if (opts.steps?.writeRules) {
    rec.ensureDir(join(layout.topLevel, ".dejafix"));
    for (const file of await opts.steps.writeRules({ repoDir: opts.repoDir, topLevel: layout.topLevel })) {
      rec.record(file, "created");
    }
  }
  const changed = rec.changed;
  if (changed.length > 0 || !existing) writeManifest(layout.commonDir, manifest);
  if (changed.length === 0) out.push(messages.alreadyInstalled());
  if (opts.steps?.indexHistory)
    await opts.steps.indexHistory({ repoDir: opts.repoDir, commonDir: layout.commonDir });
  return { manager, hooksDir: layout.hooksDir, changed, messages: out };
}

/** The script a JavaScript project runs on `npm install` (husky's convention): hooks only, never indexing. */
export const PREPARE_COMMAND = "dejafix init --prepare";

/**
 * A JavaScript project (package.json at the top of the work tree) gets dejafix as a devDependency and a
 * `prepare` script, so each teammate's `npm install` (or pnpm's) installs the hooks in their clone.
 */
function addToPackageJson(rec: Recorder, layout: RepoLayout, root: string, out: string[]): void {
  const file = join(layout.topLevel, "package.json");
  const text = readIfExists(file);
  if (text === null) return;
  let pkg: {
    scripts?: Record<string, string>;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  try {
    pkg = JSON.parse(text) as typeof pkg;
  } catch {
    out.push(messages.packageJsonUnreadable(file));
    return;
  }
  const added: string[] = [];
  const prepare = pkg.scripts?.prepare;
  if (!prepare?.includes("dejafix init")) {
    pkg.scripts = { ...pkg.scripts, prepare: prepare ? `${prepare} && ${PREPARE_COMMAND}` : PREPARE_COMMAND };
    added.push(`"prepare": "${pkg.scripts.prepare}"`);
  }
  if (!pkg.dependencies?.dejafix && !pkg.devDependencies?.dejafix) {
    pkg.devDependencies = { ...pkg.devDependencies, dejafix: `^${packageVersion(root)}` };
    added.push("dejafix in devDependencies");
  }
  if (added.length === 0) return;
  const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? "  ";
  rec.write(file, `${JSON.stringify(pkg, null, indent)}${text.endsWith("\n") ? "\n" : ""}`, "package-json");
  out.push(messages.packageJsonEdited(relative(layout.topLevel, file), added));
}

function packageVersion(root: string): string {
  return (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
}

/** Whether `root` lies in a cache that a package manager prunes: npx's `_npx` or pnpm's `dlx` folders. */
export function ephemeralInstall(root: string): boolean {
  const parts = root.split(sep);
  return parts.includes("_npx") || parts.includes("dlx");
}

/**
 * Copies the install tree that holds `root` (the `node_modules` folder of npx's or pnpm's temporary
 * project, symlinks kept as they are: pnpm's are relative) to <git-common-dir>/dejafix/runtime and
 * returns where the package is in the copy. A copy from an earlier init is replaced.
 */
function stableCopy(root: string, commonDir: string, manifest: Manifest, out: string[]): string {
  const parts = root.split(sep);
  const top = parts.indexOf("node_modules");
  if (top < 0) return root;
  const from = parts.slice(0, top + 1).join(sep);
  const dir = join(commonDir, "dejafix", "runtime");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(from, join(dir, "node_modules"), { recursive: true, verbatimSymlinks: true });
  manifest.runtimeDir = dir;
  out.push(messages.runtimeCopied(dir));
  return join(dir, ...parts.slice(top));
}
