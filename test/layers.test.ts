/**
 * The layers of src/, checked on the code itself: only src/git runs git, only src/index reaches SQLite,
 * only the CLI imports the library API (src/api.ts), and the folders import each other one way (no
 * cycle of runtime imports between folders). `checkLayers` is exported so the tests can show it fail
 * on a planted violation.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface SourceFile {
  /** Path relative to the repository root, `/`-separated: `src/git/run.ts`. */
  path: string;
  text: string;
}

function readTree(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
        out.push({
          path: path.relative(ROOT, p).split(path.sep).join("/"),
          text: fs.readFileSync(p, "utf8"),
        });
    }
  };
  walk(dir);
  return out;
}

/** The room of a file: its first folder under src/ (`src/api.ts` is a room of its own). */
function roomOf(file: string): string {
  const parts = file.split("/");
  return parts.length > 2 ? parts[1]! : parts[1]!.replace(/\.ts$/, "");
}

/** Text without comments, so that a sample in a doc comment is not taken for code. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** Runtime imports of a file (type-only ones erased by the compiler are left out), resolved to files. */
function runtimeImports(file: SourceFile): string[] {
  const text = code(file.text);
  const specs: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^"';]*?\bfrom\s*["']([^"']+)["']/gm))
    if (!m[2]) specs.push(m[3]!);
  for (const m of text.matchAll(/^\s*import\s+["']([^"']+)["']/gm)) specs.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specs.push(m[1]!);
  return specs
    .filter((s) => s.startsWith("."))
    .map((s) =>
      path.posix.normalize(path.posix.join(path.posix.dirname(file.path), s)).replace(/\.js$/, ".ts"),
    );
}

const GIT_SPAWN = /\b(?:spawn|spawnSync|execFile|execFileSync|exec|execSync|fork)\(\s*["'`]git["'`]/;
const SQL =
  /["'`]\s*(?:SELECT\s+[\s\S]{0,200}?\bFROM|INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(?:TABLE|INDEX))\b/;
const SQLITE_MODULES = /["'](?:better-sqlite3|node:sqlite|[./]*(?:index\/)?(?:connection|sqlite)\.js)["']/;

/** Every crossing of a layer boundary in `files`, one sentence each (empty: the layers hold). */
export function checkLayers(files: readonly SourceFile[]): string[] {
  const problems: string[] = [];
  const edges = new Map<string, Map<string, string>>(); // room → room → an example import
  for (const f of files) {
    const room = roomOf(f.path);
    const text = code(f.text);
    if (room !== "git" && GIT_SPAWN.test(text)) problems.push(`${f.path} runs git itself: call src/git`);
    if (room !== "index" && SQL.test(text)) problems.push(`${f.path} holds SQL: ask src/index`);
    if (room !== "index" && SQLITE_MODULES.test(text)) problems.push(`${f.path} opens SQLite: ask src/index`);
    for (const target of runtimeImports(f)) {
      if (!target.startsWith("src/")) continue;
      const to = roomOf(target);
      if (room !== "git" && target === "src/git/run.ts")
        problems.push(`${f.path} builds git command lines: give src/git a function for it`);
      if (to === "api" && room !== "cli" && room !== "api")
        problems.push(`${f.path} imports the library API (${target}): only src/cli may`);
      if (to === room) continue;
      const out = edges.get(room) ?? new Map<string, string>();
      if (!out.has(to)) out.set(to, `${f.path} → ${target}`);
      edges.set(room, out);
    }
  }
  // Cycles between rooms: Tarjan's strongly connected components over the room graph.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) {
        const ties = scc.flatMap((a) =>
          scc.filter((b) => edges.get(a)?.has(b)).map((b) => edges.get(a)!.get(b)!),
        );
        problems.push(`import cycle between src/${scc.sort().join(", src/")}: ${ties.join("; ")}`);
      }
    }
  };
  for (const room of edges.keys()) if (!index.has(room)) visit(room);
  return problems;
}

describe("the layers of src/", () => {
  const files = readTree(path.join(ROOT, "src"));

  it("hold: git only in src/git, SQLite only in src/index, the API only from src/cli, no cycle of folders", () => {
    assert.ok(files.length > 50, "the whole source tree is read");
    assert.deepEqual(checkLayers(files), []);
  });

  it("a planted violation of each kind is found", () => {
    const planted = [
      ...files,
      {
        path: "src/report/leak.ts",
        text: 'import { spawnSync } from "node:child_process";\nspawnSync("git", ["log"]);\n',
      },
      { path: "src/verdict/sql.ts", text: 'export const q = "SELECT id FROM repos";\n' },
      { path: "src/metrics/api.ts", text: 'import { openIndex } from "../api.js";\nexport { openIndex };\n' },
      {
        path: "src/git/up.ts",
        text: 'import { messages } from "../report/messages.js";\nexport { messages };\n',
      },
      { path: "src/report/down.ts", text: 'import { git } from "../git/run.js";\nexport { git };\n' },
    ];
    const found = checkLayers(planted);
    assert.ok(
      found.some((p) => p.startsWith("src/report/leak.ts runs git itself")),
      found.join("\n"),
    );
    assert.ok(
      found.some((p) => p.startsWith("src/verdict/sql.ts holds SQL")),
      found.join("\n"),
    );
    assert.ok(
      found.some((p) => p.startsWith("src/metrics/api.ts imports the library API")),
      found.join("\n"),
    );
    assert.ok(
      found.some((p) => p.startsWith("import cycle between") && p.includes("src/git")),
      found.join("\n"),
    );
    // Comments and type-only imports are not crossings.
    const quiet = checkLayers([
      {
        path: "src/report/a.ts",
        text: '// spawn("git") here would be wrong\nimport type { X } from "../api.js";\n',
      },
    ]);
    assert.deepEqual(quiet, []);
  });
});
