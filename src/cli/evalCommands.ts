/**
 * `dejafix dataset`, `dejafix eval` and `dejafix calibrate`: argument parsing and output only; the
 * work is in exportDataset, replay and calibrate. The CLI dispatches here (`datasetCommand(argv)`
 * etc. return the exit code) and shows the matching `*_HELP` text for `--help`.
 */

import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { calibrateLevels, calibrateThreshold, type ThresholdReport } from "../eval/calibrate.js";
import { DEFAULT_LABEL_LATENCY_DAYS, exportDataset } from "../eval/exportDataset.js";
import { mergeParts, type PartKind } from "../eval/mergeParts.js";
import { num, pct, renderReplayHtml, renderReplayText } from "../eval/renderReplay.js";
import { replay } from "../eval/replay.js";
import {
  COUNT_VARIABLE,
  INDEX_VARIABLE,
  partPath,
  resolveShard,
  type Shard,
  ShardError,
} from "../eval/shard.js";
import { parseShares } from "../eval/timeSplit.js";
import { printErr, printOut } from "../report/output.js";
import { escapeJsonUnsafe, sanitizeLine } from "../report/sanitize.js";
import { listFeedback } from "../suggest/feedback.js";
import { deviceFlag, formatOf, numberFlag, parse, UsageError } from "./args.js";
import { writerEvents } from "./writerEvents.js";

export const DATASET_HELP = `Usage: dejafix dataset --out FILE [--repo DIR]... [--name NAME]... [--labels FILE.csv]
                       [--label-latency DAYS] [--shard I/N | --shards N] [--format text|json]
       dejafix dataset merge PART... --out FILE [--format text|json]

Writes one JSON line per non-merge commit — change metrics, hashed bags of added and removed code
tokens, label, author time, repository — for \`dejafix train\`. Several --repo options export several
repositories into one file; --name gives each its id (default: the folder name).

Labels are SZZ's (a commit is defect-introducing when a later fix traces back to it), or come from
--labels FILE.csv (\`commit,buggy\` with 1/0, or ApacheJIT's \`commit,label\` with buggy/clean; only the
commits it lists are written). With SZZ labels, commits of the last ${DEFAULT_LABEL_LATENCY_DAYS} days before the newest
commit are left out (their defects may not be fixed yet); --label-latency 0 keeps them.

Sharded by repository (docs/organisation.md): every shard gets the same --repo list; repository k
(0-based) belongs to shard k mod N. --shard I/N exports shard I (0-based) into FILE with
.part-I-of-N before its extension; without --shard, ${INDEX_VARIABLE} (a Kubernetes Indexed Job)
gives I and --shards N or ${COUNT_VARIABLE} gives N. \`dejafix dataset merge\` joins the parts into the
file one process would have written, and refuses parts of another header, other options, or a shard
missing or given twice.`;

export const EVAL_HELP = `Usage: dejafix eval [--repo DIR] [--model FILE.onnx] [--within] [--labels FILE.csv] [--split 60,40]
                    [--label-latency DAYS] [--format text|json] [--html FILE]
                    [--python PATH] [--device auto|cpu|cuda]

Replays history in time order: the oldest 60% (--split) comes before the replay, the rest is scored
commit by commit and compared with what really happened. Reports ROC AUC, precision, recall, F1,
false-alarm rate, the share of defects caught when gating the riskiest 5/10/20/50%, Recall@20%Effort
and per-month figures for:
  model      the ONNX model given with --model (default: the repository's own, else the shipped one)
  two-phase  the model's score, counted only when the commit matches the defect of an earlier fix
             (CLEVER's two-phase verdict; needs the defect blocks that \`dejafix index\` builds)
  within     with --within: a model trained (PyTorch) on the earlier part only, labels as known then
  la         LApredict, la alone, fitted on the earlier part
--labels FILE.csv evaluates against labels from elsewhere instead of SZZ. --html FILE writes a
self-contained report with the ROC and capture curves. See docs/eval.md.`;

export const CALIBRATE_HELP = `Usage: dejafix calibrate --max-false-alarm RATE [--repo DIR] [--model FILE.onnx] [--within]
                         [--labels FILE.csv] [--split 60,20,20] [--label-latency DAYS] [--format text|json]
       dejafix calibrate --levels [--repo DIR] [--model FILE.onnx] [--commits N]

--max-false-alarm: picks, on a validation period, the lowest score threshold whose share of clean
commits flagged stays at or under RATE (e.g. 0.05), then reports what it would have caught and how
many false alarms it would have raised on the later period, per day and per month (SafeRevert).
Put the model's threshold in .dejafix/rules.yml as a level's \`score\`.

--levels: scores the newest N (default 2000) commits with the model in use and stores the score
percentiles in the index, so rules can gate by share of commits (\`percentile: 90\` = riskiest 10%).`;

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function shares(value: unknown, count: number): number[] | undefined {
  if (value === undefined) return undefined;
  try {
    return parseShares(String(value), count);
  } catch (error) {
    throw new UsageError(`--split: ${(error as Error).message}`);
  }
}

const log = (line: string): void => {
  printErr(`${sanitizeLine(line)}\n`);
};

function json(value: unknown): string {
  return `${escapeJsonUnsafe(JSON.stringify(value, (_k, v) => (v === Number.POSITIVE_INFINITY ? "Infinity" : v)))}\n`;
}

export async function datasetCommand(argv: string[]): Promise<number> {
  if (argv[0] === "merge") return mergeCommand(argv.slice(1), DATASET_PARTS);
  const { values } = parse(
    argv,
    {
      out: { type: "string" },
      repo: { type: "string", multiple: true },
      name: { type: "string", multiple: true },
      labels: { type: "string" },
      "label-latency": { type: "string" },
      shard: { type: "string" },
      shards: { type: "string" },
      format: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    { positionals: false },
  );
  if (values.help) {
    printOut(`${DATASET_HELP}\n`);
    return 0;
  }
  const out = str(values.out);
  if (!out) throw new UsageError("--out FILE is required: where to write the dataset");
  const fmt = formatOf(values.format, ["text", "json"]);
  const repos = (values.repo as string[] | undefined) ?? ["."];
  const shard = shardOf(values);
  const summary = await exportDataset({
    repos,
    out: shard ? partPath(out, shard) : out,
    ...(shard ? { shard } : {}),
    names: values.name as string[] | undefined,
    labels: str(values.labels),
    labelLatencyDays: numberFlag(values["label-latency"], "--label-latency", { min: 0 }),
    writer: { command: "dejafix dataset", events: writerEvents() },
  });
  if (fmt === "json") {
    printOut(json(summary));
    return 0;
  }
  const lines = summary.repos.map(
    (r) =>
      `  ${sanitizeLine(r.name)}: ${r.written} commits, ${r.buggy} defect-introducing` +
      (r.recent > 0 ? `; ${r.recent} recent commits left out (labels not settled)` : "") +
      (r.withoutMetrics > 0 ? `; ${r.withoutMetrics} without change metrics` : ""),
  );
  const next = shard
    ? `Next: when every shard is done, \`dejafix dataset merge ${partPath(out, { index: 0, count: shard.count }).replace(/part-0-of-/, "part-*-of-")} --out ${out}\`.`
    : `Next: \`dejafix train ${summary.out}\`.`;
  printOut(
    `dejafix: wrote ${summary.records} commits (${summary.buggy} defect-introducing, labels from ${summary.labelSource === "szz" ? "SZZ" : "the labels file"}) to ${sanitizeLine(summary.out)}` +
      (shard
        ? ` (shard ${shard.index} of ${shard.count}: ${summary.repos.length} of ${repos.length} repositories)`
        : "") +
      `\n${lines.join("\n")}${lines.length > 0 ? "\n" : ""}${sanitizeLine(next)}\n`,
  );
  // A shard with no repository of its own (more shards than repositories) has nothing to write.
  return summary.records > 0 || (shard !== undefined && summary.repos.length === 0) ? 0 : 1;
}

const DATASET_PARTS: PartKind = { key: "dejafix_dataset", command: "dejafix dataset" };

/** The shard asked for by flags or by the engine's index variable (src/eval/shard.ts). */
export function shardOf(values: Record<string, unknown>): Shard | undefined {
  try {
    return resolveShard({ shard: str(values.shard), shards: str(values.shards) }, process.env);
  } catch (error) {
    if (error instanceof ShardError) throw new UsageError(error.message);
    throw error;
  }
}

/** `dejafix dataset merge` / `dejafix corpus merge`: parts in, one file out. */
export async function mergeCommand(argv: string[], kind: PartKind): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { out: { type: "string", short: "o" }, format: { type: "string" } },
    { positionals: true },
  );
  const out = str(values.out);
  if (!out) throw new UsageError("--out FILE is required: where to write the merged file");
  if (positionals.length === 0) throw new UsageError("give the part files the shards wrote");
  const fmt = formatOf(values.format, ["text", "json"]);
  const summary = await mergeParts(positionals, out, kind);
  if (fmt === "json") {
    printOut(json(summary));
    return 0;
  }
  printOut(
    `dejafix: merged ${summary.parts} parts (${summary.repos} repositories, ${summary.records} records) into ${sanitizeLine(summary.out)}\n`,
  );
  return 0;
}

export async function evalCommand(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      repo: { type: "string" },
      model: { type: "string" },
      within: { type: "boolean" },
      labels: { type: "string" },
      split: { type: "string" },
      "label-latency": { type: "string" },
      format: { type: "string" },
      html: { type: "string" },
      python: { type: "string" },
      device: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    { positionals: false },
  );
  if (values.help) {
    printOut(`${EVAL_HELP}\n`);
    return 0;
  }
  const fmt = formatOf(values.format, ["text", "json"]);
  const split = shares(values.split, 2);
  const report = await replay({
    repoDir: str(values.repo) ?? ".",
    model: str(values.model),
    within: values.within === true,
    labels: str(values.labels),
    trainShare: split?.[0],
    labelLatencyDays: numberFlag(values["label-latency"], "--label-latency", { min: 0 }),
    python: str(values.python),
    device: deviceFlag(values.device),
    onLog: log,
    writer: { command: "dejafix eval", events: writerEvents() },
  });
  const html = str(values.html);
  if (html) {
    writeFileSync(html, renderReplayHtml(report));
    log(`dejafix eval: wrote the HTML report to ${resolve(html)}`);
  }
  // What the team said of the suggestions it was shown (`dejafix feedback`).
  const { summary: feedback } = await listFeedback(str(values.repo) ?? ".");
  if (fmt === "json") printOut(json({ ...report, feedback }));
  else {
    printOut(renderReplayText(report));
    printOut(
      `\nsuggestion feedback: ${feedback.useful} marked useful, ${feedback.wrong} marked wrong, ` +
        `${feedback.suppressed} no longer proposed\n`,
    );
  }
  return report.scorers.length > 0 ? 0 : 1;
}

/** A per-day rate readable whether it is 12 or 0.004. */
function perDay(x: number): string {
  return x === 0 ? "0" : x >= 10 ? x.toFixed(0) : x.toPrecision(2);
}

export function renderThresholdText(report: ThresholdReport): string {
  const lines = [
    `dejafix calibrate: ${sanitizeLine(report.repo)} — false alarms at most ${pct(report.maxFalseAlarm)} of clean commits.`,
    `  threshold picked on ${report.validation.commits} commits (${report.validation.from ?? "?"} … ${report.validation.to ?? "?"}, ${report.validation.positives} defect-introducing);`,
    `  checked on the ${report.test.commits} later commits (${report.test.from ?? "?"} … ${report.test.to ?? "?"}, ${report.test.positives} defect-introducing).`,
  ];
  for (const r of report.results) {
    const t = r.test;
    const d = r.daily;
    const caught = Math.round((t.recall ?? 0) * t.positives);
    lines.push(
      "",
      `${r.scorer}: ${sanitizeLine(r.description)}`,
      Number.isFinite(r.pick.threshold)
        ? `  threshold ${num(r.pick.threshold, 4)}: on validation ${pct(r.pick.falseAlarmRate)} false alarms, recall ${pct(r.pick.recall)}`
        : "  no threshold keeps false alarms under the limit on validation: nothing would be flagged. Raise --max-false-alarm.",
      `  later period: caught ${caught} of ${t.positives} defect-introducing commits (recall ${pct(t.recall)}), ` +
        `${t.flagged - caught} false alarms (${pct(t.falseAlarmRate)} of clean commits), precision ${pct(t.precision)}`,
      `  per day (${d.days} calendar days, ${d.activeDays} with commits): ${perDay(d.caughtPerDay)} caught, ${perDay(d.falseAlarmsPerDay)} false alarms` +
        (d.worstDay ? `; worst day ${d.worstDay} with ${d.maxFalseAlarmsInADay}` : ""),
      ...r.months.map(
        (m) =>
          `    ${m.month}: ${m.n} commits, ${m.positives} defects, caught ${m.truePositives}, false alarms ${m.falseAlarms}`,
      ),
    );
  }
  for (const u of report.unavailable) lines.push(`  not measured — ${u.name}: ${sanitizeLine(u.why)}`);
  const model = report.results.find((r) => r.scorer === "model");
  if (model && Number.isFinite(model.pick.threshold))
    lines.push(
      "",
      `To gate on it, set a level's \`score: ${num(model.pick.threshold, 4)}\` in .dejafix/rules.yml (\`dejafix rules check\` validates it).`,
    );
  return `${lines.join("\n")}\n`;
}

export async function calibrateCommand(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      repo: { type: "string" },
      model: { type: "string" },
      "max-false-alarm": { type: "string" },
      levels: { type: "boolean" },
      commits: { type: "string" },
      within: { type: "boolean" },
      labels: { type: "string" },
      split: { type: "string" },
      "label-latency": { type: "string" },
      format: { type: "string" },
      python: { type: "string" },
      device: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    { positionals: false },
  );
  if (values.help) {
    printOut(`${CALIBRATE_HELP}\n`);
    return 0;
  }
  const fmt = formatOf(values.format, ["text", "json"]);
  const repoDir = str(values.repo) ?? ".";
  if (values.levels) {
    const commits = numberFlag(values.commits, "--commits", { min: 0 });
    const result = await calibrateLevels(repoDir, {
      model: str(values.model),
      commits,
      writer: { command: "dejafix calibrate", events: writerEvents() },
    });
    if (fmt === "json") printOut(json(result));
    else if (result.commits === 0)
      printOut(
        "dejafix: too few commits to calibrate levels; the model's own percentiles stay in use. Run it again when history has grown.\n",
      );
    else
      printOut(
        `dejafix: stored score percentiles of ${result.commits} commits (p10 ${num(result.percentiles[9] ?? null, 4)}, ` +
          `p50 ${num(result.percentiles[49] ?? null, 4)}, p90 ${num(result.percentiles[89] ?? null, 4)}) for ${result.model}.\n`,
      );
    return 0;
  }
  const limit = numberFlag(values["max-false-alarm"], "--max-false-alarm", { min: 0 });
  if (limit === undefined || limit > 1)
    throw new UsageError("--max-false-alarm RATE (between 0 and 1, e.g. 0.05) is required, or use --levels");
  const split = shares(values.split, 3);
  const report = await calibrateThreshold({
    repoDir,
    model: str(values.model),
    within: values.within === true,
    labels: str(values.labels),
    maxFalseAlarm: limit,
    shares: split as [number, number, number] | undefined,
    labelLatencyDays: numberFlag(values["label-latency"], "--label-latency", { min: 0 }),
    python: str(values.python),
    device: deviceFlag(values.device),
    onLog: log,
    writer: { command: "dejafix calibrate", events: writerEvents() },
  });
  printOut(fmt === "json" ? json(report) : renderThresholdText(report));
  return report.results.length > 0 ? 0 : 1;
}
