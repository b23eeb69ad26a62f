import assert from "node:assert/strict";
import Database from "better-sqlite3";

/** Columns that differ between two equal runs: when things happened, and where the clone lives. */
const VOLATILE: Record<string, readonly string[]> = {
  tips: ["mined_at"],
  calibration: ["computed_at"],
  adaptation: ["computed_at", "seconds"],
  repos: ["path", "name"],
};
/** A log of runs (a killed run stays "running"), not part of what the index knows. */
const LOGS = new Set(["runs"]);

/**
 * Every row of every table of an index file, each as a JSON line (BLOBs in hex), sorted: two indexes
 * that hold the same rows give equal maps, whatever order the rows were written in.
 */
export function indexRows(file: string): Map<string, string[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const out = new Map<string, string[]>();
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all() as string[];
    for (const t of tables) {
      if (LOGS.has(t)) continue;
      const skip = VOLATILE[t] ?? [];
      const cols = (db.prepare("SELECT name FROM pragma_table_info(?)").pluck().all(t) as string[]).filter(
        (c) => !skip.includes(c),
      );
      const rows = db
        .prepare(`SELECT ${cols.map((c) => `"${c}"`).join(", ")} FROM "${t}"`)
        .raw()
        .all() as unknown[][];
      out.set(
        t,
        rows.map((r) => JSON.stringify(r.map((v) => (Buffer.isBuffer(v) ? v.toString("hex") : v)))).sort(),
      );
    }
    return out;
  } finally {
    db.close();
  }
}

/** Fails with the tables that differ, and a few rows missing or extra in each. */
export function assertSameRows(
  actual: Map<string, string[]>,
  expected: Map<string, string[]>,
  what: string,
): void {
  const problems: string[] = [];
  for (const t of new Set([...expected.keys(), ...actual.keys()])) {
    const a = actual.get(t);
    const e = expected.get(t);
    if (!a || !e) {
      problems.push(`${t}: ${a ? "not in the clean index" : "missing"}`);
      continue;
    }
    if (a.length === e.length && a.every((row, i) => row === e[i])) continue;
    const inA = new Set(a);
    const inE = new Set(e);
    const missing = e.filter((r) => !inA.has(r));
    const extra = a.filter((r) => !inE.has(r));
    problems.push(
      `${t}: ${a.length} rows, clean run ${e.length}; missing ${missing.length} (${missing.slice(0, 2).join(" ")}), extra ${extra.length} (${extra.slice(0, 2).join(" ")})`,
    );
  }
  assert.deepEqual(problems, [], `${what}: the index differs from a clean run\n${problems.join("\n")}`);
}

/** Rows per table, for messages. */
export function rowCounts(rows: Map<string, string[]>): Record<string, number> {
  return Object.fromEntries([...rows].map(([t, r]) => [t, r.length]));
}
