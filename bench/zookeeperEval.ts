/**
 * Held-out evaluation of the default risk model on apache/zookeeper (which is not in its corpus),
 * against ApacheJIT's labels, and of a model trained within zookeeper for comparison.
 *
 *   node dist/bench/zookeeperEval.js --repo /tmp/c-zookeeper \
 *     --labels /work/shared/oracles/apachejit_zookeeper_labels.csv \
 *     [--model models/default.onnx]... [--within] [--format text|json]
 *
 * Every labelled commit is scored exactly as the hook scores it (src/model/score.ts: the same
 * features, token hashing and ONNX session). The default model never saw zookeeper, so all labelled
 * commits are held out. `la` alone (the raw number of added lines as the score) is shown next to it:
 * published results find it hard to beat. With --within, `dejafix eval --within` is run as well: a
 * model trained by the real job on the oldest 60% of zookeeper's labelled commits, replayed on the
 * rest, with the default model and LApredict scored on the same replayed commits.
 *
 * ApacheJIT's labels are a sample (42% buggy), so on the labelled commits alone no ranking can
 * gate 10% and catch 2.5× random. A hook gates a share of *every* commit, which is how Meta reports
 * its capture figures: the "every commit" rows rank all non-merge commits authored in the labelled
 * period and count how many of the labelled buggy ones fall in the riskiest 5/10/20/50%. Random
 * gating of 10% of commits catches 10% of them in expectation. The "ApacheJIT scope" rows do the
 * same within the commits ApacheJIT could have labelled (Java code changed, at most 100 files).
 * Their ROC AUC is left out: unlisted commits are not known to be clean.
 */

import { parseArgs } from "node:util";
import { openIndex } from "../src/api.js";
import { evaluate, type Figures, GATING_SHARES } from "../src/eval/figures.js";
import { prepareHistory, readRecords } from "../src/eval/history.js";
import { loadLabelFile } from "../src/eval/labelFile.js";
import { isoDay, replay, scoredCommits } from "../src/eval/replay.js";
import { sqlite } from "../src/index/connection.js";
import type { HistoryRecord } from "../src/metrics/dataset.js";
import { loadModel } from "../src/model/load.js";
import { scoreValues } from "../src/model/score.js";

interface Row {
  scorer: string;
  period: string;
  figures: Figures;
}

function usage(message: string): never {
  process.stderr.write(`zookeeperEval: ${message}\n`);
  process.exit(2);
}

function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? "n/a" : `${(value * 100).toFixed(1)}%`;
}

function num(value: number | null | undefined): string {
  return value === null || value === undefined ? "n/a" : value.toFixed(3);
}

/**
 * The best lift any ranking can reach at 10% gating: the riskiest ceil(n/10) commits hold at most that
 * many defect-introducing ones. With ApacheJIT's 42% buggy commits this is below 2.5×.
 */
function ceiling10(f: Figures): number {
  if (f.positives === 0) return 0;
  return Math.min(Math.ceil(f.n / 10), f.positives) / f.positives / 0.1;
}

function line(row: Row): string {
  const f = row.figures;
  const capture = GATING_SHARES.map((k) => `${k}%: ${pct(f.capture[String(k)])}`).join(", ");
  return (
    `${row.scorer.padEnd(34)} ${row.period.padEnd(26)} n=${f.n} (${f.positives} buggy)  ` +
    `ROC AUC ${f.rocAuc === null ? "n/a" : f.rocAuc.toFixed(3)}  ` +
    `top 10% ${pct(f.capture["10"])} = ${(f.captureLift["10"] ?? 0).toFixed(2)}× random (at most ${ceiling10(f).toFixed(2)}×)  ` +
    `[capture ${capture}]  R@20%E ${pct(f.recallAt20Effort)} (per line ${pct(f.recallAt20EffortDensity)})  ` +
    `Popt per line ${num(f.poptDensity)} (by score ${num(f.popt)})  E@20%R per line ${pct(f.effortAt20RecallDensity)} (by score ${pct(f.effortAt20Recall)})  ` +
    `at the model threshold: precision ${pct(f.precision)}, recall ${pct(f.recall)}, false alarms ${pct(f.falseAlarmRate)}`
  );
}

/** The commits ApacheJIT's labels cover: those that change Java code in at most 100 files. */
async function apacheJitScope(repoDir: string): Promise<Set<string>> {
  const store = await openIndex(repoDir, { readonly: true });
  try {
    const rows = sqlite(store)
      .prepare(
        `SELECT c.sha FROM commits c WHERE c.is_merge = 0 AND c.n_files <= 100
         AND EXISTS (SELECT 1 FROM file_changes f WHERE f.commit_id = c.id AND f.path LIKE '%.java')`,
      )
      .all() as { sha: string }[];
    return new Set(rows.map((r) => r.sha));
  } finally {
    store.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      repo: { type: "string" },
      labels: { type: "string" },
      model: { type: "string", multiple: true },
      within: { type: "boolean", default: false },
      format: { type: "string", default: "text" },
    },
  });
  if (!values.repo) usage("--repo DIR is required: a clone of apache/zookeeper");
  if (!values.labels) usage("--labels FILE.csv is required: ApacheJIT's commit,label,on_head file");
  const models = values.model && values.model.length > 0 ? values.model : [undefined];
  const rows: Row[] = [];

  const fileLabels = loadLabelFile(values.labels);
  const history = await prepareHistory(values.repo, { name: "apache/zookeeper", labels: fileLabels });
  const scope = await apacheJitScope(values.repo);
  let laDone = false;
  for (const path of models) {
    const model = await loadModel(path);
    const dim = model.meta.features.token_hash.dim;
    const records = await readRecords(history, { dim });
    if (records.length === 0) usage("none of the labelled commits is in this clone's history");
    // The stream is in topological order, not author-time order: take the period's true bounds.
    const first = { time: Math.min(...records.map((r) => r.time)) };
    const last = { time: Math.max(...records.map((r) => r.time)) };
    const span = `${isoDay(first.time)}…${isoDay(last.time)}`;
    // Every non-merge commit authored in the labelled period, unlisted ones kept as not known buggy.
    const every = (
      await readRecords(
        { ...history, labels: { kind: "file", labels: fileLabels, unlisted: "clean" } },
        { dim },
      )
    ).filter((r) => r.time >= first.time && r.time <= last.time);
    const inScope = every.filter((r) => scope.has(r.commit));
    const scorer = `${model.meta.model.kind} ${model.path.split("/").slice(-2).join("/")}`;
    const threshold = model.meta.threshold.value;
    const populations: [string, HistoryRecord[], boolean][] = [
      [`labelled, ${span}`, records, true],
      [`every commit, ${span}`, every, false],
      [`ApacheJIT scope, ${span}`, inScope, false],
    ];
    const scored = new Map(
      (await scoreValues(model, every)).map((score, i) => [every[i]!.commit, score] as const),
    );
    for (const [period, rs, labelled] of populations) {
      const figures = evaluate(
        scoredCommits(
          rs,
          rs.map((r) => scored.get(r.commit) ?? Number.NaN),
        ),
        threshold,
      );
      // Unlisted commits are not known to be clean: no ROC AUC outside the labelled sample.
      rows.push({ scorer, period, figures: labelled ? figures : { ...figures, rocAuc: null } });
    }
    if (!laDone) {
      laDone = true;
      // `la` itself as the score: ROC AUC and capture depend only on the ranking, so no fit is needed.
      for (const [period, rs, labelled] of populations) {
        const figures = evaluate(
          scoredCommits(
            rs,
            rs.map((r) => r.metrics.la ?? 0),
          ),
          Number.POSITIVE_INFINITY,
        );
        rows.push({
          scorer: "la alone (lines added)",
          period,
          figures: labelled ? figures : { ...figures, rocAuc: null },
        });
      }
    }
  }

  if (values.within) {
    const report = await replay({
      repoDir: values.repo,
      labels: values.labels,
      model: models[0],
      within: true,
      name: "apache/zookeeper",
      onLog: (l) => process.stderr.write(`${l}\n`),
    });
    const period = `replayed ${report.replay.from}…${report.replay.to}`;
    for (const s of report.scorers)
      rows.push({ scorer: `${s.name}: ${s.description}`.slice(0, 34), period, figures: s.figures });
    for (const u of report.unavailable)
      if (u.name === "within") usage(`the within-project model could not be trained: ${u.why}`);
  }

  if (values.format === "json") process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else for (const row of rows) process.stdout.write(`${line(row)}\n`);
}

await main();
