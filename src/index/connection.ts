/**
 * The SQLite connection behind an index handle. Only the modules of src/index ask for it (the layering
 * test in test/layers.test.ts checks that): everything else reads and writes through their functions.
 * A module of its own, importing only types, so that every module of src/index can use it.
 */
import type { SqlDatabase } from "./sqlite.js";

const connections = new WeakMap<object, SqlDatabase>();

export function attach(owner: object, db: SqlDatabase): void {
  connections.set(owner, db);
}

export function sqlite(owner: object): SqlDatabase {
  const db = connections.get(owner);
  if (!db) throw new Error("this index handle is closed or was never opened");
  return db;
}
