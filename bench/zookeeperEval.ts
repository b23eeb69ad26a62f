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
 * gating of 10% of commits catches 10% of them in expectation. Their ROC AUC is left out: unlisted
 * commits are not known to be clean.
 */
import { parseArgs } from "node:util";
import { evaluate, type Figures, GATING_SHARES } from "../src/eval/figures.js";
import { prepareHistory, readRecords } from "../src/eval/history.js";
import { loadLabelFile } from "../src/eval/labelFile.js";
import { isoDay, replay, scoredCommits } from "../src/eval/replay.js";
import type { HistoryRecord } from "../src/metrics/dataset.js";
import { loadModel } from "../src/model/load.js";
import { scoreMany } from "../src/model/score.js";

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
    `at the model threshold: precision ${pct(f.precision)}, recall ${pct(f.recall)}, false alarms ${pct(f.falseAlarmRate)}`
  );
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
  let laDone = false;
  let everyLa: HistoryRecord[] | null = null;
  for (const path of models) {
    const model = await loadModel(path);
    const records = await readRecords(history, { dim: model.meta.features.token_hash.dim });
    const scores: number[] = [];
    for (let i = 0; i < records.length; i += 512) {
      const batch = records
        .slice(i, i + 512)
        .map((r) => ({ metrics: r.metrics, added: r.added, removed: r.removed }));
      for (const result of await scoreMany(model, batch, { maxReasons: 0 })) scores.push(result.score);
    }
    const first = records[0];
    const last = records[records.length - 1];
    const period = first && last ? `all, ${isoDay(first.time)}…${isoDay(last.time)}` : "no commits";
    const scorer = `${model.meta.model.kind} ${model.path.split("/").slice(-2).join("/")}`;
    rows.push({
      scorer,
      period,
      figures: evaluate(scoredCommits(records, scores), model.meta.threshold.value),
    });
    if (first && last) {
      const every = (
        await readRecords(
          { ...history, labels: { kind: "file", labels: fileLabels, unlisted: "clean" } },
          { dim: model.meta.features.token_hash.dim },
        )
      ).filter((r) => r.time >= first.time && r.time <= last.time);
      const everyScores: number[] = [];
      for (let i = 0; i < every.length; i += 512) {
        const batch = every
          .slice(i, i + 512)
          .map((r) => ({ metrics: r.metrics, added: r.added, removed: r.removed }));
        for (const result of await scoreMany(model, batch, { maxReasons: 0 })) everyScores.push(result.score);
      }
      const figures = evaluate(scoredCommits(every, everyScores), model.meta.threshold.value);
      rows.push({
        scorer,
        period: `every commit, ${isoDay(first.time)}…${isoDay(last.time)}`,
        figures: { ...figures, rocAuc: null },
      });
      if (!everyLa) {
        everyLa = every;
      }
    }
    if (!laDone) {
      laDone = true;
      // `la` itself as the score: ROC AUC and capture depend only on the ranking, so no fit is needed.
      rows.push({
        scorer: "la alone (lines added)",
        period,
        figures: evaluate(
          scoredCommits(
            records,
            records.map((r) => r.metrics.la ?? 0),
          ),
          Number.POSITIVE_INFINITY,
        ),
      });
      if (everyLa) {
        const figures = evaluate(
          scoredCommits(
            everyLa,
            everyLa.map((r) => r.metrics.la ?? 0),
          ),
          Number.POSITIVE_INFINITY,
        );
        rows.push({
          scorer: "la alone (lines added)",
          period: `every commit, ${isoDay(everyLa[0]!.time)}…${isoDay(everyLa[everyLa.length - 1]!.time)}`,
          figures: { ...figures, rocAuc: null },
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
