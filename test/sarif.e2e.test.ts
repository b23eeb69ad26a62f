/**
 * dejafix's machine-readable output as CI receives it, from `dejafix check RANGE` on a generated history
 * with planted defects and fixes, where five commits each write the same past defect again in another file:
 * the SARIF passes Microsoft's SARIF Multitool (the real validator, from npm: scripts/ensure-sarif-multitool.mjs,
 * which .ci/run calls before the tests) with its SARIF and GitHub rule sets, no error and no warning; the JSON
 * follows docs/check-output.schema.json.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { demoReintroduction, generateRepo } from "../fixtures/generate.js";
import { indexRepository } from "../src/api.js";
import { tempDir } from "./helpers/repo.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "dist", "src", "cli", "main.js");

interface ValidatorResult {
  ruleId: string;
  level?: string;
  message: { id?: string; arguments?: string[] };
}

function multitool(): string {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "ensure-sarif-multitool.mjs")], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `the SARIF Multitool is needed: ${r.stderr}`);
  return r.stdout.trim();
}

/** A generated history, indexed, then five commits that each write the same planted defect again. */
async function plantedRange(t: {
  after(fn: () => void): void;
}): Promise<{ dir: string; range: string; files: string[] }> {
  const dir = join(tempDir(t, "dejafix-sarif-"), "repo");
  const manifest = generateRepo(dir);
  await indexRepository({ repoDir: dir });
  const git = (args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
  const base = git(["rev-parse", "HEAD"]);
  // The planted off-by-one written again, in other names.
  const again = demoReintroduction(manifest);
  const files = [
    "src/import/csv.ts",
    "src/import/tsv.ts",
    "src/export/fields.ts",
    "lib/split.ts",
    "tools/cut.ts",
  ];
  for (const file of files) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), again.content);
    git(["add", file]);
    git(["commit", "-q", "--no-verify", "-m", `Add field splitting in ${file}`]);
  }
  return { dir, range: `${base}..HEAD`, files };
}

function check(dir: string, range: string, format: string): string {
  const run = spawnSync(process.execPath, [CLI, "check", range, "--repo", dir, "--format", format], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  assert.ok(run.status === 0 || run.status === 1, `check exits 0 or 1 (a block): ${run.stderr}`);
  return run.stdout;
}

test("the SARIF of a real check passes the SARIF Multitool's SARIF and GitHub rule sets", {
  timeout: 300_000,
}, async (t) => {
  const tool = multitool();
  const { dir, range, files } = await plantedRange(t);
  const sarif = check(dir, range, "sarif");
  const sarifFile = join(dir, "..", "dejafix.sarif");
  writeFileSync(sarifFile, sarif);
  const log = JSON.parse(sarif) as {
    runs: Array<{ results: Array<{ ruleId: string; partialFingerprints: Record<string, string> }> }>;
  };
  const recurrences = log.runs[0]?.results.filter((r) => r.ruleId === "recurring-defect") ?? [];
  assert.equal(recurrences.length, files.length, "one result per file the past defect was written in");
  const prints = recurrences.map((r) => JSON.stringify(r.partialFingerprints));
  assert.equal(new Set(prints).size, files.length, "five places, five alerts");

  // The validator: both rule sets, every level, its findings written as SARIF.
  const out = join(dir, "..", "validation.sarif");
  const args = ["validate", sarifFile, "--rule-kind", "Sarif;Gh", "--level", "Error;Warning;Note"];
  const v = spawnSync(tool, [...args, "--output", out, "--log", "ForceOverwrite"], {
    encoding: "utf8",
    timeout: 180_000,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: "1" },
  });
  assert.equal(v.status, 0, `${v.stdout}\n${v.stderr}`);
  // It looked at the file (so no finding means "passed", not "did not look").
  assert.match(v.stdout, /1 files? scanned/i);
  const findings =
    (JSON.parse(readFileSync(out, "utf8")) as { runs: Array<{ results?: ValidatorResult[] }> }).runs[0]
      ?.results ?? [];
  const serious = findings.filter(
    (f) => f.level === undefined || f.level === "error" || f.level === "warning",
  );
  assert.deepEqual(
    serious.map((f) => `${f.ruleId} ${f.level ?? "warning"}: ${(f.message.arguments ?? []).join(" | ")}`),
    [],
  );
  // What may remain is advice at level note, and none of it from the GitHub rule set.
  assert.deepEqual(
    findings.filter((f) => f.ruleId.startsWith("GH")).map((f) => f.ruleId),
    [],
  );
});

test("the JSON of a real check follows docs/check-output.schema.json", { timeout: 300_000 }, async (t) => {
  const { dir, range, files } = await plantedRange(t);
  const doc = JSON.parse(check(dir, range, "json")) as { results: Array<{ matches: unknown[] }> };
  const schema = JSON.parse(readFileSync(join(ROOT, "docs", "check-output.schema.json"), "utf8")) as object;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  assert.ok(validate(doc), JSON.stringify(validate.errors, null, 1));
  assert.equal(doc.results.length, files.length);
  assert.ok(doc.results.every((r) => r.matches.length === 1));
  // The schema is no blank cheque: a result without its action, or an unknown action, is refused.
  const broken = structuredClone(doc) as { results: Array<Record<string, unknown>> };
  delete broken.results[0]?.action;
  assert.equal(validate(broken), false);
  assert.equal(validate({ ...doc, action: "maybe" }), false);
});
