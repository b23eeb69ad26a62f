/**
 * Work in proportion to the change: windows cut from a region of a file (src/blocks/regions.ts) and sizes
 * from lexing a stretch of it must be the windows and sizes of the whole file's layout, on code shaped to
 * defeat a careless cut (classes around everything, `} else {` chains, calls ending in `})`, comments and
 * template strings across lines, decorators, backslash continuations).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { blockLayout } from "../src/blocks/blockLayout.js";
import { fileBlocks, type LineRange } from "../src/blocks/fileBlocks.js";
import { lexCode, lexPendingLines } from "../src/blocks/lexCode.js";
import { normalizeFile } from "../src/blocks/normalizeBlock.js";
import { regionAround } from "../src/blocks/regions.js";
import { scanCuts } from "../src/blocks/scanCode.js";

function random(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % n;
  };
}

/** JavaScript with every construct a cut must not split; `lines` long at least. */
function braceCode(seed: number, lines: number): string[] {
  const rand = random(seed);
  const out: string[] = [];
  const stmt = (pad: string) => {
    const k = rand(9);
    if (k === 0) out.push(`${pad}const v${rand(99)} = f(a, b) + ${rand(9)};`);
    else if (k === 1) out.push(`${pad}x = y ${rand(2) ? "+" : "-"} 1`);
    else if (k === 2) out.push(`${pad}/* a comment`, `${pad}   over lines } { */ call();`);
    else if (k === 3) out.push(`${pad}const t = \`line one`, `${pad}line two \${v} }\`;`);
    else if (k === 4) out.push("");
    else if (k === 5) out.push(`${pad}// } not a brace`);
    else if (k === 6) out.push(`${pad}list.push({ a: 1, b: [2, 3] });`);
    else if (k === 7) out.push(`${pad}if (ok) return "}";`);
    else out.push(`${pad}total += rows[i].size;`);
  };
  const block = (pad: string, depth: number): void => {
    const k = rand(depth > 3 ? 2 : 8);
    if (k <= 1) {
      for (let i = rand(6); i >= 0; i--) stmt(pad);
      return;
    }
    const inner = () => {
      for (let i = 1 + rand(4); i > 0; i--) block(`${pad}  `, depth + 1);
    };
    if (k === 2) {
      out.push(`${pad}if (a${rand(9)} > ${rand(9)}) {`);
      inner();
      out.push(`${pad}} else if (b) {`);
      inner();
      out.push(`${pad}}`, `${pad}else {`);
      inner();
      out.push(`${pad}}`);
    } else if (k === 3) {
      out.push(`${pad}it("case ${rand(99)}", () => {`);
      inner();
      out.push(`${pad}});`);
    } else if (k === 4) {
      out.push(`${pad}try {`);
      inner();
      out.push(`${pad}} catch (e) {`);
      inner();
      out.push(`${pad}} finally {`, `${pad}  done();`, `${pad}}`);
    } else if (k === 5) {
      out.push(`${pad}const table = {`, `${pad}  one: function () {`);
      inner();
      out.push(`${pad}  },`, `${pad}  two: () => {`);
      inner();
      out.push(`${pad}  },`, `${pad}};`);
    } else if (k === 6) {
      out.push(`${pad}function f${rand(999)}(a,`, `${pad}    b)`, `${pad}{`);
      inner();
      out.push(`${pad}}`);
    } else {
      out.push(`${pad}for (let i = 0; i < n; i++) {`);
      inner();
      out.push(`${pad}}`);
    }
  };
  while (out.length < lines) {
    if (rand(3) === 0) {
      out.push(`class C${rand(99)} {`);
      for (let m = 2 + rand(8); m > 0; m--) {
        out.push(`  method${rand(99)}() {`);
        for (let i = 1 + rand(5); i > 0; i--) block("    ", 2);
        out.push("  }");
        if (rand(2)) out.push("");
      }
      out.push("}");
    } else block("", 0);
  }
  return out;
}

/** Python with decorators, multi-line strings, brackets across lines and backslash continuations. */
function indentCode(seed: number, lines: number): string[] {
  const rand = random(seed);
  const out: string[] = [];
  const body = (pad: string, depth: number): void => {
    for (let i = 1 + rand(5); i > 0; i--) {
      const k = rand(depth > 3 ? 4 : 9);
      if (k === 0) out.push(`${pad}x = f(a, b) + ${rand(9)}`);
      else if (k === 1) out.push(`${pad}y = [`, `${pad}    1, 2,`, `${pad}]`);
      else if (k === 2) out.push(`${pad}s = """text`, "spanning: lines", `"""`);
      else if (k === 3) out.push(`${pad}total = a + \\`, `${pad}    b`);
      else if (k === 4) {
        out.push(`${pad}if a > ${rand(9)}:`);
        body(`${pad}    `, depth + 1);
        out.push(`${pad}else:`);
        body(`${pad}    `, depth + 1);
      } else if (k === 5) {
        out.push(`${pad}for i in range(n):`);
        body(`${pad}    `, depth + 1);
      } else if (k === 6) out.push("", `${pad}# comment`);
      else if (k === 7) {
        out.push(`${pad}try:`);
        body(`${pad}    `, depth + 1);
        out.push(`${pad}except E:`, `${pad}    pass`);
      } else out.push(`${pad}return x`);
    }
  };
  while (out.length < lines) {
    const k = rand(3);
    if (k === 0) out.push("@decorator(", "    arg=1,", ")");
    if (k === 1) out.push("@simple");
    out.push(`def f${rand(999)}(a, b):`);
    body("    ", 1);
    if (rand(2)) out.push("");
    if (rand(4) === 0) {
      out.push("class K:", "    @staticmethod", "    def m():");
      body("        ", 2);
    }
  }
  return out;
}

/** Every window `fileBlocks` cuts for these seeds, and its normalized lines, with and without regions. */
function compareWindows(lines: string[], language: string, seeds: LineRange[]): number {
  let compared = 0;
  for (const [minLines, maxSize] of [
    [10, 30],
    [43, Number.POSITIVE_INFINITY],
    [4, 12],
  ] as const) {
    const whole = fileBlocks(lines, language, { local: false });
    const local = fileBlocks(lines, language);
    for (const seed of seeds) {
      const expected = whole.window(seed, minLines, undefined, maxSize);
      const got = local.window(seed, minLines, undefined, maxSize);
      assert.deepEqual(got, expected, `${language} seed ${seed.start}-${seed.end}, ${minLines} lines`);
      assert.deepEqual(local.normalize(got), whole.normalize(expected));
      assert.equal(local.size(seed), whole.size(seed));
      compared++;
    }
  }
  return compared;
}

function seedsOf(n: number, seed: number): LineRange[] {
  const rand = random(seed);
  const out: LineRange[] = [];
  for (let k = 0; k < 60; k++) {
    const start = 1 + rand(n);
    out.push({ start, end: Math.min(n, start + (rand(4) === 0 ? rand(25) : 0)) });
  }
  return out;
}

describe("windows cut from a region of a file", () => {
  it("are the whole file's windows in brace languages (JavaScript, C)", () => {
    let compared = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const lines = braceCode(seed, 900 + 150 * seed);
      compared += compareWindows(lines, seed % 2 ? "javascript" : "c", seedsOf(lines.length, seed));
    }
    assert.ok(compared >= 2000);
  });

  it("are the whole file's windows in indentation languages (Python)", () => {
    for (let seed = 1; seed <= 8; seed++) {
      const lines = indentCode(seed, 900 + 100 * seed);
      compareWindows(lines, "python", seedsOf(lines.length, seed + 100));
    }
  });

  it("a region's layout holds the whole file's blocks inside it", () => {
    const lines = braceCode(7, 2000);
    const cuts = scanCuts(lines, "javascript");
    const whole = blockLayout(lines, "javascript").blocks;
    let regions = 0;
    for (let s = 50; s < lines.length - 50; s += 37) {
      const region = regionAround(lines, "javascript", cuts, s, s, 20);
      if (region === null) continue;
      regions++;
      const inside = whole.filter((b) => b.start >= region.from && b.end < region.to);
      const crossing = whole.filter(
        (b) => b.start < region.to && b.end >= region.from && !(b.start >= region.from && b.end < region.to),
      );
      assert.deepEqual(blockLayout(lines, "javascript", region).blocks, inside);
      // Only blocks around the whole region cross its edges.
      for (const b of crossing) assert.ok(b.start < region.from && b.end >= region.to, JSON.stringify(b));
    }
    assert.ok(regions > 10, `regions found: ${regions}`);
  });

  it("the size of a range (counted only) is the number of lines its normalized block has", () => {
    for (const [language, lines] of [
      ["javascript", braceCode(5, 700)],
      ["c", braceCode(6, 700)],
      ["python", indentCode(5, 700)],
    ] as const) {
      // One normalizer asked in an arbitrary order, as a window's growth asks, counts and blocks mixed.
      const norm = normalizeFile([...lines], language);
      const fresh = () => normalizeFile([...lines], language);
      const rand = random(lines.length);
      let nonEmpty = 0;
      for (let k = 0; k < 300; k++) {
        const start = 1 + rand(lines.length);
        const end = Math.min(lines.length, start + rand(60));
        const counted = norm.count(start, end);
        const block = k % 2 ? norm(start, end) : fresh()(start, end);
        assert.equal(counted, block.lines.length, `${language} ${start}-${end}`);
        assert.equal(fresh().count(start, end), counted);
        if (counted > 0) nonEmpty++;
      }
      assert.ok(nonEmpty > 250, `${language}: ${nonEmpty} ranges with code`);
    }
  });

  it("asked first about a line deep in a file, the lexer answers as lexing from the top does", () => {
    // C, where it starts near that line: comments and strings across lines, quotes of one kind inside the
    // other, comment markers inside strings, a backslash at a line's end inside a string and outside.
    const rand = random(11);
    const out: string[] = [];
    while (out.length < 1500) {
      const k = rand(9);
      if (k === 0) out.push(`int v${rand(99)} = f(a, b);`);
      else if (k === 1) out.push("/* a comment", ` * with a "quote and a 'tick`, " */");
      else if (k === 2)
        out.push('const char *s = "a /* not a comment \\', "continued */ 'still \\", 'a string";');
      else if (k === 3) out.push("char c = '\"'; char d = '\\'';");
      else if (k === 4) out.push('x = y / 2; // trailing "quote');
      else if (k === 5) out.push('s = "*/"; t = "/*";');
      else if (k === 6) out.push("#define M(x) \\", "  ((x) + 1)");
      else if (k === 7) out.push("");
      else out.push(`total += rows[i].size; /* short */ n++;`);
    }
    const code = out.join("\n");
    const lines = out.length;
    const expected = new Uint8Array(lines);
    let line = 0;
    for (const t of lexCode(code, "c")) {
      if (t.type === "new_line") line++;
      else for (const _ of t.value.matchAll(/\n/g)) expected[++line] = 1;
    }
    assert.ok(expected.some((p) => p === 1));
    for (let first = 0; first < lines; first += 37) {
      const pendingAt = lexPendingLines(code, "c");
      const got = new Uint8Array(lines);
      for (const l of [first, ...Array.from({ length: lines }, (_, k) => lines - 1 - k)])
        got[l] = pendingAt(l) ? 1 : 0;
      assert.deepEqual(got, expected, `first asked about line ${first}`);
    }
  });

  it("lexing a stretch alone starts where no token of the whole file goes on", () => {
    const code = braceCode(3, 600).join("\n");
    const pendingAt = lexPendingLines(code, "javascript");
    const lines = code.split("\n").length;
    // Asked out of order, as a window's growth asks.
    const pending = new Uint8Array(lines);
    for (const l of [lines - 1, 0, 7, 300, 299, 2, ...Array.from({ length: lines }, (_, k) => k)])
      pending[l] = pendingAt(l) ? 1 : 0;
    const expected = new Uint8Array(lines);
    let line = 0;
    for (const t of lexCode(code, "javascript")) {
      if (t.type === "new_line") line++;
      else for (const _ of t.value.matchAll(/\n/g)) expected[++line] = 1;
      if (line >= lines) break;
    }
    assert.deepEqual(pending, expected);
    assert.ok(
      pending.some((p) => p === 1),
      "the code has tokens across lines",
    );
  });

  it("finds the same lines inside comments and strings as the lexer, in every brace language", () => {
    // Pieces that open, close or only look like comments and strings, in the forms each language has.
    const pieces = [
      "/* open",
      "close */",
      "a /* b */ c",
      "// line /* not open",
      "x = '\\'';",
      "c = '\\n';",
      's = "a // b /* c";',
      's = "unterminated',
      's = "escaped newline \\',
      "t = `template",
      "end ` + 1;",
      "fn f<'a>(x: &'a str) {",
      "let c = '\\u{1F600}';",
      "n = 1'000'000;",
      "q = a / b / c;",
      "stray */ here",
      "'",
      '"',
      "`",
      "r = '\\x41' + 'b';",
      'u = "é ✓" /* ü',
      "}",
    ];
    for (const language of [
      "c",
      "cpp",
      "java",
      "rust",
      "go",
      "javascript",
      "typescript",
      "php",
      "css",
      "csharp",
    ]) {
      for (let seed = 1; seed <= 40; seed++) {
        const rand = random(seed * 7919 + language.length);
        const lines = Array.from({ length: 150 }, () =>
          Array.from({ length: 1 + rand(3) }, () => pieces[rand(pieces.length)]).join(" "),
        );
        const code = lines.join("\n");
        const pendingAt = lexPendingLines(code, language);
        const got = Array.from({ length: lines.length }, (_, l) => (pendingAt(l) ? 1 : 0));
        const expected = new Array<number>(lines.length).fill(0);
        let line = 0;
        for (const t of lexCode(code, language)) {
          if (t.type === "new_line") line++;
          else for (const _ of t.value.matchAll(/\n/g)) expected[++line] = 1;
        }
        assert.deepEqual(got, expected, `${language}, seed ${seed}`);
      }
    }
  });
});
