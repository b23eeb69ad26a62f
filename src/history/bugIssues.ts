/**
 * Reads a tracker export: the ids of issues that are bugs, so fix classification can keep only
 * commits that reference a real bug (as CLEVER did with Ubisoft's tracker).
 *
 * Accepted inputs (chosen by extension, else by the first character):
 *
 *   plain list (.txt)      CSV (.csv)                               JSON (.json)
 *   # exported 2024-05-01  Issue key,Issue Type,Created             {"issues": [{"key": "LANG-788",
 *   LANG-788               LANG-788,Bug,2012-03-04 10:00              "fields": {"issuetype": {"name": "Bug"},
 *   #12                    LANG-789,Improvement,2012-03-05             "created": "2012-03-04T10:00:00.000+0000"}}]}
 *   GH-13                                                            or ["LANG-788", 12, "#13"]
 *                                                                    or GitHub issues: [{"number": 12, "labels": [...]}]
 *
 * When a CSV row or JSON object says what kind of issue it is (a type column, `fields.issuetype.name`,
 * labels), only bugs and defects are kept; otherwise every listed id is taken to be a bug.
 */

import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Node } from "yaml";
import { normalizeIssueId } from "./classify.js";

export interface BugIssue {
  /** Normalised id: `#123` or `KEY-123`. */
  id: string;
  /** Creation date as written in the export, when it has one (used by the SZZ issue-date filter). */
  created?: string;
}

const BUG_TYPE = /\b(?:bug|bugs|defect|defects)\b/i;
const EXPECTED_ID = "expected #123, GH-123, 123 or KEY-123";

/** Reads `file` and returns the normalised ids of its bug issues. */
export function loadBugIssues(file: string): Set<string> {
  return new Set(readBugIssues(file).map((issue) => issue.id));
}

/** Reads `file` and returns its bug issues in file order, with their creation dates when known. */
export function readBugIssues(file: string): BugIssue[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(
      `${file}: cannot read the bug issue list (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ` +
        "check the path given in fixes.bugIssues",
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const ext = path.extname(file).toLowerCase();
  const first = text.trimStart()[0];
  if (ext === ".json" || (ext !== ".csv" && (first === "[" || first === "{"))) return fromJson(text, file);
  if (ext === ".csv" || ext === ".tsv") return fromCsv(text, file);
  return fromList(text, file);
}

function idOrThrow(raw: string, file: string, line: number): string {
  const id = normalizeIssueId(raw);
  if (id === null) throw new Error(`${file}:${line}: "${raw.trim()}" is not an issue id (${EXPECTED_ID})`);
  return id;
}

function dedupe(issues: BugIssue[]): BugIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => !seen.has(issue.id) && seen.add(issue.id));
}

function fromList(text: string, file: string): BugIssue[] {
  const issues: BugIssue[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    // `#12` is an id; `# note` and `// note` are comments.
    if (line === "" || /^#(?!\d)/.test(line) || line.startsWith("//")) return;
    issues.push({ id: idOrThrow(line, file, i + 1) });
  });
  return dedupe(issues);
}

interface CsvRow {
  line: number;
  cells: string[];
}

/** RFC 4180 records; quoted cells may hold commas, doubled quotes and newlines. */
function parseCsv(text: string, delimiter: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = "";
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === "\n") line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === "") quoted = true;
    else if (ch === delimiter) {
      cells.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      cells.push(cell);
      if (cells.some((c) => c !== "")) rows.push({ line: rowLine, cells });
      cells = [];
      cell = "";
      line++;
      rowLine = line;
    } else cell += ch;
  }
  cells.push(cell);
  if (cells.some((c) => c !== "")) rows.push({ line: rowLine, cells });
  return rows;
}

function columnIndex(header: string[], names: string[]): number {
  return header.findIndex((h) => names.includes(h.toLowerCase().replace(/[^a-z]/g, "")));
}

function fromCsv(text: string, file: string): BugIssue[] {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = firstLine.includes(",")
    ? ","
    : firstLine.includes("\t")
      ? "\t"
      : firstLine.includes(";")
        ? ";"
        : ",";
  const rows = parseCsv(text, delimiter);
  const header = rows[0];
  if (!header) return [];
  const idCol = columnIndex(header.cells, [
    "id",
    "key",
    "issue",
    "issuekey",
    "issueid",
    "number",
    "bug",
    "bugid",
  ]);
  if (idCol === -1) {
    throw new Error(
      `${file}:${header.line}: no id column (found ${header.cells.map((c) => JSON.stringify(c)).join(", ")}); ` +
        'name the column "id", "key" or "issue"',
    );
  }
  const typeCol = columnIndex(header.cells, ["type", "issuetype", "kind", "category", "labels"]);
  const createdCol = columnIndex(header.cells, [
    "created",
    "createdat",
    "createddate",
    "opened",
    "openedat",
    "reported",
  ]);
  const issues: BugIssue[] = [];
  for (const row of rows.slice(1)) {
    if (typeCol !== -1 && !BUG_TYPE.test(row.cells[typeCol] ?? "")) continue;
    const issue: BugIssue = { id: idOrThrow(row.cells[idCol] ?? "", file, row.line) };
    const created = createdCol === -1 ? "" : (row.cells[createdCol] ?? "").trim();
    if (created !== "") issue.created = created;
    issues.push(issue);
  }
  return dedupe(issues);
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function field(value: Json | undefined, ...keys: string[]): Json | undefined {
  let current = value;
  for (const key of keys) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = current[key];
  }
  return current;
}

function typeText(value: Json | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map((v) => typeText(v) ?? "").join(" ");
  const name = field(value, "name");
  return typeof name === "string" ? name : null;
}

/** Kind of issue as the export states it, or null when it does not say. */
function kindOf(item: Json): string | null {
  for (const keys of [
    ["fields", "issuetype"],
    ["issuetype"],
    ["issueType"],
    ["type"],
    ["kind"],
    ["labels"],
    ["fields", "labels"],
  ]) {
    const text = typeText(field(item, ...keys));
    if (text !== null) return text;
  }
  return null;
}

function fromJson(text: string, file: string): BugIssue[] {
  // yaml is loaded only when an export is read: modules that merely import this one stay light.
  const { isMap, isScalar, isSeq, LineCounter, parseDocument } = createRequire(import.meta.url)(
    "yaml",
  ) as typeof import("yaml");
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const pos = lineCounter.linePos(error.pos[0]);
    const where = `${pos.line}:${pos.col}`;
    throw new Error(
      `${file}:${where}: not valid JSON (${error.message.split("\n")[0]}); export the list again`,
    );
  }
  const at = (node: Node | null | undefined) => (node?.range ? lineCounter.linePos(node.range[0]).line : 1);
  let list: Node | null = doc.contents;
  if (isMap(list)) {
    const inner = list.get("issues", true) ?? list.get("items", true);
    if (!isSeq(inner)) {
      throw new Error(`${file}:${at(list)}: expected an array of issues or an object with an "issues" array`);
    }
    list = inner;
  }
  if (!isSeq(list)) throw new Error(`${file}:${at(list)}: expected an array of issues`);
  const issues: BugIssue[] = [];
  for (const node of list.items) {
    const line = at(node as Node);
    if (isScalar(node)) {
      issues.push({ id: idOrThrow(String(node.value), file, line) });
      continue;
    }
    const item = (node as Node).toJSON() as Json;
    if (field(item, "pull_request") !== undefined) continue; // GitHub lists pull requests with issues
    const kind = kindOf(item);
    if (kind !== null && !BUG_TYPE.test(kind)) continue;
    const raw = [field(item, "key"), field(item, "number"), field(item, "id")].find(
      (v) => typeof v === "string" || typeof v === "number",
    );
    if (raw === undefined)
      throw new Error(`${file}:${line}: issue has no id (expected a "key", "number" or "id" field)`);
    const issue: BugIssue = { id: idOrThrow(String(raw), file, line) };
    const created = [
      field(item, "fields", "created"),
      field(item, "created"),
      field(item, "created_at"),
    ].find((v) => typeof v === "string");
    if (typeof created === "string") issue.created = created;
    issues.push(issue);
  }
  return dedupe(issues);
}
