/**
 * `dejafix pairs`: one record per defect→fix link with a defect block, filtered by path, date and
 * evidence, test code left out by default, and a planted secret never exported (through the CLI, to
 * stdout and to a file).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { generateRepo } from "../fixtures/generate.js";
import { exportPairs, indexRepository, type PairRecord } from "../src/api.js";
import { secretKind } from "../src/eval/secretPatterns.js";
import { commit, git } from "./helpers/commit.js";
import { tempDir } from "./helpers/repo.js";

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "cli", "main.js");

async function pairsOf(repo: string, filters: Parameters<typeof exportPairs>[1] = {}) {
  const records: PairRecord[] = [];
  const summary = await exportPairs(repo, filters, (r) => void records.push(r));
  return { records, summary };
}

/** A 12-line function with a loop, big enough for a defect block; `body` is the line that changes. */
function fn(name: string, body: string, extra = ""): string {
  return `export function ${name}(rows: number[], limit: number): number[] {
  const out: number[] = [];
  let seen = 0;${extra}
  for (let i = 0; i < rows.length; i++) {
    if (rows[i] < 0) {
      continue;
    }
    ${body}
    seen++;
    if (seen >= limit) {
      break;
    }
  }
  return out;
}
`;
}

describe("dejafix pairs", () => {
  it("exports every planted defect with its fix, and filters by path, date and evidence", async (t) => {
    const repo = path.join(tempDir(t, "dejafix-pairs-"), "demo");
    const m = generateRepo(repo, { commits: 160 });
    await indexRepository({ repoDir: repo });
    const all = await pairsOf(repo);
    assert.equal(all.summary.written, all.records.length);
    assert.equal(all.summary.skipped.secrets, 0);
    // Every fix with a defect block gives pairs, and every one is a planted fix.
    const db = new Database(path.join(repo, ".git", "dejafix", "index.sqlite"), { readonly: true });
    const withBlocks = db
      .prepare("SELECT DISTINCT c.sha FROM defect_blocks d JOIN commits c ON c.id = d.fix_id")
      .pluck()
      .all() as string[];
    db.close();
    const fixes = new Set(all.records.map((r) => r.fix.sha));
    assert.deepEqual([...fixes].sort(), withBlocks.sort());
    const planted = m.planted.filter((p) => fixes.has(p.fix));
    assert.equal(planted.length, fixes.size, "only planted fixes");
    assert.ok(
      planted.length >= m.planted.length - 1,
      `${planted.length} of ${m.planted.length} planted fixes`,
    );
    for (const p of planted) {
      const rec = all.records.find((r) => r.fix.sha === p.fix);
      assert.ok(rec, p.id);
      assert.equal(rec.defect.sha, p.inducing, `${p.id}: the defect commit`);
      assert.notEqual(rec.buggy, rec.fixed, `${p.id}: the fix changed the block`);
      assert.equal(rec.fixedPath, p.path);
      assert.ok(rec.evidence.includes(p.evidence), `${p.id}: ${rec.evidence.join("+")} has ${p.evidence}`);
      assert.equal(rec.defect.message, git(repo, ["log", "-1", "--format=%B", p.inducing]).trimEnd());
      assert.equal(
        rec.fix.date,
        new Date(Number(git(repo, ["log", "-1", "--format=%at", p.fix]).trim()) * 1000).toISOString(),
      );
    }
    assert.ok(
      all.records.some((r) => r.fix.issues.length > 0),
      "issue ids travel with their fix",
    );
    const byLanguage = all.records.reduce<Record<string, number>>(
      (a, r) => Object.assign(a, { [r.language]: (a[r.language] ?? 0) + 1 }),
      {},
    );
    assert.deepEqual(all.summary.byLanguage, byLanguage);
    assert.deepEqual(Object.keys(byLanguage).sort(), ["c", "java", "javascript", "python", "typescript"]);

    const declared = await pairsOf(repo, { evidence: ["declared"] });
    assert.deepEqual(
      [...new Set(declared.records.map((r) => r.fix.sha))].sort(),
      planted
        .filter((p) => p.evidence === "declared")
        .map((p) => p.fix)
        .sort(),
    );
    assert.equal(declared.summary.skipped.filtered, all.records.length - declared.records.length);
    const python = await pairsOf(repo, { paths: ["**/*.py"] });
    assert.ok(python.records.length > 0 && python.records.every((r) => r.path.endsWith(".py")));
    assert.equal(python.records.length, byLanguage.python);
    const times = all.records.map((r) => Date.parse(r.fix.date) / 1000).sort((a, b) => a - b);
    const mid = times[Math.floor(times.length / 2)]!;
    const early = await pairsOf(repo, { until: mid });
    const late = await pairsOf(repo, { since: mid });
    assert.equal(early.records.length + late.records.length, all.records.length);
    assert.ok(early.records.every((r) => Date.parse(r.fix.date) / 1000 < mid));
    assert.ok(early.records.length > 0 && late.records.length > 0);
  });

  it("never exports a planted secret, leaves test code out unless asked, and says how many it skipped", (t) => {
    const repo = tempDir(t, "dejafix-pairs-");
    git(repo, ["init", "-q", "-b", "main"]);
    // Test code gives defect blocks here, so that pairs has test code to leave out.
    fs.mkdirSync(path.join(repo, ".dejafix"));
    fs.writeFileSync(
      path.join(repo, ".dejafix", "rules.yml"),
      "version: 1\nclones:\n  excludeTests: false\n",
    );
    const aws = "AKIAQ3EGRTYZ7PLMN4XB";
    commit(
      repo,
      // The key sits on the line the fix changes: inside the buggy and the fixed block.
      { "src/upload.ts": fn("upload", `out.push(sign("${aws}", rows[i] + 1));`) },
      "Add upload",
    );
    commit(repo, { "src/sum.ts": fn("sum", "out.push(rows[i] * 2);") }, "Add sum");
    commit(repo, { "test/helper.ts": fn("helper", "out.push(rows[i] - 1);") }, "Add the test helper");
    commit(repo, { "README.md": "words\n" }, "Describe it");
    commit(
      repo,
      { "src/upload.ts": fn("upload", `out.push(sign("${aws}", rows[i]));`) },
      "Fix upload adding one to every row",
    );
    commit(
      repo,
      { "src/sum.ts": fn("sum", "out.push(rows[i] * 3);") },
      "Fix sum doubling instead of tripling",
    );
    commit(repo, { "test/helper.ts": fn("helper", "out.push(rows[i] - 2);") }, "Fix the helper's offset");
    const run = (args: string[]) =>
      spawnSync(process.execPath, [CLI, ...args], {
        cwd: repo,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
    const idx = run(["index"]);
    assert.equal(idx.status, 0, idx.stderr);

    const out = run(["pairs"]);
    assert.equal(out.status, 0, out.stderr);
    assert.ok(!out.stdout.includes(aws), "the key is never written");
    assert.ok(!out.stdout.includes("AKIA"));
    const recs = out.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as PairRecord);
    assert.deepEqual(
      recs.map((r) => r.fixedPath),
      ["src/sum.ts"],
      "the clean pair only: the secret's pair is skipped, the test's is left out",
    );
    assert.match(out.stderr, /Skipped \d+ that look like they hold a secret \(\d+ AWS access key\)/);
    assert.match(out.stderr, /left out 1 in test code/);

    const file = path.join(repo, "pairs.jsonl");
    const withTests = run(["pairs", "--include-tests", "--out", file]);
    assert.equal(withTests.status, 0, withTests.stderr);
    assert.equal(withTests.stdout, "");
    const text = fs.readFileSync(file, "utf8");
    assert.ok(!text.includes(aws));
    assert.deepEqual(
      text
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as PairRecord).fixedPath)
        .sort(),
      ["src/sum.ts", "test/helper.ts"],
    );
    assert.match(withTests.stderr, /Skipped \d+ that look like they hold a secret/);
    const bad = run(["pairs", "--since", "yesterday-ish"]);
    assert.equal(bad.status, 2);
  });

  it("recognises common secret shapes and leaves ordinary code alone", () => {
    const secrets = [
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...",
      "-----BEGIN OPENSSH PRIVATE KEY-----",
      'const token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";',
      'slack("xoxb-123456789012-abcdefghijkl")',
      'const k = "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q";',
      'password = "hunter22"',
      "db.connect({ password: 'Sup3rS3cret!' })",
      'DB_URL = "postgres://admin:pa55word@db.internal:5432/app"',
      'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
      'const blob = "Zk9xQ2p1U3Z4a0xYbW5QcVJ0VXdZejEyMzQ1Njc4OTBhYmNk";',
    ];
    for (const s of secrets) assert.ok(secretKind(s), s);
    const ordinary = [
      "const password = readPassword(prompt);",
      'if (password === "") return;',
      "function checkPassword(password: string): boolean {",
      'const url = "https://example.org/api/v1/items";',
      "const SECRET_LENGTH = 32;",
      'const name = "thisIsAVeryLongIdentifierNameThatIsNotSecret";',
      "for (let i = 0; i <= source.length; i++) {",
    ];
    for (const s of ordinary) assert.equal(secretKind(s), null, s);
  });
});
