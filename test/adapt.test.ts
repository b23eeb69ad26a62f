import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { generateRepo } from "../fixtures/generate.js";
import { readAdaptation, saveAdaptation } from "../src/index/adaptationStore.js";
import { openIndex } from "../src/index/openIndex.js";
import {
  type AdaptationOutcome,
  type AdaptationRow,
  adapt,
  adaptationFeatures,
  applyAdaptation,
  fitPrior,
  MIN_COMMITS,
  scoringKey,
} from "../src/model/adapt.js";
import { loadModel } from "../src/model/load.js";
import { readModelMeta } from "../src/model/meta.js";
import { seededRandom } from "../src/model/synthetic.js";
import { indexRepository } from "../src/pipeline/indexRepository.js";

const META = readModelMeta(fileURLToPath(new URL("../../models/default.meta.json", import.meta.url)));
const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const ROOT = mkdtempSync(join(tmpdir(), "dejafix-adapt-"));
after(() => rmSync(ROOT, { recursive: true, force: true }));

/**
 * Commits whose shipped score carries `scoreSignal` of the truth and whose number of files (`nf`)
 * carries `nfSignal`: a repository where a metric matters more than the shipped model knows.
 */
function rows(n: number, seed: number, scoreSignal: number, nfSignal: number): AdaptationRow[] {
  const rand = seededRandom(seed);
  const out: AdaptationRow[] = [];
  for (let i = 0; i < n; i++) {
    const nf = 1 + Math.floor(rand() * 12);
    const noise = rand();
    const risk = scoreSignal * noise + nfSignal * (nf / 12) + (1 - scoreSignal - nfSignal) * rand();
    const label = (risk > 0.62 ? 1 : 0) as 0 | 1;
    out.push({
      score: 0.05 + 0.9 * noise,
      metrics: { nf, la: 10, ld: 2 },
      label,
      time: 1_600_000_000 + i * 3600,
    });
  }
  return out;
}

test("the prior is the shipped model: no weights and a strong prior score as the model does", () => {
  const identity = { bias: 0, base: 1, metrics: {}, lambda: 1 };
  for (const s of [0.01, 0.3, 0.77, 0.99])
    assert.ok(Math.abs(applyAdaptation(META, identity, s, { la: 40, nf: 3 }) - s) < 1e-9, `score ${s}`);
  // A huge prior strength keeps base at 1 and the metric weights at 0; only the bias moves.
  const data = rows(400, 3, 0.2, 0.7);
  const xs = data.map((r) => adaptationFeatures(META, r.score, r.metrics));
  const theta = fitPrior(
    xs,
    data.map((r) => r.label),
    1e7,
  );
  assert.ok(Math.abs(theta[1]! - 1) < 1e-3, `base ${theta[1]}`);
  for (const w of theta.slice(2)) assert.ok(Math.abs(w) < 1e-3, `metric weight ${w}`);
});

test("an adaptation that sees what the shipped model misses is kept, with both figures", () => {
  const outcome = adapt(META, rows(1200, 5, 0.3, 0.6));
  assert.equal(outcome.kept, true, outcome.reason);
  assert.ok(
    outcome.aucAdapted! >= outcome.aucShipped! + 0.005,
    `${outcome.aucAdapted} vs ${outcome.aucShipped}`,
  );
  assert.ok((outcome.weights?.metrics.nf ?? 0) > 0.2, "more files, more risk, learnt from the repository");
  assert.equal(outcome.train.commits + outcome.validation.commits, 1200);
  assert.equal(outcome.validation.commits, 300, "the newest quarter validates");
  assert.ok(outcome.validation.from! > outcome.train.to!, "validation is later than training");
  assert.match(outcome.reason, /beat the model as is/);
});

test("an adaptation that adds nothing is not kept; too little history is not fitted", () => {
  const same = adapt(META, rows(1200, 7, 0.9, 0));
  assert.equal(same.kept, false, same.reason);
  assert.match(same.reason, /did not beat the model as is/);
  assert.ok(same.aucShipped !== null && same.aucAdapted !== null);
  const few = adapt(META, rows(MIN_COMMITS - 1, 7, 0.3, 0.6));
  assert.equal(few.kept, false);
  assert.equal(few.weights, null);
  assert.match(few.reason, /too little settled history/);
  const w = { bias: 1, base: 1, metrics: {}, lambda: 1 };
  assert.equal(
    scoringKey("abc", { kept: false, outcome: { weights: w } }),
    "abc",
    "not kept: the model's own key",
  );
  const key = scoringKey("abc", { kept: true, outcome: { weights: w } });
  assert.match(key, /^abc\+adapted-[0-9a-f]{16}$/);
  assert.notEqual(
    scoringKey("abc", { kept: true, outcome: { weights: { ...w, bias: 2 } } }),
    key,
    "a refit, a new key",
  );
});

test("index records the adaptation, doctor says which model scores and why, and a kept one scores the hook", async () => {
  const dir = join(ROOT, "shop");
  generateRepo(dir, { seed: 1, commits: 300 });
  const result = await indexRepository({ repoDir: dir });
  assert.ok(result.adaptation, "a model is shipped, so index judges an adaptation");
  assert.equal(result.adaptation.fitted, true);
  assert.ok(result.stages.adapt >= 0);
  const model = await loadModel(undefined);
  const store = await openIndex(dir);
  const repoId = store.selfRepoId()!;
  const stored = readAdaptation<AdaptationOutcome>(store, repoId, model.digest);
  store.close();
  assert.ok(stored, "the adaptation is in the index");
  assert.equal(stored.kept, result.adaptation.kept);
  assert.equal(stored.outcome.reason, result.adaptation.reason);
  const doctor = spawnSync(process.execPath, [CLI, "doctor", "--repo", dir], { encoding: "utf8" });
  assert.ok(doctor.stdout.includes(`scores with the model as is: ${stored.outcome.reason}`), doctor.stdout);
  // Up to date: a second run does not fit again.
  const again = await indexRepository({ repoDir: dir });
  assert.equal(again.adaptation?.fitted, false);

  const check = () => {
    const r = spawnSync(process.execPath, [CLI, "check", "HEAD", "--format", "json", "--repo", dir], {
      encoding: "utf8",
    });
    return JSON.parse(r.stdout).results[0].score as { value: number };
  };
  const before = check().value;
  // A kept adaptation that adds 2 to the logit: the hook's score must follow it.
  const w = { bias: 2, base: 1, metrics: {}, lambda: 1 };
  const kept = {
    ...stored,
    kept: true,
    outcome: { ...stored.outcome, kept: true, weights: w, reason: "planted" },
  };
  const writer = await openIndex(dir);
  saveAdaptation(writer, repoId, kept);
  writer.close();
  const after = check().value;
  const expected = applyAdaptation(model.meta, w, before, {});
  assert.ok(Math.abs(after - expected) < 1e-6, `adapted score ${after}, expected ${expected} from ${before}`);
  const doctor2 = spawnSync(process.execPath, [CLI, "doctor", "--repo", dir], { encoding: "utf8" });
  assert.match(doctor2.stdout, /scores with the model adapted to this repository: planted/);
});
