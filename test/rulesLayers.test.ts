/**
 * Per-developer and per-package rules, with real files: a personal `.dejafix/rules.local.yml` merged over
 * the team's file, a package's `.dejafix/rules.yml` for its files (the nearest wins), errors that name the
 * file, line and field, and `dejafix check` deciding each part of a change under its own rules.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { demoReintroduction, generateRepo } from "../fixtures/generate.js";
import { indexRepository, repoRules } from "../src/api.js";
import { writeRules } from "../src/cli/install.js";
import { loadRules, RulesError } from "../src/rules/loadRules.js";
import { groupByRules, rulesChainFor } from "../src/rules/rulesChain.js";
import { tempDir } from "./helpers/repo.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

function write(file: string, text: string): string {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, text);
  return file;
}

describe("a personal file over the team's", () => {
  test("what you set wins, the rest stays the team's; the source names both files", (t) => {
    const dir = tempDir(t);
    const team = write(
      join(dir, ".dejafix", "rules.yml"),
      "version: 1\nlevels:\n  yellow:\n    percentile: 80\n    action: block\nhooks:\n  timeBudgetMs: 900\n",
    );
    assert.equal(loadRules(team).levels.yellow?.action, "block");
    write(join(dir, ".dejafix", "rules.local.yml"), "levels:\n  yellow:\n    action: warn\n");
    const rules = loadRules(team);
    assert.equal(rules.levels.yellow?.action, "warn");
    assert.equal(rules.levels.yellow?.percentile, 80, "the team's threshold stays");
    assert.equal(rules.hooks.timeBudgetMs, 900);
    assert.equal(rules.source, `${team} + ${join(dir, ".dejafix", "rules.local.yml")}`);
    assert.equal(loadRules(team, { personal: false }).levels.yellow?.action, "block");
  });

  test("a mistake in the personal file names that file, its line and the field", (t) => {
    const dir = tempDir(t);
    const team = write(join(dir, ".dejafix", "rules.yml"), "version: 1\n");
    const mine = write(join(dir, ".dejafix", "rules.local.yml"), "# mine\nhooks:\n  timeBudgetMs: soon\n");
    assert.throws(
      () => loadRules(team),
      (e: unknown) =>
        e instanceof RulesError &&
        e.file === mine &&
        /rules\.local\.yml:3:\d+: hooks\.timeBudgetMs: must be/.test(e.message),
    );
  });

  test("a level only the result lacks is reported in the file that names it", (t) => {
    const dir = tempDir(t);
    const team = write(join(dir, ".dejafix", "rules.yml"), "version: 1\nschedule:\n  always: [yellow]\n");
    const mine = write(join(dir, ".dejafix", "rules.local.yml"), "\nschedule:\n  always: [yelow]\n");
    assert.throws(
      () => loadRules(team),
      (e: unknown) =>
        e instanceof RulesError &&
        e.file === mine &&
        /rules\.local\.yml:3:\d+: schedule\.always\[0\]: unknown level "yelow"; did you mean "yellow"\?/.test(
          e.message,
        ),
    );
  });

  test("the personal file applies even where the team has no file", async (t) => {
    const dir = tempDir(t);
    execFileSync("git", ["init", "-q", dir]);
    write(join(dir, ".dejafix", "rules.local.yml"), "verdict:\n  mode: match\n");
    const { rules } = await repoRules(dir);
    assert.equal(rules.verdict.mode, "match");
  });
});

describe("init keeps personal files out of commits", () => {
  test("writeRules adds .dejafix/.gitignore, and git ignores rules.local.yml", async (t) => {
    const dir = tempDir(t);
    execFileSync("git", ["init", "-q", dir]);
    const created = await writeRules({ topLevel: dir });
    assert.ok(created.includes(join(dir, ".dejafix", ".gitignore")), created.join(", "));
    write(join(dir, ".dejafix", "rules.local.yml"), "verdict:\n  mode: match\n");
    const ignored = spawnSync("git", ["check-ignore", "-q", ".dejafix/rules.local.yml"], { cwd: dir });
    assert.equal(ignored.status, 0, "git ignores the personal file");
    const team = spawnSync("git", ["check-ignore", "-q", ".dejafix/rules.yml"], { cwd: dir });
    assert.equal(team.status, 1, "the team's file is not ignored");
    assert.deepEqual(await writeRules({ topLevel: dir }), [], "a second run creates nothing");
  });
});

describe("a package's rules", () => {
  test("the chain for a path: team files outermost first, then personal ones", (t) => {
    const top = tempDir(t);
    const rootTeam = write(join(top, ".dejafix", "rules.yml"), "version: 1\n");
    const rootMine = write(join(top, ".dejafix", "rules.local.yml"), "version: 1\n");
    const apiTeam = write(join(top, "packages", "api", ".dejafix", "rules.yml"), "version: 1\n");
    const apiMine = write(join(top, "packages", "api", ".dejafix", "rules.local.yml"), "version: 1\n");
    write(join(top, "packages", "api", "package.json"), "{}\n");
    assert.deepEqual(rulesChainFor(top, "packages/api/src/a.ts"), [rootTeam, apiTeam, rootMine, apiMine]);
    assert.deepEqual(rulesChainFor(top, "packages/web/src/a.ts"), [rootTeam, rootMine]);
    assert.deepEqual(rulesChainFor(top, "README.md"), [rootTeam, rootMine]);
    const groups = groupByRules(top, [
      "packages/api/a.ts",
      "README.md",
      "packages/api/b/c.ts",
      "packages/web/x.ts",
    ]);
    assert.deepEqual(
      groups.map((g) => g.paths),
      [
        ["README.md", "packages/web/x.ts"],
        ["packages/api/a.ts", "packages/api/b/c.ts"],
      ],
    );
  });

  test("dejafix check decides each part under its rules, the strictest part wins, yours over all", {
    timeout: 300_000,
  }, async (t) => {
    const dir = join(tempDir(t, "dejafix-monorepo-"), "repo");
    const manifest = generateRepo(dir);
    const git = (args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
    // The repository warns on a match; the api package blocks.
    write(join(dir, ".dejafix", "rules.yml"), "version: 1\nverdict:\n  mode: match\n  matchAction: warn\n");
    write(join(dir, "packages", "api", "package.json"), '{ "name": "api" }\n');
    write(
      join(dir, "packages", "api", ".dejafix", "rules.yml"),
      "version: 1\nverdict:\n  matchAction: block\n",
    );
    git(["add", "."]);
    git(["commit", "-q", "--no-verify", "-m", "Add the rules of the repository and of the api package"]);
    await indexRepository({ repoDir: dir });
    const again = demoReintroduction(manifest);
    const commitFiles = (files: string[]): string => {
      for (const f of files) write(join(dir, f), again.content);
      git(["add", ...files]);
      git(["commit", "-q", "--no-verify", "-m", `Add ${files.join(", ")}`]);
      return git(["rev-parse", "HEAD"]);
    };
    const check = (rev: string) => {
      const r = spawnSync(process.execPath, [CLI, "check", rev, "--repo", dir, "--format", "json"], {
        encoding: "utf8",
      });
      const doc = JSON.parse(r.stdout) as {
        results: Array<{ action: string; matches: Array<{ path: string }> }>;
      };
      return {
        code: r.status,
        action: doc.results[0]?.action,
        paths: doc.results[0]?.matches.map((m) => m.path),
      };
    };
    const inRoot = commitFiles(["src/import/fields.ts"]);
    const inApi = commitFiles(["packages/api/src/fields.ts"]);
    const inBoth = commitFiles(["src/export/fields.ts", "packages/api/lib/fields.ts"]);
    assert.deepEqual(check(inRoot), { code: 0, action: "warn", paths: ["src/import/fields.ts"] });
    assert.deepEqual(check(inApi), { code: 1, action: "block", paths: ["packages/api/src/fields.ts"] });
    const both = check(inBoth);
    assert.equal(both.code, 1);
    assert.equal(both.action, "block");
    assert.deepEqual(both.paths?.sort(), ["packages/api/lib/fields.ts", "src/export/fields.ts"]);
    // Your own file wins over every team file: matches are only noted for you.
    write(join(dir, ".dejafix", "rules.local.yml"), "verdict:\n  matchAction: off\n");
    assert.deepEqual(check(inApi), { code: 0, action: "note", paths: ["packages/api/src/fields.ts"] });
    // A broken package file does not stop the check: the repository's rules apply, and it is said.
    write(
      join(dir, "packages", "api", ".dejafix", "rules.yml"),
      "version: 1\nverdict:\n  matchAction: stop\n",
    );
    const broken = spawnSync(process.execPath, [CLI, "check", inApi, "--repo", dir, "--format", "json"], {
      encoding: "utf8",
    });
    const doc = JSON.parse(broken.stdout) as { results: Array<{ notices: string[] }> };
    assert.ok(
      doc.results[0]?.notices.some((n) =>
        /packages\/api\/\.dejafix\/rules\.yml:3:\d+: verdict\.matchAction/.test(n),
      ),
      JSON.stringify(doc.results[0]?.notices),
    );
    // rules check names the broken file, line and field, and the personal file git does not ignore.
    const rc = spawnSync(process.execPath, [CLI, "rules", "check", "--repo", dir], { encoding: "utf8" });
    assert.equal(rc.status, 1);
    assert.match(
      rc.stderr,
      /packages\/api\/\.dejafix\/rules\.yml:3:\d+: verdict\.matchAction: must be one of/,
    );
    assert.match(rc.stderr, /\.dejafix\/rules\.local\.yml is personal but git does not ignore it/);
  });
});
