/**
 * One source of settings: every rules key a user is told about (`raise hooks.timeBudgetMs`, `limit
 * hooks.prePush.maxCommits`, `fixes.patterns[2] took longer…`) is a key rules/rules.schema.json accepts.
 * The strings are read from the code itself: every string and template literal under src/ that names
 * `section.key` for a section of the rules file.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const SECTIONS = "version|levels|schedule|verdict|clones|paths|fixes|szz|hooks";
const KEY = new RegExp(`\\b(?:${SECTIONS})(?:\\.[A-Za-z][A-Za-z0-9]*|\\[\\d+\\])+`, "g");

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  $ref?: string;
}

const schema = JSON.parse(
  fs.readFileSync(path.join(ROOT, "rules", "rules.schema.json"), "utf8"),
) as SchemaNode & {
  definitions: Record<string, SchemaNode>;
};

function resolveRef(node: SchemaNode): SchemaNode {
  return node.$ref ? (schema.definitions[node.$ref.replace("#/definitions/", "")] ?? {}) : node;
}

/** Whether `levels.red.percentile`, `fixes.patterns[0]`, … names something the schema accepts. */
export function schemaAccepts(key: string): boolean {
  let node: SchemaNode = schema;
  for (const seg of key.match(/[A-Za-z][A-Za-z0-9]*|\[\d+\]/g) ?? []) {
    node = resolveRef(node);
    if (seg.startsWith("[")) {
      if (!node.items) return false;
      node = node.items;
    } else if (node.properties?.[seg]) node = node.properties[seg];
    else if (typeof node.additionalProperties === "object") node = node.additionalProperties;
    else return false;
  }
  return true;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** Every rules key named in a string of src/, with where it was found (module specifiers left out). */
function keysInStrings(): { key: string; where: string }[] {
  const found: { key: string; where: string }[] = [];
  for (const file of sourceFiles(path.join(ROOT, "src"))) {
    const sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) return;
      if (
        ts.isStringLiteral(node) ||
        ts.isNoSubstitutionTemplateLiteral(node) ||
        ts.isTemplateHead(node) ||
        ts.isTemplateMiddle(node) ||
        ts.isTemplateTail(node)
      ) {
        const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
        for (const m of node.text.matchAll(KEY))
          found.push({ key: m[0], where: `${path.relative(ROOT, file)}:${line + 1}` });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

test("the schema walk accepts real keys and refuses the ones messages used to name", () => {
  for (const key of [
    "hooks.timeBudgetMs",
    "hooks.prePush.maxCommits",
    "levels.red.percentile",
    "fixes.patterns[0]",
  ])
    assert.ok(schemaAccepts(key), key);
  for (const key of ["hooks.budgetMs", "hooks.maxPushCommits", "fixes.pattern", "levels.red.threshold"])
    assert.ok(!schemaAccepts(key), key);
});

test("every rules key a message names is one the rules file accepts", () => {
  const found = keysInStrings();
  const unknown = found.filter((f) => !schemaAccepts(f.key)).map((f) => `${f.where}: ${f.key}`);
  assert.deepEqual(unknown, []);
  const named = new Set(found.map((f) => f.key));
  for (const key of [
    "hooks.timeBudgetMs",
    "hooks.prePush.timeBudgetMs",
    "hooks.prePush.maxCommits",
    "hooks.failure",
  ])
    assert.ok(named.has(key), `the walk sees ${key} in src/report/messages.ts`);
});
