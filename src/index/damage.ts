/**
 * What a damaged index looks like from the outside. No imports, so the hook harness can tell a damaged
 * index from a crash without loading SQLite.
 */

/** The index file cannot be read as a database: SQLite's own error, or something else in its place. */
export class IndexDamagedError extends Error {
  override name = "IndexDamagedError";
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file} is damaged (${reason}): \`dejafix index\` moves it aside and rebuilds it`);
  }
}

/**
 * Whether an error means the index file is damaged: SQLITE_NOTADB (not a database: overwritten, a
 * garbage header) or SQLITE_CORRUPT and its extended codes (truncated, bad pages).
 */
export function isIndexDamage(e: unknown): boolean {
  if (e instanceof IndexDamagedError) return true;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT"));
}
