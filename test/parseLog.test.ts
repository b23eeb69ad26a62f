import assert from "node:assert/strict";
import { test } from "node:test";
import { LogParser, quoteGitPath } from "../src/git/parseLog.js";

const SHA1 = "1".repeat(40);
const SHA2 = "2".repeat(40);
const BLOB_A = "a".repeat(40);
const BLOB_B = "b".repeat(40);
const ZERO = "0".repeat(40);

function header(sha: string, parents: string[], message: string): string {
  return `\x01${sha} ${parents.join(" ")}\x02Ada Lovelace\x02Ada@Example.ORG\x021700000000 +0130\x021700000100\x02${message}\n\x03\0\n`;
}

// A stream shaped like `git log --raw -z -p -U0 -w` output: raw entries, then patches.
const STREAM =
  header(SHA1, [], "init") +
  `:000000 100644 ${ZERO} ${BLOB_A} A\0src/a.c\0:000000 100644 ${ZERO} ${BLOB_B} A\0img.png\0\0` +
  "diff --git a/src/a.c b/src/a.c\nnew file mode 100644\nindex 0000000..aaaaaaa\n--- /dev/null\n+++ b/src/a.c\n" +
  "@@ -0,0 +1,3 @@\n+int a;\r\n+-- not a header\n+int c;\n" +
  "diff --git a/img.png b/img.png\nnew file mode 100644\nindex 0000000..bbbbbbb\nBinary files /dev/null and b/img.png differ\n" +
  header(SHA2, [SHA1], "fix: off by one\n\nFixes: 1111111") +
  `:100644 100644 ${BLOB_A} ${BLOB_B} M\0src/ws only.c\0` +
  `:100644 100644 ${BLOB_A} ${BLOB_B} R090\0src/a.c\0src/tab\tb.c\0\0` +
  'diff --git a/src/a.c "b/src/tab\\tb.c"\nsimilarity index 90%\nrename from src/a.c\nrename to "src/tab\\tb.c"\n' +
  'index aaaaaaa..bbbbbbb 100644\n--- a/src/a.c\n+++ "b/src/tab\\tb.c"\n@@ -2 +2 @@ ctx\n--- not a header\n+-- fixed\n\\ No newline at end of file\n@@ -3,0 +4,2 @@\n+x\n+y\n';

test("parses commits, raw entries and -U0 hunks, in any chunking", () => {
  for (const size of [1, 7, 64, STREAM.length]) {
    const p = new LogParser();
    const out = [];
    for (let i = 0; i < STREAM.length; i += size) out.push(...p.push(STREAM.slice(i, i + size)));
    out.push(...p.end());
    assert.equal(out.length, 2, `chunk size ${size}`);
    const [c1, c2] = out;
    assert.ok(c1 && c2);
    assert.equal(c1.meta.sha, SHA1);
    assert.deepEqual(c1.meta.parents, []);
    assert.equal(c1.meta.author.email, "ada@example.org", "e-mail is the author key, lower-cased");
    assert.equal(c1.meta.authorTzMinutes, 90);
    assert.equal(c1.files.length, 2);
    assert.deepEqual(
      c1.files[0]?.hunks[0]?.lines.map((l) => l.kind + l.text),
      ["+int a;\r", "+-- not a header", "+int c;"],
      "CR kept, a content line looking like a header stays content",
    );
    assert.equal(c1.files[1]?.binary, true);
    assert.equal(c2.meta.message, "fix: off by one\n\nFixes: 1111111");
    const [ws, ren] = c2.files;
    assert.equal(ws?.newPath, "src/ws only.c");
    assert.equal(ws?.hunks.length, 0, "a whitespace-only change has a raw entry but no patch under -w");
    assert.equal(ren?.status, "R");
    assert.equal(ren?.similarity, 90);
    assert.equal(ren?.oldPath, "src/a.c");
    assert.equal(ren?.newPath, "src/tab\tb.c");
    assert.equal(ren?.hunks.length, 2, "patch matched to its entry through the quoted header");
    assert.deepEqual(
      ren?.hunks[0]?.lines.map((l) => l.kind + l.text),
      ["--- not a header", "+-- fixed"],
    );
    assert.equal(ren?.hunks[0]?.section, "ctx");
    assert.deepEqual([ren?.hunks[1]?.oldStart, ren?.hunks[1]?.oldLines, ren?.hunks[1]?.newLines], [3, 0, 2]);
  }
});

test("quotes paths the way git does", () => {
  assert.equal(quoteGitPath("a/plain é.txt"), "a/plain é.txt");
  assert.equal(quoteGitPath('a/q"uote'), '"a/q\\"uote"');
  assert.equal(quoteGitPath("a/back\\slash"), '"a/back\\\\slash"');
  assert.equal(quoteGitPath("a/bell\x07"), '"a/bell\\a"');
  assert.equal(quoteGitPath("a/esc\x1b"), '"a/esc\\033"');
});
