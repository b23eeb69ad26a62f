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
import { join } from "node:path";
import { repoLayout } from "../git/repoLayout.js";
import { messages } from "../report/messages.js";
import { STUB_MARKER } from "./hookScripts.js";
import { removeHuskyBlock } from "./husky.js";
import { removeLefthookCommands } from "./lefthook.js";
import { hash, type ManifestEntry, manifestPath, readIfExists, readManifest } from "./manifest.js";

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
    const untouched = hash(current) === entry.afterHash;
    if (untouched || entry.role === "hook-copy" || (entry.role === "stub" && current.includes(STUB_MARKER))) {
      restore(entry);
      result.restored.push(entry.path);
      continue;
    }
    if (entry.role === "husky" || entry.role === "lefthook") {
      const next = entry.role === "husky" ? removeHuskyBlock(current) : removeLefthookCommands(current);
      if (entry.before === null && onlyBoilerplate(next)) unlinkSync(entry.path);
      else writeFileSync(entry.path, next);
      result.edited.push(entry.path);
      result.messages.push(messages.keptEditedFile(entry.path));
      continue;
    }
    result.kept.push(entry.path);
  }
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
