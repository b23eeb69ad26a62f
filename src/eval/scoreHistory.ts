/**
 * Scores for a replayed history: split by time, the later part scored by each available scorer —
 * the ONNX model in use, the two-phase verdict (that score confirmed by a clone match with an earlier
 * defect), optionally a within-project model trained on the earlier part only, and LApredict (`la`
 * alone). Replay (`dejafix eval`) and threshold calibration build on this.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gitCommonDir } from "../git/repo.js";
import { authorTimes } from "../git/revList.js";
import type { WriterOptions } from "../index/openIndex.js";
import { datasetRecord, type HistoryRecord } from "../metrics/dataset.js";
import { TOKEN_HASH_DIM } from "../metrics/tokens.js";
import { datasetHeader, formatDataset } from "../model/dataset.js";
import { loadModel, ModelUnavailableError, type RiskModel } from "../model/load.js";
import { scoreValues } from "../model/score.js";
import { type Device, runTraining } from "../model/train.js";
import { type PreparedHistory, prepareHistory, readRecords, settledUntil } from "./history.js";
import { loadLabelFile } from "./labelFile.js";
import { fitLaModel, laScore } from "./laModel.js";
import { type Split, splitAt, trainingLabels } from "./timeSplit.js";
import { replayMatches, twoPhaseScores } from "./twoPhase.js";

export type ScorerName = "model" | "within" | "la" | "two-phase";

export interface Scorer {
  name: ScorerName;
  /** What it is, in words, for reports. */
  description: string;
  /** Flag a commit when its score is at least this. */
  threshold: number;
  /** One score per commit of `ScoredHistory.replayed`, same order. */
  scores: number[];
}

export interface ScoreHistoryOptions {
  repoDir: string;
  /** ONNX model; default: the repository's own, else the shipped one. */
  model?: string;
  /** Also train a model on the earlier part of this history (needs Python with PyTorch). */
  within?: boolean;
  /** A `commit,buggy` / ApacheJIT CSV to evaluate against instead of SZZ. */
  labels?: string;
  /** Share of history (oldest first, by author time) before the replay: training data for `la` and `within`. */
  trainShare?: number;
  /** SZZ only: leave out commits of the last DAYS, whose labels have not settled (default 90). */
  labelLatencyDays?: number;
  name?: string;
  index?: boolean;
  python?: string;
  device?: Device;
  /** Further flags for train.py when training the within-project model, e.g. ["--max-epochs", "10"]. */
  trainArgs?: string[];
  /** Where to keep the within-project model and its dataset (default: a temporary folder, removed afterwards). */
  withinOut?: string;
  onLog?: (line: string) => void;
  /** How the caller hears of another writer of the index it waits for. */
  writer?: WriterOptions;
}

export interface ScoredHistory {
  history: PreparedHistory;
  split: Split<HistoryRecord>;
  /** The replayed commits (split.after without unsettled ones), oldest first. */
  replayed: HistoryRecord[];
  /** Commits of the replay period left out because their labels had not settled. */
  unsettled: number;
  labelLatencyDays: number;
  scorers: Scorer[];
  /** Scorers that could not run, and why (in words). */
  unavailable: { name: ScorerName; why: string }[];
}

function la(record: HistoryRecord): number {
  return record.metrics.la ?? 0;
}

/**
 * The author time from which commits are replayed: `splitAt` puts the oldest round(n·share) records
 * before, by author time, so every replayed record is at least this recent (a few of the training part,
 * of the same second, may be too).
 */
async function replayStart(
  root: string,
  trainShare: number,
  fileLabels: ReadonlyMap<string, boolean> | undefined,
): Promise<number> {
  const times = [...(await authorTimes(root))]
    .filter(([sha]) => !fileLabels || fileLabels.has(sha))
    .map(([, t]) => t)
    .sort((a, b) => a - b);
  return times[Math.round(times.length * trainShare)] ?? Number.POSITIVE_INFINITY;
}

export async function scoreHistory(opts: ScoreHistoryOptions): Promise<ScoredHistory> {
  const log = opts.onLog ?? (() => undefined);
  const trainShare = opts.trainShare ?? 0.6;
  const fileLabels = opts.labels !== undefined ? loadLabelFile(opts.labels) : undefined;
  const unavailable: ScoredHistory["unavailable"] = [];

  // The model decides the hashing dimension of the token bags.
  let model: RiskModel | null = null;
  try {
    model = await loadModel(opts.model, { gitCommonDir: await gitCommonDir(opts.repoDir) });
  } catch (error) {
    if (!(error instanceof ModelUnavailableError) || opts.model !== undefined) throw error;
    unavailable.push({ name: "model", why: error.message });
  }
  const dim = model?.meta.features.token_hash.dim ?? TOKEN_HASH_DIM;

  const history = await prepareHistory(opts.repoDir, {
    name: opts.name,
    labels: fileLabels,
    index: opts.index,
    ...(opts.writer ? { writer: opts.writer } : {}),
  });
  // Token bags are for the model's scores of the replayed part, and for training only with --within:
  // the training part's bags of a 40k-commit history would be most of the memory a replay takes.
  const keepFrom = opts.within
    ? Number.NEGATIVE_INFINITY
    : await replayStart(history.root, trainShare, fileLabels);
  const records = await readRecords(history, { dim, keepBags: (_sha, time) => time >= keepFrom });
  const split = splitAt(records, trainShare);
  const latency = fileLabels ? 0 : (opts.labelLatencyDays ?? 90);
  const until = settledUntil(history, latency);
  const replayed = split.after.filter((r) => r.time <= until);
  log(
    `dejafix eval: ${records.length} commits; ${split.before.length} before the replay, ${replayed.length} replayed` +
      (split.after.length > replayed.length
        ? `, ${split.after.length - replayed.length} too recent to judge`
        : ""),
  );
  const scorers: Scorer[] = [];
  const training = trainingLabels(split);

  if (model) {
    const scores = await scoreValues(model, replayed);
    scorers.push({
      name: "model",
      description: `the ${model.source} model ${model.path} (${model.meta.model.kind})`,
      threshold: model.meta.threshold.value,
      scores,
    });
    log(`dejafix eval: matching the ${replayed.length} replayed commits against earlier defects…`);
    const matched = await replayMatches(history.root, history.rules, replayed, (done, total) =>
      log(`dejafix eval: matched ${done}/${total}`),
    );
    if (matched) {
      scorers.push({
        name: "two-phase",
        description: `two-phase (CLEVER): the model's score, counted only when the change matches the defect of an earlier fix (${matched.filter(Boolean).length} of ${matched.length} did)`,
        threshold: model.meta.threshold.value,
        scores: twoPhaseScores(scores, matched),
      });
    } else {
      unavailable.push({
        name: "two-phase",
        why: "the index holds no defect blocks (no fix changed a code block yet), so nothing can be matched",
      });
    }
  } else {
    unavailable.push({ name: "two-phase", why: "the two-phase verdict needs the model's score" });
  }

  if (opts.within) {
    const work = opts.withinOut ?? mkdtempSync(join(tmpdir(), "dejafix-within-"));
    try {
      const file = join(work, "train.jsonl");
      writeFileSync(
        file,
        formatDataset(
          datasetHeader(dim),
          training.map(({ record, label }) => datasetRecord(record, label)),
        ),
      );
      const out = join(work, "within.onnx");
      // The training part is split again inside: its last 20% validates (early stopping, threshold).
      await runTraining({
        datasets: [file],
        out,
        device: opts.device,
        python: opts.python,
        extraArgs: [
          "--split",
          "80,20,0",
          "--label-source",
          history.labels.kind === "szz"
            ? "SZZ as known at the end of the training part"
            : "the given labels file",
          ...(opts.trainArgs ?? []),
        ],
        onLog: log,
      });
      const within = await loadModel(out);
      scorers.push({
        name: "within",
        description: `a ${within.meta.model.kind} model trained on the ${training.length} commits before the replay`,
        threshold: within.meta.threshold.value,
        scores: await scoreValues(within, replayed),
      });
    } catch (error) {
      unavailable.push({ name: "within", why: (error as Error).message });
    } finally {
      if (opts.withinOut === undefined) rmSync(work, { recursive: true, force: true });
    }
  }

  const laFit = fitLaModel(training.map(({ record, label }) => ({ la: la(record), label })));
  if (laFit) {
    scorers.push({
      name: "la",
      description: `LApredict: logistic regression on log(1 + la) fitted on the ${training.length} commits before the replay`,
      threshold: 0.5,
      scores: replayed.map((r) => laScore(laFit, la(r))),
    });
  } else {
    unavailable.push({
      name: "la",
      why: "the commits before the replay hold only one class, so la alone cannot be fitted; replay a later part (--split)",
    });
  }
  return {
    history,
    split,
    replayed,
    unsettled: split.after.length - replayed.length,
    labelLatencyDays: latency,
    scorers,
    unavailable,
  };
}
