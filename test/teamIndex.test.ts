/**
 * The team index: a clone that starts from a snapshot holds the same rows, labels, defect blocks and
 * verdicts as a clone that mined itself, before and after new commits on top of the snapshot's tip; a
 * snapshot that does not fit (another schema, another repository, other rules or model, corrupt or
 * truncated) is refused with its reason and the clone mines instead, to the same index.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { demoReintroduction, generateRepo } from "../fixtures/generate.js";
import type { FixtureManifest } from "../fixtures/types.js";
import {
  exportTeamIndex,
  indexFrom,
  indexRepository,
  labels,
  readStagedChange,
  type SnapshotMeta,
} from "../src/api.js";
import { repoLayout } from "../src/git/repoLayout.js";
import { check, prepare } from "../src/hooks/checker.js";
import { packSnapshot, readSnapshotHead } from "../src/index/snapshotFile.js";
import { commit, git } from "./helpers/commit.js";
import { assertSameRows, indexRows } from "./helpers/indexRows.js";
import { tempDir } from "./helpers/repo.js";

const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "cli", "main.js");

const indexFile = (repo: string): string => path.join(repo, ".git", "dejafix", "index.sqlite");

function cloneOf(from: string, to: string): string {
  git(path.dirname(to), ["clone", "-q", from, to]);
  git(to, ["config", "user.name", "Ada"]);
  git(to, ["config", "user.email", "ada@example.org"]);
  return to;
}

/** The verdict on re-writing a planted defect, without the fields that say how long it took. */
async function verdictOn(repo: string, manifest: FixtureManifest): Promise<string> {
  const again = demoReintroduction(manifest);
  const file = path.join(repo, again.path);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, again.content);
  git(repo, ["add", again.path]);
  try {
    const layout = repoLayout(repo);
    prepare(layout);
    const verdict = await check(readStagedChange(repo, { amend: false }), {
      repoDir: repo,
      budgetMs: 60_000,
      hook: "pre-commit",
      layout,
    });
    // The repository's name is its folder's, which differs between the clones compared.
    return JSON.stringify(verdict, (k, v) => (/ms$|Ms$|seconds|timing/i.test(k) ? undefined : v)).replaceAll(
      `"name":${JSON.stringify(path.basename(repo))}`,
      '"name":"(this clone)"',
    );
  } finally {
    git(repo, ["rm", "-q", "--cached", again.path]);
    fs.rmSync(file);
  }
}

/** The snapshot file with its head rewritten by `edit` and checksummed again (as a newer dejafix would write it). */
function rewriteHead(file: string, out: string, edit: (m: SnapshotMeta) => void): void {
  const buf = fs.readFileSync(file);
  const ends: number[] = [];
  for (let i = buf.indexOf(10); ends.length < 3; i = buf.indexOf(10, i + 1)) ends.push(i);
  const meta = JSON.parse(buf.subarray(ends[0]! + 1, ends[1]).toString("utf8")) as SnapshotMeta;
  edit(meta);
  const line = JSON.stringify(meta);
  const sum = createHash("sha256").update(line).digest("hex");
  fs.writeFileSync(
    out,
    Buffer.concat([
      Buffer.from(`dejafix-index-snapshot/1\n${line}\nsha256 ${sum}\n`),
      buf.subarray(ends[2]! + 1),
    ]),
  );
}

describe("team index", () => {
  it("a clone started from a snapshot equals a clone that mined itself, before and after new commits", async (t) => {
    const root = tempDir(t, "dejafix-team-");
    const origin = path.join(root, "origin");
    const manifest = generateRepo(origin, { commits: 160 });
    // CI: mine and export.
    await indexRepository({ repoDir: origin });
    const snap = path.join(root, "index.snap");
    const meta = await exportTeamIndex({ repoDir: origin, out: snap });
    assert.equal(meta.tip, git(origin, ["rev-parse", "HEAD"]).trim());
    assert.deepEqual(meta.roots, git(origin, ["rev-list", "--max-parents=0", "HEAD"]).trim().split("\n"));
    assert.ok(meta.counts.defectBlocks > 0 && meta.bytes < meta.rawBytes, "compressed, with defect blocks");

    const mined = cloneOf(origin, path.join(root, "mined"));
    await indexRepository({ repoDir: mined });
    // The CLI, as a developer runs it: `dejafix init --from FILE`.
    const fromSnap = cloneOf(origin, path.join(root, "from-snapshot"));
    const r = spawnSync(process.execPath, [CLI, "init", "--from", snap], {
      cwd: fromSnap,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /started from the team index \(160 commits/);
    fs.rmSync(path.join(fromSnap, ".dejafix"), { recursive: true }); // init's rules file: same as defaults
    assertSameRows(indexRows(indexFile(fromSnap)), indexRows(indexFile(mined)), "started from the snapshot");
    assert.deepEqual(await labels(fromSnap), await labels(mined));
    assert.equal(await verdictOn(fromSnap, manifest), await verdictOn(mined, manifest));
    assert.match(await verdictOn(mined, manifest), /"matches":\[\{/, "the reintroduced defect is matched");

    // New commits on top of the snapshot's tip: a plain commit, a bug and its fix.
    const buggy = `export function lastItem(xs: number[]): number {\n  const out: number[] = [];\n  for (let i = 0; i <= xs.length; i++) {\n    out.push(xs[i]);\n  }\n  if (out.length > 0) {\n    return out[out.length - 1];\n  }\n  return -1;\n}\n`;
    commit(origin, { "src/list.ts": buggy }, "Add lastItem");
    commit(origin, { "README.md": "More words.\n" }, "Describe the list helpers");
    commit(
      origin,
      { "src/list.ts": buggy.replace("i <= xs.length", "i < xs.length") },
      "Fix off-by-one in lastItem",
    );
    for (const c of [mined, fromSnap]) git(c, ["pull", "-q", "--ff-only"]);
    await indexRepository({ repoDir: mined });
    await indexRepository({ repoDir: fromSnap });
    assertSameRows(indexRows(indexFile(fromSnap)), indexRows(indexFile(mined)), "both updated");
    // A new clone started from the old snapshot mines only the three commits after its tip.
    const late = cloneOf(origin, path.join(root, "late"));
    const res = await indexFrom({ repoDir: late, source: snap });
    assert.equal(res.refused, null);
    assert.equal(res.imported?.replaced, true);
    assert.equal(res.index.mined, 3);
    const clean = cloneOf(origin, path.join(root, "clean"));
    await indexRepository({ repoDir: clean });
    // Row for row what the self-mined clone holds after its own incremental update ...
    assertSameRows(indexRows(indexFile(late)), indexRows(indexFile(mined)), "late clone and the updated one");
    assert.equal(await verdictOn(late, manifest), await verdictOn(mined, manifest));
    // ... and the mined history, labels and defect blocks of one clean run over the whole history (an
    // incremental index differs from that only where any incremental update does: percentiles and the
    // model's adaptation are recomputed after 500 new commits, and the clone index counts its freezes).
    const mining = (f: string) => {
      const rows = indexRows(f);
      for (const t of ["calibration", "adaptation", "clone_meta"]) rows.delete(t);
      return rows;
    };
    assertSameRows(mining(indexFile(late)), mining(indexFile(clean)), "late clone and one clean run");
    assert.deepEqual(await labels(late), await labels(clean));
    const head = git(origin, ["rev-parse", "HEAD"]).trim();
    assert.ok(
      (await labels(late)).some((l) => l.fix === head && l.inducing.length > 0),
      "the new fix is labelled",
    );
    // Taken again, it is already covered: the index is kept.
    const again = await indexFrom({ repoDir: late, source: snap });
    assert.equal(again.imported?.replaced, false);
    assert.equal(again.index.mined, 0);
  });

  it("refuses a snapshot of another schema, repository, rules or model, or a corrupt or truncated one, and mines instead", async (t) => {
    const root = tempDir(t, "dejafix-team-");
    const origin = path.join(root, "origin");
    generateRepo(origin, { commits: 80 });
    await indexRepository({ repoDir: origin });
    const snap = path.join(root, "index.snap");
    await exportTeamIndex({ repoDir: origin, out: snap });
    const clean = cloneOf(origin, path.join(root, "clean"));
    await indexRepository({ repoDir: clean });
    const expected = indexRows(indexFile(clean));

    const other = path.join(root, "other");
    fs.mkdirSync(other);
    git(other, ["init", "-q", "-b", "main"]);
    commit(other, { "a.txt": "another project\n" }, "Start another project");
    await indexRepository({ repoDir: other });
    const otherSnap = path.join(root, "other.snap");
    await exportTeamIndex({ repoDir: other, out: otherSnap });

    const bytes = fs.readFileSync(snap);
    const variant = (name: string, b: Buffer): string => {
      const f = path.join(root, name);
      fs.writeFileSync(f, b);
      return f;
    };
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 100] = (flipped[bytes.length - 100] ?? 0) ^ 0xff;
    const schema = path.join(root, "schema.snap");
    rewriteHead(snap, schema, (m) => {
      m.schema += 1;
    });
    const model = path.join(root, "model.snap");
    rewriteHead(snap, model, (m) => {
      m.modelDigest = "0".repeat(64);
    });
    // A snapshot whose index carries a trigger of its own (made as a hostile CI would, checksums and all).
    const evilDb = path.join(root, "evil.sqlite");
    const src = new Database(indexFile(origin), { readonly: true });
    src.prepare("VACUUM INTO ?").run(evilDb);
    src.close();
    const e = new Database(evilDb);
    e.exec(
      "DELETE FROM runs; UPDATE repos SET path = '', name = ''; CREATE TRIGGER evil AFTER INSERT ON commits BEGIN DELETE FROM links; END;",
    );
    e.close();
    const {
      bytes: _b,
      payloadSha256: _p,
      rawBytes: _r,
      compression: _c,
      ...good
    } = readSnapshotHead(snap).meta;
    const evil = path.join(root, "evil.snap");
    await packSnapshot(evilDb, evil, good);
    const cases: Array<{ source: string; kind: string; says: RegExp; setup?: (repo: string) => void }> = [
      { source: schema, kind: "schema", says: /schema version \d+/ },
      { source: otherSnap, kind: "repository", says: /another repository/ },
      { source: model, kind: "model", says: /model digest differs/ },
      { source: evil, kind: "schema", says: /triggers that schema \d+ does not/ },
      {
        source: snap,
        kind: "rules",
        says: /rules digest differs/,
        setup: (repo) => {
          fs.mkdirSync(path.join(repo, ".dejafix"));
          fs.writeFileSync(path.join(repo, ".dejafix", "rules.yml"), "version: 1\nszz:\n  maxFiles: 3\n");
        },
      },
      { source: variant("flipped.snap", flipped), kind: "corrupt", says: /checksum|decompress/ },
      {
        source: variant("truncated.snap", bytes.subarray(0, Math.floor(bytes.length / 2))),
        kind: "truncated",
        says: /holds \d+ of its \d+ bytes/,
      },
      { source: variant("head.snap", bytes.subarray(0, 40)), kind: "truncated", says: /inside its head/ },
      {
        source: variant("noise.snap", Buffer.from("<html>404</html>")),
        kind: "format",
        says: /not a dejafix/,
      },
      { source: "http://example.invalid/index.snap", kind: "source", says: /http:\/\/ is not a source/ },
      { source: path.join(root, "missing.snap"), kind: "source", says: /is not a file/ },
    ];
    for (const [i, c] of cases.entries()) {
      const repo = cloneOf(origin, path.join(root, `case-${i}`));
      c.setup?.(repo);
      const res = await indexFrom({ repoDir: repo, source: c.source });
      assert.equal(res.refused?.kind, c.kind, `${c.kind}: ${res.refused?.message}`);
      assert.match(res.refused?.message ?? "", c.says);
      assert.equal(res.imported, null);
      assert.equal(res.index.mined, 80, `${c.kind}: the history is mined instead`);
      if (!c.setup) assertSameRows(indexRows(indexFile(repo)), expected, `refused ${c.kind}`);
    }
  });

  it("names the missing oras client for an oci:// reference, and downloads https:// (whole or cut short) through the CLI", async (t) => {
    const root = tempDir(t, "dejafix-team-");
    const origin = path.join(root, "origin");
    generateRepo(origin, { commits: 60 });
    await indexRepository({ repoDir: origin });
    const snap = path.join(root, "index.snap");
    await exportTeamIndex({ repoDir: origin, out: snap });

    // A PATH with git and nothing else: no oras.
    const bin = path.join(root, "bin");
    fs.mkdirSync(bin);
    fs.symlinkSync(
      execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim(),
      path.join(bin, "git"),
    );
    const noOras = cloneOf(origin, path.join(root, "no-oras"));
    const r = spawnSync(
      process.execPath,
      [CLI, "index", "--from", "oci://registry.example/team/index:main"],
      {
        cwd: noOras,
        encoding: "utf8",
        env: { ...process.env, PATH: bin, NO_COLOR: "1" },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /cannot fetch it: the `oras` client is not on PATH/);
    assert.match(r.stdout, /indexed 60 new commits/);

    // https: a local server with a certificate made for the test, trusted through NODE_EXTRA_CA_CERTS.
    const key = path.join(root, "key.pem");
    const cert = path.join(root, "cert.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost",
      ],
      { stdio: "ignore" },
    );
    const whole = fs.readFileSync(snap);
    const server = createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
      if (req.url === "/short.snap") {
        // Promises the whole file and sends half of it, as a dropped connection does.
        res.writeHead(200, { "content-length": whole.length });
        res.write(whole.subarray(0, whole.length >> 1));
        res.destroy();
        return;
      }
      if (req.url !== "/index.snap") {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-length": whole.length }).end(whole);
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    t.after(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const run = async (url: string, dir: string) =>
      new Promise<{ status: number | null; stderr: string }>((ok) => {
        const child = spawn(process.execPath, [CLI, "index", "--from", url], {
          cwd: dir,
          env: { ...process.env, NODE_EXTRA_CA_CERTS: cert, NO_COLOR: "1" },
        });
        let stderr = "";
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("close", (status) => ok({ status, stderr }));
      });
    const viaHttps = cloneOf(origin, path.join(root, "https"));
    const ok = await run(`https://localhost:${port}/index.snap`, viaHttps);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /started from the team index \(60 commits/);
    const clean = cloneOf(origin, path.join(root, "clean"));
    await indexRepository({ repoDir: clean });
    assertSameRows(indexRows(indexFile(viaHttps)), indexRows(indexFile(clean)), "downloaded");
    const cut = await run(`https://localhost:${port}/short.snap`, cloneOf(origin, path.join(root, "cut")));
    assert.equal(cut.status, 0, cut.stderr);
    assert.match(cut.stderr, /truncated download/);
    const missing = await run(
      `https://localhost:${port}/nothing.snap`,
      cloneOf(origin, path.join(root, "404")),
    );
    assert.match(missing.stderr, /cannot fetch it: the server answered 404/);
  });
});
