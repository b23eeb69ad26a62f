/**
 * What `dejafix init` changed, kept in <git-common-dir>/dejafix/install.json so `dejafix uninstall` can undo
 * exactly that: each file's content before init (or that it did not exist), a hash of what init wrote (to
 * tell whether someone edited it since), user hooks that were moved aside, and folders init created.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export type Manager = "hooks-dir" | "husky" | "lefthook";

export type EntryRole =
  | "hook-copy" // dejafix's hook scripts for this clone, under <common-dir>/dejafix/hooks
  | "stub" // the file git runs, in the hooks folder
  | "chained" // the user's own hook, moved aside and called by the stub
  | "husky" // .husky/<hook> with a dejafix block
  | "lefthook" // lefthook.yml with dejafix commands
  | "package-json" // package.json with the prepare script and the devDependency
  | "created"; // a file another init step created (rules file...)

export interface ManifestEntry {
  role: EntryRole;
  /** Absolute path of the file as it is now. */
  path: string;
  /** Content before init; null when init created the file. */
  before: string | null;
  /** File mode before init (permission bits), null when it did not exist. */
  beforeMode: number | null;
  /** sha256 of what init wrote (not used for "chained"). */
  afterHash: string;
  /** For "chained": where the user's hook was. */
  movedFrom?: string;
  /** Another tool changed the file between two inits: uninstall removes dejafix's lines, never restores `before`. */
  othersChanged?: boolean;
}

export interface Manifest {
  version: 1;
  manager: Manager;
  hooksDir: string;
  entries: ManifestEntry[];
  /** Folders init created, deepest last; removed on uninstall when empty. */
  createdDirs: string[];
  /** The hooks lefthook had installed before init added dejafix's commands to its config. */
  lefthookHooksBefore?: string[];
  /** lefthook's checksum file then (null: absent), given back on uninstall. */
  lefthookChecksumBefore?: string | null;
  /** Where init copied the package when it ran from npx's or pnpm dlx's cache (removed on uninstall). */
  runtimeDir?: string;
}

export function manifestPath(commonDir: string): string {
  return join(commonDir, "dejafix", "install.json");
}

export function hash(content: string): string {
  return createHash("sha256").update(content).digest("hex");
}

export function readManifest(commonDir: string): Manifest | null {
  const file = manifestPath(commonDir);
  if (!existsSync(file)) return null;
  const parsed = JSON.parse(readFileSync(file, "utf8")) as Manifest;
  if (parsed.version !== 1 || !Array.isArray(parsed.entries)) {
    throw new Error(`${file} is not a dejafix install record; remove it and run \`dejafix init\` again`);
  }
  return parsed;
}

export function writeManifest(commonDir: string, manifest: Manifest): void {
  const file = manifestPath(commonDir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

export function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

export function modeOf(path: string): number | null {
  try {
    return statSync(path).mode & 0o7777;
  } catch {
    return null;
  }
}
