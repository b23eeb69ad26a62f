import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { generateRepo } from "../fixtures/generate.js";
import * as S from "../fixtures/sources.js";
import type { FixtureManifest } from "../fixtures/types.js";
import { indexRepository, openIndex } from "../src/api.js";
import { blocksOfFix, type FixEdit, parseHunkBody } from "../src/blocks/fixBlocks.js";
import { catFile } from "../src/git/catFile.js";
import { sqlite } from "../src/index/connection.js";
import { buildDefectBlocks, type DefectBlock, DefectBlockReader } from "../src/index/defectBlocks.js";
import { defaultRules } from "../src/rules/defaults.js";
import type { Rules } from "../src/rules/types.js";
import { commit, git, takeFunction } from "./helpers/commit.js";

function newRepo(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  git(dir, ["init", "-q", "-b", "main"]);
  return dir;
}

/** Replays block-relative edits on `before`, as a reader of the index would. */
function replay(before: string[], edits: FixEdit[]): string[] {
  const out: string[] = [];
  let k = 0;
  for (const e of edits) {
    out.push(...before.slice(k, e.at), ...e.add);
    k = e.at + e.del.length;
  }
  return [...out, ...before.slice(k)];
}

const SUM = `function sumPrices(items, currency) {
  let total = 0;
  for (let i = 0; i <= items.length; i++) {
    const item = items[i];
    if (item.currency !== currency) {
      continue;
    }
    total += item.price;
  }
  return total;
}
`;

describe("blocksOfFix", () => {
  const lines = SUM.split("\n").slice(0, -1);

  it("grows a changed line to the loop around it and replays the fix inside the block", () => {
    const hunk = parseHunkBody(
      [
        " function sumPrices(items, currency) {",
        "   let total = 0;",
        "-  for (let i = 0; i <= items.length; i++) {",
        "+  for (let i = 0; i < items.length; i++) {",
        "     const item = items[i];",
      ].join("\n"),
    );
    const [block, ...rest] = blocksOfFix(lines, [{ oldStart: 1, lines: hunk }], "javascript");
    assert.equal(rest.length, 0);
    assert.ok(block);
    assert.deepEqual([block.start, block.end], [3, 9], "the for statement with its body");
    assert.equal(block.before[0], "  for (let i = 0; i <= items.length; i++) {");
    assert.equal(block.after[0], "  for (let i = 0; i < items.length; i++) {");
    assert.deepEqual(block.after.slice(1), block.before.slice(1));
    assert.deepEqual(block.edits, [
      {
        at: 0,
        afterAt: 0,
        del: ["  for (let i = 0; i <= items.length; i++) {"],
        add: ["  for (let i = 0; i < items.length; i++) {"],
      },
    ]);
  });

  it("cuts a statement window: the statement alone without minLines, the enclosing blocks until minLines", () => {
    const hunk = parseHunkBody(
      ["     if (item.currency !== currency) {", "-      continue;", "+      break;"].join("\n"),
    );
    const small = blocksOfFix(lines, [{ oldStart: 5, lines: hunk }], "javascript");
    assert.deepEqual(
      small.map((b) => [b.start, b.end]),
      [[6, 6]],
    );
    const grown = blocksOfFix(lines, [{ oldStart: 5, lines: hunk }], "javascript", 10);
    assert.deepEqual(
      grown.map((b) => [b.start, b.end]),
      [[1, 11]],
      "the if, then the loop's body and the loop, then the function's body: all under 10 normalized lines",
    );
    assert.ok(grown[0]!.norm.lines.length >= 10);
    assert.equal(grown[0]!.after[5], "      break;");
  });

  it("a fix deep in a long function gives the dozen statements around it, not the function", () => {
    // Forty statements of five shapes (a list of one shape would be a table, which gives no block).
    const shapes = [
      (i: number) => `  const v${i} = read(source, ${i});`,
      (i: number) => `  if (v${i - 1} > limit) v${i - 1} = limit;`,
      (i: number) => `  total += v${i - 2} * weight;`,
      (i: number) => `  log("value", v${i - 3});`,
      (i: number) => `  seen.add(v${i - 4}.key);`,
    ];
    const body = Array.from({ length: 40 }, (_, i) => shapes[i % 5]!(i));
    const long = ["function readAll(source) {", ...body, "  return v0;", "}"];
    const hunk = parseHunkBody(
      ["-  const v20 = read(source, 20);", "+  const v20 = read(source, 21);"].join("\n"),
    );
    const [b, ...rest] = blocksOfFix(long, [{ oldStart: 22, lines: hunk }], "javascript", 10);
    assert.equal(rest.length, 0);
    assert.ok(b);
    assert.equal(b.norm.lines.length, 10, "exactly minLines statements");
    assert.ok(b.start > 1 && b.end < long.length, `inside the function (${b.start}-${b.end})`);
    assert.ok(
      b.start <= 22 && b.end >= 22 && 22 - b.start <= 5 && b.end - 22 <= 5,
      "the fix near the middle",
    );
  });

  it("places a pure insertion between the lines around it and drops whitespace-only groups", () => {
    const hunk = parseHunkBody(
      [
        "   for (let i = 0; i <= items.length; i++) {",
        "     const item = items[i];",
        "+    if (item === undefined) {",
        "+      break;",
        "+    }",
        "     if (item.currency !== currency) {",
        "       continue;",
        "     }",
        "+",
        "     total += item.price;",
      ].join("\n"),
    );
    const blocks = blocksOfFix(lines, [{ oldStart: 3, lines: hunk }], "javascript");
    assert.equal(blocks.length, 1);
    const b = blocks[0]!;
    assert.deepEqual([b.start, b.end], [4, 7], "the statements on both sides of the gap");
    assert.equal(b.edits.length, 1, "the blank line added is not a fix");
    assert.deepEqual(b.edits[0], {
      at: 1,
      afterAt: 1,
      del: [],
      add: ["    if (item === undefined) {", "      break;", "    }"],
    });
    assert.deepEqual(replay(b.before, b.edits), b.after);
    assert.equal(b.after.length, b.before.length + 3);
  });

  it("next to a huge statement, the block is cut around the fix, never over 3 × minLines lines", () => {
    const shapes = [
      (i: number) => `    total${i % 7} += read(source, ${i}) * w${i % 5};`,
      (i: number) => `    if (total${i % 7} > ${i}) log(total${i % 7});`,
      (i: number) => `    w${i % 5} = next(w${i % 5}, source);`,
    ];
    const huge = Array.from({ length: 60 }, (_, i) => shapes[i % 3]!(i));
    const lines = [
      "function readAll(source, w0, w1, w2, w3, w4) {",
      "  let ready = check(source);",
      "  if (ready > 1) {",
      ...huge,
      "  }",
      "  return ready;",
      "}",
    ];
    const hunk = parseHunkBody(
      ["-  let ready = check(source);", "+  let ready = check(source, true);"].join("\n"),
    );
    const [b] = blocksOfFix(lines, [{ oldStart: 2, lines: hunk }], "javascript", 10);
    assert.ok(b);
    assert.ok(b.norm.lines.length >= 10 && b.norm.lines.length <= 30, `${b.norm.lines.length} lines`);
    assert.ok(b.start <= 2 && b.end >= 2);
  });

  it("a list of one kind of line gives no block: a fix there edits an entry", () => {
    const table = Array.from({ length: 12 }, (_, i) => `  REGISTER_API(Call${i});`);
    const hunk = parseHunkBody(["   REGISTER_API(Call4);", "+  REGISTER_API(Call4b);"].join("\n"));
    assert.deepEqual(blocksOfFix(table, [{ oldStart: 5, lines: hunk }], "c", 10), []);
  });

  it("rows of a struct table and a chain of string cases are tables too: their brackets and signs aside", () => {
    const rows = Array.from(
      { length: 12 },
      (_, i) => `    {"cmd${i}",cmd${i}Command,${i % 3 === 0 ? -2 : 3},"r",0,NULL,1,1,1,0,0},`,
    );
    const hunk = parseHunkBody(
      [
        '-    {"cmd4",cmd4Command,3,"r",0,NULL,1,1,1,0,0},',
        '+    {"cmd4",cmd4Command,-3,"r",0,NULL,1,1,1,0,0},',
      ].join("\n"),
    );
    assert.deepEqual(blocksOfFix(rows, [{ oldStart: 5, lines: hunk }], "c", 10), []);
    const chain = ['    if (!strcasecmp(flag,"write")) {', "        c->flags |= CMD_WRITE;"];
    for (const f of ["readonly", "admin", "pubsub", "noscript", "loading", "stale"])
      chain.push(`    } else if (!strcasecmp(flag,"${f}")) {`, `        c->flags |= CMD_${f.toUpperCase()};`);
    chain.push("    }");
    const insert = parseHunkBody(
      [
        '     } else if (!strcasecmp(flag,"admin")) {',
        '+    } else if (!strcasecmp(flag,"noflags")) {',
        "+        /* nothing to do */",
      ].join("\n"),
    );
    assert.deepEqual(blocksOfFix(chain, [{ oldStart: 5, lines: insert }], "c", 10), []);
    // Statements of many shapes are no table.
    assert.equal(
      blocksOfFix(
        lines,
        [
          {
            oldStart: 8,
            lines: parseHunkBody("-    total += item.price;\n+    total += item.price * item.quantity;"),
          },
        ],
        "javascript",
        5,
      ).length,
      1,
    );
  });

  it("a cosmetic fix gives no block: comments, layout, a message reworded, a consistent rename", () => {
    const one = (from: string, to: string) =>
      blocksOfFix(
        lines,
        [{ oldStart: 8, lines: parseHunkBody([`-${from}`, `+${to}`].join("\n")) }],
        "javascript",
      ).length;
    const line = "    total += item.price;";
    assert.equal(one(line, "    total += item.price; // in cents"), 0, "a comment");
    assert.equal(one(line, "    total +=   item.price ;"), 0, "layout");
    assert.equal(one(line, "    total += item.cost;"), 1, "another property is a fix");
    assert.equal(one(line, "    total += item.price * 2;"), 1, "an operator and a number are a fix");
    const msg = (from: string, to: string) =>
      blocksOfFix(
        [`throw new Error(${from});`],
        [
          {
            oldStart: 1,
            lines: parseHunkBody([`-throw new Error(${from});`, `+throw new Error(${to});`].join("\n")),
          },
        ],
        "javascript",
      ).length;
    assert.equal(msg('"1 item left"', '"1 items left"'), 0, "the wording of a message");
    assert.equal(msg('"%d items"', '"%s items"'), 1, "a format character is a fix");
    const renamed = SUM.replaceAll("total", "sum").split("\n").slice(0, -1);
    const hunks = [
      {
        oldStart: 1,
        lines: lines.flatMap((l, i) => [
          { kind: "-" as const, text: l },
          { kind: "+" as const, text: renamed[i]! },
        ]),
      },
    ];
    assert.equal(blocksOfFix(lines, hunks, "javascript").length, 0, "a rename of every use");
  });
});

describe("catFile", () => {
  let dir = "";
  before(() => {
    dir = newRepo("dejafix-cat-");
    commit(dir, { "a.txt": "alpha\n", "b.bin": "x\u0000y\n", "empty.txt": "" }, "add files");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("answers concurrent reads in order from one process, null for missing objects", async () => {
    const oids = ["a.txt", "b.bin", "empty.txt"].map((f) => git(dir, ["rev-parse", `HEAD:${f}`]).trim());
    const cat = catFile(dir);
    try {
      const missing = "0123456789abcdef0123456789abcdef01234567";
      const reads = await Promise.all([...oids, missing, ...oids].map((o) => cat.read(o)));
      assert.equal(reads[0]?.toString(), "alpha\n");
      assert.deepEqual(reads[1], Buffer.from("x\u0000y\n"));
      assert.equal(reads[2]?.length, 0);
      assert.equal(reads[3], null);
      assert.equal(reads[4]?.toString(), "alpha\n");
      // Asked in a later turn, one at a time: each still answered.
      for (const [i, o] of oids.entries()) assert.deepEqual(await cat.read(o), reads[i]);
      assert.equal(await cat.read("0".repeat(40)), null, "git's all-zero id is no object");
      await assert.rejects(cat.read("not-an-id"), /not an object id/);
    } finally {
      await cat.close();
    }
  });

  it("answers a read asked in the same turn as the close", async () => {
    const cat = catFile(dir);
    const read = cat.read(git(dir, ["rev-parse", "HEAD:a.txt"]).trim());
    await cat.close();
    assert.equal((await read)?.toString(), "alpha\n");
  });
});

/** Default rules where issue references make fixes (the fixture's fixes cite `#87`, `BILL-42`...). */
function fixtureRules(): Rules {
  const rules = defaultRules();
  rules.fixes.issueRefsAreFixes = true;
  return rules;
}

async function blocksOf(dir: string): Promise<DefectBlock[]> {
  const store = await openIndex(dir);
  try {
    const reader = new DefectBlockReader(store);
    const repoId = sqlite(store).prepare("SELECT id FROM repos WHERE role = 'self'").pluck().get() as number;
    return [...reader.inHistoryOrder(repoId)];
  } finally {
    store.close();
  }
}

describe("buildDefectBlocks on a generated repository", () => {
  let dir = "";
  let m: FixtureManifest;
  const rules = fixtureRules();
  let first = 0;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-db-"));
    m = generateRepo(dir, { seed: 3, commits: 90 });
    // `dejafix index` builds the defect blocks of the fixes it mined.
    first = (await indexRepository({ repoDir: dir, rules })).defectBlocks;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("stores the block each planted fix changed, with its defect and fix commits", async () => {
    const blocks = await blocksOf(dir);
    assert.equal(blocks.length, first);
    const cases: Array<[string, string, string]> = [
      ["off-by-one-tokenizer", S.TOKENIZER_DEFECT, S.TOKENIZER_FIXED],
      ["wrong-comparison-withdraw", S.ACCOUNTS_DEFECT, S.ACCOUNTS_FIXED],
      ["int-overflow-search", "(lo + hi) / 2", "lo + (hi - lo) / 2"],
      ["swapped-args-buffer", S.BUFFER_DEFECT, S.BUFFER_FIXED],
    ];
    for (const [id, defect, fixed] of cases) {
      const p = m.planted.find((x) => x.id === id)!;
      const b = blocks.find((x) => x.fix.sha === p.fix);
      assert.ok(b, `${id}: a defect block from its fix`);
      assert.equal(b.newPath, p.path);
      assert.ok(
        b.defects.some((d) => d.sha === p.inducing),
        `${id}: the defect commit is ${p.inducing.slice(0, 8)}`,
      );
      const text = b.before.join("\n");
      assert.ok(text.includes(defect.trim()), `${id}: the block holds the defect line`);
      assert.ok(b.after.join("\n").includes(fixed.trim()), `${id}: the after text holds the fix`);
      assert.ok(!b.after.join("\n").includes(defect.trim()));
      assert.deepEqual(replay(b.before, b.edits), b.after, `${id}: edits replay to the after text`);
      assert.ok(b.normLines >= rules.clones.minLines);
      assert.ok(b.fix.message.length > 0 && b.defects[0]!.message.length > 0, "both messages are kept");
      // The block is the file's lines as the fix found them.
      const parentText = git(dir, ["show", `${p.fix}^:${b.path}`]).split("\n");
      assert.deepEqual(parentText.slice(b.startLine - 1, b.endLine), b.before);
    }
    const withIssue = blocks.find(
      (b) => b.fix.sha === m.planted.find((x) => x.id === "wrong-comparison-withdraw")!.fix,
    );
    assert.deepEqual(withIssue?.fix.issues, ["BILL-42"]);
  });

  it("adds nothing when run again (incremental), and only the new fix after a new commit", async () => {
    const store = await openIndex(dir);
    const repoId = sqlite(store).prepare("SELECT id FROM repos WHERE role = 'self'").pluck().get() as number;
    try {
      assert.equal((await buildDefectBlocks(store, repoId, dir, rules)).added, 0);
    } finally {
      store.close();
    }
    const file = "src/parser/tokenizer.ts";
    git(dir, ["checkout", "-q", "-f", "HEAD"]); // the generator writes objects only
    const now = fs.readFileSync(path.join(dir, file), "utf8");
    assert.ok(now.includes("i < source.length"));
    const fixSha = commit(
      dir,
      { [file]: now.replace("i < source.length", "i < source.length - 0") },
      "fix: spell out the bound of splitTokens",
    );
    assert.equal((await indexRepository({ repoDir: dir, rules })).defectBlocks, 1, "only the new fix");
    const again = await openIndex(dir);
    try {
      assert.equal((await buildDefectBlocks(again, repoId, dir, rules)).added, 0, "nothing left to build");
    } finally {
      again.close();
    }
    const blocks = await blocksOf(dir);
    assert.equal(blocks.length, first + 1);
    assert.equal(blocks[blocks.length - 1]!.fix.sha, fixSha);
  });
});

describe("buildDefectBlocks leaves out", () => {
  it("generated files, ignored paths and blocks below clones.minLines", async () => {
    const dir = newRepo("dejafix-excl-");
    try {
      const tiny = "function one(a) {\n  return a + 1;\n}\n";
      commit(
        dir,
        {
          "src/take.js": takeFunction("take"),
          "src/gen/api.js": `// Code generated by protoc-gen-js. DO NOT EDIT.\n${takeFunction("takeApi")}`,
          "vendor/lib/take.js": takeFunction("takeVendored"),
          "src/tiny.js": tiny,
          "docs/take.md": `# take\n\n${takeFunction("take")}`,
        },
        "Add take helpers",
      );
      const off = (t: string) => t.replace("seen > limit", "seen >= limit");
      commit(
        dir,
        {
          "src/take.js": off(takeFunction("take")),
          "src/gen/api.js": `// Code generated by protoc-gen-js. DO NOT EDIT.\n${off(takeFunction("takeApi"))}`,
          "vendor/lib/take.js": off(takeFunction("takeVendored")),
          "src/tiny.js": tiny.replace("a + 1", "a + 2"),
          "docs/take.md": `# take\n\n${off(takeFunction("take"))}`,
        },
        "fix: take returned one row too many",
      );
      const rules = defaultRules();
      assert.equal((await indexRepository({ repoDir: dir, rules })).defectBlocks, 1);
      const blocks = await blocksOf(dir);
      assert.deepEqual(
        blocks.map((b) => b.path),
        ["src/take.js"],
      );
      // With a lower minimum the tiny block is kept too (it was left out for its size only).
      const dir2 = newRepo("dejafix-excl2-");
      try {
        commit(dir2, { "src/tiny.js": tiny }, "Add one");
        commit(dir2, { "src/tiny.js": tiny.replace("a + 1", "a + 2") }, "fix: one adds two");
        const low = defaultRules();
        low.clones.minLines = 3;
        assert.equal((await indexRepository({ repoDir: dir2, rules: low })).defectBlocks, 1);
      } finally {
        fs.rmSync(dir2, { recursive: true, force: true });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
