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

  it("a bare `return this;` the fix moved, written back, is no revert", () => {
    assert.equal(movedBack(movedFix("return this;")), null);
  });
});
