/**
 * Which SQLite driver opens the index in this process, for the commands that report it or must say what to
 * install first (doctor, init): the driver itself stays inside src/index.
 */
import { SqliteUnavailableError, sqliteDriver } from "./sqlite.js";

export { SqliteUnavailableError };

/** "better-sqlite3" or "node:sqlite"; throws SqliteUnavailableError (its message says what to do). */
export function indexDriver(): string {
  return sqliteDriver();
}
