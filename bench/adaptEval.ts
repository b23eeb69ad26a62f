/**
 * The shipped model, its per-repository adaptation and `la` alone, measured on labels from
 * elsewhere, with the adaptation fitted only on what `dejafix index` would have known at a cut date:
 *
 *   node dist/bench/adaptEval.js --repo /tmp/c-zookeeper \
 *     --labels /work/shared/oracles/apachejit_zookeeper_labels.csv --cut 2014-07-01 [--model M.onnx]
 *
 * - Adaptation: src/model/adapt.ts on the newest 2,000 non-merge commits authored at least 90 days
 *   before the cut, with the SZZ labels known at the cut (a commit counts as defect-introducing only
 *   when its fix was authored before the cut), exactly as `dejafix index` run on that day would fit it.
 * - Evaluation: the commits the labels file lists (`commit,buggy` or ApacheJIT) authored after the
 *   cut. None of them was read by the fit. Unlisted commits are left out.
 * Prints ROC AUC, Popt and Effort@20%Recall (ranked per line), Recall@20%Effort, and the lift at 10%,
 * for the shipped model, the adaptation (and whether `index` would have kept it) and `la` alone.
 */

import { basename } from "node:path";
import { parseArgs } from "node:util";
import { openIndex } from "../src/api.js";
import { evaluate, type Figures } from "../src/eval/figures.js";
import { prepareHistory, readRecords } from "../src/eval/history.js";
import { loadLabelFile } from "../src/eval/labelFile.js";
import { isoDay, scoredCommits } from "../src/eval/replay.js";
import { gitCommonDir } from "../src/git/repo.js";
import { settledCommits } from "../src/index/adaptationStore.js";
import { labelAsOf } from "../src/metrics/dataset.js";
import { adapt, applyAdaptation } from "../src/model/adapt.js";
import { ADAPT_COMMITS, ADAPT_LATENCY_DAYS } from "../src/model/adaptRepository.js";
import { loadModel } from "../src/model/load.js";
import { scoreValues } from "../src/model/score.js";

function usage(message: string): never {
  process.stderr.write(`adaptEval: ${message}\n`);
  process.exit(2);
}

const n3 = (v: number | null) => (v === null ? "n/a" : v.toFixed(3));
const pc = (v: number | null) => (v === null ? "n/a" : `${(v * 100).toFixed(1)}%`);

function row(name: string, f: Figures): string {
  return (
    `${name.padEnd(30)} n=${f.n} (${f.positives} buggy)  ROC AUC ${n3(f.rocAuc)}  ` +
    `Popt ${n3(f.poptDensity)}  E@20%R ${pc(f.effortAt20RecallDensity)}  R@20%E per line ${pc(f.recallAt20EffortDensity)}  ` +
    `(by score: Popt ${n3(f.popt)}, R@20%E ${pc(f.recallAt20Effort)})  top 10% ${(f.captureLift["10"] ?? 0).toFixed(2)}× random`
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      repo: { type: "string" },
      labels: { type: "string" },
      cut: { type: "string" },
      model: { type: "string" },
      format: { type: "string", default: "text" },
    },
  });
  if (!values.repo || !values.labels || !values.cut)
    usage("--repo DIR --labels FILE.csv --cut YYYY-MM-DD are required");
  const cut = Date.parse(`${values.cut}T00:00:00Z`) / 1000;
  const fileLabels = loadLabelFile(values.labels);
  const history = await prepareHistory(values.repo, { name: basename(values.repo) });
  const model = await loadModel(values.model);
  const store = await openIndex(values.repo, { readonly: true });
  let window: Set<string>;
  try {
    const repoId = store.repoId(await gitCommonDir(history.root), basename(history.root));
    window = new Set(
      settledCommits(store, repoId, cut - ADAPT_LATENCY_DAYS * 86_400, ADAPT_COMMITS).map((c) => c.sha),
    );
  } finally {
    store.close();
  }
  const records = await readRecords(history, {
    dim: model.meta.features.token_hash.dim,
    keepBags: (sha, time) => window.has(sha) || (time > cut && fileLabels.has(sha)),
  });
  const fit = records.filter((r) => window.has(r.commit)).sort((a, b) => a.time - b.time);
  const test = records.filter((r) => r.time > cut && fileLabels.has(r.commit));
  const fitScores = await scoreValues(model, fit);
  const outcome = adapt(
    model.meta,
    fit.map((r, i) => ({ score: fitScores[i]!, metrics: r.metrics, label: labelAsOf(r, cut), time: r.time })),
  );
  const shipped = await scoreValues(model, test);
  const labelled = test.map((r) => ({ ...r, label: (fileLabels.get(r.commit) ? 1 : 0) as 0 | 1 }));
  const figures = (scores: number[]) => evaluate(scoredCommits(labelled, scores), Number.POSITIVE_INFINITY);
  const weights = outcome.weights;
  const result = {
    repo: basename(values.repo),
    cut: values.cut,
    fit: {
      commits: fit.length,
      from: fit[0] ? isoDay(fit[0].time) : null,
      to: fit.length ? isoDay(fit[fit.length - 1]!.time) : null,
      kept: outcome.kept,
      reason: outcome.reason,
      train: outcome.train,
      validation: outcome.validation,
    },
    shipped: figures(shipped),
    adapted: weights
      ? figures(test.map((r, i) => applyAdaptation(model.meta, weights, shipped[i]!, r.metrics)))
      : null,
    la: figures(test.map((r) => r.metrics.la ?? 0)),
  };
  if (values.format === "json") {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${result.repo}: adaptation fitted on ${fit.length} commits ${result.fit.from}…${result.fit.to} (SZZ labels known at ${values.cut}); ` +
      `index would ${outcome.kept ? "keep" : "not keep"} it: ${outcome.reason}\n` +
      `evaluated on the ${test.length} labelled commits after ${values.cut}:\n`,
  );
  process.stdout.write(`${row("shipped model", result.shipped)}\n`);
  if (result.adapted) process.stdout.write(`${row("adapted", result.adapted)}\n`);
  process.stdout.write(`${row("la alone", result.la)}\n`);
}

await main();
