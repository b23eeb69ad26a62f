/**
 * `dejafix uninstall`: undoes what `init` recorded, newest change first. A file still exactly as init left
 * it gets its old content back (or is removed if init created it); a file someone edited since keeps their
 * edits and loses only dejafix's lines; a user hook moved aside goes back to its place.
 */
import {
  chmodSync,
  existsSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { type RepoLayout, repoLayout } from "../git/repoLayout.js";
import { messages } from "../report/messages.js";
import { BACKUP_SUFFIXES, ownerOf } from "./hookOwner.js";
import { HOOKS, STUB_MARKER } from "./hookScripts.js";
import { removeHuskyBlock } from "./husky.js";
import { PREPARE_COMMAND } from "./init.js";
import { lefthookChecksumFile, removeLefthookCommands } from "./lefthook.js";
import {
  hash,
  type Manifest,
  type ManifestEntry,
  manifestPath,
  readIfExists,
  readManifest,
} from "./manifest.js";

export interface UninstallOptions {
  repoDir: string;
  /** Also delete <git-common-dir>/dejafix (index, logs, override records). */
  purge?: boolean;
}

export interface UninstallResult {
  /** Files deleted or given back their old content. */
  restored: string[];
  /** Files where only dejafix's lines were removed, because they were edited after init. */
  edited: string[];
  /** Files left alone because they were no longer dejafix's (e.g. another tool replaced a stub). */
  kept: string[];
  messages: string[];
}

function restore(entry: ManifestEntry): void {
  if (entry.before === null) {
    unlinkSync(entry.path);
    return;
  }
  writeFileSync(entry.path, entry.before);
  if (entry.beforeMode !== null) chmodSync(entry.path, entry.beforeMode);
}

function onlyBoilerplate(text: string): boolean {
  return text.replace(/^#!.*\n?/, "").trim() === "";
}

/**
 * What other managers made of dejafix's files, which the record cannot list: its stubs kept as lefthook's
 * `<hook>.old` or pre-commit's `<hook>.legacy`, the hook files `lefthook install` created when init ran
 * it, and the package copy made when init ran from npx's cache.
 */
function removeLeftovers(layout: RepoLayout, manifest: Manifest, result: UninstallResult): void {
  const dirs = new Set([layout.hooksDir, manifest.hooksDir]);
  for (const e of manifest.entries) if (e.role === "stub") dirs.add(dirname(e.path));
  for (const dir of dirs)
    for (const hook of HOOKS)
      for (const suffix of BACKUP_SUFFIXES) {
        const file = join(dir, hook + suffix);
        if (ownerOf(readIfExists(file)) !== "dejafix") continue;
        unlinkSync(file);
        result.restored.push(file);
      }
  if (manifest.lefthookHooksBefore) {
    // init ran `lefthook install`: the hook files it created were not there before (exact means gone).
    for (const hook of HOOKS) {
      const file = join(layout.hooksDir, hook);
      if (manifest.lefthookHooksBefore.includes(hook) || ownerOf(readIfExists(file)) !== "lefthook") continue;
      unlinkSync(file);
      result.restored.push(file);
    }
    const checksum = lefthookChecksumFile(layout.commonDir);
    if (manifest.lefthookChecksumBefore === null) rmSync(checksum, { force: true });
    else if (manifest.lefthookChecksumBefore !== undefined && existsSync(checksum))
      writeFileSync(checksum, manifest.lefthookChecksumBefore);
  }
  if (manifest.runtimeDir) rmSync(manifest.runtimeDir, { recursive: true, force: true });
}

/** package.json without what init added (the prepare command, the devDependency when it was not there). */
function removeFromPackageJson(text: string, before: string | null): string {
  const pkg = JSON.parse(text) as {
    scripts?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const had = before ? (JSON.parse(before) as typeof pkg) : {};
  const prepare = pkg.scripts?.prepare;
  if (pkg.scripts && prepare !== undefined) {
    const rest = prepare
      .split(" && ")
      .filter((part) => part !== PREPARE_COMMAND)
      .join(" && ");
    if (rest) pkg.scripts.prepare = rest;
    else delete pkg.scripts.prepare;
    if (Object.keys(pkg.scripts).length === 0 && !had.scripts) delete pkg.scripts;
  }
  if (pkg.devDependencies && !had.devDependencies?.dejafix) {
    delete pkg.devDependencies.dejafix;
    if (Object.keys(pkg.devDependencies).length === 0 && !had.devDependencies) delete pkg.devDependencies;
  }
  const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? "  ";
  return `${JSON.stringify(pkg, null, indent)}${text.endsWith("\n") ? "\n" : ""}`;
}

export async function uninstall(opts: UninstallOptions): Promise<UninstallResult> {
  const layout = repoLayout(opts.repoDir);
  const manifest = readManifest(layout.commonDir);
  const result: UninstallResult = { restored: [], edited: [], kept: [], messages: [] };
  if (!manifest) {
    if (opts.purge) rmSync(join(layout.commonDir, "dejafix"), { recursive: true, force: true });
    result.messages.push(messages.uninstalled(0));
    return result;
  }
  for (const entry of [...manifest.entries].reverse()) {
    if (entry.role === "chained") {
      // dejafix's stub may still stand where the user's hook was (its own entry comes earlier in the record).
      if (entry.movedFrom && existsSync(entry.path) && ownerOf(readIfExists(entry.movedFrom)) === "dejafix")
        unlinkSync(entry.movedFrom);
      if (entry.movedFrom && existsSync(entry.path) && !existsSync(entry.movedFrom)) {
        renameSync(entry.path, entry.movedFrom);
        result.restored.push(entry.movedFrom);
        result.messages.push(messages.restoredUserHook(entry.movedFrom));
      } else {
        result.kept.push(entry.path);
      }
      continue;
    }
    const current = readIfExists(entry.path);
    if (current === null) continue;
    const untouched = hash(current) === entry.afterHash && !entry.othersChanged;
    if (untouched || entry.role === "hook-copy" || (entry.role === "stub" && current.includes(STUB_MARKER))) {
      restore(entry);
      result.restored.push(entry.path);
      continue;
    }
    if (entry.role === "husky" || entry.role === "lefthook" || entry.role === "package-json") {
      const next =
        entry.role === "husky"
          ? removeHuskyBlock(current)
          : entry.role === "lefthook"
            ? removeLefthookCommands(current)
            : removeFromPackageJson(current, entry.before);
      if (entry.before === null && onlyBoilerplate(next)) unlinkSync(entry.path);
      else writeFileSync(entry.path, next);
      result.edited.push(entry.path);
      result.messages.push(messages.keptEditedFile(entry.path));
      continue;
    }
    result.kept.push(entry.path);
  }
  removeLeftovers(layout, manifest, result);
  unlinkSync(manifestPath(layout.commonDir));
  for (const dir of [...manifest.createdDirs].reverse()) {
    try {
      if (readdirSync(dir).length === 0) rmdirSync(dir);
    } catch {
      // already gone
    }
  }
  if (opts.purge) rmSync(join(layout.commonDir, "dejafix"), { recursive: true, force: true });
  result.messages.push(messages.uninstalled(result.restored.length + result.edited.length));
  return result;
}
