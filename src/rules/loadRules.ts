/**
 * Reads `.dejafix/rules.yml`: YAML with positions kept, validated against `rules/rules.schema.json`,
 * merged onto the defaults, then checked for what a schema cannot say (level names that exist,
 * freeze windows that end after they start, regular expressions that compile).
 *
 * Sample input and the error it gives:
 *
 *   levels:
 *     red:
 *       percentile: ten
 *
 *   .dejafix/rules.yml:3:5: levels.red.percentile: must be a number from 0 to 100 (got "ten")
 *
 * Merging: mappings merge key by key, lists and values replace the default. A level that sets
 * `percentile` or `score` drops the default's threshold.
 *
 * Layers: several files can apply, each merged over the ones before it the same way (the team's
 * `.dejafix/rules.yml`, a package's, then the personal `rules.local.yml` beside each: see
 * src/rules/rulesChain.ts). Each file alone must be valid; what only the result can tell (a level a
 * freeze names that no file defines) is reported at the last file that sets the field.
 */

import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { Node } from "yaml";
import { defaultRules } from "./defaults.js";
import { checkFixConfig } from "./fixes.js";
import { FileShapeError, readRegularFile } from "./readBounded.js";
import { parseRuleTime } from "./schedule.js";
import { suggest } from "./suggest.js";
import type { BranchRule, Freeze, Level, Rules } from "./types.js";

export type {
  Action,
  BranchRule,
  Freeze,
  GatedHook,
  Level,
  Rules,
  Schedule,
  VerdictMode,
  Weekday,
} from "./types.js";

/** `rules/` of the installed package (dist/src/rules/ → ../../../rules/). */
const RULES_DIR = new URL("../../../rules/", import.meta.url);
export const SCHEMA_FILE = new URL("rules.schema.json", RULES_DIR);
export const DEFAULT_RULES_FILE = new URL("default.rules.yml", RULES_DIR);
/** Where editors find the schema when the package is not installed in the project. */
export const SCHEMA_URL = "https://unpkg.com/dejafix/rules/rules.schema.json";

export interface RulesIssue {
  line: number;
  column: number;
  /** Field path such as `levels.red.percentile` or `schedule.freezes[0].from`; "" for the whole file. */
  path: string;
  message: string;
}

/** A rules file is read only when it is a regular file of at most this size (1 MiB). */
export const MAX_RULES_BYTES = 1024 * 1024;

export class RulesError extends Error {
  override readonly name = "RulesError";
  constructor(
    readonly file: string,
    /** missing: absent or not readable as a file (a FIFO, a device, too large); syntax: not YAML; invalid: not our rules. */
    readonly kind: "missing" | "syntax" | "invalid",
    readonly issues: RulesIssue[],
  ) {
    super(
      issues
        .map(
          (i) =>
            `${file}${i.line > 0 ? `:${i.line}:${i.column}` : ""}: ${i.path ? `${i.path}: ` : ""}${i.message}`,
        )
        .join("\n"),
    );
  }
}

/** The text `dejafix init` writes to `.dejafix/rules.yml`, pointing editors at `schemaRef`. */
export function defaultRulesText(schemaRef: string = SCHEMA_URL): string {
  const text = fs.readFileSync(DEFAULT_RULES_FILE, "utf8");
  return text.replace(
    /^# yaml-language-server: \$schema=.*$/m,
    `# yaml-language-server: $schema=${schemaRef}`,
  );
}

/** The personal, git-ignored file beside a team's rules file (`.dejafix/rules.local.yml`). */
export const PERSONAL_RULES_NAME = "rules.local.yml";

/** The personal file that goes with a rules file named rules.yml, else null. */
export function personalFileBeside(file: string): string | null {
  return path.basename(file) === "rules.yml" ? path.join(path.dirname(file), PERSONAL_RULES_NAME) : null;
}

export interface LoadOptions {
  /** Merge the personal file beside a `rules.yml` over it when it exists (default true). */
  personal?: boolean;
  /**
   * A file where the validated rules are kept, keyed by a hash of the rules text, the defaults
   * and the schema: the next load with the same text skips YAML parsing and schema compilation.
   * Put it under the git common dir (never committed). Write failures are ignored.
   */
  cacheFile?: string;
}

const CACHE_FORMAT = 1;

function cacheKey(text: string, file: string): string {
  // Several layers: `file` and `text` are the files' names and texts joined with NUL.
  let schemaStamp = "";
  try {
    const st = fs.statSync(SCHEMA_FILE);
    schemaStamp = `${st.size}:${st.mtimeMs}`;
  } catch {
    // The schema is read (and the error reported) when validating.
  }
  return createHash("sha256")
    .update(`${CACHE_FORMAT}\0${schemaStamp}\0${JSON.stringify(defaultRules())}\0${file}\0${text}`)
    .digest("hex");
}

function readCache(cacheFile: string, key: string): Rules | null {
  try {
    const cached = JSON.parse(readRegularFile(cacheFile, 16 * MAX_RULES_BYTES)) as {
      key?: string;
      rules?: Rules;
    };
    return cached.key === key && cached.rules ? cached.rules : null;
  } catch {
    return null;
  }
}

function writeCache(cacheFile: string, key: string, rules: Rules): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify({ key, rules }));
    fs.renameSync(tmp, cacheFile);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Reads the rules at `file`, with the personal file beside it merged over it when there is one
 * (`.dejafix/rules.local.yml` beside `.dejafix/rules.yml`); `null` gives the built-in defaults.
 */
export function loadRules(file: string | null, options: LoadOptions = {}): Rules {
  if (file === null) return defaultRules();
  const personal = options.personal === false ? null : personalFileBeside(file);
  return loadRuleLayers(personal && isFile(personal) ? [file, personal] : [file], options);
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Reads several rules files, each merged over the ones before it; `[]` gives the built-in defaults. */
export function loadRuleLayers(files: readonly string[], options: LoadOptions = {}): Rules {
  if (files.length === 0) return defaultRules();
  const texts = files.map((file) => readRulesText(file));
  const parse = () => combine(files.map((file, i) => readLayer(texts[i] as string, file)));
  if (!options.cacheFile) return parse();
  const key = cacheKey(texts.join("\0"), files.join("\0"));
  const cached = readCache(options.cacheFile, key);
  if (cached) return cached;
  const rules = parse();
  writeCache(options.cacheFile, key, rules);
  return rules;
}

function readRulesText(file: string): string {
  try {
    return readRegularFile(file, MAX_RULES_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      err instanceof FileShapeError
        ? `${err.message}; rules must be a regular file of at most 1 MiB: replace it with a plain YAML file`
        : code === "ENOENT"
          ? 'file not found; run "dejafix init" to write the default rules there'
          : `cannot read the rules file (${code ?? (err as Error).message})`;
    throw new RulesError(file, "missing", [{ line: 0, column: 0, path: "", message }]);
  }
}

// yaml and ajv are loaded on first use: a hook whose rules come from the cache needs neither
// (compiling the schema alone costs about as much as starting node).
const require = createRequire(import.meta.url);
type YamlModule = typeof import("yaml");
let yamlModule: YamlModule | null = null;
function yaml(): YamlModule {
  yamlModule ??= require("yaml") as YamlModule;
  return yamlModule;
}

let validator: ValidateFunction | null = null;
let schemaDefinitions: Record<string, SchemaNode> = {};

function validate(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as {
    definitions?: Record<string, SchemaNode>;
  };
  schemaDefinitions = schema.definitions ?? {};
  const { Ajv } = require("ajv") as typeof import("ajv");
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
  // Our hint for error messages; editors ignore unknown keywords.
  ajv.addKeyword({ keyword: "x-expected", schemaType: "string" });
  validator = ajv.compile(schema);
  return validator;
}

type Segment = string | number;

function pathText(path: readonly Segment[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/** Finds the key node (for mappings) or item node (for lists) at `path`, else the deepest parent found. */
function locate(contents: unknown, path: readonly Segment[]): Node | null {
  const { isMap, isPair, isScalar, isSeq } = yaml();
  let node: unknown = contents;
  let found: Node | null =
    isScalar(contents) || isMap(contents) || isSeq(contents) ? (contents as Node) : null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) return found;
      found = (pair.key as Node) ?? found;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg];
      if (!item) return found;
      found = item as Node;
      node = item;
    } else return found;
  }
  return found;
}

function got(data: unknown): string {
  if (data === null || data === undefined) return "nothing";
  if (Array.isArray(data)) return "a list";
  if (typeof data === "object") return "a mapping";
  const text = JSON.stringify(data);
  return text.length > 60 ? `${text.slice(0, 57)}..."` : text;
}

interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  properties?: Record<string, unknown>;
  "x-expected"?: string;
}

function listWords(values: readonly unknown[]): string {
  const words = values.map(String);
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
}

/** What a schema node accepts, in words. */
function expected(node: SchemaNode): string {
  const schema = node.$ref
    ? { ...(schemaDefinitions[node.$ref.replace("#/definitions/", "")] ?? {}), ...node }
    : node;
  if (schema["x-expected"]) return schema["x-expected"];
  if (schema.enum) return `one of ${listWords(schema.enum)}`;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const words = types.map((type) => {
    if (type === "number" || type === "integer") {
      const kind = type === "integer" ? "a whole number" : "a number";
      const { minimum: min, maximum: max } = schema;
      if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`;
      if (min !== undefined) return `${kind} of at least ${min}`;
      return kind;
    }
    if (type === "boolean") return "true or false";
    if (type === "string") return schema.minLength ? "a non-empty text" : "a text";
    if (type === "array") return "a list";
    if (type === "object") return "a mapping of keys";
    return type;
  });
  return listWords(words);
}

function segmentsOf(instancePath: string): Segment[] {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describeError(e: ErrorObject): { path: Segment[]; message: string } {
  const path = segmentsOf(e.instancePath);
  const schema = (e.parentSchema ?? {}) as SchemaNode;
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys(schema.properties ?? {});
      const guess = suggest(key, known);
      return {
        path: [...path, key],
        message: guess
          ? `unknown key ${JSON.stringify(key)}; did you mean "${guess}"?`
          : `unknown key ${JSON.stringify(key)} (expected ${listWords(known)})`,
      };
    }
    case "required": {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      const prop = (schema.properties?.[missing] ?? {}) as SchemaNode;
      const what = expected(prop);
      return { path, message: `missing "${missing}"${what ? ` (${what})` : ""}` };
    }
    case "uniqueItems": {
      const { i, j } = e.params as { i: number; j: number };
      return { path, message: `lists the same entry twice (items ${j} and ${i})` };
    }
    case "enum": {
      const guess = typeof e.data === "string" ? suggest(e.data, (schema.enum ?? []).map(String)) : null;
      return {
        path,
        message: `must be ${expected(schema)} (got ${got(e.data)})${guess ? `; did you mean "${guess}"?` : ""}`,
      };
    }
    default: {
      const name = (e as ErrorObject & { propertyName?: string }).propertyName;
      if (name !== undefined)
        return {
          path: [...path, name],
          message: `the name ${JSON.stringify(name)} must be ${expected(schema)}`,
        };
      return { path, message: `must be ${expected(schema)} (got ${got(e.data)})` };
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function mergeObject(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = mergeObject(base[key], value);
  return out;
}

const NEW_LEVEL: Level = { percentile: null, score: null, action: "warn", description: "" };

function freezeWithDefaults(item: Record<string, unknown>): Freeze {
  return mergeObject(
    { name: "freeze", levels: ["red"], branches: ["**"], hooks: ["pre-commit", "pre-push"] },
    item,
  ) as Freeze;
}

function branchWithDefaults(item: Record<string, unknown>): BranchRule {
  return mergeObject({ levels: [], replace: false, hooks: ["pre-commit", "pre-push"] }, item) as BranchRule;
}

/** Schema-valid user input merged onto `base` (the defaults, or the layers before it). */
function merge(user: Record<string, unknown>, base: Rules): Rules {
  const { levels: userLevels, ...rest } = user;
  const rules = mergeObject(base, rest) as Rules;
  rules.levels = { ...base.levels };
  for (const [name, raw] of Object.entries((userLevels ?? {}) as Record<string, Partial<Level>>)) {
    const base = rules.levels[name] ?? NEW_LEVEL;
    const threshold = raw.percentile !== undefined || raw.score !== undefined;
    rules.levels[name] = {
      ...base,
      ...(threshold ? { percentile: null, score: null } : {}),
      ...raw,
    };
  }
  rules.schedule.freezes = rules.schedule.freezes.map((f) =>
    freezeWithDefaults(f as unknown as Record<string, unknown>),
  );
  rules.schedule.branches = rules.schedule.branches.map((b) =>
    branchWithDefaults(b as unknown as Record<string, unknown>),
  );
  return rules;
}

/** What the schema cannot check: names that must exist, dates in order, regexes that compile. */
function crossCheck(rules: Rules, user: Record<string, unknown>): { path: Segment[]; message: string }[] {
  const problems: { path: Segment[]; message: string }[] = [];
  const names = Object.keys(rules.levels);
  const userLevels = (user.levels ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, level] of Object.entries(rules.levels)) {
    const given = userLevels[name] ?? {};
    if (given.percentile !== undefined && given.score !== undefined) {
      problems.push({
        path: ["levels", name, "score"],
        message: "give either percentile or score, not both",
      });
    } else if (level.percentile === null && level.score === null) {
      problems.push({
        path: ["levels", name],
        message: "has no threshold; add percentile (0 to 100, share of past commits) or score (0 to 1)",
      });
    }
  }
  const checkRefs = (list: readonly string[], path: Segment[]) => {
    list.forEach((name, i) => {
      if (rules.levels[name]) return;
      const guess = suggest(name, names);
      problems.push({
        path: [...path, i],
        message: `unknown level ${JSON.stringify(name)}${guess ? `; did you mean "${guess}"?` : ""} (levels: ${names.join(", ")})`,
      });
    });
  };
  checkRefs(rules.schedule.always, ["schedule", "always"]);
  checkRefs(rules.schedule.weekend.levels, ["schedule", "weekend", "levels"]);
  rules.schedule.freezes.forEach((freeze, i) => {
    checkRefs(freeze.levels, ["schedule", "freezes", i, "levels"]);
    const from = parseRuleTime(freeze.from, 0, "start");
    const to = parseRuleTime(freeze.to, 0, "end");
    if (from === null)
      problems.push({
        path: ["schedule", "freezes", i, "from"],
        message: `${freeze.from} is not a calendar date`,
      });
    if (to === null)
      problems.push({
        path: ["schedule", "freezes", i, "to"],
        message: `${freeze.to} is not a calendar date`,
      });
    if (from !== null && to !== null && to <= from) {
      problems.push({
        path: ["schedule", "freezes", i, "to"],
        message: `ends before it starts (from ${freeze.from})`,
      });
    }
  });
  rules.schedule.branches.forEach((rule, i) => {
    checkRefs(rule.levels, ["schedule", "branches", i, "levels"]);
  });
  checkRefs(rules.hooks.prePush.levels, ["hooks", "prePush", "levels"]);
  for (const p of checkFixConfig(rules.fixes)) {
    problems.push({
      path: p.index >= 0 ? ["fixes", p.field, p.index] : ["fixes", p.field],
      message: p.message,
    });
  }
  return problems;
}

/** Aliases a rules file may expand: enough for any real file, far too few for a "billion laughs" bomb. */
const MAX_ALIAS_COUNT = 100;

/**
 * The document as plain data. yaml refuses to expand too many aliases (an alias bomb) with an error that
 * names no file and no line: this one names both (the line of the first alias).
 */
function toPlainData(
  doc: import("yaml").Document.Parsed,
  fileName: string,
  where: (offset: number) => { line: number; column: number },
): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (err) {
    let first: { line: number; column: number } = { line: 0, column: 0 };
    yaml().visit(doc, {
      Alias(_key, node) {
        if (node.range) first = where(node.range[0]);
        return yaml().visit.BREAK;
      },
    });
    const bomb = /alias/i.test((err as Error).message);
    throw new RulesError(fileName, "syntax", [
      {
        ...first,
        path: "",
        message: bomb
          ? `its aliases (*name) expand to too much data (more than ${MAX_ALIAS_COUNT} expansions); write the values out instead`
          : `cannot be read as YAML (${(err as Error).message.split("\n")[0]})`,
      },
    ]);
  }
}

/** Parses and validates rules text; `fileName` is only used in error messages and `Rules.source`. */
export function parseRules(text: string, fileName: string): Rules {
  return combine([readLayer(text, fileName)]);
}

/** One rules file, read and checked against the schema on its own. */
interface Layer {
  file: string;
  raw: Record<string, unknown>;
  /** The issue at `path` of this file, with its line and column. */
  issueAt(path: Segment[], message: string): RulesIssue;
}

function readLayer(text: string, fileName: string): Layer {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const where = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    throw new RulesError(
      fileName,
      "syntax",
      doc.errors.map((err) => ({
        ...where(err.pos[0]),
        path: "",
        message: `YAML syntax error: ${err.message.split("\n")[0]}`,
      })),
    );
  }
  const raw: unknown = toPlainData(doc, fileName, where);
  if (!isPlainObject(raw)) {
    throw new RulesError(fileName, "invalid", [
      {
        line: 1,
        column: 1,
        path: "",
        message: "must be a mapping of keys (version:, levels:, schedule:, ...)",
      },
    ]);
  }
  const issueAt = (path: Segment[], message: string): RulesIssue => {
    const node = locate(doc.contents, path);
    const pos = node?.range ? where(node.range[0]) : { line: 1, column: 1 };
    return { ...pos, path: pathText(path), message };
  };
  const check = validate();
  if (!check(raw)) {
    const errors = (check.errors ?? []).filter(
      // A bad level name also fails `propertyNames` itself; keep the specific error only.
      (e) => e.keyword !== "propertyNames" && e.keyword !== "if",
    );
    const seen = new Set<string>();
    const issues: RulesIssue[] = [];
    for (const e of errors) {
      const { path, message } = describeError(e);
      const key = pathText(path);
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push(issueAt(path, message));
    }
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new RulesError(fileName, "invalid", issues);
  }
  return { file: fileName, raw, issueAt };
}

/** Whether the plain data has a value at `path`. */
function sets(raw: unknown, path: readonly Segment[]): boolean {
  let node: unknown = raw;
  for (const seg of path) {
    if (Array.isArray(node) && typeof seg === "number") node = node[seg];
    else if (isPlainObject(node)) node = node[String(seg)];
    else return false;
    if (node === undefined) return false;
  }
  return true;
}

/** The layers merged in order over the defaults, then checked as a whole. */
function combine(layers: readonly Layer[]): Rules {
  let rules = defaultRules();
  // For each level, what the last layer that names it says (its thresholds replace the ones before).
  const lastLevels: Record<string, unknown> = {};
  for (const layer of layers) {
    rules = merge(layer.raw, rules);
    Object.assign(lastLevels, (layer.raw.levels ?? {}) as Record<string, unknown>);
  }
  const problems = crossCheck(rules, { levels: lastLevels });
  if (problems.length > 0) {
    // Each problem belongs to the last file that sets its field (else its section, else the first file).
    const owner = (p: { path: Segment[] }): Layer =>
      [...layers].reverse().find((l) => sets(l.raw, p.path)) ??
      [...layers].reverse().find((l) => sets(l.raw, p.path.slice(0, 1))) ??
      (layers[0] as Layer);
    const first = owner(problems[0] as { path: Segment[] });
    const issues = problems.filter((p) => owner(p) === first).map((p) => first.issueAt(p.path, p.message));
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new RulesError(first.file, "invalid", issues);
  }
  rules.source = layers.map((l) => l.file).join(" + ");
  return rules;
}
