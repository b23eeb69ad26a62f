/**
 * A match means the change writes a past bug again: each rule of src/suggest/recurrence.ts and of the
 * defect-block sources, on a planted history in a real git repository with a real index.
 */

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { indexRepository, openIndex } from "../src/api.js";
import { readStagedChange } from "../src/git/readChange.js";
import { sqlite } from "../src/index/connection.js";
import { DefectBlockReader } from "../src/index/defectBlocks.js";
import { defaultRules } from "../src/rules/defaults.js";
import { definesNewName, macroSwapEdit } from "../src/suggest/recurrence.js";
import { matchChange, type SuggestedMatch } from "../src/verdict/matchChange.js";
import type { MatchExplanation } from "../src/verdict/types.js";
import { commit, git, ISOLATED_GIT_ENV } from "./helpers/commit.js";

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "cli", "main.js");

/** A cart total with an off-by-one loop and a missing check for absent items. */
const CART = `import { priceOf, log } from "./prices.js";

export function cartTotal(items, currency) {
  let total = 0;
  let count = 0;
  log("totalling", items.length);
  for (let i = 0; i <= items.length; i++) {
    const item = items[i];
    const price = priceOf(item, currency);
    total += price * item.quantity;
    count += item.quantity;
  }
  if (count === 0) {
    return { total: 0, count, empty: "the cart is empty" };
  }
  const rounded = Math.round(total * 100) / 100;
  log("total", rounded, currency);
  return { total: rounded, count, empty: null };
}
`;
const FIXED = CART.replace("i <= items.length", "i < items.length");
const CHECKED = FIXED.replace(
  "    const item = items[i];\n",
  "    const item = items[i];\n    if (isGone(item)) {\n      continue;\n    }\n",
).replace(
  'import { priceOf, log } from "./prices.js";',
  'import { isGone, log, priceOf } from "./prices.js";',
);
/** The same function under other variable names (calls and members keep theirs, as a developer's copy). */
const rename = (text: string): string =>
  text
    .replaceAll("cartTotal", "basketSum")
    .replaceAll("items", "lines")
    .replaceAll("total", "sum")
    .replaceAll("count", "units")
    .replaceAll("item", "line")
    .replaceAll("price", "cost")
    .replaceAll("rounded", "cents")
    .replaceAll("costOf", "priceOf");

function write(dir: string, files: Record<string, string | null>): void {
  for (const [p, content] of Object.entries(files)) {
    const file = path.join(dir, p);
    if (content === null) fs.rmSync(file, { force: true });
    else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
  }
}

/**
 * A planted history for one suite: a repository in a temporary folder with `base` committed, then `fixed`
 * (files and message), indexed under `rules` before the suite's tests and removed after them.
 */
function plantedFix(
  rules: ReturnType<typeof defaultRules>,
  prefix: string,
  base: [Record<string, string>, string],
  fixed: [Record<string, string>, string],
): { readonly dir: string; readonly fix: string } {
  const planted = { dir: "", fix: "" };
  before(async () => {
    planted.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    git(planted.dir, ["init", "-q", "-b", "main"]);
    commit(planted.dir, ...base);
    planted.fix = commit(planted.dir, ...fixed);
    await indexRepository({ repoDir: planted.dir, rules });
  });
  after(() => fs.rmSync(planted.dir, { recursive: true, force: true }));
  return planted;
}

/** What `--explain` told of one fix, every resemblance of it, in one line. */
function outcome(told: readonly MatchExplanation[], fix: string): string {
  return told
    .filter((e) => e.fix === fix)
    .map((e) => e.outcome)
    .join(" | ");
}

function addedLines(diff: string): string[] {
  return diff
    .split("\n")
    .filter((l) => l.startsWith("+") && !l.startsWith("+++"))
    .map((l) => l.slice(1));
}

describe("a match means the change writes a past bug again", () => {
  let dir = "";
  const sha: Record<string, string> = {};
  const rules = defaultRules();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-recur-"));
    git(dir, ["init", "-q", "-b", "main"]);
    sha.add = commit(
      dir,
      {
        "src/cart.js": CART,
        "src/prices.js":
          "export const priceOf = (item) => item.price;\nexport const log = () => {};\nexport const isGone = (item) => item === undefined;\n",
        "test/cart.test.js": `import { cartTotal } from "../src/cart.js";\n${CART.replaceAll("cartTotal", "expectedTotal")}`,
        ".github/workflows/ci.yml":
          "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-node@v3\n",
        // git's and Perl's test folder, and a CI script outside any workflow folder.
        "t/cart.js": CART.replaceAll("cartTotal", "scriptedTotal"),
        "ci/cart.js": CART.replaceAll("cartTotal", "buildTotal"),
        "appveyor.js": CART.replaceAll("cartTotal", "appveyorTotal"),
      },
      "Add the cart total",
    );
    sha.scriptFixes = commit(
      dir,
      {
        "t/cart.js": FIXED.replaceAll("cartTotal", "scriptedTotal"),
        "ci/cart.js": FIXED.replaceAll("cartTotal", "buildTotal"),
        "appveyor.js": FIXED.replaceAll("cartTotal", "appveyorTotal"),
      },
      "fix: the test and CI scripts read past the end too",
    );
    sha.fix = commit(dir, { "src/cart.js": FIXED }, "fix(cart): stop reading past the end of the items");
    sha.testFix = commit(
      dir,
      {
        "test/cart.test.js": `import { cartTotal } from "../src/cart.js";\n${FIXED.replaceAll("cartTotal", "expectedTotal")}`,
      },
      "fix(cart): the test's own loop read past the end",
    );
    sha.ciFix = commit(
      dir,
      {
        ".github/workflows/ci.yml":
          "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-node@v4\n",
      },
      "fix: the CI crashed on the old setup-node",
    );
    sha.cosmetic = commit(
      dir,
      { "src/cart.js": FIXED.replace("the cart is empty", "your cart is empty") },
      "fix: reword the empty cart message",
    );
    sha.check = commit(
      dir,
      { "src/cart.js": CHECKED.replace("the cart is empty", "your cart is empty") },
      "fix(cart): skip items that are gone (crashed on undefined)",
    );
    sha.importFix = commit(
      dir,
      {
        "src/cart.js": CHECKED.replace("the cart is empty", "your cart is empty").replace(
          'import { isGone, log, priceOf } from "./prices.js";',
          'import { isGone, log, priceOf } from "./prices.js";\nimport { round } from "./round.js";',
        ),
        "src/round.js": "export const round = (x) => Math.round(x * 100) / 100;\n",
      },
      "fix: import the rounding helper",
    );
    await indexRepository({ repoDir: dir, rules });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const matchesOfStaged = async (files: Record<string, string | null>): Promise<SuggestedMatch[]> => {
    git(dir, ["reset", "-q", "--hard", "HEAD"]);
    write(dir, files);
    git(dir, ["add", "-A"]);
    const store = await openIndex(dir, { readonly: true });
    try {
      return await matchChange(store, readStagedChange(dir, { amend: false }), rules);
    } finally {
      store.close();
      git(dir, ["reset", "-q", "--hard", "HEAD"]);
    }
  };
  const current = (): string => git(dir, ["show", "HEAD:src/cart.js"]);

  it("defect blocks come from code fixes only: no test file, no workflow, no cosmetic fix", async () => {
    const store = await openIndex(dir, { readonly: true });
    try {
      const repo = sqlite(store).prepare("SELECT id FROM repos LIMIT 1").get() as { id: number };
      const blocks = [...new DefectBlockReader(store).inHistoryOrder(repo.id)];
      const fixes = new Set(blocks.map((b) => b.fix.sha));
      assert.ok(fixes.has(sha.fix!), "the off-by-one fix gives a block");
      assert.ok(fixes.has(sha.check!), "the missing check gives a block");
      for (const [name, s] of [
        ["test file", sha.testFix],
        ["workflow", sha.ciFix],
        ["t/, ci/ and appveyor script", sha.scriptFixes],
        ["cosmetic", sha.cosmetic],
        ["import-only", sha.importFix],
      ] as const)
        assert.ok(!fixes.has(s!), `the ${name} fix gives no block`);
      assert.ok(blocks.every((b) => b.path === "src/cart.js"));
    } finally {
      store.close();
    }
  });

  it("editing the once-buggy function away from the fixed lines is silent", async () => {
    const edited = current().replace(
      'log("total", rounded, currency);',
      'log("cart total", rounded, currency, count);',
    );
    assert.deepEqual(await matchesOfStaged({ "src/cart.js": edited }), []);
  });

  it("code that already has the fix is silent, even copied elsewhere under other names", async () => {
    assert.deepEqual(await matchesOfStaged({ "src/basket.js": rename(current()) }), []);
  });

  it("reverting the fix warns with that fix, says it is a revert, and puts the fix back", async () => {
    const reverted = current().replace("i < items.length", "i <= items.length");
    const matches = await matchesOfStaged({ "src/cart.js": reverted });
    const m = matches.find((x) => x.fix.sha === sha.fix);
    assert.ok(m, "the off-by-one fix is named");
    assert.equal(m.recurrence.kind, "revert");
    assert.equal(m.evidence, "strong");
    const loop = reverted.split("\n").findIndex((l) => l.includes("i <= items.length")) + 1;
    assert.deepEqual(m.recurrence.lines, [loop]);
    assert.ok(m.suggestion?.placed);
    assert.equal(m.suggestion.appliesCleanly, true);
    assert.deepEqual(addedLines(m.suggestion.diff), ["  for (let i = 0; i < items.length; i++) {"]);
  });

  it("deleting the check a fix added warns with that fix, and the suggestion adds it back once", async () => {
    const unchecked = current().replace("    if (isGone(item)) {\n      continue;\n    }\n", "");
    const matches = await matchesOfStaged({ "src/cart.js": unchecked });
    const m = matches.find((x) => x.fix.sha === sha.check);
    assert.ok(m, "the missing-check fix is named");
    assert.equal(m.recurrence.kind, "revert");
    assert.ok(m.suggestion?.placed);
    assert.deepEqual(addedLines(m.suggestion.diff), ["    if (isGone(item)) {", "      continue;", "    }"]);
  });

  it("taking out the check with the name it used shows the fix as it was: put back, it would not build", async () => {
    const unchecked = current()
      .replace("    if (isGone(item)) {\n      continue;\n    }\n", "")
      .replace("import { isGone, log, priceOf }", "import { log, priceOf }");
    assert.ok(!unchecked.includes("isGone"));
    const matches = await matchesOfStaged({ "src/cart.js": unchecked });
    const m = matches.find((x) => x.fix.sha === sha.check);
    assert.ok(m, "the missing-check fix is named");
    assert.equal(m.suggestion?.placed, false);
    assert.match(m.suggestion?.why ?? "", /isGone/);
  });

  it("a fix moved elsewhere by the change (the check now in a helper) is no revert", async () => {
    const moved = current()
      .replace("    if (isGone(item)) {\n      continue;\n    }\n", "")
      .replace(
        "export function cartTotal(items, currency) {",
        "export function cartTotal(all, currency) {\n  const items = present(all);",
      );
    const matches = await matchesOfStaged({
      "src/cart.js": moved,
      "src/present.js":
        'import { isGone } from "./prices.js";\nexport const present = (all) => all.filter((x) => !isGone(x));\n',
    });
    assert.ok(!matches.some((x) => x.fix.sha === sha.check), "the check moved, it was not undone");
  });

  it("a copy of the buggy code in another file warns, with the fix in the copy's names", async () => {
    const matches = await matchesOfStaged({ "src/basket.js": rename(CART) });
    const m = matches.find((x) => x.fix.sha === sha.fix);
    assert.ok(m, `the off-by-one fix is named (got ${matches.map((x) => x.fix.subject).join("; ")})`);
    assert.equal(m.recurrence.kind, "copy");
    assert.equal(m.path, "src/basket.js");
    assert.ok(m.suggestion?.placed);
    assert.ok(addedLines(m.suggestion.diff).includes("  for (let i = 0; i < lines.length; i++) {"));
  });

  it("a copy that makes the fix's check in its own way is not missing it", async () => {
    const plain = await matchesOfStaged({ "src/basket.js": rename(CART) });
    assert.ok(
      plain.some((m) => m.fix.sha === sha.check),
      "without a check of its own, the copy misses the fix's check",
    );
    const guarded = rename(CART).replace(
      "  let sum = 0;\n",
      "  if (lines.some((l) => isGone(l))) return null;\n  let sum = 0;\n",
    );
    assert.notEqual(guarded, rename(CART));
    const { matches, told } = await explainStaged(dir, rules, { "src/basket.js": guarded });
    assert.ok(
      !matches.some((m) => m.fix.sha === sha.check),
      told
        .filter((e) => e.fix === sha.check)
        .map((e) => `${e.line} ${e.outcome}`)
        .join("\n"),
    );
    assert.ok(
      told.some((e) => e.fix === sha.check && /checks `isGone` in its own way/.test(e.outcome)),
      told.map((e) => e.outcome).join("\n"),
    );
  });

  it("no suggestion writes a line the code already has", async () => {
    // The check is there already, only the loop bound came back: the check is not proposed again.
    const partial = current().replace("i < items.length", "i <= items.length");
    for (const m of await matchesOfStaged({ "src/cart.js": partial })) {
      if (!m.suggestion?.placed) continue;
      const have = partial.split("\n").map((l) => l.trim());
      for (const l of addedLines(m.suggestion.diff))
        assert.ok(!have.includes(l.trim()) || l.trim() === "", `"${l}" is already in the file`);
    }
  });

  it("explains every resemblance: shown as a revert, or why not", async () => {
    const explainStaged = async (files: Record<string, string | null>) => {
      git(dir, ["reset", "-q", "--hard", "HEAD"]);
      write(dir, files);
      git(dir, ["add", "-A"]);
      const store = await openIndex(dir, { readonly: true });
      const told: MatchExplanation[] = [];
      try {
        const matches = await matchChange(store, readStagedChange(dir, { amend: false }), rules, {
          explain: (e) => told.push(e),
        });
        return { matches, told };
      } finally {
        store.close();
        git(dir, ["reset", "-q", "--hard", "HEAD"]);
      }
    };
    const reverted = await explainStaged({ "src/cart.js": current().replace("i < items", "i <= items") });
    const shown = reverted.told.filter((e) => e.fix === sha.fix);
    assert.ok(shown.some((e) => e.outcome === "shown as a revert" && e.path === "src/cart.js"));
    assert.ok(reverted.matches.some((m) => m.fix.sha === sha.fix));
    const edited = await explainStaged({
      "src/cart.js": current().replace(
        'log("total", rounded, currency);',
        'log("cart total", rounded, count);',
      ),
    });
    assert.deepEqual(edited.matches, []);
    assert.ok(edited.told.length > 0, "the edited function still resembles its past defect blocks");
    for (const e of edited.told) {
      assert.doesNotMatch(e.outcome, /^shown/);
      assert.ok(e.outcome.length > 0);
      assert.ok(e.similarity > 0 && e.similarity <= 1);
    }
  });

  it("dejafix check --explain says on standard error why a resemblance is not shown", () => {
    const edited = commit(
      dir,
      {
        "src/cart.js": current().replace(
          'log("total", rounded, currency);',
          'log("cart total", rounded, count);',
        ),
      },
      "Log the count with the total",
    );
    try {
      const run = spawnSync(process.execPath, [CLI, "check", edited, "--repo", dir, "--explain"], {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
      assert.equal(run.status, 0, run.stderr);
      const lines = run.stderr.trim().split("\n");
      assert.ok(lines.length > 0);
      for (const l of lines)
        assert.match(
          l,
          new RegExp(
            `^${edited.slice(0, 10)}: src/cart\\.js:\\d+ ~ fix [0-9a-f]{10} \\(block \\d+, \\d+% alike\\): (?!shown)`,
          ),
        );
    } finally {
      git(dir, ["reset", "-q", "--hard", "HEAD~1"]);
    }
  });

  it("past its time budget, matching stops and says how much of the change it left out", async () => {
    git(dir, ["reset", "-q", "--hard", "HEAD"]);
    write(dir, {
      "src/basket.js": rename(CART),
      "src/cart.js": current().replace("i < items", "i <= items"),
    });
    git(dir, ["add", "-A"]);
    const store = await openIndex(dir, { readonly: true });
    try {
      const change = readStagedChange(dir, { amend: false });
      const notices: string[] = [];
      const late = await matchChange(store, change, rules, { deadline: performance.now() - 1, notices });
      assert.deepEqual(late, []);
      assert.equal(notices.length, 1);
      assert.match(
        notices[0]!,
        /^matched 0 of the \d+ blocks of this change against past defects before the time budget ran out$/,
      );
      assert.ok(
        (await matchChange(store, change, rules, { notices: [] })).length >= 2,
        "in time, both are found",
      );
    } finally {
      store.close();
      git(dir, ["reset", "-q", "--hard", "HEAD"]);
    }
  });

  it("a commit is matched only against fixes that are its ancestors, whatever its date", () => {
    // A branch from before the fix, committed with a later date than the fix: it cannot know the fix.
    git(dir, ["checkout", "-q", "-b", "old", sha.add!]);
    write(dir, { "src/basket.js": rename(CART) });
    git(dir, ["add", "-A"]);
    const late = `${1_800_000_000} +0000`;
    execFileSync("git", ["commit", "-q", "-m", "Add the basket sum"], {
      cwd: dir,
      env: {
        ...ISOLATED_GIT_ENV,
        GIT_AUTHOR_NAME: "Bo",
        GIT_AUTHOR_EMAIL: "bo@example.org",
        GIT_COMMITTER_NAME: "Bo",
        GIT_COMMITTER_EMAIL: "bo@example.org",
        GIT_AUTHOR_DATE: late,
        GIT_COMMITTER_DATE: late,
      },
    });
    const onOld = git(dir, ["rev-parse", "HEAD"]).trim();
    git(dir, ["checkout", "-q", "main"]);
    const onMain = commit(dir, { "src/basket.js": rename(CART) }, "Add the basket sum");
    const check = (rev: string) =>
      JSON.parse(
        execFileSync(process.execPath, [CLI, "check", rev, "--repo", dir, "--format", "json"], {
          encoding: "utf8",
        }),
      ) as { results: Array<{ matches: Array<{ fix: { sha: string } }> }> };
    try {
      assert.ok(
        !check(onOld).results[0]!.matches.some((m) => m.fix.sha === sha.fix),
        "not its ancestor: unknown",
      );
      assert.ok(
        check(onMain).results[0]!.matches.some((m) => m.fix.sha === sha.fix),
        "its ancestor: known",
      );
    } finally {
      git(dir, ["reset", "-q", "--hard", "HEAD~1"]);
      git(dir, ["branch", "-q", "-D", "old"]);
    }
  });
});

describe("a withdrawn fix", () => {
  it("is not proposed once a later commit reverted it", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-withdrawn-"));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    git(dir, ["init", "-q", "-b", "main"]);
    commit(
      dir,
      { "src/cart.js": CART, "src/prices.js": "export const priceOf = (i) => i.price;\n" },
      "Add the cart",
    );
    const fix = commit(dir, { "src/cart.js": FIXED }, "fix(cart): stop reading past the end of the items");
    const rules = defaultRules();
    const copy = async (): Promise<SuggestedMatch[]> => {
      await indexRepository({ repoDir: dir, rules });
      write(dir, { "src/basket.js": rename(CART) });
      git(dir, ["add", "-A"]);
      const store = await openIndex(dir, { readonly: true });
      try {
        return await matchChange(store, readStagedChange(dir, { amend: false }), rules);
      } finally {
        store.close();
        git(dir, ["reset", "-q", "--hard", "HEAD"]);
        fs.rmSync(path.join(dir, "src/basket.js"), { force: true });
      }
    };
    assert.ok(
      (await copy()).some((m) => m.fix.sha === fix),
      "while it stands, a copy of the bug is matched",
    );
    commit(
      dir,
      { "src/cart.js": CART },
      `Revert "fix(cart): stop reading past the end of the items"\n\nThis reverts commit ${fix}.\n`,
    );
    assert.ok(!(await copy()).some((m) => m.fix.sha === fix), "reverted, it is proposed no more");
  });
});

describe("a fix that wrapped code in a check", () => {
  /** Sends every message; the fix only sends while the socket is writable, re-indenting the send. */
  const SEND = `import { encode, log } from "./wire.js";

export function sendAll(queue, socket) {
  let sent = 0;
  let count = 0;
  for (const message of queue) {
    const payload = encode(message);
    socket.write(payload);
    sent += payload.length;
    count += 1;
  }
  log("sent", count, sent);
  return { sent, count };
}
`;
  const GUARDED = SEND.replace(
    "    socket.write(payload);\n    sent += payload.length;\n",
    "    if (socket.writable) {\n      socket.write(payload);\n      sent += payload.length;\n    }\n",
  );

  let dir = "";
  let fix = "";
  const rules = defaultRules();
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-wrap-"));
    git(dir, ["init", "-q", "-b", "main"]);
    commit(
      dir,
      {
        "src/send.js": SEND,
        "src/wire.js": "export const encode = (m) => m;\nexport const log = () => {};\n",
      },
      "Add sendAll",
    );
    fix = commit(dir, { "src/send.js": GUARDED }, "fix(send): crashed writing to a closed socket");
    await indexRepository({ repoDir: dir, rules });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is undone when the change unwraps it: a revert with that fix, the check put back", async () => {
    const { matches, told } = await explainStaged(dir, rules, { "src/send.js": SEND });
    const m = matches.find((x) => x.fix.sha === fix);
    assert.ok(m, `the unwrapped send is the fix undone (${told.map((e) => e.outcome).join(" | ")})`);
    assert.equal(m.recurrence.kind, "revert");
    // `writable` is named nowhere else, and the change removed it only from the line put back: a member
    // of the socket's own type, there to read.
    assert.ok(m.suggestion?.placed, m.suggestion?.why);
    assert.ok(addedLines(m.suggestion.diff).some((l) => l.trim() === "if (socket.writable) {"));
  });

  it("is not undone when the change deletes the wrapped code with the check: the operation is gone", async () => {
    const gone = GUARDED.replace(
      "    if (socket.writable) {\n      socket.write(payload);\n      sent += payload.length;\n    }\n",
      "",
    );
    const { matches, told } = await explainStaged(dir, rules, { "src/send.js": gone });
    assert.ok(!matches.some((x) => x.fix.sha === fix), "no revert shown");
    assert.ok(
      told.some((e) => e.fix === fix && /deletes the code the fix wrapped/.test(e.outcome)),
      told.map((e) => e.outcome).join(" | "),
    );
  });
});

/** Stages `files` in `dir`, matches the staged change with explanations, and resets the work tree. */
async function explainStaged(
  dir: string,
  rules: ReturnType<typeof defaultRules>,
  files: Record<string, string | null>,
  changeMessage?: string,
): Promise<{ matches: SuggestedMatch[]; told: MatchExplanation[] }> {
  git(dir, ["reset", "-q", "--hard", "HEAD"]);
  write(dir, files);
  git(dir, ["add", "-A"]);
  const store = await openIndex(dir, { readonly: true });
  const told: MatchExplanation[] = [];
  try {
    const matches = await matchChange(store, readStagedChange(dir, { amend: false }), rules, {
      explain: (e) => told.push(e),
      ...(changeMessage !== undefined ? { changeMessage } : {}),
    });
    return { matches, told };
  } finally {
    store.close();
    git(dir, ["reset", "-q", "--hard", "HEAD"]);
  }
}

describe("a fix in two places of a file (a sentinel value and the code that reads it)", () => {
  const DB = `#include "server.h"

void emptyDb(struct db *db, int count) {
    for (int j = 0; j < count; j++) {
        dictEmpty(db[j].keys, NULL);
        dictEmpty(db[j].expires, NULL);
        db[j].cursor = 0;
        if (server.cluster) {
            listEmpty(db[j].rehashing);
            freeSlots(db[j].slots);
        }
        db[j].avg_ttl = 0;
        resetStats(&db[j].stats);
        notifyEmpty(db, j);
    }
}

void resizeDb(struct db *db) {
    for (int k = 0; k < 16; k++) {
        int slot = db->cursor;
        dict *d = db->dicts[slot];
        if (d != NULL) tryResize(d);
        db->cursor = nextSlot(db, slot);
        db->resized++;
        db->stats.calls++;
        db->stats.last = slot;
        logResize(db, slot);
        if (db->cursor == 0) break;
    }
}
`;
  const SENTINEL = DB.replace("        db[j].cursor = 0;\n", "        db[j].cursor = -1;\n").replace(
    "        int slot = db->cursor;\n",
    "        int slot = db->cursor == -1 ? firstSlot(db) : db->cursor;\n",
  );
  let dir = "";
  let fix = "";
  // The same fix across two files: the sentinel in db.c, the code that reads it in server.c.
  const [DB_ONLY, SERVER] = DB.split("\nvoid resizeDb") as [string, string];
  const SERVER_C = `#include "server.h"\n\nvoid resizeDb${SERVER}`;
  const SERVER_FIXED = SERVER_C.replace(
    "        int slot = db->cursor;\n",
    "        int slot = db->cursor == -1 ? firstSlot(db) : db->cursor;\n",
  );
  const DB_FIXED = DB_ONLY.replace("        db[j].cursor = 0;\n", "        db[j].cursor = -1;\n");
  let split = "";
  let splitFix = "";
  const rules = defaultRules();
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-sentinel-"));
    git(dir, ["init", "-q", "-b", "main"]);
    commit(dir, { "src/db.c": DB }, "Add the db");
    fix = commit(dir, { "src/db.c": SENTINEL }, "Fix resize stuck on the first slot");
    await indexRepository({ repoDir: dir, rules });
    split = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-sentinel2-"));
    git(split, ["init", "-q", "-b", "main"]);
    commit(split, { "src/db.c": DB_ONLY, "src/server.c": SERVER_C }, "Add the db");
    splitFix = commit(
      split,
      { "src/db.c": DB_FIXED, "src/server.c": SERVER_FIXED },
      "Fix resize stuck on the first slot",
    );
    await indexRepository({ repoDir: split, rules });
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(split, { recursive: true, force: true });
  });

  it("the sentinel set back in one file while the fix's code in another file is rewritten is a redesign", async () => {
    const alone = await explainStaged(split, rules, { "src/db.c": DB_ONLY });
    assert.ok(
      alone.matches.some((x) => x.fix.sha === splitFix && x.recurrence.kind === "revert"),
      alone.told.map((e) => e.outcome).join(" | "),
    );
    const rewritten = SERVER_FIXED.replace(
      "int slot = db->cursor == -1 ? firstSlot(db) : db->cursor;",
      "int slot = db->cursor % db->count;",
    );
    const both = await explainStaged(split, rules, { "src/db.c": DB_ONLY, "src/server.c": rewritten });
    assert.ok(!both.matches.some((x) => x.fix.sha === splitFix), "not shown");
    assert.ok(
      both.told.some((e) => e.fix === splitFix && /another line of the same fix/.test(e.outcome)),
      both.told.map((e) => e.outcome).join(" | "),
    );
    const reverted = await explainStaged(split, rules, { "src/db.c": DB_ONLY, "src/server.c": SERVER_C });
    assert.ok(
      reverted.matches.some((x) => x.fix.sha === splitFix),
      "a whole revert is still a revert",
    );
  });

  it("the sentinel alone set back is the fix undone", async () => {
    const back = SENTINEL.replace("db[j].cursor = -1;", "db[j].cursor = 0;");
    const { matches, told } = await explainStaged(dir, rules, { "src/db.c": back });
    const m = matches.find((x) => x.fix.sha === fix);
    assert.ok(m, told.map((e) => e.outcome).join(" | "));
    assert.equal(m.recurrence.kind, "revert");
  });

  it("the sentinel set back while the code that read it is rewritten is a redesign: silent", async () => {
    const redesigned = SENTINEL.replace("db[j].cursor = -1;", "db[j].cursor = 0;").replace(
      "int slot = db->cursor == -1 ? firstSlot(db) : db->cursor;",
      "int slot = db->cursor % db->count;",
    );
    const { matches, told } = await explainStaged(dir, rules, { "src/db.c": redesigned });
    assert.ok(!matches.some((x) => x.fix.sha === fix), "not shown");
    assert.ok(
      told.some((e) => e.fix === fix && /another line of the same fix/.test(e.outcome)),
      told.map((e) => e.outcome).join(" | "),
    );
  });
});

describe("a definition is no missing check", () => {
  it("tells new functions, classes, imports and variables from statements", () => {
    const before = new Set(["item", "items", "x"]);
    for (const line of [
      "const pendingSetRefMap = new WeakMap<VNodeNormalizedRef, SchedulerJob>()",
      "static void dictVanillaFree(void *privdata, void *val)",
      "export async function load(path) {",
      "static const char *names[] =",
      "let cache;",
      "int *lookupSlot(struct db *db, int slot) {",
      "import { round } from './round.js'",
    ])
      assert.ok(definesNewName(line, before), line);
    for (const line of [
      "if (x == NULL) {",
      "return lookup(db,",
      "tryResize(d);",
      "x = compute(item);",
      "const item = items[i];",
      "} else if (ready(x)) {",
      "while (next(it) != NULL) {",
    ])
      assert.ok(!definesNewName(line, before), line);
  });
});

describe("what is not a recurrence, from real matches read by hand", () => {
  const QUEUE = `import { type Job, log, report } from "./jobs";

const pendingJobs: Job[] = [];
const doneJobs: Job[] = [];

export function flushJobs(queue: Job[], seen: Set<number>): number {
  let count = 0;
  for (const job of queue.splice(0)) {
    if (seen.has(job.id)) continue;
    seen.add(job.id);
    job.run();
    doneJobs.push(job);
    count++;
  }
  if (queue.length) {
    log("again", count);
    return count + flushJobs(queue, seen);
  }
  report(doneJobs.length, count);
  return count;
}

export function queueLater(job: Job): void {
  pendingJobs.push(job);
}
`;
  const QUEUE_FIXED = QUEUE.replace("  if (queue.length) {", "  if (queue.length || pendingJobs.length) {");
  const WATCH = `import { isMap, isSet } from "./shared";

export function traverse(value: unknown, seen: Set<unknown>): unknown {
  if (seen.has(value)) return value;
  seen.add(value);
  if (isMap(value) || isSet(value)) {
    value.forEach((v: unknown) => {
      traverse(v, seen);
    });
  } else if (typeof value === "object" && value !== null) {
    for (const key in value) {
      traverse(value[key], seen);
    }
  }
  return value;
}
`;
  const WATCH_FIXED = WATCH.replace("traverse(value[key], seen);", "traverse((value as any)[key], seen);");
  const SHOW = `export const show = {
  beforeMount(el, value, transition) {
    el.shownBefore = el.style.display;
    setDisplay(el, value);
  },
  updated(el, value, oldValue, transition) {
    if (!value === !oldValue) return;
    if (transition) {
      if (value) {
        transition.enter(el);
        setDisplay(el, true);
      } else {
        transition.leave(el, () => setDisplay(el, false));
      }
    } else {
      setDisplay(el, value);
    }
  },
};
`;
  const SHOW_FIXED = SHOW.replace(
    "    if (!value === !oldValue) return;\n    if (transition) {",
    "    if (transition && value !== oldValue) {",
  );
  const SHOW_REWORKED = SHOW.replace(
    "    if (!value === !oldValue) return;",
    "    if (!value === !oldValue && el.style.display === el.shownBefore) return;",
  );
  const SLOTS = `import { ElementTypes, NodeTypes } from "./ast";

export function hasForwardedSlots(children) {
  for (let i = 0; i < children.length; i++) {
    const child = children[i];
    if (child.type === NodeTypes.ELEMENT) {
      if (child.tagType === ElementTypes.SLOT || hasForwardedSlots(child.children)) {
        return true;
      }
    }
  }
  return false;
}
`;
  const SLOTS_FIXED = SLOTS.replace(
    "    if (child.type === NodeTypes.ELEMENT) {\n      if (child.tagType === ElementTypes.SLOT || hasForwardedSlots(child.children)) {\n        return true;\n      }\n    }\n",
    "    if (child.type === NodeTypes.IF && hasForwardedSlots(child.branches)) return true;\n    if (child.type === NodeTypes.ELEMENT) {\n      if (child.tagType === ElementTypes.SLOT || hasForwardedSlots(child.children)) {\n        return true;\n      }\n    }\n",
  );
  let dir = "";
  const sha: Record<string, string> = {};
  const rules = defaultRules();
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-notrec-"));
    git(dir, ["init", "-q", "-b", "main"]);
    commit(
      dir,
      { "src/queue.ts": QUEUE, "src/watch.ts": WATCH, "src/show.js": SHOW, "src/slots.js": SLOTS },
      "Add the job queue, watchers, v-show and slots",
    );
    sha.queue = commit(
      dir,
      { "src/queue.ts": QUEUE_FIXED },
      "fix(queue): jobs queued while flushing were lost",
    );
    sha.watch = commit(
      dir,
      { "src/watch.ts": WATCH_FIXED },
      "fix(watch): crashed traversing a frozen object",
    );
    sha.show = commit(
      dir,
      { "src/show.js": SHOW_FIXED },
      "fix(show): the element stayed hidden after a transition",
    );
    sha.slots = commit(
      dir,
      { "src/slots.js": SLOTS_FIXED },
      "fix(slots): forwarded slots inside v-if were missed",
    );
    sha.rework = commit(
      dir,
      { "src/show.js": SHOW_REWORKED },
      "refactor(show): keep the display it had before mounting",
    );
    await indexRepository({ repoDir: dir, rules });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the fix's condition alone taken back is its revert", async () => {
    const { matches, told } = await explainStaged(dir, rules, {
      "src/queue.ts": QUEUE_FIXED.replace("if (queue.length || pendingJobs.length) {", "if (queue.length) {"),
    });
    assert.ok(
      matches.some((m) => m.fix.sha === sha.queue && m.recurrence.kind === "revert"),
      outcome(told, sha.queue!),
    );
  });

  it("taking back the fix's condition while removing what it read (a redesign) is silent", async () => {
    const redesigned = QUEUE_FIXED.replace("if (queue.length || pendingJobs.length) {", "if (queue.length) {")
      .replace("const pendingJobs: Job[] = [];\n", "")
      .replace(
        "export function queueLater(job: Job): void {\n  pendingJobs.push(job);\n}\n",
        "export function queueLater(job: Job): void {\n  job.run();\n}\n",
      );
    const { matches, told } = await explainStaged(dir, rules, { "src/queue.ts": redesigned });
    assert.ok(!matches.some((m) => m.fix.sha === sha.queue), "not shown");
    assert.match(outcome(told, sha.queue!), /removes `pendingJobs` itself/);
  });

  it("a cast taken out again is a type-only edit, not the bug back", async () => {
    const { matches, told } = await explainStaged(dir, rules, { "src/watch.ts": WATCH });
    assert.ok(!matches.some((m) => m.fix.sha === sha.watch), "not shown");
    assert.match(outcome(told, sha.watch!), /a type-only edit/);
  });

  it("a fix reworked later in its own file is no longer in force: its old bug line is no revert", async () => {
    // The rework brought back `if (!value === !oldValue) return` with a condition; this change drops it.
    const { matches, told } = await explainStaged(dir, rules, { "src/show.js": SHOW });
    assert.ok(!matches.some((m) => m.fix.sha === sha.show), "not shown");
    assert.match(outcome(told, sha.show!), /no longer in force/);
  });

  it("the same shape about other constants is no copy", async () => {
    const attrs = SLOTS.replaceAll("hasForwardedSlots", "hasDynamicAttrs")
      .replaceAll("children", "props")
      .replaceAll("child", "prop")
      .replace("NodeTypes.ELEMENT", "NodeTypes.ATTRIBUTE")
      .replace("ElementTypes.SLOT", "ElementTypes.COMPONENT");
    const { matches, told } = await explainStaged(dir, rules, { "src/attrs.js": attrs });
    assert.ok(!matches.some((m) => m.fix.sha === sha.slots), outcome(told, sha.slots!));
    const copy = SLOTS.replaceAll("hasForwardedSlots", "hasSlotsBelow").replaceAll("child", "node");
    const same = await explainStaged(dir, rules, { "src/below.js": copy });
    assert.ok(
      same.matches.some((m) => m.fix.sha === sha.slots && m.recurrence.kind === "copy"),
      `the same constants in other names is a copy: ${outcome(same.told, sha.slots!)}`,
    );
  });
});

describe("a missing check elsewhere is a copy's only when the change writes the copy", () => {
  let dir = "";
  let fix = "";
  const rules = defaultRules();
  const PRICES =
    "export const priceOf = (item) => item.price;\nexport const log = () => {};\nexport const isGone = (item) => item === undefined;\n";
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-fresh-"));
    git(dir, ["init", "-q", "-b", "main"]);
    commit(
      dir,
      { "src/cart.js": FIXED, "src/basket.js": rename(FIXED), "src/prices.js": PRICES },
      "Add cart and basket",
    );
    fix = commit(
      dir,
      {
        "src/cart.js": CHECKED.replace(
          'import { isGone, log, priceOf } from "./prices.js";',
          'import { isGone, priceOf, log } from "./prices.js";',
        ),
      },
      "fix(cart): skip items that are gone (crashed on undefined)",
    );
    await indexRepository({ repoDir: dir, rules });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("an edit of old code next to the gap is silent", async () => {
    const basket = rename(FIXED).replace(
      "    const line = lines[i];\n",
      '    const line = lines[i];\n    log("line", i);\n',
    );
    const { matches, told } = await explainStaged(dir, rules, { "src/basket.js": basket });
    assert.ok(!matches.some((m) => m.fix.sha === fix), "not shown");
    assert.ok(
      told.some((e) => e.fix === fix && /wrote no copy/.test(e.outcome)),
      told.map((e) => e.outcome).join(" | "),
    );
  });

  it("a new copy without the check is shown", async () => {
    const { matches, told } = await explainStaged(dir, rules, {
      "src/crate.js": rename(FIXED).replaceAll("basketSum", "crateSum"),
    });
    assert.ok(
      matches.some((m) => m.fix.sha === fix && m.recurrence.kind === "copy"),
      told.map((e) => e.outcome).join(" | "),
    );
  });
});

describe("a fix taken out again line for line, however its function changed since", () => {
  const PEAK = `#include "server.h"

size_t peakOutput(client **clients, int count) {
    size_t o = 0;
    for (int j = 0; j < count; j++) {
        if (clients[j] == NULL) continue;
        if (PeakOutput[j] > o) o = PeakOutput[o];
        trackClient(clients[j]);
    }
    logPeak(o);
    return o;
}
`;
  const FIXED = PEAK.replace("o = PeakOutput[o];", "o = PeakOutput[j];");
  // Years later the function around the fixed line is another function (no clone of the defect block),
  // but the fix's place is still there: the line after it.
  const REWRITTEN = `#include "server.h"

size_t peakOutput(client **clients, int count, int flags) {
    size_t o = 0;
    int seen = 0;
    mutexLock(&peak_lock);
    for (int j = 0; j < count; j++) {
        client *c = clients[j];
        if (c == NULL || (flags & PEAK_SKIP_REPLICAS && c->flags & CLIENT_REPLICA)) {
            stats.skipped++;
            continue;
        }
        if (PeakOutput[j] > o) o = PeakOutput[j];
        trackClient(clients[j]);
        seen++;
    }
    mutexUnlock(&peak_lock);
    serverLog(LL_DEBUG, "peak output %zu over %d clients", o, seen);
    return o;
}
`;
  const STATS = `#include "server.h"

void closeClientStats(client *c) {
    statsRemoveClient(c->id);
    c->stats.closed = mstime();
    logClientStats(c, "closed");
    notifyStatsListeners(c, STATS_CLOSED);
    resetClientStats(c);
    releaseStatsSlot(c->slot);
}

void openClientStats(client *c) {
    c->slot = acquireStatsSlot();
    c->stats.opened = mstime();
    logClientStats(c, "opened");
    notifyStatsListeners(c, STATS_OPENED);
    statsAddClient(c->id);
}
`;
  const STATS_FIXED = STATS.replace("    resetClientStats(c);\n", "");
  const QUEUE = `#include "server.h"

void flushQueue(struct queue *q) {
    while (q->head != NULL) {
        struct job *job = q->head;
        q->head = job->next;
        runJob(job);
    }
    q->tail = NULL;
}
`;
  const COMPACTED = QUEUE.replace("    q->tail = NULL;\n", "    q->tail = NULL;\n    compactQueue(q);\n");
  const JOBS = `#include "server.h"

void runJobs(struct queue *q) {
    int ran = 0;
    lockQueue(q);
    for (struct job *job = q->head; job != NULL; job = job->next) {
        prepareJob(job, q->context);
        runJob(job);
        releaseJob(job, q->context);
        ran++;
    }
    q->ranTotal += ran;
    unlockQueue(q);
    notifyQueueListeners(q, ran);
}
`;
  const JOBS_FIXED = JOBS.replace(
    "        runJob(job);\n",
    "        runJob(job);\n        markJobSeen(job, q->seen);\n",
  );
  let dir = "";
  let fix = "";
  let statsFix = "";
  let queueFix = "";
  let jobsFix = "";
  const rules = defaultRules();
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-linerevert-"));
    git(dir, ["init", "-q", "-b", "main"]);
    commit(dir, { "src/peak.c": PEAK }, "Add the peak output");
    fix = commit(dir, { "src/peak.c": FIXED }, "Fix peak output read at the wrong index");
    commit(dir, { "src/peak.c": REWRITTEN }, "Peak output skips replicas and logs how many clients it saw");
    commit(dir, { "src/stats.c": STATS }, "Add client stats");
    statsFix = commit(dir, { "src/stats.c": STATS_FIXED }, "Fix stats reset twice on client close");
    commit(dir, { "src/queue.c": QUEUE }, "Add the job queue");
    const compacted = commit(dir, { "src/queue.c": COMPACTED }, "Compact the queue after each flush");
    queueFix = commit(
      dir,
      { "src/queue.c": QUEUE },
      `Revert "Compact the queue after each flush"\n\nThis reverts commit ${compacted}.\n\nFixes a crash on shutdown.\n`,
    );
    commit(dir, { "src/jobs.c": JOBS }, "Add the job runner");
    jobsFix = commit(dir, { "src/jobs.c": JOBS_FIXED }, "Fix jobs run twice after a reload");
    await indexRepository({ repoDir: dir, rules });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a line the fix only inserted, taken out alone, is its revert; taken out while the code around is rewritten, a redesign", async () => {
    const alone = await explainStaged(dir, rules, { "src/jobs.c": JOBS });
    assert.ok(
      alone.matches.some((x) => x.fix.sha === jobsFix && x.recurrence.kind === "revert"),
      alone.told.map((e) => e.outcome).join(" | "),
    );
    const rewritten = JOBS.replace(
      "        runJob(job);\n",
      "        runJobOnce(job, q->context, RUN_ONCE);\n",
    );
    const redesign = await explainStaged(dir, rules, { "src/jobs.c": rewritten });
    assert.ok(
      !redesign.matches.some((x) => x.fix.sha === jobsFix),
      redesign.told.map((e) => e.outcome).join(" | "),
    );
  });

  it("is a revert with that fix, placed back in the code as it is now", async () => {
    const back = REWRITTEN.replace("o = PeakOutput[j];", "o = PeakOutput[o];");
    const { matches, told } = await explainStaged(dir, rules, { "src/peak.c": back });
    const m = matches.find((x) => x.fix.sha === fix);
    assert.ok(m, told.map((e) => e.outcome).join(" | "));
    assert.equal(m.recurrence.kind, "revert");
    assert.ok(told.some((e) => e.fix === fix && /the fix's own lines taken out again/.test(e.outcome)));
    const line = back.split("\n").findIndex((l) => l.includes("PeakOutput[o]")) + 1;
    assert.deepEqual(m.recurrence.lines, [line]);
    assert.ok(m.suggestion?.placed);
    assert.equal(m.suggestion.appliesCleanly, true);
    assert.deepEqual(addedLines(m.suggestion.diff), ["        if (PeakOutput[j] > o) o = PeakOutput[j];"]);
  });

  it("a line the fix took out, written again at its place, is its revert; written in other code, it is not", async () => {
    const back = await explainStaged(dir, rules, { "src/stats.c": STATS });
    assert.ok(
      back.matches.some((x) => x.fix.sha === statsFix && x.recurrence.kind === "revert"),
      back.told.map((e) => e.outcome).join(" | "),
    );
    const elsewhere = STATS_FIXED.replace(
      "    statsAddClient(c->id);\n",
      "    statsAddClient(c->id);\n    resetClientStats(c);\n",
    );
    const other = await explainStaged(dir, rules, { "src/stats.c": elsewhere });
    assert.ok(
      !other.matches.some((x) => x.fix.sha === statsFix),
      other.told.map((e) => e.outcome).join(" | "),
    );
  });

  it("a change whose message names the fix was written knowing it: shown staged, silent once committed so", async () => {
    const staged = await explainStaged(dir, rules, { "src/stats.c": STATS });
    assert.ok(staged.matches.some((x) => x.fix.sha === statsFix));
    const named = await explainStaged(
      dir,
      rules,
      { "src/stats.c": STATS },
      `Revert "Fix stats reset twice on client close"\n\nThis reverts commit ${statsFix}.\n`,
    );
    assert.ok(!named.matches.some((x) => x.fix.sha === statsFix));
    assert.ok(named.told.some((e) => e.fix === statsFix && /message names this fix/.test(e.outcome)));
    const other = await explainStaged(
      dir,
      rules,
      { "src/stats.c": STATS },
      "Reset the stats on close as before",
    );
    assert.ok(
      other.matches.some((x) => x.fix.sha === statsFix),
      "a message that names no commit changes nothing",
    );
  });

  it("writing back what a revert took out lands that work again: no recurrence of the revert", async () => {
    const { matches, told } = await explainStaged(dir, rules, { "src/queue.c": COMPACTED });
    assert.ok(!matches.some((x) => x.fix.sha === queueFix));
    assert.ok(
      told.some((e) => e.fix === queueFix && /itself a revert/.test(e.outcome)),
      told.map((e) => e.outcome).join(" | "),
    );
  });

  it("writing the old line elsewhere, the fixed one kept, is no revert", async () => {
    const other = REWRITTEN.replace(
      "        seen++;\n",
      "        seen++;\n        if (PeakOutput[j] > o) o = PeakOutput[o];\n",
    );
    const { matches } = await explainStaged(dir, rules, { "src/peak.c": other });
    assert.ok(!matches.some((x) => x.fix.sha === fix && x.recurrence.kind === "revert"));
  });
});

describe("a fix that came with its own test", () => {
  const TEST = `import { cartTotal } from "../src/cart.js";\nimport assert from "node:assert";\n`;
  const FIX_TEST = `${TEST}\nit("stops at the last item", () => {\n  assert.equal(cartTotal([{ quantity: 2 }], "EUR").count, 2);\n});\n`;
  let dir = "";
  let fix = "";
  const rules = defaultRules();
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-fixtest-"));
    git(dir, ["init", "-q", "-b", "main"]);
    commit(
      dir,
      {
        "src/cart.js": CART,
        "src/prices.js": "export const priceOf = (item) => item.price;\nexport const log = () => {};\n",
        "test/cart.test.js": TEST,
      },
      "Add the cart total",
    );
    fix = commit(
      dir,
      { "src/cart.js": FIXED, "test/cart.test.js": FIX_TEST },
      "fix(cart): stop reading past the end of the items",
    );
    await indexRepository({ repoDir: dir, rules });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is taken back on purpose when the change also replaces the fix's test with tests of its own: silent, and says why", async () => {
    const { matches, told } = await explainStaged(dir, rules, {
      "src/cart.js": CART,
      "test/cart.test.js": `${TEST}\nit("counts one past the end, as the new reader expects", () => {\n  assert.throws(() => cartTotal([{ quantity: 2 }], "EUR"));\n});\n`,
    });
    assert.equal(
      matches.find((m) => m.fix.sha === fix),
      undefined,
    );
    assert.ok(
      told.some((e) => e.fix === fix && /rewrites the fix's tests/.test(e.outcome)),
      told.map((e) => e.outcome).join("\n"),
    );
  });

  it("still warns when the change takes back the fix with its test (a plain revert)", async () => {
    const { matches } = await explainStaged(dir, rules, { "src/cart.js": CART, "test/cart.test.js": TEST });
    assert.equal(matches.find((m) => m.fix.sha === fix)?.recurrence.kind, "revert");
  });

  it("still warns when the change takes back the fix and leaves its test alone", async () => {
    const { matches } = await explainStaged(dir, rules, { "src/cart.js": CART });
    assert.equal(matches.find((m) => m.fix.sha === fix)?.recurrence.kind, "revert");
  });
});

describe("a fix that only took out annotations", () => {
  const getters = (cls: string, a: string, b: string, c: string, override: boolean): string => {
    const o = override ? "    @Override\n" : "";
    return `package org.example;

public class ${cls} implements Parser {
    private final String ${a};
    private final Zone ${b};
    private final Place ${c};

    public ${cls}(final String ${a}, final Zone ${b}, final Place ${c}) {
        this.${a} = ${a};
        this.${b} = ${b};
        this.${c} = ${c};
    }

${o}    public String getPattern() {
        return ${a};
    }

${o}    public Zone getZone() {
        return ${b};
    }

${o}    public Place getPlace() {
        return ${c};
    }
}
`;
  };
  let dir = "";
  let fix = "";
  const rules = defaultRules();
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-annot-"));
    git(dir, ["init", "-q", "-b", "main"]);
    commit(
      dir,
      { "src/DateParser.java": getters("DateParser", "pattern", "zone", "place", true) },
      "Add the parser",
    );
    fix = commit(
      dir,
      { "src/DateParser.java": getters("DateParser", "pattern", "zone", "place", false) },
      "fix(parser): it assumed the default time zone (LANG-462)",
    );
    await indexRepository({ repoDir: dir, rules });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is no bug written again when new code carries those annotations", async () => {
    const { matches, told } = await explainStaged(dir, rules, {
      "src/NameParser.java": getters("NameParser", "format", "region", "spot", true),
    });
    const mine = told.filter((e) => e.fix === fix);
    assert.ok(mine.length > 0, "the copy resembles the fix's block");
    assert.equal(
      matches.find((m) => m.fix.sha === fix),
      undefined,
    );
    assert.ok(
      mine.every((e) => /only changed annotations/.test(e.outcome)),
      mine.map((e) => e.outcome).join("\n"),
    );
  });
});

describe("what redis's shown matches teach: no look-alike, nothing placed that would not build", () => {
  const HEADER = `#define NET_OK 0
#define NET_ERR -1

typedef struct list { struct node *head, *tail; long len; } list;
typedef struct client { int fd; char *name; sds querybuf; long querybuf_peak; int reqtype; int argc; robj **argv; int flags; } client;
`;
  /** A list join whose fix guarded the tail (redis c44732ac58). */
  const LIST = `#include "server.h"

void listJoin(list *l, list *o) {
    if (o->head)
        o->head->prev = l->tail;

    if (l->tail)
        l->tail->next = o->head;
    else
        l->head = o->head;

    l->tail = o->tail;
    l->len += o->len;

    /* Setup other as an empty list. */
    o->head = o->tail = NULL;
    o->len = 0;
}
`;
  const LIST_FIXED = LIST.replace("    l->tail = o->tail;\n", "    if (o->tail) l->tail = o->tail;\n");
  /** An accept whose "fix" wrote the value of NET_ERR for it (redis 7d9b45b4a1). */
  const NET = `#include "server.h"

int netTcpAccept(char *err, int s, char *ip, int *port) {
    int fd;
    struct sockaddr_storage sa;
    socklen_t salen = sizeof(sa);
    if ((fd = genericAccept(err, s, (struct sockaddr*)&sa, &salen)) == NET_ERR)
        return NET_ERR;

    if (sa.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&sa;
        if (ip) inet_ntop(AF_INET, (void*)&(in->sin_addr), ip, 46);
        if (port) *port = ntohs(in->sin_port);
    }
    return fd;
}
`;
  const NET_FIXED = NET.replace("&salen)) == NET_ERR)", "&salen)) == -1)");
  /** A command whose fix added an argument under a new name, renaming the old one (redis 58554396d6). */
  const INCR = `#include "server.h"

void incrCommand(client *c) {
    long long value;
    robj *o, *aux;

    o = lookupKeyWrite(c->db, c->argv[1]);
    if (o != NULL && checkType(c, o, OBJ_STRING)) return;
    if (getLongLongFromObjectOrReply(c, o, &value, NULL) != C_OK) return;
    if (value == LLONG_MAX) {
        addReplyError(c, "increment would overflow");
        return;
    }
    value += 1;
    if (o)
        dbOverwrite(c->db, c->argv[1], createLongLong(value));
    else
        dbAdd(c->db, c->argv[1], createLongLong(value));
    signalModifiedKey(c, c->db, c->argv[1]);
    notifyKeyspaceEvent(NOTIFY_STRING, "incr", c->argv[1], c->db->id);
    server.dirty++;
    addReplyLongLong(c, value);

    /* Always replicate INCR as a SET command with the final value. */
    aux = createStringObject("SET", 3);
    rewriteClientCommandArgument(c, 0, aux);
    decrRefCount(aux);
}
`;
  const INCR_FIXED = INCR.replace("robj *o, *aux;", "robj *o, *aux1, *aux2;").replace(
    '    aux = createStringObject("SET", 3);\n    rewriteClientCommandArgument(c, 0, aux);\n    decrRefCount(aux);\n',
    '    aux1 = createStringObject("SET", 3);\n    rewriteClientCommandArgument(c, 0, aux1);\n    decrRefCount(aux1);\n    aux2 = createStringObject("KEEPTTL", 7);\n    rewriteClientCommandArgument(c, 3, aux2);\n    decrRefCount(aux2);\n',
  );
  /** TYPE's switch, whose fix added the missing case (redis 412a8bcea3). */
  const TYPE = `#include "server.h"

void typeCommand(client *c) {
    robj *o;
    char *type;

    o = lookupKeyRead(c->db, c->argv[1]);
    if (o == NULL) {
        type = "none";
    } else {
        switch (o->type) {
        case OBJ_STRING: type = "string"; break;
        case OBJ_LIST: type = "list"; break;
        case OBJ_SET: type = "set"; break;
        default: type = "unknown"; break;
        }
    }
    addReplyStatus(c, type);
}
`;
  const TYPE_FIXED = TYPE.replace(
    '        case OBJ_SET: type = "set"; break;\n',
    '        case OBJ_SET: type = "set"; break;\n        case OBJ_ZSET: type = "zset"; break;\n',
  );
  /** A client whose fix added a second buffer, a new field (redis 22be435efe). */
  const CLIENT = `#include "server.h"

client *createClient(int fd) {
    client *c = zmalloc(sizeof(client));
    c->fd = fd;
    c->name = NULL;
    c->querybuf = sdsempty();
    c->querybuf_peak = 0;
    c->reqtype = 0;
    c->argc = 0;
    c->argv = NULL;
    c->flags = 0;
    return c;
}
`;
  const CLIENT_FIXED = CLIENT.replace(
    "    c->querybuf = sdsempty();\n",
    "    c->querybuf = sdsempty();\n    c->pending_querybuf = sdsempty();\n",
  );
  const HEADER_FIXED = HEADER.replace("sds querybuf;", "sds querybuf; sds pending_querybuf;");

  let dir = "";
  const sha: Record<string, string> = {};
  const rules = defaultRules();
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-redis-"));
    git(dir, ["init", "-q", "-b", "main"]);
    commit(
      dir,
      {
        "src/server.h": HEADER,
        "src/adlist.c": LIST,
        "src/anet.c": NET,
        "src/t_string.c": INCR,
        "src/type.c": TYPE,
        "src/networking.c": CLIENT,
      },
      "Add the server",
    );
    sha.list = commit(dir, { "src/adlist.c": LIST_FIXED }, "Fix listJoin() when the second list is empty");
    sha.net = commit(
      dir,
      { "src/anet.c": NET_FIXED },
      "Fix: check the accept syscall's return for -1 itself",
    );
    sha.incr = commit(dir, { "src/t_string.c": INCR_FIXED }, "Fix incr losing the TTL after propagation");
    sha.type = commit(dir, { "src/type.c": TYPE_FIXED }, "Fix TYPE on a sorted set giving a malformed reply");
    sha.client = commit(
      dir,
      { "src/networking.c": CLIENT_FIXED, "src/server.h": HEADER_FIXED },
      "Fix replicas copying incomplete commands into the backlog",
    );
    await indexRepository({ repoDir: dir, rules });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a placed diff names no member the repository lacks: a field taken out of its struct leaves the fix as it was", async () => {
    const gone = await explainStaged(dir, rules, { "src/networking.c": CLIENT, "src/server.h": HEADER });
    const m = gone.matches.find((x) => x.fix.sha === sha.client);
    assert.ok(m, outcome(gone.told, sha.client!));
    assert.equal(m.suggestion?.placed, false);
    assert.match(m.suggestion?.why ?? "", /pending_querybuf/);
    // The field still in the struct: the line goes back where it was.
    const kept = await explainStaged(dir, rules, { "src/networking.c": CLIENT });
    const k = kept.matches.find((x) => x.fix.sha === sha.client);
    assert.ok(k?.suggestion?.placed, `${k?.suggestion?.why} ${outcome(kept.told, sha.client!)}`);
    assert.ok(addedLines(k.suggestion.diff).some((l) => l.trim() === "c->pending_querybuf = sdsempty();"));
  });

  it("a copy of the same shape that calls other functions and names other constants is no copy", async () => {
    const deny = TYPE.replaceAll("typeCommand", "denyCommand")
      .replace("robj *o;", "int o;")
      .replace("lookupKeyRead(c->db, c->argv[1])", "checkPermission(c->user, c->argv[1])")
      .replace("o == NULL", "o == PERM_OK")
      .replace("o->type", "o")
      .replaceAll("OBJ_STRING", "PERM_DENIED_CMD")
      .replaceAll("OBJ_LIST", "PERM_DENIED_KEY")
      .replaceAll("OBJ_SET", "PERM_DENIED_CHANNEL")
      .replaceAll("type", "reason")
      .replace("addReplyStatus(c, reason)", "addReplyError(c, reason)");
    const look = await explainStaged(dir, rules, { "src/acl.c": deny });
    assert.ok(!look.matches.some((m) => m.fix.sha === sha.type), "not shown");
    assert.match(outcome(look.told, sha.type!), /call other functions or name other constants/);
    // The same code in other local names (calls and constants kept) is a copy of the bug.
    const copy = TYPE.replaceAll("typeCommand", "kindCommand")
      .replaceAll("type", "kind")
      .replace("o->kind", "o->type");
    const same = await explainStaged(dir, rules, { "src/kind.c": copy });
    assert.ok(
      same.matches.some((m) => m.fix.sha === sha.type && m.recurrence.kind === "copy"),
      outcome(same.told, sha.type!),
    );
  });

  it("the fix's guard kept as a block around the line is no revert; the line unguarded is", async () => {
    const block = LIST_FIXED.replace(
      "    if (o->tail) l->tail = o->tail;\n    l->len += o->len;\n",
      "    if (o->tail) {\n        l->tail = o->tail;\n        l->len += o->len;\n    }\n",
    );
    const kept = await explainStaged(dir, rules, { "src/adlist.c": block });
    assert.ok(!kept.matches.some((m) => m.fix.sha === sha.list), outcome(kept.told, sha.list!));
    assert.match(outcome(kept.told, sha.list!), /`if \( o -> tail \)` is still there, around the line/);
    const undone = await explainStaged(dir, rules, { "src/adlist.c": LIST });
    assert.ok(
      undone.matches.some((m) => m.fix.sha === sha.list && m.recurrence.kind === "revert"),
      outcome(undone.told, sha.list!),
    );
  });

  it("the fix's line taken back while the change writes a guard of its own among those lines is a rework", async () => {
    const early = LIST_FIXED.replace(
      "    if (o->head)\n        o->head->prev = l->tail;\n",
      "    if (o->len == 0) return;\n\n    o->head->prev = l->tail;\n",
    ).replace("    if (o->tail) l->tail = o->tail;\n", "    l->tail = o->tail;\n");
    const { matches, told } = await explainStaged(dir, rules, { "src/adlist.c": early });
    assert.ok(!matches.some((m) => m.fix.sha === sha.list), outcome(told, sha.list!));
    assert.match(outcome(told, sha.list!), /line \d+ is new code/);
  });

  it("names renamed back while the fix's lines stand in the new names is no revert; the fix undone is", async () => {
    const renamed = INCR_FIXED.replace("robj *o, *aux1, *aux2;", "robj *o, *aux;")
      .replace(
        '    aux1 = createStringObject("SET", 3);\n    rewriteClientCommandArgument(c, 0, aux1);\n    decrRefCount(aux1);\n',
        "    rewriteClientCommandArgument(c, 0, shared.set);\n",
      )
      .replaceAll("aux2", "aux");
    const r = await explainStaged(dir, rules, { "src/t_string.c": renamed });
    assert.ok(!r.matches.some((m) => m.fix.sha === sha.incr), outcome(r.told, sha.incr!));
    assert.match(outcome(r.told, sha.incr!), /stands in other names/);
    const undone = await explainStaged(dir, rules, { "src/t_string.c": INCR });
    assert.ok(
      undone.matches.some((m) => m.fix.sha === sha.incr && m.recurrence.kind === "revert"),
      outcome(undone.told, sha.incr!),
    );
  });

  it("a fix that only wrote a constant's value for it is cosmetic: writing the constant back is silent", async () => {
    const { matches, told } = await explainStaged(dir, rules, { "src/anet.c": NET });
    assert.ok(!matches.some((m) => m.fix.sha === sha.net), outcome(told, sha.net!));
    assert.match(outcome(told, sha.net!), /only wrote a constant for the value it is defined as/);
  });

  it("tells a constant swapped for its own value from one swapped for another", () => {
    const edit = { at: 0, afterAt: 0, del: ["  if (fd == NET_ERR)"], add: ["  if (fd == -1)"] };
    assert.ok(macroSwapEdit(edit, (n) => (n === "NET_ERR" ? ["-1"] : [])));
    assert.ok(!macroSwapEdit(edit, (n) => (n === "NET_ERR" ? ["-2"] : [])), "another value");
    assert.ok(!macroSwapEdit(edit, () => []), "no definition");
    assert.ok(!macroSwapEdit(edit, () => ["-1", "(-1)L"]), "two definitions");
    const call = { at: 0, afterAt: 0, del: ["  memcpy(d, s, n);"], add: ["  memmove(d, s, n);"] };
    assert.ok(!macroSwapEdit(call, () => ["x"]), "another function is a real change");
  });
});

describe("a copy that has the fix already, in its own names", () => {
  const COOKIE = `#include "setup.h"

/* Reject control bytes except TAB, and DEL. */
static bool invalid_octets(const char *p)
{
  while(*p) {
    if(((*p != 9) && (*p < 0x20)) || (*p == 0x7f))
      return TRUE;
    p++;
  }
  return FALSE;
}

static int other(int a)
{
  return a + 1;
}
`;
  const COOKIE_FIXED = COOKIE.replace(
    "static bool invalid_octets(const char *p)\n{\n",
    "static bool invalid_octets(const char *ptr)\n{\n  const unsigned char *p = (const unsigned char *)ptr;\n",
  );
  /** The cookie check (and its neighbour) copied into another file under other names, before or after the fix. */
  const copyOf = (text: string): string =>
    `#include "setup.h"\n\n${text
      .slice(text.indexOf("static bool"))
      .replaceAll("invalid_octets", "str_has_ctrl")
      .replaceAll("ptr", "input")
      .replaceAll("*p", "*str")
      .replaceAll("p++", "str++")
      .replace("char *p ", "char *str ")}`;

  const rules = defaultRules();
  const planted = plantedFix(
    rules,
    "dejafix-copyfixed-",
    [{ "lib/cookie.c": COOKIE }, "Add cookies"],
    [{ "lib/cookie.c": COOKIE_FIXED }, "cookie: fix rejecting high-byte cookie content"],
  );

  it("is silent, and says why; the copy without the fix is shown", async () => {
    const fixedCopy = copyOf(COOKIE_FIXED);
    assert.match(fixedCopy, /const unsigned char \*str = \(const unsigned char \*\)input;/);
    const has = await explainStaged(planted.dir, rules, { "lib/url.c": fixedCopy });
    const told = outcome(has.told, planted.fix);
    assert.ok(!has.matches.some((m) => m.fix.sha === planted.fix), told);
    assert.match(told, /the fix is there already/);
    const buggy = await explainStaged(planted.dir, rules, { "lib/url.c": copyOf(COOKIE) });
    assert.ok(
      buggy.matches.some((m) => m.fix.sha === planted.fix && m.recurrence.kind === "copy"),
      buggy.told.map((e) => e.outcome).join(" | "),
    );
  });
});

describe("a copy keeps its constants: the constant a fix took out is the bug", () => {
  const SSH = `#include "setup.h"

static int quote_statvfs(struct Curl_easy *data, struct ssh_conn *sshc)
{
  char *tmp = aprintf("statvfs: %lu", sshc->avail);
  if(!tmp) {
    close_state(data, sshc);
    sshc->nextstate = SSH_NO_STATE;
    return SSH_OK;
  }
  result = client_write(data, tmp, strlen(tmp));
  free(tmp);
  return result;
}

static int other(int a)
{
  return a + 1;
}
`;
  const SSH_FIXED = SSH.replace("    return SSH_OK;\n  }", "    return CURLE_OUT_OF_MEMORY;\n  }");
  /** The function copied into another file, its locals renamed, returning `ret` where the bug returned `SSH_OK`. */
  const copyWith = (ret: string): string =>
    SSH.replaceAll("quote_statvfs", "sftp_statvfs")
      .replaceAll("tmp", "line")
      .replaceAll("sshc", "conn")
      .replace("return SSH_OK;", `return ${ret};`);

  const rules = defaultRules();
  const planted = plantedFix(
    rules,
    "dejafix-constant-",
    [{ "lib/ssh.c": SSH }, "Add the ssh quote commands"],
    [{ "lib/ssh.c": SSH_FIXED }, "ssh: return out of memory correctly if aprintf fails"],
  );

  it("a copy returning the old constant is shown; one returning another constant is other code", async () => {
    const again = await explainStaged(planted.dir, rules, { "lib/sftp.c": copyWith("SSH_OK") });
    assert.ok(
      again.matches.some((m) => m.fix.sha === planted.fix && m.recurrence.kind === "copy"),
      again.told.map((e) => e.outcome).join(" | "),
    );
    const other = await explainStaged(planted.dir, rules, { "lib/sftp.c": copyWith("CURLE_AGAIN") });
    const told = outcome(other.told, planted.fix);
    assert.ok(!other.matches.some((m) => m.fix.sha === planted.fix), told);
    assert.ok(told.includes("`CURLE_AGAIN` where the bug had `SSH_OK`"), told);
  });
});

describe("what curl's second reading teaches: a rework and a layout are no bug written again", () => {
  /** A resolver whose error path caches every failure as a negative answer, with room between its parts. */
  const RESOLVE = `#include "setup.h"

CURLcode resolve_host(struct Curl_easy *data, const char *host, int port,
                      struct dns **entry)
{
  CURLcode result = CURLE_COULDNT_RESOLVE_HOST;
  struct dns *dns = NULL;
  size_t host_len = strlen(host);
  int st;

  *entry = NULL;
  if(host_len > MAX_HOST_LEN)
    return CURLE_BAD_FUNCTION_ARGUMENT;
  st = start_resolver(data, host, host_len);
  if(st) {
    result = CURLE_ABORTED_BY_CALLBACK;
    goto error;
  }
  if(is_literal_address(host)) {
    dns = literal_entry(data, host, port);
    if(dns)
      goto out;
  }
  dns = cache_lookup(data, host, port);
  if(dns) {
    cache_hit(data, dns);
    goto out;
  }
  dns = lookup_host(data, host, port);
  if(!dns)
    goto error;
  if(cache_add(data, dns))
    goto error;
out:
  show_resolve_info(data, dns);
  *entry = dns;
  return CURLE_OK;

error:
  if(dns)
    unlink_entry(data, &dns);
  shutdown_resolver(data);
  store_negative(data, host, port);
  return result;
}
`;
  const FIXED = RESOLVE.replace(
    "  int st;\n",
    "  int st;\n  bool keep_negative = TRUE; /* cache a negative result */\n",
  )
    .replace(
      "    result = CURLE_ABORTED_BY_CALLBACK;\n",
      "    keep_negative = FALSE;\n    result = CURLE_ABORTED_BY_CALLBACK;\n",
    )
    .replace(
      "  store_negative(data, host, port);\n",
      "  if(keep_negative)\n    store_negative(data, host, port);\n",
    );
  /** The flag dropped for a condition on the result: the fix's lines go, new code takes their place. */
  const REWORKED = FIXED.replace("  bool keep_negative = TRUE; /* cache a negative result */\n", "")
    .replace("    keep_negative = FALSE;\n", "")
    .replace("  if(keep_negative)\n", "  if(result == CURLE_COULDNT_RESOLVE_HOST)\n");
  /** A frame logger calling a function another unit also defines (a clash in a unity build). */
  const FRAME = `#include "setup.h"

static void log_frame(struct Curl_cfilter *cf, struct Curl_easy *data,
                      const nghttp2_frame *frame)
{
  if(Curl_trc_cf_is_verbose(cf, data)) {
    char buffer[256];
    int len;
    len = fr_print(frame, buffer, sizeof(buffer)-1);
    buffer[len] = 0;
    CURL_TRC_CF(data, cf, "[%d] <- %s", frame->hd.stream_id, buffer);
  }
  if(frame->hd.type == NGHTTP2_GOAWAY)
    note_goaway(cf, data, frame->goaway.error_code);
  count_frame(cf, frame->hd.type);
}
`;
  /** A request builder whose header call lost an argument when the function's signature grew. */
  const RTSP = `#include "setup.h"

static CURLcode rtsp_request(struct connectdata *conn, struct dynbuf *req_buffer,
                             const char *stream_uri)
{
  CURLcode result;
  result = add_request_line(conn, req_buffer, stream_uri);
  if(result)
    return result;
  if(conn->data->set.rtsp_session_id) {
    result = add_session_header(conn, req_buffer);
    if(result)
      return result;
  }
  result = add_custom_headers(conn, req_buffer);
  if(result)
    return result;
  result = add_cseq_header(conn, req_buffer);
  if(result)
    return result;
  return finish_request(conn, req_buffer);
}
`;
  /** A hex literal parser that read a trailing `L` as a digit. */
  const HEX = `package org.example;

public final class Numbers {
    public static Number createNumber(final String str) {
        final int length = str.length();
        int pfxLen = prefixLength(str);
        if (pfxLen > 0) { // we have a hex number
            char firstSigDigit = 0;
            for (int i = pfxLen; i < length; i++) {
                firstSigDigit = str.charAt(i);
                if (firstSigDigit != '0') {
                    break;
                }
                pfxLen++;
            }
            final int hexDigits = length - pfxLen;
            if (hexDigits > 16 || hexDigits == 16 && firstSigDigit > '7') {
                return createBigInteger(str);
            }
            if (hexDigits > 8 || hexDigits == 8 && firstSigDigit > '7') {
                return createLong(str);
            }
            return createInteger(str);
        }
        return createDecimal(str);
    }
}
`;
  // The fix moves `lastChar` up to read it in the hex branch, far from where it was (another block).
  const HEX_FIXED = HEX.replace("        final char lastChar = str.charAt(length - 1);\n", "")
    .replace(
      "        if (pfxLen > 0) { // we have a hex number\n",
      "        final char lastChar = str.charAt(length - 1);\n        if (pfxLen > 0) { // we have a hex number\n",
    )
    .replace(
      "            final int hexDigits = length - pfxLen;\n",
      "            final boolean isLongCh = lastChar == 'l' || lastChar == 'L';\n            int hexDigits = length - pfxLen;\n            if (isLongCh) {\n                hexDigits--;\n            }\n",
    )
    .replace(
      "                return createBigInteger(str);\n            }\n",
      "                return createBigInteger(str);\n            }\n            if (isLongCh) {\n                return createLong(str.substring(0, length - 1));\n            }\n",
    );
  let dir = "";
  let fix = "";
  let frameFix = "";
  let hexFix = "";
  let headersFix = "";
  const rules = defaultRules();
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-rework-"));
    git(dir, ["init", "-q", "-b", "main"]);
    commit(dir, { "lib/hostip.c": RESOLVE }, "Add the resolver");
    fix = commit(dir, { "lib/hostip.c": FIXED }, "hostip: fix negative resolves stored for unrelated errors");
    commit(dir, { "lib/proxy.c": FRAME }, "Add the proxy frame logger");
    frameFix = commit(
      dir,
      { "lib/proxy.c": FRAME.replace("len = fr_print(", "len = proxy_fr_print(") },
      "proxy: fix symbol collision with fr_print in unity builds",
    );
    commit(dir, { "lib/rtsp.c": RTSP, "src/Numbers.java": HEX }, "Add RTSP requests and numbers");
    hexFix = commit(
      dir,
      { "src/Numbers.java": HEX_FIXED },
      "Fix createNumber for hex numbers with a long type qualifier",
    );
    headersFix = commit(
      dir,
      {
        "lib/rtsp.c": RTSP.replace(
          "add_custom_headers(conn, req_buffer)",
          "add_custom_headers(conn, FALSE, req_buffer)",
        ),
      },
      "rtsp: fix proxy headers sent to the server",
    );
    // Older copies of the buggy code, already in the code before the changes below.
    commit(dir, { "lib/h2.c": FRAME.replace("log_frame", "h2_log_frame") }, "Add the h2 frame logger");
    commit(
      dir,
      { "lib/doh.c": RESOLVE.replaceAll("resolve_host", "doh_resolve").replaceAll("host_len", "name_len") },
      "Add the DoH resolver",
    );
    await indexRepository({ repoDir: dir, rules });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the fix's flag taken out while its guard becomes another condition is a rework: silent, and says why", async () => {
    const reworked = await explainStaged(dir, rules, { "lib/hostip.c": REWORKED });
    const told = outcome(reworked.told, fix);
    assert.ok(!reworked.matches.some((m) => m.fix.sha === fix), told);
    assert.match(told, /writes new code where it takes out `if\(keep_negative\)`.*a rework/);
    const reverted = await explainStaged(dir, rules, { "lib/hostip.c": RESOLVE });
    assert.ok(
      reverted.matches.some((m) => m.fix.sha === fix && m.recurrence.kind === "revert"),
      outcome(reverted.told, fix),
    );
  });

  it("old buggy code only laid out anew (spaces, indentation) is not written by the change: silent", async () => {
    const h2 = fs.readFileSync(path.join(dir, "lib/h2.c"), "utf8");
    // A formatting pass that spaces the buggy call's operator, with one real edit elsewhere in the file.
    const laidOut = h2
      .replace("sizeof(buffer)-1", "sizeof(buffer) - 1")
      .replace("count_frame(cf, frame->hd.type);", "count_frame(cf, frame->hd.type, frame->hd.flags);");
    const { matches, told } = await explainStaged(dir, rules, { "lib/h2.c": laidOut });
    assert.ok(!matches.some((m) => m.fix.sha === frameFix), outcome(told, frameFix));
    // The same code written by the change (a new file) is the bug written, laid out or not.
    const again = await explainStaged(dir, rules, {
      "lib/h3.c": laidOut.replaceAll("h2_log_frame", "h3_log_frame"),
    });
    assert.ok(
      again.matches.some((m) => m.fix.sha === frameFix && m.recurrence.kind === "copy"),
      outcome(again.told, frameFix),
    );
  });
  it("a copy whose bug line calls another function in the same shape is another function's call: silent", async () => {
    const other = RTSP.replaceAll("rtsp_request", "ftp_request").replace(
      "result = add_custom_headers(conn, req_buffer);",
      "result = setup_transfer(conn, req_buffer);",
    );
    const { matches, told } = await explainStaged(dir, rules, { "lib/ftp.c": other });
    const said = outcome(told, headersFix);
    assert.ok(!matches.some((m) => m.fix.sha === headersFix), said);
    assert.match(said, /the lines that were the bug call other functions/);
    const same = await explainStaged(dir, rules, {
      "lib/ftp.c": RTSP.replaceAll("rtsp_request", "ftp_request"),
    });
    assert.ok(
      same.matches.some((m) => m.fix.sha === headersFix && m.recurrence.kind === "copy"),
      outcome(same.told, headersFix),
    );
  });
  it("a whole revert writes back the code the fix found, not new code: still a revert", async () => {
    const { matches, told } = await explainStaged(dir, rules, { "src/Numbers.java": HEX });
    assert.ok(
      matches.some((m) => m.fix.sha === hexFix && m.recurrence.kind === "revert"),
      outcome(told, hexFix),
    );
  });
});

describe("a fix's lines whose reason the change takes away", () => {
  /** A version switch with a TLS 1.3 case only some builds have. */
  const SSL = `#include "setup.h"

static CURLcode set_min_version(struct Curl_easy *data, SSL_CTX *ctx, long version)
{
  long min = 0;
  switch(version) {
  case CURL_SSLVERSION_TLSv1_0:
    min = TLS1_VERSION;
    break;
  case CURL_SSLVERSION_TLSv1_1:
    min = TLS1_1_VERSION;
    break;
  case CURL_SSLVERSION_TLSv1_2:
    min = TLS1_2_VERSION;
    break;
#ifdef TLS1_3_VERSION
  case CURL_SSLVERSION_TLSv1_3:
    min = TLS1_3_VERSION;
    break;
#endif
  }
  if(!SSL_CTX_set_min_proto_version(ctx, min))
    return CURLE_SSL_CONNECT_ERROR;
  infof(data, "TLS minimum set to %ld", min);
#ifdef TLS1_3_VERSION
  enable_tls13_ciphers(ctx);
#endif
  return CURLE_OK;
}
`;
  /** The fix: asking for TLS 1.3 from a build without it is an error, not silently ignored. */
  const SSL_FIXED = SSL.replace(
    "#ifdef TLS1_3_VERSION\n  case CURL_SSLVERSION_TLSv1_3:\n    min = TLS1_3_VERSION;\n    break;\n#endif\n",
    "  case CURL_SSLVERSION_TLSv1_3:\n#ifdef TLS1_3_VERSION\n    min = TLS1_3_VERSION;\n    break;\n#else\n    return CURLE_NOT_BUILT_IN;\n#endif\n",
  );
  /** Every build has TLS 1.3 now: the conditions go, the TLS 1.3 code stays. */
  const MINIMUM_RAISED = SSL_FIXED.replace(
    "  case CURL_SSLVERSION_TLSv1_3:\n#ifdef TLS1_3_VERSION\n    min = TLS1_3_VERSION;\n    break;\n#else\n    return CURLE_NOT_BUILT_IN;\n#endif\n",
    "  case CURL_SSLVERSION_TLSv1_3:\n    min = TLS1_3_VERSION;\n    break;\n",
  ).replace(
    "#ifdef TLS1_3_VERSION\n  enable_tls13_ciphers(ctx);\n#endif\n",
    "  enable_tls13_ciphers(ctx);\n",
  );

  /** A resolver's state, and the code that counts its pending requests. */
  const ASYN_H = `#ifndef HEADER_ASYN_H
#define HEADER_ASYN_H

struct resolve_ctx {
  struct Curl_https_rrinfo hinfo;
  ares_channel channel;
  bool init;
  bool done;
  int status;
  char *hostname;
  int port;
  struct Curl_addrinfo *result;
};

#endif
`;
  const ASYN_C = `#include "asyn.h"

static void query_done(void *arg, int status, struct Curl_addrinfo *ai)
{
  struct resolve_ctx *ctx = arg;
  ctx->status = status;
  if(ai)
    ctx->result = ai;
  ctx->done = TRUE;
  wake_resolver(ctx);
  log_resolve(ctx->hostname, ctx->port, status);
  release_query(ctx);
}
`;
  const ASYN_H_FIXED = ASYN_H.replace(
    "  ares_channel channel;\n",
    "  ares_channel channel;\n  int num_pending; /* outstanding requests */\n",
  );
  const ASYN_C_FIXED = ASYN_C.replace(
    "  ctx->done = TRUE;\n",
    "  if(--ctx->num_pending == 0)\n    ctx->done = TRUE;\n",
  );
  let dir = "";
  let sslFix = "";
  let asynFix = "";
  const rules = defaultRules();
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "dejafix-reason-"));
    git(dir, ["init", "-q", "-b", "main"]);
    commit(
      dir,
      { "lib/openssl.c": SSL, "lib/asyn.h": ASYN_H, "lib/asyn.c": ASYN_C },
      "Add TLS and the resolver",
    );
    sslFix = commit(
      dir,
      { "lib/openssl.c": SSL_FIXED },
      "openssl: return error if TLS 1.3 is requested when not supported",
    );
    asynFix = commit(
      dir,
      { "lib/asyn.h": ASYN_H_FIXED, "lib/asyn.c": ASYN_C_FIXED },
      "asyn: fix resolves finishing before all their requests are answered",
    );
    await indexRepository({ repoDir: dir, rules });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the build condition the fix's lines were for, taken out of the file, takes them along: silent, and says why", async () => {
    const raised = await explainStaged(dir, rules, { "lib/openssl.c": MINIMUM_RAISED });
    const told = outcome(raised.told, sslFix);
    assert.ok(!raised.matches.some((m) => m.fix.sha === sslFix), told);
    assert.match(told, /stops testing `TLS1_3_VERSION`/);
    const reverted = await explainStaged(dir, rules, { "lib/openssl.c": SSL });
    assert.ok(
      reverted.matches.some((m) => m.fix.sha === sslFix && m.recurrence.kind === "revert"),
      outcome(reverted.told, sslFix),
    );
  });

  it("a field the fix declared, taken out while the code that used it is rewritten, is no revert; the whole fix undone is", async () => {
    const redesigned = await explainStaged(dir, rules, {
      "lib/asyn.h": ASYN_H,
      "lib/asyn.c": ASYN_C_FIXED.replace(
        "  if(--ctx->num_pending == 0)\n    ctx->done = TRUE;\n",
        "  ctx->done = all_answered(ctx);\n",
      ),
    });
    assert.ok(!redesigned.matches.some((m) => m.fix.sha === asynFix), outcome(redesigned.told, asynFix));
    const reverted = await explainStaged(dir, rules, { "lib/asyn.h": ASYN_H, "lib/asyn.c": ASYN_C });
    assert.ok(
      reverted.matches.some((m) => m.fix.sha === asynFix && m.recurrence.kind === "revert"),
      outcome(reverted.told, asynFix),
    );
  });
});

describe("what git's matches teach: a copy that cleans up at a label has the fix", () => {
  /** Maps a loose object; the empty-file path leaked its descriptor. */
  const MAP = `#include "git-compat-util.h"

static void *map_loose_object(struct repository *r, const char *path, unsigned long *size)
{
	void *map = NULL;
	int fd = git_open(path);
	struct stat st;

	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st)) {
		*size = xsize_t(st.st_size);
		if (!*size) {
			/* mmap() is forbidden on empty files */
			error(_("object file %s is empty"), path);
			return NULL;
		}
		map = xmmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
		trace_mapped(path, *size);
		count_mapped_bytes(*size);
	}
	close(fd);
	return map;
}
`;
  const MAP_FIXED = MAP.replace(
    "path);\n\t\t\treturn NULL;\n",
    "path);\n\t\t\tclose(fd);\n\t\t\treturn NULL;\n",
  );
  /** The same function in another source, renamed: its empty-file path returns as the bug did. */
  const copied = MAP.replace(
    "map_loose_object(struct repository *r,",
    "source_map_object(struct source *src,",
  );
  /** ...or jumps to a cleanup label that closes the descriptor on every path. */
  const withLabel = copied
    .replace("path);\n\t\t\treturn NULL;\n", "path);\n\t\t\tgoto out;\n")
    .replace("\t}\n\tclose(fd);\n", "\t}\nout:\n\tclose(fd);\n");
  const rules = defaultRules();
  const planted = plantedFix(
    rules,
    "dejafix-label-",
    [{ "object-file.c": MAP }, "Add loose object mapping"],
    [{ "object-file.c": MAP_FIXED }, "object-file: fix fd leak of empty file in map_loose_object()"],
  );

  it("is silent, and says why; the copy that returns without closing is shown", async () => {
    assert.ok(
      withLabel.includes("goto out;") && withLabel.includes("out:\n\tclose(fd);"),
      "the fixture jumps to a label",
    );
    const labelled = await explainStaged(planted.dir, rules, { "odb/source.c": withLabel });
    const told = outcome(labelled.told, planted.fix);
    assert.ok(!labelled.matches.some((m) => m.fix.sha === planted.fix), told);
    assert.match(told, /jumps to a label that already does what the fix inserted/);
    const leaking = await explainStaged(planted.dir, rules, { "odb/source.c": copied });
    const m = leaking.matches.find((x) => x.fix.sha === planted.fix);
    assert.ok(m && m.recurrence.kind === "copy", outcome(leaking.told, planted.fix));
  });
});

describe("what git's matches teach: a brace the fix took off holds no bug", () => {
  /** Expires packs, then forgets the index it wrote through (a stale pointer the fix removed). */
  const EXPIRE = `#include "midx.h"

int expire_packs(struct repository *r, const char *object_dir, unsigned flags)
{
	uint32_t i, *count, result = 0;
	struct string_list packs_to_drop = STRING_LIST_INIT_DUP;
	struct multi_pack_index *m = lookup_multi_pack_index(r, object_dir);

	count = xcalloc(m->num_packs, sizeof(uint32_t));
	count_referenced_packs(m, count, flags);
	for (i = 0; i < m->num_packs; i++) {
		if (count[i])
			continue;
		string_list_insert(&packs_to_drop, m->pack_names[i]);
	}
	free(count);

	if (packs_to_drop.nr) {
		result = write_midx_internal(object_dir, &packs_to_drop, flags);
		m = NULL;
	}

	string_list_clear(&packs_to_drop, 0);
	return result;
}
`;
  const EXPIRE_FIXED = EXPIRE.replace(
    "\tif (packs_to_drop.nr) {\n\t\tresult = write_midx_internal(object_dir, &packs_to_drop, flags);\n\t\tm = NULL;\n\t}\n",
    "\tif (packs_to_drop.nr)\n\t\tresult = write_midx_internal(object_dir, &packs_to_drop, flags);\n",
  );
  const rules = defaultRules();
  const planted = plantedFix(
    rules,
    "dejafix-brace-",
    [{ "midx.c": EXPIRE }, "Add pack expiry"],
    [{ "midx.c": EXPIRE_FIXED }, "midx.c: fix stale multi-pack-index pointer during expire"],
  );

  it("a copy whose block needs its brace (options declared in it) is silent; one that forgets the pointer again is shown", async () => {
    const moved = EXPIRE_FIXED.replace("expire_packs(", "expire_midx_packs(").replace(
      "\tif (packs_to_drop.nr)\n\t\tresult = write_midx_internal(object_dir, &packs_to_drop, flags);\n",
      "\tif (packs_to_drop.nr) {\n\t\tstruct write_opts opts = { .dir = object_dir, .drop = &packs_to_drop };\n\t\tresult = write_midx_internal(object_dir, &packs_to_drop, flags);\n\t}\n",
    );
    const braced = await explainStaged(planted.dir, rules, { "midx-write.c": moved });
    const told = outcome(braced.told, planted.fix);
    assert.ok(!braced.matches.some((m) => m.fix.sha === planted.fix), told);
    assert.match(told, /the fix only took a brace off this line/);
    const stale = await explainStaged(planted.dir, rules, {
      "midx-write.c": EXPIRE.replace("expire_packs(", "expire_midx_packs("),
    });
    assert.ok(
      stale.matches.some((m) => m.fix.sha === planted.fix && m.recurrence.kind === "copy"),
      outcome(stale.told, planted.fix),
    );
  });
});

describe("what typescript-eslint's matches teach: a gap is placed by its own neighbours", () => {
  /** Scope types and the union of them, imports first (as one defect block holds them). */
  const SCOPE = `import { BlockScope } from './BlockScope';
import { CatchScope } from './CatchScope';
import { ClassScope } from './ClassScope';
import { ForScope } from './ForScope';
import { FunctionScope } from './FunctionScope';
import { GlobalScope } from './GlobalScope';
import { ModuleScope } from './ModuleScope';
import { SwitchScope } from './SwitchScope';
import { TypeScope } from './TypeScope';
import { WithScope } from './WithScope';

type Scope =
  | BlockScope
  | CatchScope
  | ClassScope
  | ForScope
  | FunctionScope
  | GlobalScope
  | ModuleScope
  | SwitchScope
  | TypeScope
  | WithScope;

export type { Scope };
`;
  const SCOPE_FIXED = SCOPE.replace("  | ClassScope\n", "  | ClassScope\n  | ClassStaticBlockScope\n");
  const rules = defaultRules();
  const planted = plantedFix(
    rules,
    "dejafix-union-",
    [{ "src/scope/Scope.ts": SCOPE }, "Add the scope union"],
    [{ "src/scope/Scope.ts": SCOPE_FIXED }, "fix(scope-manager): support static class blocks"],
  );

  it("the same imports before other code are no place for the union's missing member: silent; the union copied without it is shown", async () => {
    // The same imports, then other code where the union was.
    const page = `${SCOPE.slice(0, SCOPE.indexOf("type Scope"))}export function scopes(): unknown[] {
  return [BlockScope, CatchScope, ClassScope, ForScope, FunctionScope, GlobalScope];
}
`;
    const imports = await explainStaged(planted.dir, rules, { "src/pages/index.tsx": page });
    assert.ok(!imports.matches.some((m) => m.fix.sha === planted.fix), outcome(imports.told, planted.fix));
    const copy = await explainStaged(planted.dir, rules, { "src/scope/ScopeCopy.ts": SCOPE });
    assert.ok(
      copy.matches.some((m) => m.fix.sha === planted.fix && m.recurrence.kind === "copy"),
      outcome(copy.told, planted.fix),
    );
  });
});

describe("a fix's name renamed onto another while the developer's block has that name too", () => {
  const UTIL = `import * as ts from 'typescript';

export function isTypeReadonlyArrayOrTuple(
  checker: ts.TypeChecker,
  type: ts.Type,
  options: ReadonlynessOptions,
  seenTypes: Set<ts.Type>,
): Readonlyness {
  function checkTypeArguments(arrayType: ts.TypeReference): Readonlyness {
    const typeArguments = checker.getTypeArguments(arrayType);
    if (typeArguments.length === 0) {
      return Readonlyness.Readonly;
    }
    if (
      typeArguments.some(
        typeArg => isTypeReadonlyRecurser(checker, typeArg, options, seenTypes) === Readonlyness.Mutable,
      )
    ) {
      return Readonlyness.Mutable;
    }
    return Readonlyness.Readonly;
  }
  return checkTypeArguments(type as ts.TypeReference);
}
`;
  const UTIL_FIXED = UTIL.replace(
    "    const typeArguments = checker.getTypeArguments(arrayType);\n",
    "    const typeArguments = checker.getTypeArguments\n      ? checker.getTypeArguments(arrayType)\n      : arrayType.typeArguments ?? [];\n",
  );
  /** The same function moved to another package: it takes the program and gets its checker first. */
  const MOVED = UTIL.replace("  checker: ts.TypeChecker,\n", "  program: ts.Program,\n")
    .replace(
      "): Readonlyness {\n  function",
      "): Readonlyness {\n  const checker = program.getTypeChecker();\n  function",
    )
    .replace("isTypeReadonlyRecurser(checker,", "isTypeReadonlyRecurser(program,");
  const rules = defaultRules();
  const planted = plantedFix(
    rules,
    "dejafix-ownname-",
    [{ "src/util/isTypeReadonly.ts": UTIL }, "Add isTypeReadonly"],
    [{ "src/util/isTypeReadonly.ts": UTIL_FIXED }, "fix: isTypeReadonly error with TS before 3.7"],
  );

  it("is shown as it was, not placed with the wrong name", async () => {
    const { matches, told } = await explainStaged(planted.dir, rules, {
      "packages/types/src/isTypeReadonly.ts": MOVED,
    });
    const m = matches.find((x) => x.fix.sha === planted.fix);
    assert.ok(m, outcome(told, planted.fix));
    assert.equal(m.suggestion?.placed, false, m.suggestion?.diff);
    assert.match(m.suggestion?.why ?? "", /your code has a `checker` of its own/);
  });
});

describe("a bug line that calls nothing is about its values", () => {
  const RULE = `import * as util from '../util';

type Options = [];
type MessageIds = 'noPrefix';

export default util.createRule<Options, MessageIds>({
  name: 'interface-name-prefix',
  meta: {
    type: 'suggestion',
    messages: {
      noPrefix: 'Interface name must not be prefixed with "I".',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    return {
      TSInterfaceDeclaration(node): void {
        context.report({ node, messageId: 'noPrefix' });
      },
    };
  },
});
`;
  const RULE_FIXED = RULE.replace(
    "type MessageIds = 'noPrefix';",
    "type MessageIds = 'noPrefix' | 'alwaysPrefix';",
  );
  const rules = defaultRules();
  const planted = plantedFix(
    rules,
    "dejafix-values-",
    [{ "src/rules/interface-name-prefix.ts": RULE }, "Add interface-name-prefix"],
    [{ "src/rules/interface-name-prefix.ts": RULE_FIXED }, "fix: correct error message in always mode"],
  );

  it("another rule's message ids are other values: silent; the same ids copied are shown", async () => {
    const other = RULE.replaceAll("noPrefix", "unaryMinus").replace(
      "interface-name-prefix",
      "no-unsafe-unary-minus",
    );
    const { matches, told } = await explainStaged(planted.dir, rules, {
      "src/rules/no-unsafe-unary-minus.ts": other,
    });
    const said = outcome(told, planted.fix);
    assert.ok(!matches.some((m) => m.fix.sha === planted.fix), said);
    assert.match(said, /`'unaryMinus'` where the bug had `'noPrefix'`: other values/);
    const same = await explainStaged(planted.dir, rules, {
      "src/rules/no-prefix.ts": RULE.replace("interface-name-prefix", "no-prefix"),
    });
    assert.ok(
      same.matches.some((m) => m.fix.sha === planted.fix && m.recurrence.kind === "copy"),
      outcome(same.told, planted.fix),
    );
  });
});
