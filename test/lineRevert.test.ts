/**
 * A fix taken out again line for line in its own file (src/suggest/lineRevert.ts), on a fix that moved
 * one line: a call moved is a fix of order, and moving it back is its revert; a bare `return this;`
 * moved is restructuring, and writing it back where it was says nothing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffHunks } from "../src/git/diffLines.js";
import { findLineRevert } from "../src/suggest/lineRevert.js";

/** A function whose fix moved `line` from before a check to after it. */
function movedFix(line: string) {
  const before = [
    "function build(exp) {",
    "  if (exp) {",
    `    ${line}`,
    "    if (compat) {",
    "      check(exp);",
    "    }",
    "    args.push(exp);",
    "  }",
    "  return args;",
    "}",
  ];
  const after = [...before.slice(0, 2), ...before.slice(3, 6), `    ${line}`, ...before.slice(6)];
  const edits = [
    { at: 2, afterAt: 2, del: [`    ${line}`], add: [] },
    { at: 6, afterAt: 5, del: [], add: [`    ${line}`] },
  ];
  return { before, after, edits, language: "javascript" };
}

/** The change that puts the line back where it was before the fix. */
function movedBack(block: ReturnType<typeof movedFix>) {
  const hunks = diffHunks(`${block.after.join("\n")}\n`, `${block.before.join("\n")}\n`);
  return findLineRevert(block, hunks, block.before);
}

describe("a fix that moved a line", () => {
  it("moving a call back before the check is the fix's revert", () => {
    const found = movedBack(movedFix("pushMergeArg(exp);"));
    assert.ok(found, "a revert");
    assert.deepEqual(found.fixed, movedFix("pushMergeArg(exp);").after);
  });

  it("moving the call on the way the fix moved it, past the fix's place, is no revert", () => {
    const block = movedFix("pushMergeArg(exp);");
    // The fix moved the call down below the check; the change moves it further down, below the push.
    const onward = [
      ...block.before.slice(0, 2),
      ...block.before.slice(3, 7),
      "    pushMergeArg(exp);",
      ...block.before.slice(7),
    ];
    const hunks = diffHunks(`${block.after.join("\n")}\n`, `${onward.join("\n")}\n`);
    assert.equal(findLineRevert(block, hunks, onward), null);
  });

  it("a bare `return this;` the fix moved, written back, is no revert", () => {
    assert.equal(movedBack(movedFix("return this;")), null);
  });
});

describe("the place of a fix", () => {
  // The fix freed an iterator before `return 1;` in one function; `}` and `return 1;` stand in every function.
  const before = [
    "int redirect(client *c) {",
    "    dictIterator *di = dictGetIterator(c->keys);",
    "    while ((de = dictNext(di)) != NULL) {",
    "        if (moved(de)) {",
    "            redirectClient(c, de);",
    "        }",
    "        return 1;",
    "    }",
    "    dictReleaseIterator(di);",
    "    return 0;",
    "}",
  ];
  const block = {
    before,
    after: [...before.slice(0, 6), "        dictReleaseIterator(di);", ...before.slice(6)],
    edits: [{ at: 6, afterAt: 6, del: [], add: ["        dictReleaseIterator(di);"] }],
    language: "c",
  };
  const other = (freed: boolean) => [
    "void replySlots(client *c) {",
    "    dictIterator *di = dictGetIterator(c->slots);",
    "    while ((de = dictNext(di)) != NULL) {",
    "        addReplySlot(c, de);",
    ...(freed ? ["        dictReleaseIterator(di);"] : []),
    "        }",
    "        return 1;",
    "    addReplyCount(c, count);",
    "    addReplyTotal(c, total);",
    "    addReplyEnd(c);",
    "    dictReleaseIterator(di);",
    "}",
  ];

  it("is the code around it that says something, not a brace or a return next to it", () => {
    const hunks = diffHunks(`${other(true).join("\n")}\n`, `${other(false).join("\n")}\n`);
    assert.equal(findLineRevert(block, hunks, other(false)), null);
  });

  it("taking the fix's line out at its own place is its revert", () => {
    const hunks = diffHunks(`${block.after.join("\n")}\n`, `${before.join("\n")}\n`);
    assert.ok(findLineRevert(block, hunks, before));
  });
});

describe("a declaration a fix added", () => {
  const before = [
    "const queue = [];",
    "let flushing = false;",
    "const resolved = Promise.resolve();",
    "",
    "const LIMIT = 100;",
    "export function queueJob(job) {",
    "  if (!queue.includes(job)) queue.push(job);",
    "}",
  ];
  const after = [...before.slice(0, 4), "let parentJob = null;", "", ...before.slice(4)];
  const block = {
    before,
    after,
    edits: [{ at: 4, afterAt: 4, del: [], add: ["let parentJob = null;", ""] }],
    language: "javascript",
  };

  it("nor is a whole function it added, taken out once its callers call another", () => {
    const helper = [
      "/* Return non-zero if two addresses are equal. */",
      "int addrIsEqual(addr *a, addr *b) {",
      "    return a->port == b->port && !strcasecmp(a->ip,b->ip);",
      "}",
    ];
    const cBefore = [
      "void releaseAddr(addr *sa) {",
      "    zfree(sa);",
      "}",
      "",
      "void logEvent(int level) {",
      "    emit(level);",
      "}",
    ];
    const cAfter = [...cBefore.slice(0, 4), ...helper, "", ...cBefore.slice(4)];
    const cBlock = {
      before: cBefore,
      after: cAfter,
      edits: [{ at: 4, afterAt: 4, del: [], add: [...helper, ""] }],
      language: "c",
    };
    const hunks = diffHunks(`${cAfter.join("\n")}\n`, `${cBefore.join("\n")}\n`);
    assert.equal(findLineRevert(cBlock, hunks, cBefore), null);
  });

  it("taken out alone is no revert: the lines that used it are what the fix changed", () => {
    const hunks = diffHunks(`${after.join("\n")}\n`, `${before.join("\n")}\n`);
    assert.equal(findLineRevert(block, hunks, before), null);
  });
});

describe("a fix that only told the compiler something", () => {
  // The fix added an include and marked a parameter used; later code has no need of either.
  const before = [
    '#include "setup.h"',
    "",
    "static void trace(struct conn *c, struct data *data) {",
    "  log_conn(c);",
    "}",
  ];
  const after = [
    '#include "setup.h"',
    "#include <curl/curl.h>",
    "",
    "static void trace(struct conn *c, struct data *data) {",
    "  (void)data;",
    "  log_conn(c);",
    "}",
  ];
  const block = {
    before,
    after,
    edits: [
      { at: 1, afterAt: 1, del: [], add: ["#include <curl/curl.h>"] },
      { at: 3, afterAt: 4, del: [], add: ["  (void)data;"] },
    ],
    language: "c",
  };

  it("taking the include and the mark out again is no revert", () => {
    const hunks = diffHunks(`${after.join("\n")}\n`, `${before.join("\n")}\n`);
    assert.equal(findLineRevert(block, hunks, before), null);
  });

  it("while taking out a call the fix added is", () => {
    const freed = { ...block, after: [...after.slice(0, 5), "  free(c->buf);", ...after.slice(5)] };
    freed.edits = [...block.edits, { at: 3, afterAt: 5, del: [], add: ["  free(c->buf);"] }];
    const hunks = diffHunks(
      `${freed.after.join("\n")}\n`,
      `${[...after.slice(0, 5), ...after.slice(5)].join("\n")}\n`,
    );
    const found = findLineRevert(freed, hunks, after);
    assert.ok(found, "a revert");
    assert.ok(found.fixed.some((l) => l.includes("free(c->buf);")));
  });
});
