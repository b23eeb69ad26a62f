/**
 * The index-time pipeline, in one place: history mined (one git log pass, SZZ), change metrics and the
 * tables the hook reads, the blocks of the defects fixed since the last run, and the score percentiles
 * of the repository's own commits. `labels` reads what SZZ found.
 */
import { gitCommonDir } from "../git/repo.js";
import { historySettings } from "../history/indexOptions.js";
import { type MineNotice, type MineResult, mineHistory } from "../history/mine.js";
import { repoRules } from "../history/repoRules.js";
import { type Inducing, type SelectOptions, selectInducing } from "../history/szz.js";
import type { FixReason } from "../history/types.js";
import { type DefectBlockBuilder, defectBlockBuilder } from "../index/defectBlocks.js";
import { asDiskFull } from "../index/diskFull.js";
import type { MovedAside } from "../index/health.js";
import { lockIndex, openIndex, type WriterOptions } from "../index/openIndex.js";
import type { IndexStore, IndexSummary } from "../index/store.js";
import { diffTokens, type TokenBags } from "../metrics/changeTokens.js";
import { computeHistoryMetrics } from "../metrics/history.js";
import type { HistoryScores } from "../model/historyScores.js";
import type { RiskModel } from "../model/load.js";
import type { Rules } from "../rules/types.js";

export interface IndexOptions {
  repoDir: string;
  rev?: string;
  onProgress?: (done: number, total: number) => void;
  /** Rules to use instead of the repository's own `.dejafix/rules.yml`. */
  rules?: Rules;
  /** Called once for each file the history pass gave up on (it goes on with the rest). */
  onSkip?: (notice: MineNotice) => void;
  /** At most this long between two saves of where mining stands (default 60 s). */
  checkpointSeconds?: number;
  /** One line for the user (a rules expression switched off for being too slow). */
  onNotice?: (line: string) => void;
  /** How the caller hears of another writer it waits for, or of a damaged index moved aside. */
  writer?: WriterOptions;
}

export interface IndexResult extends MineResult {
  /** Seconds of the whole run: mining, metrics, defect blocks and calibration (`stages` splits them). */
  seconds: number;
  file: string;
  summary: IndexSummary;
  /** Defect blocks added in this run. */
  defectBlocks: number;
  /** Commits scored to calibrate levels in this run (0 when the stored percentiles were still fresh). */
  calibrated: number;
  /**
   * Seconds spent in each stage of this run; `blocks` is what building defect blocks took after mining
   * (most are built during it, while it waits on git).
   */
  stages: { mine: number; metrics: number; blocks: number; adapt: number; calibrate: number };
  /** Whether this run fitted the model's adaptation to the repository, and whether it is used. */
  adaptation: { fitted: boolean; kept: boolean; reason: string } | null;
  /** The damaged index this run found, moved aside and rebuilt; null when it was healthy. */
  movedAside: MovedAside | null;
}

/** Mines new history into the index (incremental) and returns what the index now holds. */
export async function indexRepository(opts: IndexOptions): Promise<IndexResult> {
  const t0 = performance.now();
  const { root, rules } = opts.rules
    ? { root: opts.repoDir, rules: opts.rules }
    : await repoRules(opts.repoDir);
  const settings = historySettings(rules, root, opts.onNotice);
  // One writer per index: another process mining at the same time would store everything twice.
  const writer = await lockIndex(opts.repoDir, opts.writer);
  let store: IndexStore;
  try {
    store = await openIndex(opts.repoDir);
  } catch (e) {
    writer.release();
    throw e;
  }
  // Defect blocks are built as the fixes are stored, while the history pass waits on git's output.
  let builder: DefectBlockBuilder | null = null;
  let storedUpTo = 0;
  try {
    // The model first: the token bags of the newest commits, which the adaptation and the calibration
    // score, are made from the history pass's own diffs instead of a second read of them.
    // A model that fails to load fails the run after mining, as it did before (its history is kept).
    const early = await availableModel(opts.repoDir).catch(() => undefined);
    const bags = new Map<string, TokenBags>();
    const dim = early?.meta.features.token_hash.dim;
    const res = await mineHistory({
      repoDir: opts.repoDir,
      store,
      rev: opts.rev,
      onProgress: opts.onProgress,
      classify: settings.classify,
      evidence: settings.evidence,
      ignore: settings.ignore,
      onNotice: opts.onSkip,
      checkpointSeconds: opts.checkpointSeconds,
      keepDiffs:
        dim === undefined
          ? undefined
          : {
              last: BAGS_KEPT,
              take: (diff) => bags.set(diff.meta.sha, diffTokens(diff.files, rules, dim)),
            },
      onStored: (repoId) => {
        if (builder === null) {
          builder = defectBlockBuilder(store, repoId, root, rules);
          storedUpTo = store.maxSeq(repoId);
          builder.add(store.fixes(repoId));
          return;
        }
        const fresh = store.fixes(repoId, storedUpTo);
        storedUpTo = store.maxSeq(repoId);
        builder.add(fresh);
      },
    });
    // Metrics of every new commit, and the compact history tables the hook reads (seconds for 10k commits).
    let t = performance.now();
    computeHistoryMetrics(store, res.repoId);
    const metricsSeconds = (performance.now() - t) / 1000;
    // The defect blocks not built during the pass, for clone matching and suggestions.
    t = performance.now();
    const running: DefectBlockBuilder = builder ?? defectBlockBuilder(store, res.repoId, root, rules);
    builder = null;
    const blocks = await running.finish();
    const blocksSeconds = (performance.now() - t) / 1000;
    // The model adapted to this repository's settled history, kept only when it beats the model; then
    // score percentiles of this repository's own commits, so rules can gate by share of commits. Both
    // score history with the same model: one diff pass and one scoring serve them (historyScores.ts).
    t = performance.now();
    const model = early === undefined ? await availableModel(opts.repoDir) : early;
    const scores = model && (await historyScores(store, res.repoId, root, rules, model, bags));
    const adaptation =
      scores && (await refreshAdaptation(store, res.repoId, root, rules, settings.select, scores));
    const adaptSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const calibrated = scores ? await refreshCalibration(store, res.repoId, root, rules, scores) : 0;
    const calibrateSeconds = (performance.now() - t) / 1000;
    return {
      ...res,
      seconds: (performance.now() - t0) / 1000,
      file: store.file,
      summary: store.summary(res.repoId),
      defectBlocks: blocks.added,
      calibrated,
      adaptation,
      stages: {
        mine: res.seconds,
        metrics: metricsSeconds,
        blocks: blocksSeconds,
        adapt: adaptSeconds,
        calibrate: calibrateSeconds,
      },
      movedAside: writer.movedAside,
    };
  } catch (e) {
    // Work committed before the disk filled is kept; the error names the folder to free space in.
    throw asDiskFull(store.file, e);
  } finally {
    // A failed pass: the blocks written so far stay, the next run builds the rest.
    await (builder as DefectBlockBuilder | null)?.abort().catch(() => undefined);
    store.close();
    writer.release();
  }
}

async function historyScores(
  store: IndexStore,
  repoId: number,
  root: string,
  rules: Rules,
  model: RiskModel,
  bags: Map<string, TokenBags>,
): Promise<HistoryScores> {
  const { HistoryScores } = await import("../model/historyScores.js");
  return new HistoryScores(store, repoId, root, rules, model, bags);
}

/** The risk model in use, or null when none is available (no adaptation, no calibration then). */
async function availableModel(repoDir: string): Promise<RiskModel | null> {
  const { loadModel, ModelUnavailableError } = await import("../model/load.js");
  try {
    return await loadModel(undefined, { gitCommonDir: await gitCommonDir(repoDir) });
  } catch (e) {
    if (e instanceof ModelUnavailableError) return null;
    throw e;
  }
}

/**
 * Fits the model in use to this repository's settled history when no fit is stored for it or
 * enough new history arrived (src/model/adaptRepository.ts).
 */
async function refreshAdaptation(
  store: IndexStore,
  repoId: number,
  root: string,
  rules: Rules,
  select: SelectOptions,
  scores: HistoryScores,
): Promise<IndexResult["adaptation"]> {
  const { adaptationDue, adaptRepository } = await import("../model/adaptRepository.js");
  const { readAdaptation } = await import("../index/adaptationStore.js");
  const { model } = scores;
  if (!adaptationDue(store, repoId, model)) {
    const stored = readAdaptation<{ reason: string }>(store, repoId, model.digest);
    return stored ? { fitted: false, kept: stored.kept, reason: stored.outcome.reason } : null;
  }
  // A refit changes the key the percentiles are stored under, and both count the same new commits: the
  // calibration that follows almost always runs, so its commits are read in the adaptation's diff pass.
  const { recentCommits } = await import("../index/calibrationStore.js");
  scores.expect(recentCommits(store, repoId, CALIBRATION_COMMITS));
  // SZZ labels as the index selects them: a commit is defect-introducing when a fix names it.
  const buggy = new Set<string>();
  for (const fix of store.fixes(repoId)) for (const i of selectInducing(fix, select)) buggy.add(i.commit);
  const stored = await adaptRepository(store, repoId, root, rules, model, { buggy, scores });
  return { fitted: true, kept: stored.kept, reason: stored.outcome.reason };
}

/**
 * Newest commits whose token bags the history pass keeps: the calibration's 1,000 and the adaptation's
 * 2,000 settled ones (ADAPT_COMMITS), unless more than 1,000 commits arrived in the settling time: the
 * older ones of those are read again, as every commit was before.
 */
const BAGS_KEPT = 3000;

/** New commits after which the stored score percentiles are computed again. */
const RECALIBRATE_AFTER = 500;
/** Newest commits scored for the percentiles: enough for p1..p99, cheap enough for `index`. */
const CALIBRATION_COMMITS = 1000;

/**
 * Recomputes the score percentiles when the model in use has none yet or many commits arrived since.
 * No model, no percentiles (levels by share of commits then use the model's own validation percentiles).
 */
async function refreshCalibration(
  store: IndexStore,
  repoId: number,
  root: string,
  rules: Rules,
  scores: HistoryScores,
): Promise<number> {
  const { readCalibration } = await import("../index/calibrationStore.js");
  const { readAdaptation } = await import("../index/adaptationStore.js");
  const { scoringKey } = await import("../model/adapt.js");
  const { digest } = scores.model;
  const stored = readCalibration(store, repoId, scoringKey(digest, readAdaptation(store, repoId, digest)));
  if (stored?.lastSha) {
    if (store.commitsAfter(repoId, stored.lastSha) < RECALIBRATE_AFTER) return 0;
  }
  const { calibrateLevels } = await import("../model/calibrateLevels.js");
  return (await calibrateLevels(store, repoId, root, rules, { commits: CALIBRATION_COMMITS, scores }))
    .commits;
}

export interface LabelRecord {
  fix: string;
  inducing: Inducing[];
  reasons: FixReason[];
  issues: string[];
  time: number;
}

/** One record per fix commit with its defect-introducing commits under a selection policy. */
export async function labels(repoDir: string, select: Partial<SelectOptions> = {}): Promise<LabelRecord[]> {
  const { root: top, rules } = await repoRules(repoDir);
  const base = historySettings(rules, top).select;
  const store = await openIndex(repoDir);
  try {
    const root = store.selfRepoId();
    if (root === null) return [];
    const opts = { ...base, ...select };
    return store.fixes(root).map((f) => ({
      fix: f.sha,
      inducing: selectInducing(f, opts),
      reasons: f.reasons,
      issues: f.issues,
      time: f.authorTime,
    }));
  } finally {
    store.close();
  }
}
