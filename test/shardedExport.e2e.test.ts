/**
 * Sharded exports as an organisation runs them: several real `dejafix` processes at once, each given
 * the same repositories and its own shard (by --shard, or by a Kubernetes Indexed Job's
 * JOB_COMPLETION_INDEX), then `merge`. The merged file must be the single-process export, byte for
 * byte; the merge must refuse parts that do not belong together.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { generateRepo } from "../fixtures/generate.js";
import { inShard, parseShard, partPath, resolveShard } from "../src/eval/shard.js";
import { gitOut, tempDir } from "./helpers/repo.js";

const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** One real dejafix process; resolves when it exits. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, NO_COLOR: "1", JOB_COMPLETION_INDEX: "", DEJAFIX_SHARDS: "", ...env },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, out, err }));
  });
}

function sortedLines(file: string): string[] {
  return readFileSync(file, "utf8").trimEnd().split("\n").sort();
}

describe("shards", () => {
  test("--shard I/N, or JOB_COMPLETION_INDEX with --shards or DEJAFIX_SHARDS", () => {
    assert.deepEqual(parseShard("2/4"), { index: 2, count: 4 });
    assert.throws(() => parseShard("4/4"), /shard 4 does not exist among 4/);
    assert.throws(() => parseShard("1-4"), /INDEX\/COUNT/);
    assert.equal(resolveShard({}, {}), undefined);
    assert.deepEqual(resolveShard({ shards: "3" }, { JOB_COMPLETION_INDEX: "1" }), { index: 1, count: 3 });
    assert.deepEqual(resolveShard({}, { JOB_COMPLETION_INDEX: "0", DEJAFIX_SHARDS: "2" }), {
      index: 0,
      count: 2,
    });
    // The flag wins over the environment.
    assert.deepEqual(resolveShard({ shard: "1/2" }, { JOB_COMPLETION_INDEX: "0", DEJAFIX_SHARDS: "5" }), {
      index: 1,
      count: 2,
    });
    assert.throws(
      () => resolveShard({}, { JOB_COMPLETION_INDEX: "1" }),
      /--shards COUNT or set DEJAFIX_SHARDS/,
    );
    assert.throws(() => resolveShard({ shards: "2" }, {}), /needs JOB_COMPLETION_INDEX/);
    assert.throws(
      () => resolveShard({}, { JOB_COMPLETION_INDEX: "2", DEJAFIX_SHARDS: "2" }),
      /does not exist/,
    );
    // Repository k belongs to shard k mod n: every repository to exactly one shard.
    for (let k = 0; k < 7; k++)
      assert.equal([0, 1, 2].filter((i) => inShard(k, { index: i, count: 3 })).length, 1);
    assert.equal(partPath("/x/data.jsonl", { index: 1, count: 3 }), "/x/data.part-1-of-3.jsonl");
  });
});

describe("sharded dataset export, merged", () => {
  test("parts of 2 and of 4 concurrent processes merge into the single-process export; bad sets are refused", async (t) => {
    const work = tempDir(t);
    // Three repositories, mined twice: once for the single process, once (separate clones, same
    // folder names) for the shards, so neither run reuses the other's index.
    const single: string[] = [];
    const sharded: string[] = [];
    for (const [i, name] of ["shop", "ledger", "wiki"].entries()) {
      const dir = join(work, "one", name);
      generateRepo(dir, { seed: 11 + i, commits: 70 + 15 * i });
      single.push(dir);
      const copy = join(work, "many", name);
      gitOut(work, ["clone", "-q", dir, copy]);
      sharded.push(copy);
    }
    const repoArgs = (dirs: string[]): string[] => dirs.flatMap((d) => ["--repo", d]);
    const whole = join(work, "whole.jsonl");
    const one = await cli(["dataset", ...repoArgs(single), "--label-latency", "0", "--out", whole]);
    assert.equal(one.code, 0, one.err);

    // Two shards at once: one by flag (a CI matrix entry), one by the Indexed Job's variables.
    const out = join(work, "parts", "data.jsonl");
    const base = ["dataset", ...repoArgs(sharded), "--label-latency", "0", "--out", out];
    const runs = await Promise.all([
      cli([...base, "--shard", "0/2"]),
      cli(base, { JOB_COMPLETION_INDEX: "1", DEJAFIX_SHARDS: "2" }),
    ]);
    for (const r of runs) assert.equal(r.code, 0, r.err);
    assert.match(runs[0]!.out, /shard 0 of 2: 2 of 3 repositories/);
    assert.match(runs[1]!.out, /shard 1 of 2: 1 of 3 repositories/);
    const p0 = partPath(out, { index: 0, count: 2 });
    const p1 = partPath(out, { index: 1, count: 2 });
    // Each part holds only its shard's repositories.
    const repoNames = (file: string): string[] => [
      ...new Set(
        readFileSync(file, "utf8")
          .trimEnd()
          .split("\n")
          .slice(1)
          .map((l) => (JSON.parse(l) as { repo: string }).repo),
      ),
    ];
    assert.deepEqual(repoNames(p0), ["shop", "wiki"]);
    assert.deepEqual(repoNames(p1), ["ledger"]);

    const merged = join(work, "merged.jsonl");
    // Parts in any order.
    const m = await cli(["dataset", "merge", p1, p0, "-o", merged]);
    assert.equal(m.code, 0, m.err);
    assert.match(m.out, /merged 2 parts \(3 repositories, \d+ records\)/);
    assert.deepEqual(sortedLines(merged), sortedLines(whole));
    assert.equal(readFileSync(merged, "utf8"), readFileSync(whole, "utf8"), "same order, byte for byte");
    // The records really are there: every non-merge commit of the three repositories.
    const commits = single.reduce(
      (n, d) => n + gitOut(d, ["rev-list", "--no-merges", "HEAD"]).trim().split("\n").length,
      0,
    );
    assert.equal(readFileSync(merged, "utf8").trimEnd().split("\n").length, commits + 1);

    // Four shards over three repositories: the last one has none and still writes its (empty) part.
    const out4 = join(work, "parts4", "data.jsonl");
    const base4 = ["dataset", ...repoArgs(sharded), "--label-latency", "0", "--out", out4, "--shards", "4"];
    const runs4 = await Promise.all([0, 1, 2, 3].map((i) => cli(base4, { JOB_COMPLETION_INDEX: String(i) })));
    for (const r of runs4) assert.equal(r.code, 0, r.err);
    const parts4 = [0, 1, 2, 3].map((index) => partPath(out4, { index, count: 4 }));
    const merged4 = join(work, "merged4.jsonl");
    assert.equal((await cli(["dataset", "merge", ...parts4, "--out", merged4])).code, 0);
    assert.equal(readFileSync(merged4, "utf8"), readFileSync(whole, "utf8"));

    // Refusals, each with what to do.
    const missing = await cli(["dataset", "merge", p1, "-o", join(work, "x.jsonl")]);
    assert.equal(missing.code, 3);
    assert.match(missing.err, /shard 0 of 2 missing: run `dejafix dataset --shard 0\/2`/);
    const twice = await cli(["dataset", "merge", p0, p0, p1, "-o", join(work, "x.jsonl")]);
    assert.equal(twice.code, 3);
    assert.match(twice.err, /are both shard 0 of 2/);
    const mixed = await cli(["dataset", "merge", p0, parts4[1]!, "-o", join(work, "x.jsonl")]);
    assert.equal(mixed.code, 3);
    assert.match(mixed.err, /the parts come from different runs/);
    const rewrite = (file: string, edit: (header: Record<string, unknown>) => void): string => {
      const [head, ...rest] = readFileSync(file, "utf8").split("\n");
      const header = JSON.parse(head!) as Record<string, unknown>;
      edit(header);
      const copy = join(work, `edited-${Math.random().toString(36).slice(2)}.jsonl`);
      writeFileSync(copy, [JSON.stringify(header), ...rest].join("\n"));
      return copy;
    };
    const otherHash = rewrite(p0, (h) => {
      h.token_hash = { algorithm: "fnv1a32", dim: 1024 };
    });
    const hashRun = await cli(["dataset", "merge", otherHash, p1, "-o", join(work, "x.jsonl")]);
    assert.equal(hashRun.code, 3);
    assert.match(hashRun.err, /different headers \(metrics list, token hash/);
    const otherMetrics = rewrite(p0, (h) => {
      h.metrics = (h.metrics as string[]).slice(1);
    });
    assert.match(
      (await cli(["dataset", "merge", p1, otherMetrics, "-o", join(work, "x.jsonl")])).err,
      /different headers/,
    );
    const otherLatency = rewrite(p0, (h) => {
      (h.shard as { settings: Record<string, unknown> }).settings.label_latency_days = 90;
    });
    assert.match(
      (await cli(["dataset", "merge", otherLatency, p1, "-o", join(work, "x.jsonl")])).err,
      /other options/,
    );
    const whole2 = await cli(["dataset", "merge", whole, p1, "-o", join(work, "x.jsonl")]);
    assert.match(whole2.err, /says no shard/);
    // A refused merge leaves nothing behind.
    assert.throws(() => readFileSync(join(work, "x.jsonl")), /ENOENT/);

    // The related-repositories corpus: the same sharding, the same merge, then `index --add-repo FILE`.
    const corpus = join(work, "corpus.jsonl");
    const c1 = await cli(["corpus", ...repoArgs(single), "--out", corpus]);
    assert.equal(c1.code, 0, c1.err);
    const cout = join(work, "cparts", "corpus.jsonl");
    const cruns = await Promise.all([
      cli(["corpus", ...repoArgs(sharded), "--out", cout, "--shard", "1/2"]),
      cli(["corpus", ...repoArgs(sharded), "--out", cout], {
        JOB_COMPLETION_INDEX: "0",
        DEJAFIX_SHARDS: "2",
      }),
    ]);
    for (const r of cruns) assert.equal(r.code, 0, r.err);
    const cparts = [0, 1].map((index) => partPath(cout, { index, count: 2 }));
    const cmerged = join(work, "corpus-merged.jsonl");
    const cm = await cli(["corpus", "merge", ...cparts, "--out", cmerged]);
    assert.equal(cm.code, 0, cm.err);
    assert.equal(readFileSync(cmerged, "utf8"), readFileSync(corpus, "utf8"), "same corpus, byte for byte");
    const blocks = readFileSync(cmerged, "utf8").trimEnd().split("\n").slice(1);
    assert.deepEqual(
      [...new Set(blocks.map((l) => (JSON.parse(l) as { repo: string }).repo))],
      ["shop", "ledger", "wiki"],
      "every repository gave defect blocks, in the order given",
    );
    // A dataset part is no corpus part.
    assert.match(
      (await cli(["corpus", "merge", p0, p1, "-o", join(work, "x.jsonl")])).err,
      /no "dejafix_corpus" header/,
    );
    const app = join(work, "app");
    generateRepo(app, { seed: 41, commits: 40 });
    const added = await cli(["index", "--repo", app, "--add-repo", cmerged]);
    assert.equal(added.code, 0, added.err);
    assert.match(added.out, new RegExp(`added ${blocks.length} new defect blocks of 3 related repositories`));
    const again = await cli(["index", "--repo", app, "--add-repo", cmerged]);
    assert.match(again.out, /added 0 new defect blocks of 3 related repositories/);
    const part = await cli(["index", "--repo", app, "--add-repo", cparts[0]!]);
    assert.equal(part.code, 3);
    assert.match(part.err, /one part of a sharded corpus: join the parts first with `dejafix corpus merge/);
  });
});
