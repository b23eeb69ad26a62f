/**
 * The fixture generator, checked against real generated repositories with git itself: the
 * planted answers must be TRUE according to `git blame -w`, not just according to us.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { demoReintroduction, generateRandomHistory, generateRepo } from "../fixtures/generate.js";
import type { FixtureManifest } from "../fixtures/types.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-fixtures-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("GIT_")) env[k] = v;
  return { ...env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
}

function gitBuf(cwd: string, args: string[]): { status: number | null; out: Buffer; err: string } {
  const r = spawnSync("git", args, { cwd, env: gitEnv(), maxBuffer: 1 << 28 });
  return { status: r.status, out: r.stdout, err: r.stderr.toString("utf8") };
}

function git(cwd: string, args: string[]): string {
  const r = gitBuf(cwd, args);
  assert.equal(r.status, 0, `git ${args.join(" ")} failed: ${r.err}`);
  return r.out.toString("utf8");
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "");

/** Comment or blank lines are never SZZ evidence. */
function isBlankOrComment(line: string): boolean {
  const t = line.trim();
  return t === "" || /^(\/\/|#|\/\*|\*)/.test(t);
}

/**
 * Old-side line numbers and texts of the lines a commit deletes from `file`.
 * `git diff -U0` hunk headers look like "@@ -12,2 +12 @@ int find_sorted(...)".
 */
function deletedLines(repo: string, commit: string, file: string): { line: number; text: string }[] {
  const diff = git(repo, ["diff", "-U0", "--no-renames", "--no-color", `${commit}^`, commit, "--", file]);
  const out: { line: number; text: string }[] = [];
  let old = 0;
  for (const l of diff.split("\n")) {
    const h = /^@@ -(\d+)(?:,\d+)? \+/.exec(l);
    if (h) old = Number(h[1]);
    else if (l.startsWith("-") && !l.startsWith("---")) out.push({ line: old++, text: l.slice(1) });
  }
  return out;
}

/**
 * Owner commit of every line from `git blame --porcelain`:
 *   "<sha> <orig-line> <final-line> [<group-size>]" then headers, then "\t<content>".
 */
function blameOwners(
  repo: string,
  rev: string,
  file: string,
  ignoreWhitespace: boolean,
): Map<number, string> {
  const out = git(repo, ["blame", ...(ignoreWhitespace ? ["-w"] : []), "--porcelain", rev, "--", file]);
  const owners = new Map<number, string>();
  for (const l of out.split("\n")) {
    const m = /^([0-9a-f]{40}) \d+ (\d+)/.exec(l);
    if (m) owners.set(Number(m[2]), m[1] as string);
  }
  return owners;
}

/** Added lines of a commit (all files), as written. */
function addedLines(repo: string, commit: string): string[] {
  const diff = git(repo, ["show", "--format=", "--no-color", "-U0", commit]);
  return diff
    .split("\n")
    .filter((l) => l.startsWith("+") && !l.startsWith("+++"))
    .map((l) => l.slice(1));
}

/** NiCad-style normalization: no layout, identifiers → x, literals → 0. */
function normalize(code: string[]): string[] {
  const keywords = new Set(
    "if else for while return const let def in not is and or None null true false new continue break".split(
      " ",
    ),
  );
  return code
    .map((l) =>
      l
        .replace(/"[^"]*"|'[^']*'/g, "0")
        .replace(/\b\d[\d_.]*\b/g, "0")
        .replace(/[A-Za-z_]\w*/g, (w) => (keywords.has(w) ? w : "x"))
        .replace(/\s+/g, ""),
    )
    .filter((l) => l !== "" && !/^(\/\/|#|\/\*|\*)/.test(l));
}

function lcs(a: string[], b: string[]): number {
  const dp = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let prev = 0;
    for (let j = 1; j <= b.length; j++) {
      const keep = dp[j] ?? 0;
      dp[j] = x === b[j - 1] ? prev + 1 : Math.max(dp[j] ?? 0, dp[j - 1] ?? 0);
      prev = keep;
    }
  }
  return dp[b.length] ?? 0;
}

/** Share of the defect block's normalized lines found, in order, in the other code. */
function similarity(defect: string[], other: string[]): number {
  const a = normalize(defect);
  return lcs(a, normalize(other)) / a.length;
}

describe("generateRepo", () => {
  let repo = "";
  let m: FixtureManifest;

  before(() => {
    repo = path.join(tmp, "seed7");
    m = generateRepo(repo, { seed: 7 });
  });

  test("is deterministic per seed and differs between seeds", () => {
    const again = generateRepo(path.join(tmp, "seed7-again"), { seed: 7 });
    assert.equal(again.head, m.head);
    assert.deepEqual(again, m);
    const other = generateRepo(path.join(tmp, "seed8"), { seed: 8 });
    assert.notEqual(other.head, m.head);
  });

  test("refuses a folder that is not empty", () => {
    const dir = path.join(tmp, "busy");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "keep.txt"), "mine\n");
    assert.throws(() => generateRepo(dir), /not empty/);
    assert.equal(fs.readFileSync(path.join(dir, "keep.txt"), "utf8"), "mine\n");
  });

  test("passes git fsck --strict and has a clean, checked-out work tree", () => {
    const r = gitBuf(repo, ["fsck", "--strict", "--no-progress"]);
    assert.equal(r.status, 0, r.err);
    assert.doesNotMatch(r.err, /error|warning/i);
    assert.equal(git(repo, ["status", "--porcelain"]), "");
    assert.equal(git(repo, ["rev-parse", "HEAD"]).trim(), m.head);
    assert.equal(git(repo, ["symbolic-ref", "HEAD"]).trim(), "refs/heads/main");
    assert.deepEqual(lines(git(repo, ["for-each-ref", "--format=%(refname)"])), ["refs/heads/main"]);
  });

  test("every sha of the manifest exists and the counts are git's", () => {
    const shas = [
      m.head,
      ...m.planted.flatMap((p) => [p.inducing, p.fix]),
      ...m.recurrences.map((r) => r.commit),
      ...m.cosmetic,
      ...m.notFixes,
    ];
    for (const sha of shas) assert.equal(gitBuf(repo, ["cat-file", "-e", `${sha}^{commit}`]).status, 0, sha);
    assert.equal(Number(git(repo, ["rev-list", "--count", "HEAD"])), m.commits);
    assert.equal(m.commits, 200);
    assert.equal(Number(git(repo, ["rev-list", "--merges", "--count", "HEAD"])), m.merges);
    assert.ok(m.merges >= 2);
  });

  test("scales the commit count exactly", () => {
    const small = generateRepo(path.join(tmp, "c400"), { seed: 3, commits: 400, name: "big" });
    assert.equal(small.name, "big");
    assert.equal(Number(git(path.join(tmp, "c400"), ["rev-list", "--count", "HEAD"])), 400);
  });

  test("has the authors, time zones and dates of a real team", () => {
    const rows = lines(git(repo, ["log", "--format=%an|%ae|%ai"])).map((l) => l.split("|"));
    const emails = new Set(rows.map((r) => r[1]));
    assert.ok(emails.size >= 5, `authors: ${[...emails].join(", ")}`);
    const byName = new Map<string, Set<string>>();
    for (const [name, email] of rows)
      byName.set(name ?? "", (byName.get(name ?? "") ?? new Set()).add(email ?? ""));
    assert.ok(
      [...byName.values()].filter((s) => s.size >= 2).length >= 2,
      "a name used with two e-mails, twice",
    );
    const zones = new Set(rows.map((r) => r[2]?.slice(-5)));
    assert.ok(zones.size >= 4, `time zones: ${[...zones].join(" ")}`);
    const days = new Set(lines(git(repo, ["log", "--format=%ad", "--date=format:%a"])));
    assert.ok(days.has("Sat") || days.has("Sun"), "some weekend commits");
    const times = lines(git(repo, ["log", "--format=%at"])).map(Number);
    assert.ok(Math.max(...times) - Math.min(...times) > 120 * 86400, "spread over months");
  });

  test("has renames, a deleted file, a mode change and awkward paths", () => {
    const renames = git(repo, [
      "-c",
      "core.quotePath=false",
      "log",
      "-M",
      "--diff-filter=R",
      "--name-status",
      "--format=",
    ]);
    const rows = lines(renames).map((l) => l.split("\t"));
    assert.ok(
      rows.some((r) => r[0] === "R100"),
      "a rename without edits",
    );
    assert.ok(
      rows.some((r) => /^R\d+$/.test(r[0] ?? "") && r[0] !== "R100"),
      "a rename with edits",
    );
    assert.ok(
      rows.some((r) => r[2] === "docs/Notes de réunion.md"),
      "a path with spaces and non-ASCII",
    );
    assert.ok(lines(git(repo, ["log", "--diff-filter=D", "--name-only", "--format="])).length >= 1);
    assert.match(git(repo, ["log", "--summary", "--format="]), /mode change 100644 => 100755/);
  });

  test("has binary, CRLF, non-UTF-8, generated, lock and minified files", () => {
    assert.match(git(repo, ["log", "--numstat", "--format="]), /^-\t-\tassets\/logo\.png$/m);
    const png = fs.readFileSync(path.join(repo, "assets/logo.png"));
    assert.equal(png.subarray(1, 4).toString("latin1"), "PNG");
    assert.match(git(repo, ["ls-files", "--eol"]), /i\/crlf.*windows\/build\.bat/);
    const legacy = fs.readFileSync(path.join(repo, "legacy/latin1_names.csv"));
    assert.ok(legacy.includes(0xe9));
    assert.throws(() => new TextDecoder("utf-8", { fatal: true }).decode(legacy));
    assert.match(
      fs.readFileSync(path.join(repo, "src/generated/schema.ts"), "utf8"),
      /@generated.*DO NOT EDIT/,
    );
    assert.ok(fs.existsSync(path.join(repo, "package-lock.json")));
    const min = fs.readFileSync(path.join(repo, "web/vendor/chart.min.js"), "utf8");
    assert.ok(lines(min).length === 1 && min.length > 5000);
    for (const ext of [".ts", ".js", ".py", ".java", ".c", ".md"]) {
      assert.ok(
        lines(git(repo, ["ls-files"])).some((f) => f.endsWith(ext)),
        ext,
      );
    }
  });

  test("cosmetic commits change only whitespace or comments, and both kinds exist", () => {
    let whitespaceOnly = 0;
    let commentOnly = 0;
    for (const sha of m.cosmetic) {
      const plain = git(repo, ["show", "--format=", "--no-color", sha]);
      assert.notEqual(plain, "", `${sha} changes something`);
      const ignoring = git(repo, [
        "show",
        "-w",
        "--ignore-blank-lines",
        "--format=",
        "--no-color",
        "-U0",
        sha,
      ]);
      const changed = ignoring.split("\n").filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l));
      if (changed.length === 0) whitespaceOnly++;
      else {
        for (const l of changed) assert.ok(isBlankOrComment(l.slice(1)), `${sha}: ${l}`);
        commentOnly++;
      }
    }
    assert.ok(
      whitespaceOnly >= 2 && commentOnly >= 2,
      `${whitespaceOnly} whitespace, ${commentOnly} comment`,
    );
  });

  test("messages cover every way of declaring a fix, and notFixes only hold keywords inside words", () => {
    const all = git(repo, ["log", "--format=%B%x00"]);
    assert.match(all, /^fix\(parser\): /m);
    assert.match(all, /^Fixed /m);
    assert.match(all, /^fix /m);
    assert.match(all, /\b[A-Z]+-\d+\b/);
    assert.match(all, /#\d+/);
    assert.match(all, /^Fixes: [0-9a-f]{12} \("[^"]+"\)$/m);
    assert.match(all, /regression from [0-9a-f]{7,}/);
    assert.match(all, /This reverts commit [0-9a-f]{40}\./);
    assert.ok(m.notFixes.length >= 4);
    const seen = new Set<string>();
    for (const sha of m.notFixes) {
      const msg = git(repo, ["log", "-1", "--format=%B", sha]);
      const word = /prefix|debugger|suffix|errorless/i.exec(msg)?.[0].toLowerCase();
      assert.ok(word, msg);
      seen.add(word);
      assert.doesNotMatch(
        msg,
        /\b(fix(e[sd])?|bugs?|errors?|fault|defect|regression|revert)\b|#\d|[A-Z]+-\d/i,
      );
    }
    assert.equal(seen.size, 4);
  });

  test("planted answers are true according to git blame -w", () => {
    assert.ok(m.planted.length >= 8);
    let foreignSkipped = 0;
    for (const p of m.planted) {
      const deleted = deletedLines(repo, p.fix, p.path);
      const evidence = deleted.filter((d) => !isBlankOrComment(d.text));
      assert.ok(evidence.length >= 1, `${p.id}: the fix deletes defect lines`);
      const owners = blameOwners(repo, `${p.fix}^`, p.path, true);
      for (const d of evidence)
        assert.equal(owners.get(d.line), p.inducing, `${p.id}: line ${d.line} "${d.text}"`);
      foreignSkipped += deleted.filter(
        (d) => isBlankOrComment(d.text) && owners.get(d.line) !== p.inducing,
      ).length;

      const message = git(repo, ["log", "-1", "--format=%B", p.fix]);
      const named = message.includes(p.inducing.slice(0, 10));
      assert.equal(
        named,
        p.evidence === "declared",
        `${p.id}: declared in the message iff evidence is "declared"`,
      );
      // Only the defect's own file changes in the fix.
      assert.deepEqual(lines(git(repo, ["show", "--format=", "--name-only", p.fix])), [p.path]);
    }
    assert.ok(foreignSkipped >= 2, "some fixes also delete blank/comment lines owned by other commits");
  });

  test("reformatted defects are only found through whitespace-insensitive blame", () => {
    const reformatted = m.planted.filter((p) => p.reformattedBetween);
    assert.ok(reformatted.length >= 1);
    for (const p of reformatted) {
      const evidence = deletedLines(repo, p.fix, p.path).filter((d) => !isBlankOrComment(d.text));
      const plain = blameOwners(repo, `${p.fix}^`, p.path, false);
      const reformat = plain.get(evidence[0]?.line ?? 0);
      assert.notEqual(reformat, p.inducing, `${p.id}: plain blame names the reformat`);
      assert.ok(m.cosmetic.includes(reformat ?? ""), `${p.id}: the reformat is listed as cosmetic`);
    }
    for (const p of m.planted.filter((q) => !q.reformattedBetween)) {
      const between = lines(git(repo, ["log", "--format=%H", `${p.inducing}..${p.fix}^`, "--", p.path]));
      const reformats = between.filter(
        (c) => m.cosmetic.includes(c) && git(repo, ["show", "-w", "--format=", c]).trim() === "",
      );
      assert.deepEqual(reformats, [], `${p.id} has no whitespace-only commit in between`);
    }
  });

  test("one defect comes from a merged side branch and one file was renamed before its fix", () => {
    const firstParent = new Set(lines(git(repo, ["rev-list", "--first-parent", "HEAD"])));
    const side = m.planted.filter((p) => !firstParent.has(p.inducing));
    assert.ok(side.length >= 1, "inducing commit off the first-parent line");
    for (const p of side) assert.ok(firstParent.has(p.fix), `${p.id} is fixed on main`);
    const renamed = m.planted.filter(
      (p) => gitBuf(repo, ["cat-file", "-e", `${p.inducing}:${p.path}`]).status !== 0,
    );
    assert.ok(renamed.length >= 1, "a defect whose file had another path when it was introduced");
  });

  test("recurrences repeat their defect in other words, and only their own defect", () => {
    assert.ok(m.recurrences.length >= 3);
    const blocks = new Map(m.planted.map((p) => [p.id, addedLines(repo, p.inducing)]));
    for (const r of m.recurrences) {
      const defect = blocks.get(r.of);
      assert.ok(defect, `${r.id} repeats a planted defect`);
      const code = addedLines(repo, r.commit);
      assert.ok(normalize(defect).length >= 10, `${r.of} block has at least 10 lines`);
      assert.ok(similarity(defect, code) >= 0.7, `${r.id} is similar to ${r.of}`);
      const raw = new Set(code.map((l) => l.trim()));
      const differing = defect.filter((l) => l.trim() !== "" && !raw.has(l.trim()));
      assert.ok(differing.length >= 3, `${r.id} is not a copy of ${r.of}`);
      assert.ok(r.variations.length >= 2);
      assert.ok(
        m.planted.every((p) => p.path !== r.path),
        `${r.id} lives in another file`,
      );
      for (const [id, other] of blocks) {
        if (id !== r.of) assert.ok(similarity(other, code) < 0.7, `${r.id} does not resemble ${id}`);
      }
    }
  });

  test("demoReintroduction writes a new file resembling one planted defect", () => {
    const demo = demoReintroduction(m);
    assert.ok(!fs.existsSync(path.join(repo, demo.path)));
    const p = m.planted.find((q) => q.id === demo.of);
    assert.ok(p);
    const defect = addedLines(repo, p.inducing);
    const code = demo.content.split("\n");
    assert.ok(similarity(defect, code) >= 0.7);
    assert.ok(!demo.content.includes(defect.join("\n").trim()));
    assert.throws(() => demoReintroduction({ ...m, planted: [] }), /regenerate/);
  });

  test("the CLI writes the repository and prints the same manifest", () => {
    const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "generate.js");
    const dir = path.join(tmp, "cli");
    const r = spawnSync(process.execPath, [cli, dir, "--seed", "7"], { encoding: "utf8", env: gitEnv() });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), m);
    const bad = spawnSync(process.execPath, [cli, path.join(tmp, "cli2"), "--seed", "x"], {
      encoding: "utf8",
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--seed needs a whole number/);
  });
});

describe("generateRandomHistory", () => {
  test("is deterministic, exact in size, and has merges, renames and combined merges", () => {
    const a = path.join(tmp, "rand-a");
    const { head } = generateRandomHistory(a, { seed: 11, commits: 120, files: 5, mergeEvery: 8 });
    assert.equal(
      generateRandomHistory(path.join(tmp, "rand-b"), { seed: 11, commits: 120, files: 5, mergeEvery: 8 })
        .head,
      head,
    );
    assert.notEqual(generateRandomHistory(path.join(tmp, "rand-c"), { seed: 12, commits: 120 }).head, head);
    assert.equal(gitBuf(a, ["fsck", "--strict", "--no-progress"]).status, 0);
    assert.equal(Number(git(a, ["rev-list", "--count", "HEAD"])), 120);
    const merges = lines(git(a, ["rev-list", "--merges", "HEAD"]));
    assert.ok(merges.length >= 5, `${merges.length} merges`);
    assert.ok(lines(git(a, ["log", "-M", "--diff-filter=R", "--name-only", "--format="])).length >= 1);
    // Files that differ from every parent of a merge: combined edits of both sides or evil lines.
    assert.ok(lines(git(a, ["log", "--merges", "--cc", "--name-only", "--format="])).length >= 1);
    // "Evil" merges: in a combined diff, "++" marks a line that is in neither parent.
    const combined = git(a, ["log", "--merges", "--cc", "--format=", "--no-color"]);
    assert.match(combined, /^\+\+(?!\+ )/m);
    // Whitespace-only edits exist: some commit's diff is empty when whitespace is ignored.
    const commits = lines(git(a, ["rev-list", "--no-merges", "HEAD"]));
    const wsOnly = commits.filter((c) => git(a, ["show", "-w", "--format=", c]).trim() === "");
    assert.ok(wsOnly.length >= 1);
  });
});
