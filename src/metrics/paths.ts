import { EXTENSIONS, extensionOf } from "../languages/registry.js";

/**
 * Kamei's subsystem: the top-level directory of a path ("" for files at the root).
 * The SQL twin in src/index/metricsStore.ts must give the same answer.
 */
export function subsystemOf(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/** Directory of a path with its trailing slash ("src/a/" for "src/a/x.ts", "" at the root), like SQL's rtrim trick. */
export function directoryOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/") + 1);
}

/** Language family of a source file (the metrics' language indicator), or null when it is not code. */
export function familyOf(path: string): string | null {
  return EXTENSIONS[extensionOf(path)]?.family ?? null;
}
