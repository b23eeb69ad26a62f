import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { generateRepo } from "../fixtures/generate.js";
import type { FixtureManifest } from "../fixtures/types.js";
import { indexRepository, labels, openIndex } from "../src/api.js";
import { calibrateLevels, calibrateThreshold, repositoryPercentiles } from "../src/eval/calibrate.js";
import { exportDataset } from "../src/eval/exportDataset.js";
import { evaluate, percentiles, rocAuc } from "../src/eval/figures.js";
import { replay } from "../src/eval/replay.js";
import { gitCommonDir } from "../src/git/repo.js";
import { readCalibration, recentCommits } from "../src/index/calibrationStore.js";
import { bagToRecord, linesBag } from "../src/metrics/tokens.js";
import { type DatasetRecord, datasetHeader } from "../src/model/dataset.js";
import { loadModel } from "../src/model/load.js";
import { scoreMany } from "../src/model/score.js";
import { runTraining } from "../src/model/train.js";
import { defaultRules } from "../src/rules/defaults.js";
import { isGeneratedPath, isIgnoredPath } from "../src/rules/paths.js";
import { gitOut, tempDir } from "./helpers/repo.js";

function readDataset(file: string): { header: unknown; records: DatasetRecord[] } {
  const [head, ...lines] = readFileSync(file, "utf8").trimEnd().split("\n");
  return { header: JSON.parse(head ?? "null"), records: lines.map((l) => JSON.parse(l) as DatasetRecord) };
}

/** Non-merge commits of HEAD with their author time, from git itself. */
function nonMerges(dir: string): Map<string, number> {
  const out = gitOut(dir, ["log", "--no-merges", "--format=%H %at", "HEAD"]);
  return new Map(
    out
      .trim()
      .split("\n")
      .map((l) => {
        const [sha = "", at = "0"] = l.split(" ");
        return [sha, Number(at)] as const;
      }),
  );
}

interface FileLines {
  path: string;
  created: boolean;
  binary: boolean;
  added: string[];
  removed: string[];
}

/**
 * The `-U0 -w` diff of every non-merge commit, parsed here from `git log -p` text (not by src/git):
 *
 *   \0<sha>
 *   diff --git a/src/a.ts b/src/a.ts
 *   new file mode 100644
 *   --- /dev/null
 *   +++ b/src/a.ts
 *   @@ -0,0 +1,2 @@
 *   +export const a = 1;
 */
function diffsByCommit(dir: string): Map<string, FileLines[]> {
  const out = gitOut(dir, [
    "-c",
    "core.quotePath=false",
    "log",
    "--no-merges",
    "-p",
    "-U0",
    "-w",
    "-M",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--format=%x00%H",
    "HEAD",
  ]);
  const result = new Map<string, FileLines[]>();
  for (const chunk of out.split("\0").slice(1)) {
    const lines = chunk.split("\n");
    const sha = lines[0]!.trim();
    const files: FileLines[] = [];
    let file: FileLines | null = null;
    let inHunk = false;
    for (const line of lines.slice(1)) {
      if (line.startsWith("diff --git ")) {
        const m = /^diff --git a\/(.*) b\/(.*)$/.exec(line);
        file = { path: m?.[2] ?? "", created: false, binary: false, added: [], removed: [] };
        files.push(file);
        inHunk = false;
        continue;
      }
      if (!file) continue;
      if (!inHunk) {
        if (line.startsWith("new file mode")) file.created = true;
        else if (line.startsWith("Binary files")) file.binary = true;
        else if (line.startsWith("+++ b/")) file.path = line.slice(6).replace(/\t$/, "");
        else if (line.startsWith("--- a/") && file.path === "") file.path = line.slice(6).replace(/\t$/, "");
        else if (line.startsWith("@@")) inHunk = true;
        continue;
      }
      if (line.startsWith("@@")) continue;
      if (line.startsWith("+")) file.added.push(line.slice(1));
      else if (line.startsWith("-")) file.removed.push(line.slice(1));
    }
    result.set(sha, files);
  }
  return result;
}

/**
 * Appends 60 daily-ish commits with a defect→fix pair every six commits, so that defects are spread
 * over the whole history (the generated story plants its defects early): commit k (k % 6 = 0) adds
 * an off-by-one line, commit k + 8 fixes it with a `fix:` message. The last one stays unfixed.
 */
function appendDefects(dir: string): void {
  const last = Math.max(...nonMerges(dir).values());
  const env = (k: number) => {
    const date = `@${last + (k + 1) * 2 * 86_400} +0000`;
    return { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  };
  const lines = new Map<string, string[]>();
  const git = (k: number, args: string[]) =>
    execFileSync("git", args, { cwd: dir, env: env(k), stdio: ["ignore", "ignore", "pipe"] });
  mkdirSync(join(dir, "src", "extra"), { recursive: true });
  for (let k = 0; k < 60; k++) {
    const path = `src/extra/part${k % 6}.ts`;
    const body = lines.get(path) ?? [];
    let message = `extra: tune part ${k % 6} (${k})`;
    if (k % 6 === 0) {
      body.push(`export const v${k} = items[items.length] + offset${k};`);
      message = `extra: add v${k} to part ${k % 6}`;
    } else if (k % 6 === 2 && k >= 8) {
      const target = `src/extra/part${(k - 8) % 6}.ts`;
      const fixed = (lines.get(target) ?? []).map((l) =>
        l.startsWith(`export const v${k - 8} `)
          ? `export const v${k - 8} = items[items.length - 1] + offset${k - 8};`
          : l,
      );
      lines.set(target, fixed);
      writeFileSync(join(dir, target), `${fixed.join("\n")}\n`);
      git(k, ["add", target]);
      git(k, ["commit", "-q", "-m", `fix: off-by-one in v${k - 8}`]);
      continue;
    } else {
      body.push(`export const w${k} = ${k} * scale;`);
    }
    lines.set(path, body);
    writeFileSync(join(dir, path), `${body.join("\n")}\n`);
    git(k, ["add", path]);
    git(k, ["commit", "-q", "-m", message]);
  }
}

let fixture: { dir: string; manifest: FixtureManifest } | null = null;
const ROOT = mkdtempSync(join(tmpdir(), "dejafix-dataset-"));
after(() => rmSync(ROOT, { recursive: true, force: true }));

/** One fixture repository (real git, real index) shared by the tests of this file. */
async function shop(): Promise<{ dir: string; manifest: FixtureManifest }> {
  if (fixture) return fixture;
  const dir = join(ROOT, "shop");
  const manifest = generateRepo(dir, { seed: 1, commits: 300 });
  await indexRepository({ repoDir: dir });
  fixture = { dir, manifest };
  return fixture;
}

test("export: one record per non-merge commit, SZZ labels matching the planted answers", async (t) => {
  const { dir, manifest } = await shop();
  const out = join(tempDir(t), "shop.jsonl");
  const summary = await exportDataset({ repos: [dir], out, labelLatencyDays: 0 });
  const { header, records } = readDataset(out);
  assert.deepEqual(header, datasetHeader());
  const commits = nonMerges(dir);
  assert.equal(records.length, commits.size, "one record per non-merge commit");
  assert.deepEqual(new Set(records.map((r) => r.commit)), new Set(commits.keys()));
  assert.equal(summary.records, records.length);
  for (const r of records) {
    assert.equal(r.repo, "shop", "the folder name is the repository id");
    assert.equal(r.time, commits.get(r.commit), `${r.commit}: author time`);
    assert.equal(typeof r.metrics.la, "number", `${r.commit}: change metrics present`);
  }
  const byCommit = new Map(records.map((r) => [r.commit, r]));

  // Labels are exactly SZZ's inducing commits...
  const szz = await labels(dir, { evidence: ["blame", "declared"] });
  const inducing = new Set(szz.flatMap((l) => l.inducing.map((i) => i.commit)));
  assert.deepEqual(new Set(records.filter((r) => r.label === 1).map((r) => r.commit)), inducing);
  assert.equal(summary.buggy, inducing.size);
  // ...which hold the planted defects whose fixes read as fixes, and never a cosmetic commit.
  const fixes = new Set(szz.map((l) => l.fix));
  let planted = 0;
  for (const p of manifest.planted) {
    if (!fixes.has(p.fix)) continue;
    planted++;
    assert.equal(byCommit.get(p.inducing)?.label, 1, `${p.id}: its inducing commit is labelled buggy`);
    assert.ok(byCommit.has(p.fix), `${p.id}: its fix has a record`);
  }
  assert.ok(planted >= 8, `${planted} planted defects checked`);
  for (const c of manifest.cosmetic) assert.equal(byCommit.get(c)?.label, 0, `cosmetic ${c} is clean`);
  // Merges carry no record.
  const merges = gitOut(dir, ["rev-list", "--merges", "HEAD"]).trim().split("\n").filter(Boolean);
  assert.ok(merges.length > 0);
  for (const m of merges) assert.ok(!byCommit.has(m), `merge ${m} has no record`);
});

test("export: token bags equal linesBag of each commit's diff, without binary, ignored and generated files", async (t) => {
  const { dir } = await shop();
  const out = join(tempDir(t), "shop.jsonl");
  await exportDataset({ repos: [dir], out, labelLatencyDays: 0, index: false });
  const { records } = readDataset(out);
  const rules = defaultRules();
  const diffs = diffsByCommit(dir);
  let leftOut = 0;
  let compared = 0;
  for (const r of records) {
    const files = diffs.get(r.commit);
    assert.ok(files, `git log shows ${r.commit}`);
    const kept = files.filter(
      (f) =>
        !f.binary &&
        !isIgnoredPath(rules, f.path) &&
        !isGeneratedPath(rules, f.path, f.created ? f.added.join("\n") : undefined),
    );
    const added = bagToRecord(linesBag(kept.flatMap((f) => f.added)));
    const removed = bagToRecord(linesBag(kept.flatMap((f) => f.removed)));
    assert.deepEqual(r.added, added, `${r.commit}: added bag`);
    assert.deepEqual(r.removed, removed, `${r.commit}: removed bag`);
    compared++;
    if (kept.length < files.length) {
      const all = bagToRecord(linesBag(files.flatMap((f) => f.added)));
      if (JSON.stringify(all) !== JSON.stringify(added)) leftOut++;
    }
  }
  assert.equal(compared, records.length);
  assert.ok(leftOut >= 3, `lock files, minified and @generated files left out of ${leftOut} commits`);
});

test("export: labels from a CSV replace SZZ and select the commits", async (t) => {
  const { dir } = await shop();
  const shas = [...nonMerges(dir).keys()].slice(10, 15);
  const csv = join(tempDir(t), "labels.csv");
  writeFileSync(
    csv,
    `commit,buggy\n${shas.map((s, i) => `${s},${i % 2 === 0 ? 1 : 0}`).join("\n")}\n${"f".repeat(40)},1\n`,
  );
  const out = join(tempDir(t), "labelled.jsonl");
  const summary = await exportDataset({ repos: [dir], out, labels: csv, index: false });
  const { records } = readDataset(out);
  assert.equal(summary.labelSource, "file");
  assert.equal(summary.repos[0]?.recent, 0, "file labels are final: no latency cut");
  assert.deepEqual(
    Object.fromEntries(records.map((r) => [r.commit, r.label])),
    Object.fromEntries(shas.map((s, i) => [s, i % 2 === 0 ? 1 : 0])),
  );
});

test("export: label latency leaves out the last days, several repositories share one file", async (t) => {
  const { dir } = await shop();
  const other = join(tempDir(t), "shop");
  generateRepo(other, { seed: 2, commits: 120 });
  const out = join(tempDir(t), "two.jsonl");
  const summary = await exportDataset({ repos: [dir, other], out, names: ["acme/shop", "acme/other"] });
  const { records } = readDataset(out);
  for (const [i, repoDir] of [dir, other].entries()) {
    const name = ["acme/shop", "acme/other"][i]!;
    const commits = nonMerges(repoDir);
    const newest = Math.max(...commits.values());
    const settled = [...commits].filter(([, at]) => at <= newest - 90 * 86_400).map(([sha]) => sha);
    const mine = records.filter((r) => r.repo === name);
    assert.deepEqual(
      new Set(mine.map((r) => r.commit)),
      new Set(settled),
      `${name}: commits older than 90 days`,
    );
    assert.equal(summary.repos[i]?.recent, commits.size - settled.length);
    assert.ok(summary.repos[i]!.recent > 0, `${name}: some commits were recent`);
  }
  assert.equal(records.length, summary.records);
  await assert.rejects(
    exportDataset({ repos: [dir, other], out: join(tempDir(t), "x.jsonl"), index: false }),
    /both named "shop"/,
  );
});

test("end to end: a real model, calibrated levels, replay and a threshold under a false-alarm limit", async (t) => {
  const work = tempDir(t);
  const dir = join(work, "shop");
  generateRepo(dir, { seed: 3, commits: 120 });
  appendDefects(dir);
  await indexRepository({ repoDir: dir });
  const data = join(work, "shop.jsonl");
  await exportDataset({ repos: [dir], out: data, labelLatencyDays: 0, index: false });
  const modelPath = join(work, "m.onnx");
  await runTraining({
    datasets: [data],
    out: modelPath,
    device: "cpu",
    extraArgs: ["--models", "lr-metrics", "--max-epochs", "15", "--min-commits", "10"],
    onLog: () => undefined,
  });
  const model = await loadModel(modelPath);
  const { records } = readDataset(data);
  const byCommit = new Map(records.map((r) => [r.commit, r]));

  // Calibrated levels: the percentiles of the model's scores on the newest 100 commits.
  const levels = await calibrateLevels(dir, { model: modelPath, commits: 100 });
  assert.equal(levels.commits, 100);
  const store = await openIndex(dir);
  let newest: string[];
  let stored: number[] | undefined;
  try {
    const repoId = store.repoId(await gitCommonDir(dir), "shop");
    newest = recentCommits(store, repoId, 100);
    stored = readCalibration(store, repoId, model.digest)?.percentiles;
    // Percentiles are keyed by the model and by how features are extracted: a key made from the file
    // alone (as dejafix did while hook-time token bags still came from the plain diff) finds nothing.
    const { createHash } = await import("node:crypto");
    const fileOnly = createHash("sha256").update(readFileSync(modelPath)).digest("hex");
    assert.notEqual(model.digest, fileOnly);
    assert.equal(readCalibration(store, repoId, fileOnly), null);
  } finally {
    store.close();
  }
  const scores = (
    await scoreMany(
      model,
      newest.map((sha) => byCommit.get(sha)!),
    )
  ).map((s) => s.score);
  const expected = percentiles(scores);
  assert.ok(stored, "percentiles stored in the index");
  assert.equal(stored.length, 99);
  for (const [i, p] of stored.entries())
    assert.ok(Math.abs(p - expected[i]!) < 1e-6, `p${i + 1}: ${p} vs ${expected[i]}`);
  assert.deepEqual(await repositoryPercentiles(dir, model), stored);

  // Replay: the model's figures on the later quarter equal those of its scores computed here.
  const withinOut = join(work, "within");
  mkdirSync(withinOut);
  const report = await replay({
    repoDir: dir,
    model: modelPath,
    within: true,
    withinOut,
    trainArgs: ["--models", "lr-metrics", "--max-epochs", "10", "--min-commits", "10"],
    trainShare: 0.75,
    labelLatencyDays: 0,
    index: false,
  });
  const sorted = [...records].sort((a, b) => a.time - b.time);
  const cut = Math.round(sorted.length * 0.75);
  const later = sorted.slice(cut);
  assert.equal(report.replay.commits, later.length);
  assert.equal(report.training.commits, cut);
  const laterScores = (await scoreMany(model, later)).map((s) => s.score);
  const rows = later.map((r, i) => ({
    score: laterScores[i]!,
    label: r.label,
    effort: (r.metrics.la ?? 0) + (r.metrics.ld ?? 0),
  }));
  const mine = report.scorers.find((s) => s.name === "model");
  assert.ok(mine, "the given model was replayed");
  assert.ok(
    Math.abs((mine.figures.rocAuc ?? -1) - (rocAuc(rows) ?? -2)) < 1e-6,
    `same ROC AUC: ${mine.figures.rocAuc} vs ${rocAuc(rows)}, n ${mine.figures.n} vs ${rows.length}, pos ${mine.figures.positives} vs ${rows.reduce((a, r) => a + r.label, 0)}`,
  );
  assert.equal(mine.figures.flagged, evaluate(rows, model.meta.threshold.value).flagged);
  assert.deepEqual(
    report.scorers.map((s) => s.name).sort(),
    ["la", "model", "two-phase", "within"],
    JSON.stringify(report.unavailable),
  );
  // Two-phase flags a subset of what the model flags: the same commits, confirmed by a clone match.
  const twoPhase = report.scorers.find((s) => s.name === "two-phase");
  assert.ok(twoPhase);
  assert.equal(twoPhase.figures.n, later.length);
  assert.ok(twoPhase.figures.flagged <= mine.figures.flagged);

  // The within-project model saw only the earlier half, with labels as known at its end.
  const asOf = sorted[cut - 1]!.time;
  const fixedAt = new Map<string, number>();
  for (const l of await labels(dir, { evidence: ["blame", "declared"] }))
    for (const i of l.inducing) fixedAt.set(i.commit, Math.min(fixedAt.get(i.commit) ?? Infinity, l.time));
  const trained = readDataset(join(withinOut, "train.jsonl")).records;
  assert.equal(trained.length, cut);
  let hidden = 0;
  for (const r of trained) {
    assert.ok(r.time <= asOf, `${r.commit} is not from the replayed period`);
    const known = (fixedAt.get(r.commit) ?? Infinity) <= asOf ? 1 : 0;
    assert.equal(r.label, known, `${r.commit}: label as known at the cut`);
    if (byCommit.get(r.commit)?.label === 1 && known === 0) hidden++;
  }
  assert.ok(hidden > 0, "some defects fixed only after the cut were hidden from training");

  // Threshold under a limit, picked on the validation quarter.
  const limit = 0.1;
  const th = await calibrateThreshold({
    repoDir: dir,
    model: modelPath,
    maxFalseAlarm: limit,
    shares: [0.75, 0.125, 0.125],
    labelLatencyDays: 0,
    index: false,
  });
  const result = th.results.find((r) => r.scorer === "model");
  assert.ok(result);
  const validation = later.slice(0, Math.round(later.length * 0.5));
  const valScores = (await scoreMany(model, validation)).map((s) => s.score);
  const valRows = validation.map((r, i) => ({ score: valScores[i]!, label: r.label, effort: 0 }));
  const far = evaluate(valRows, result.pick.threshold).falseAlarmRate ?? 0;
  assert.ok(far <= limit, `validation false-alarm rate ${far} ≤ ${limit}`);
  assert.equal(th.validation.commits, validation.length);
  assert.equal(th.test.commits, later.length - validation.length);
  assert.equal(result.test.n, th.test.commits);
});
