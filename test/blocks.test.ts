import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expandToBlock } from "../src/blocks/expandToBlock.js";
import { findBlocks } from "../src/blocks/findBlocks.js";
import { blockStyleOf, languageOf } from "../src/blocks/languageOf.js";
import { normalizeBlock, normalizeFile } from "../src/blocks/normalizeBlock.js";

const JAVA = `package demo;

public class Totals {
  /** Sums prices; a brace in a comment: { */
  public int total(List<Item> items) {
    int sum = 0;
    String label = "not a brace }";
    for (Item it : items) {
      if (it.price() > 0) {
        sum += it.price();
      } else {
        log("skip {");
      }
    }
    return sum;
  }

  void other() {
    call();
  }
}
`.split("\n");

const PY = `import os


@cached
def load(path, retries=3):
    """Reads a file.
    def not_a_header():
    """
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    with open(path) as f:
        data = f.read(
            1024,
        )
        return data


def other():
    pass
`.split("\n");

describe("languageOf", () => {
  it("maps extensions to tokenizer formats and styles", () => {
    assert.equal(languageOf("src/a/Totals.java"), "java");
    assert.equal(languageOf("x.py"), "python");
    assert.equal(languageOf("lib/x.ts"), "typescript");
    assert.equal(languageOf("server.c"), "c");
    assert.equal(languageOf("Makefile"), "makefile");
    assert.equal(languageOf("no-extension"), undefined);
    assert.equal(blockStyleOf("java"), "brace");
    assert.equal(blockStyleOf("python"), "indent");
    assert.equal(blockStyleOf("yaml"), "indent");
  });
});

describe("expandToBlock (brace languages)", () => {
  it("grows a hunk inside an if-branch to the whole if/else statement", () => {
    // line 10: `sum += it.price();` sits in the if-branch whose else follows on line 11
    assert.deepEqual(expandToBlock(JAVA, 10, 10, "java"), { start: 9, end: 13, capped: false });
  });

  it("grows a hunk spanning two statements of a function body to the whole function", () => {
    // lines 6-7 are the first statements of total(); the comment brace on line 4 and the string
    // brace on line 7 must not count
    assert.deepEqual(expandToBlock(JAVA, 6, 7, "java"), { start: 5, end: 16, capped: false });
  });

  it("grows an unbalanced hunk (closing one loop, opening nothing) to the enclosing block", () => {
    // lines 13-15: `}` of the if/else, `}` of the for, `return sum;`
    assert.deepEqual(expandToBlock(JAVA, 13, 15, "java"), { start: 5, end: 16, capped: false });
  });

  it("keeps a hunk that is already a whole block", () => {
    assert.deepEqual(expandToBlock(JAVA, 18, 20, "java"), { start: 18, end: 20, capped: false });
  });

  it("caps growth and falls back to the balanced neighbourhood", () => {
    const r = expandToBlock(JAVA, 10, 10, "java", { maxLines: 3 });
    assert.equal(r.capped, true);
    assert.deepEqual([r.start, r.end], [10, 10]);
  });

  it("takes a callback with the call that holds it", () => {
    const js = ["describe('x', () => {", "  it('y', () => {", "    expect(a).toBe(1);", "  });", "});"];
    assert.deepEqual(expandToBlock(js, 3, 3, "javascript"), { start: 2, end: 4, capped: false });
  });

  it("keeps each object of an array (and a callback followed by more arguments) as its own block", () => {
    const js = [
      "run(rule, {",
      "  valid: [",
      "    {",
      "      code: 'a',",
      "    },",
      "    {",
      "      code: 'b',",
      "    },",
      "  ],",
      "});",
      "setTimeout(function () {",
      "  tick();",
      "}, 100);",
    ];
    assert.deepEqual(expandToBlock(js, 7, 7, "javascript"), { start: 6, end: 8, capped: false });
    assert.deepEqual(expandToBlock(js, 12, 12, "javascript"), { start: 11, end: 13, capped: false });
    assert.deepEqual(findBlocks(js, "javascript"), [
      { start: 1, end: 10 },
      { start: 3, end: 5 },
      { start: 6, end: 8 },
      { start: 11, end: 13 },
    ]);
  });
});

describe("expandToBlock (indentation languages)", () => {
  it("grows a hunk in the middle of a function to the enclosing indented block", () => {
    // line 13 (`1024,`) is inside a bracket continuation of `data = f.read(` in the with-block
    assert.deepEqual(expandToBlock(PY, 13, 13, "python"), { start: 11, end: 15, capped: false });
  });

  it("grows the if-body to the if statement, and a statement to its function with decorators", () => {
    assert.deepEqual(expandToBlock(PY, 10, 10, "python"), { start: 9, end: 10, capped: false });
    assert.deepEqual(expandToBlock(PY, 9, 11, "python"), { start: 4, end: 15, capped: false });
  });

  it("does not take a docstring line for a header", () => {
    assert.deepEqual(expandToBlock(PY, 7, 7, "python"), { start: 4, end: 15, capped: false });
  });

  it("includes a Ruby `end`", () => {
    const rb = ["def total(items)", "  items.each do |i|", "    puts i", "  end", "end", "x = 1"];
    assert.deepEqual(expandToBlock(rb, 3, 3, "ruby"), { start: 2, end: 4, capped: false });
    assert.deepEqual(findBlocks(rb, "ruby"), [
      { start: 1, end: 5 },
      { start: 2, end: 4 },
    ]);
  });
});

describe("findBlocks", () => {
  it("lists every block of a Java file with its header", () => {
    assert.deepEqual(findBlocks(JAVA, "java", { minLines: 3 }), [
      { start: 3, end: 21 },
      { start: 5, end: 16 },
      { start: 8, end: 14 },
      { start: 9, end: 13 },
      { start: 18, end: 20 },
    ]);
  });
});

describe("normalizeBlock", () => {
  const original = [
    "int total(List<Item> items) {",
    "  int sum = 0; // running",
    "  for (int i = 0; i < items.size(); i++) {",
    '    sum += items.get(i).price("EUR");',
    "  }",
    "  return sum;",
    "}",
  ];
  const renamed = [
    "int   amount(List<Order> orders)",
    "{",
    "  /* renamed */ int acc = 10;",
    "  for (int k = 1; k < orders.size(); k++) { acc += orders.get(k)",
    "      .price('USD'); }",
    "  return acc;",
    "}",
  ];

  it("pretty-prints one statement per line with identifiers and literals abstracted", () => {
    const n = normalizeBlock(original, "java");
    assert.deepEqual(n.lines, [
      "int x ( x < x > x ) {",
      "int x = 0 ;",
      "for ( int x = 0 ; x < x . x ( ) ; x ++ ) {",
      'x += x . x ( x ) . x ( "" ) ;',
      "}",
      "return x ;",
      "}",
    ]);
    assert.equal(n.hashes.length, n.lines.length);
  });

  it("gives identical lines and hashes for renamed variables, changed literals and layout", () => {
    const a = normalizeBlock(original, "java");
    const b = normalizeBlock(renamed, "java");
    assert.deepEqual(b.lines, a.lines);
    assert.deepEqual(b.hashes, a.hashes);
  });

  it("keeps keywords and operators, so a different statement gives a different line", () => {
    const a = normalizeBlock(["while (a < b) { a--; }"], "java");
    const b = normalizeBlock(["if (a <= b) { a--; }"], "java");
    assert.equal(a.lines[0], "while ( x < x ) {");
    assert.equal(b.lines[0], "if ( x <= x ) {");
    assert.notEqual(a.hashes[0], b.hashes[0]);
  });

  it("maps every token back to its original text, line and column", () => {
    const n = normalizeBlock(renamed, "java", 41);
    const acc = n.tokens.filter((t) => t.text === "acc");
    assert.deepEqual(
      acc.map((t) => [t.line, t.column, t.kind, t.norm]),
      [2, 3, 5].map((i) => [41 + i, renamed[i]!.indexOf("acc") + 1, "identifier", "x"]),
    );
    assert.deepEqual(
      acc.map((t) => t.column),
      [21, 45, 10],
    );
    const usd = n.tokens.find((t) => t.norm === '""')!;
    assert.deepEqual([usd.text, usd.line, usd.column, usd.kind], ["'USD'", 45, 14, "literal"]);
    // tokens of each normalized line rebuild that line
    for (let i = 0; i < n.lines.length; i++) {
      const text = n.tokens
        .filter((t) => t.lineIndex === i)
        .map((t) => t.norm)
        .join(" ");
      assert.equal(text, n.lines[i]);
    }
    // the split statement `acc += orders.get(k)\n.price('USD');` is one normalized line spanning 44-45
    assert.deepEqual(n.spans[3], { first: 44, last: 45 });
    assert.ok(!n.tokens.some((t) => t.text.includes("renamed")), "comments are dropped");
  });

  it("keeps Python's logical lines and keywords", () => {
    const n = normalizeBlock(PY.slice(8, 15), "python", 9);
    assert.deepEqual(n.lines, [
      "if not x . x . x ( x ) :",
      "raise x ( x )",
      "with open ( x ) as x :", // builtins stay, like keywords
      "x = x . x ( 0 , )",
      "return x",
    ]);
    assert.deepEqual(n.spans[3], { first: 12, last: 14 });
  });
});

describe("normalizeFile", () => {
  it("normalizes every block of a file exactly like normalizeBlock on its lines", () => {
    for (const [lines, lang] of [
      [JAVA, "java"],
      [PY, "python"],
    ] as const) {
      const blocks = findBlocks(lines, lang);
      assert.ok(blocks.length >= 3);
      const normalize = normalizeFile(lines, lang);
      for (const b of blocks) {
        const expected = normalizeBlock(lines.slice(b.start - 1, b.end), lang, b.start);
        assert.deepEqual(normalize(b.start, b.end), expected, `${lang} ${b.start}-${b.end}`);
      }
    }
  });

  it("counts the normalized lines of every range as many as it builds, asked in any order", () => {
    const js = [
      "function f(a) {",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of JavaScript, as text
      "  const s = `x ${a} }`; // } not a brace",
      "  if (a) { return g(a,",
      "    b) }",
      "  /* over",
      "     lines { */ a = a +",
      "    1;",
      "  list.push({ a: 1, b: [2, 3] });",
      "}",
      "",
      "class C {",
      "  m() {}",
      "  n()",
      "  {",
      "    return this?.x",
      "      .y;",
      "  }",
      "}",
    ];
    for (const [lines, lang] of [
      [JAVA, "java"],
      [PY, "python"],
      [js, "javascript"],
    ] as const) {
      const normalize = normalizeFile([...lines], lang);
      const fresh = normalizeFile([...lines], lang);
      // Ranges grow as windows do (the classification of tokens is shared between calls)...
      for (let s = lines.length; s >= 1; s--)
        for (let e = s; e <= lines.length; e++)
          assert.equal(normalize.count(s, e), normalize(s, e).lines.length, `${lang} ${s}-${e}`);
      // ...and a count asked first, before anything was built, is the same.
      assert.equal(fresh.count(1, lines.length), normalizeBlock([...lines], lang).lines.length);
    }
  });
});
