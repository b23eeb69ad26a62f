/**
 * `dejafix init` as a library function: installs the hooks where git runs them — next to husky, lefthook or
 * the user's own hooks, never over them — records every change for `uninstall`, then hands over to the
 * rules and indexing steps. Running it twice changes nothing the second time.
 */
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { type RepoLayout, repoLayout } from "../git/repoLayout.js";
import type { HookName } from "../hooks/table.js";
import { messages } from "../report/messages.js";
import { HOOKS, hookCopies, packageRoot, runnerPath, STUB_MARKER, stubScript } from "./hookScripts.js";
import { addHuskyBlock, detectHusky } from "./husky.js";
import { addLefthookCommands, findLefthookConfig } from "./lefthook.js";
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
    if (entry) entry.afterHash = hash(content);
    else
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
  rec.write(file, next, "lefthook");
  out.push(messages.lefthookEdited(relative(layout.topLevel, file)));
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

  // This clone's copy of the hook scripts, shared by all its worktrees.
  const copyDir = join(layout.commonDir, "dejafix", "hooks");
  for (const copy of hookCopies(root, opts.nodePath ?? process.execPath, runnerPath(root))) {
    rec.write(join(copyDir, copy.name), copy.content, "hook-copy", copy.mode);
  }
  if (manager === "husky") installHusky(rec, layout, out);
  else if (manager === "lefthook") installLefthook(rec, layout, out);
  else installHooksDir(rec, layout, root, out);

  if (opts.steps?.writeRules) {
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
