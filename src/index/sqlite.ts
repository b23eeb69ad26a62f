/**
 * The SQLite driver behind the index: better-sqlite3 where it is installed and built, else Node's own
 * `node:sqlite` (Node ≥ 22.13, nothing to install or compile). better-sqlite3 is an optional peer dependency,
 * never installed with dejafix: its install step downloads a prebuilt binary from GitHub or compiles one for a
 * minute or two (silently, under npm), and pnpm 10 blocks it; Node 22.13+ needs none of that. On an older
 * Node the project installs it beside dejafix. Both drivers are used through the part of better-sqlite3's
 * API the index uses (prepare/get/all/iterate/run, pluck, raw, transaction, pragma), so the stores do not
 * know which one runs. `DEJAFIX_SQLITE=node` or `=better-sqlite3` picks one.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

export interface SqlRunResult {
  changes: number | bigint;
  lastInsertRowid: number | bigint;
}

export interface SqlStatement {
  run(...params: unknown[]): SqlRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  /** Rows as their first column's value. */
  pluck(on?: boolean): this;
  /** Rows as arrays of column values. */
  raw(on?: boolean): this;
}

export interface SqlDatabase {
  prepare(sql: string): SqlStatement;
  exec(sql: string): unknown;
  /** `fn` wrapped in BEGIN/COMMIT (ROLLBACK when it throws); nested calls use savepoints. */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  /** `PRAGMA <source>`: its rows, or with `simple` the first column of the first row. */
  pragma(source: string, opts?: { simple?: boolean }): unknown;
  close(): void;
}

export interface OpenOptions {
  readonly?: boolean;
  /** Throw instead of creating the file (better-sqlite3's option of the same name). */
  fileMustExist?: boolean;
}

export type SqliteDriver = "better-sqlite3" | "node:sqlite";

/** Neither driver can run here: says why and what to do. */
export class SqliteUnavailableError extends Error {
  override name = "SqliteUnavailableError";
  constructor(reason: string) {
    super(
      `dejafix cannot open its index: ${reason}. Use Node.js 22.13 or later (its built-in SQLite needs nothing ` +
        "installed), or install better-sqlite3 beside dejafix: `npm install -D better-sqlite3` (with pnpm, " +
        "`pnpm add -D better-sqlite3` and allow its build with `pnpm approve-builds`). See docs/install.md",
    );
  }
}

/** SQLite's primary result codes by number, for the `code` better-sqlite3 gives its errors. */
const RESULT_CODES: Record<number, string> = {
  1: "SQLITE_ERROR",
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  8: "SQLITE_READONLY",
  10: "SQLITE_IOERR",
  11: "SQLITE_CORRUPT",
  13: "SQLITE_FULL",
  14: "SQLITE_CANTOPEN",
  19: "SQLITE_CONSTRAINT",
  26: "SQLITE_NOTADB",
};

/** node:sqlite errors carry `errcode` (a number); callers read better-sqlite3's `code` ("SQLITE_BUSY"). */
function withCode(e: unknown): unknown {
  const err = e as { code?: unknown; errcode?: unknown } | null;
  if (err && typeof err.errcode === "number") {
    const name = RESULT_CODES[err.errcode & 0xff];
    if (name) err.code = name;
  }
  return e;
}

/** The parts of node:sqlite this file uses (typed here: @types/node 20 does not know the module). */
interface NodeStatementSync {
  run(...params: unknown[]): SqlRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  setReturnArrays(on: boolean): void;
}
interface NodeDatabaseSync {
  prepare(sql: string): NodeStatementSync;
  exec(sql: string): void;
  close(): void;
}
interface NodeSqlite {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean }) => NodeDatabaseSync;
  StatementSync: { prototype: object };
}

/**
 * A zero-length blob that binds as a blob: node:sqlite binds a view of an empty ArrayBuffer (no data
 * pointer) as NULL, where better-sqlite3 binds an empty blob (a NOT NULL column would then refuse it).
 */
const EMPTY_BLOB = new Uint8Array(new ArrayBuffer(1), 0, 0);

function bindable(params: unknown[]): unknown[] {
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (ArrayBuffer.isView(p) && p.byteLength === 0) params[i] = EMPTY_BLOB;
  }
  return params;
}

class NodeStatement implements SqlStatement {
  private mode: "rows" | "pluck" | "raw" = "rows";
  constructor(private readonly st: NodeStatementSync) {}

  private call<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw withCode(e);
    }
  }

  /** node:sqlite gives rows a null prototype; better-sqlite3 plain objects, which callers compare and print. */
  private shape(row: unknown): unknown {
    if (this.mode === "pluck" && Array.isArray(row)) return row[0];
    return this.mode === "rows" && row !== null && typeof row === "object" ? { ...row } : row;
  }

  pluck(on = true): this {
    this.mode = on ? "pluck" : "rows";
    this.st.setReturnArrays(on);
    return this;
  }

  raw(on = true): this {
    this.mode = on ? "raw" : "rows";
    this.st.setReturnArrays(on);
    return this;
  }

  run(...params: unknown[]): SqlRunResult {
    return this.call(() => this.st.run(...bindable(params)));
  }

  get(...params: unknown[]): unknown {
    return this.call(() => this.shape(this.st.get(...bindable(params))));
  }

  all(...params: unknown[]): unknown[] {
    const rows = this.call(() => this.st.all(...bindable(params)));
    return rows.map((r) => this.shape(r));
  }

  *iterate(...params: unknown[]): IterableIterator<unknown> {
    const it = this.call(() => this.st.iterate(...bindable(params)));
    for (;;) {
      const next = this.call(() => it.next());
      if (next.done) return;
      yield this.shape(next.value);
    }
  }
}

class NodeDatabase implements SqlDatabase {
  private depth = 0;
  constructor(private readonly db: NodeDatabaseSync) {}

  prepare(sql: string): SqlStatement {
    try {
      return new NodeStatement(this.db.prepare(sql));
    } catch (e) {
      throw withCode(e);
    }
  }

  exec(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (e) {
      throw withCode(e);
    }
  }

  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return (...args: A): R => {
      const nested = this.depth > 0;
      const savepoint = `dejafix_tx_${this.depth}`;
      this.exec(nested ? `SAVEPOINT ${savepoint}` : "BEGIN");
      this.depth++;
      try {
        const result = fn(...args);
        this.depth--;
        this.exec(nested ? `RELEASE ${savepoint}` : "COMMIT");
        return result;
      } catch (e) {
        this.depth--;
        try {
          this.exec(nested ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : "ROLLBACK");
        } catch {
          // SQLite already rolled back (a failed COMMIT, a full disk): the first error is the one to tell
        }
        throw e;
      }
    };
  }

  pragma(source: string, opts: { simple?: boolean } = {}): unknown {
    const st = this.prepare(`PRAGMA ${source}`);
    return opts.simple ? st.pluck().get() : st.all();
  }

  close(): void {
    this.db.close();
  }
}

type BetterSqlite3 = new (file: string, options?: OpenOptions) => SqlDatabase;

const require = createRequire(import.meta.url);
let chosen: { driver: SqliteDriver; open: (file: string, opts: OpenOptions) => SqlDatabase } | undefined;

/** better-sqlite3's constructor when its native module loads here; otherwise why not. */
function loadBetterSqlite3(): BetterSqlite3 | string {
  try {
    const Database = require("better-sqlite3") as BetterSqlite3;
    // The module loads its native part on first use: an unbuilt one fails here, not at require.
    new Database(":memory:").close();
    return Database;
  } catch (e) {
    const code = (e as { code?: string }).code;
    return code === "MODULE_NOT_FOUND" && String((e as Error).message).includes("'better-sqlite3'")
      ? "better-sqlite3 is not installed"
      : `better-sqlite3 is installed but its native module does not load (${String((e as Error).message).split("\n")[0]})`;
  }
}

/** node:sqlite when this Node has it unflagged with what the index needs (iterate, array rows): 22.13+. */
function loadNodeSqlite(): NodeSqlite | string {
  const emit = process.emitWarning;
  // Node 22 prints "SQLite is an experimental feature" on first load; dejafix's users need not see it.
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (text.includes("SQLite is an experimental feature")) return;
    (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    const mod = require("node:sqlite") as NodeSqlite;
    const proto = mod.StatementSync.prototype as Partial<NodeStatementSync>;
    if (typeof proto.iterate !== "function" || typeof proto.setReturnArrays !== "function")
      return `Node.js ${process.version}'s built-in SQLite lacks what dejafix needs`;
    return mod;
  } catch {
    return `Node.js ${process.version} has no built-in SQLite`;
  } finally {
    process.emitWarning = emit;
  }
}

function openNode(mod: NodeSqlite, file: string, opts: OpenOptions): SqlDatabase {
  if ((opts.fileMustExist || opts.readonly) && file !== ":memory:" && !existsSync(file)) {
    throw Object.assign(new Error(`unable to open database file: ${file} does not exist`), {
      code: "SQLITE_CANTOPEN",
    });
  }
  try {
    return new NodeDatabase(new mod.DatabaseSync(file, { readOnly: opts.readonly ?? false }));
  } catch (e) {
    throw withCode(e);
  }
}

function choose(): NonNullable<typeof chosen> {
  if (chosen) return chosen;
  const want = process.env.DEJAFIX_SQLITE;
  const reasons: string[] = [];
  if (want !== "node") {
    const better = loadBetterSqlite3();
    if (typeof better !== "string") {
      chosen = { driver: "better-sqlite3", open: (file, opts) => new better(file, opts) };
      return chosen;
    }
    reasons.push(better);
  }
  if (want !== "better-sqlite3") {
    const mod = loadNodeSqlite();
    if (typeof mod !== "string") {
      chosen = { driver: "node:sqlite", open: (file, opts) => openNode(mod, file, opts) };
      return chosen;
    }
    reasons.push(mod);
  }
  throw new SqliteUnavailableError(reasons.join(", and "));
}

/** Opens (or creates) a SQLite file with the driver this process can run. */
export function openSqlite(file: string, opts: OpenOptions = {}): SqlDatabase {
  return choose().open(file, opts);
}

/** Which driver opens the index in this process (doctor shows it); throws SqliteUnavailableError. */
export function sqliteDriver(): SqliteDriver {
  return choose().driver;
}
