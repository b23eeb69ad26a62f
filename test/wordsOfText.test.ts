/**
 * A whole file's words read in one pass (`wordsOfText`) are the words of its lines read one by one
 * (`wordsOf`): quotes left open, strings and template literals across lines, backslashes at line ends,
 * carriage returns and names in other scripts included.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { wordsOf, wordsOfText } from "../src/suggest/recurrence.js";

const PIECES = [
  'const s = "a \\',
  'continued";',
  "let t = `one",
  "two $" + "{x}`;",
  "char c = '\\'';",
  "don't stop",
  'print("unclosed',
  "x = y\\",
  "  + z;\r",
  '/* "quoted" in a comment */ call(arg_1, $dollar);',
  "naïve = größe + 42;",
  "",
  "'",
  '"',
  "`",
];

function random(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % n;
  };
}

describe("wordsOfText", () => {
  it("finds in a whole text exactly the words wordsOf finds line by line", () => {
    const rand = random(5);
    for (let round = 0; round < 200; round++) {
      const lines = Array.from({ length: 1 + rand(12) }, () => PIECES[rand(PIECES.length)]!);
      const text = lines.join("\n") + (rand(2) ? "\n" : "");
      const byLine = new Set(lines.flatMap(wordsOf));
      assert.deepEqual([...wordsOfText(text)].sort(), [...byLine].sort(), JSON.stringify(text));
    }
    assert.deepEqual(wordsOfText(""), new Set());
  });
});
