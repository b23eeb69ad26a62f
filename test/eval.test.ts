import assert from "node:assert/strict";
import test from "node:test";
import { daily, pickThreshold } from "../src/eval/calibrate.js";
import {
  captureAt,
  captureCurve,
  confusion,
  densityOrder,
  effortAtRecall,
  effortCurveArea,
  evaluate,
  percentiles,
  popt,
  recallAtEffort,
  rocAuc,
  rocCurve,
  type ScoredCommit,
} from "../src/eval/figures.js";
import { parseLabelFile } from "../src/eval/labelFile.js";
import { fitLaModel, laScore } from "../src/eval/laModel.js";
import { renderReplayHtml, renderReplayText } from "../src/eval/renderReplay.js";
import { monthly, type ReplayReport } from "../src/eval/replay.js";
import { parseShares, splitAt, trainingLabels } from "../src/eval/timeSplit.js";
import { fixTimes, type HistoryRecord, labelAsOf } from "../src/metrics/dataset.js";
import { seededRandom } from "../src/model/synthetic.js";

/** Ten commits, riskiest first; 4 defect-introducing; efforts add up to 100. */
const TEN: ScoredCommit[] = [
  { score: 0.95, label: 1, effort: 10 },
  { score: 0.9, label: 0, effort: 5 },
  { score: 0.8, label: 1, effort: 5 },
  { score: 0.7, label: 1, effort: 5 },
  { score: 0.6, label: 0, effort: 15 },
  { score: 0.5, label: 0, effort: 15 },
  { score: 0.4, label: 0, effort: 15 },
  { score: 0.3, label: 1, effort: 10 },
  { score: 0.2, label: 0, effort: 10 },
  { score: 0.1, label: 0, effort: 10 },
];

const close = (actual: number | null, expected: number, what: string) => {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);
};

test("ROC AUC counts tied pairs as half (hand-computed)", () => {
  // Positive 0.9 beats 3 negatives; positive 0.8 ties one (0.5) and beats two; positive 0.3 ties one.
  const rows = [
    { score: 0.9, label: 1 as const },
    { score: 0.8, label: 0 as const },
    { score: 0.8, label: 1 as const },
    { score: 0.5, label: 0 as const },
    { score: 0.3, label: 1 as const },
    { score: 0.3, label: 0 as const },
  ];
  close(rocAuc(rows), (3 + 2.5 + 0.5) / 9, "AUC with ties");
  close(rocAuc(TEN), 18 / 24, "AUC without ties"); // pairs won: 6 + 5 + 5 + 2
  assert.equal(rocAuc([{ score: 1, label: 1 }]), null, "one class only: undefined");
  // All scores equal: every pair is a tie.
  close(rocAuc(TEN.map((r) => ({ ...r, score: 0.5 }))), 0.5, "all tied");
});

test("capture at k% takes the riskiest ceil(n·k/100) commits", () => {
  close(captureAt(TEN, 5), 1 / 4, "top 5% = 1 commit");
  close(captureAt(TEN, 10), 1 / 4, "top 10% = 1 commit");
  close(captureAt(TEN, 20), 1 / 4, "top 20% = 2 commits");
  close(captureAt(TEN, 30), 2 / 4, "top 30% = 3 commits");
  close(captureAt(TEN, 50), 3 / 4, "top 50% = 5 commits");
  close(captureAt(TEN, 100), 1, "everything");
  // Ties keep history order: the first of two equal scores is gated first.
  const tied: ScoredCommit[] = [
    { score: 0.5, label: 0, effort: 1 },
    { score: 0.5, label: 1, effort: 1 },
  ];
  close(captureAt(tied, 50), 0, "history order among ties");
  assert.equal(captureAt([{ score: 1, label: 0, effort: 1 }], 10), null);
});

test("Recall@20%Effort stops at the first commit that does not fit the budget", () => {
  // Budget 20 lines: 10 + 5 + 5 fit (two defects), the next 5 would make 25.
  close(recallAtEffort(TEN, 0.2), 2 / 4, "R@20%E");
  // A huge first commit ends the inspection at once.
  const big = [{ score: 1, label: 1 as const, effort: 90 }, ...TEN.slice(1)];
  close(recallAtEffort(big, 0.2), 0, "first commit over budget");
  assert.equal(recallAtEffort(TEN.map((r) => ({ ...r, effort: 0 }))), null, "no effort at all");
  // Ranked per line: 0.8/5, 0.7/5, 0.9/5 come first (0.16, 0.14, 0.18 → 0.9, 0.8, 0.7), then 0.95/10.
  assert.deepEqual(densityOrder(TEN).slice(0, 4), [1, 2, 3, 0]);
  // 5 + 5 + 5 = 15 lines, the next (10) would make 25 > 20: two defects of four.
  close(evaluate(TEN, 0.5).recallAt20EffortDensity, 2 / 4, "R@20%E per line");
});

/** Four commits, riskiest first; efforts add up to 100; two defect-introducing. */
const FOUR: ScoredCommit[] = [
  { score: 0.9, label: 0, effort: 40 },
  { score: 0.8, label: 1, effort: 10 },
  { score: 0.3, label: 1, effort: 30 },
  { score: 0.1, label: 0, effort: 20 },
];

test("Popt sits the model's effort curve between the worst and the optimal ranking (hand-computed)", () => {
  // Risk order: 0 + 0.1·(0+½)/2 + 0.3·(½+1)/2 + 0.2·1 = 0.45.
  close(effortCurveArea(FOUR, [0, 1, 2, 3]), 0.45, "area in risk order");
  // Optimal: the 10-line defect, the 30-line one, then the clean commits: 0.025 + 0.225 + 0.4 + 0.2.
  close(effortCurveArea(FOUR, [1, 2, 0, 3]), 0.85, "optimal area");
  // Worst: clean first, then the 30-line defect, then the 10-line one: 0.075 + 0.075.
  close(effortCurveArea(FOUR, [3, 0, 2, 1]), 0.15, "worst area");
  close(popt(FOUR), 1 - 0.4 / 0.7, "Popt in risk order");
  // Per line: 0.8/10 > 0.9/40 > 0.3/30 > 0.1/20, so the small defect comes first: area 0.65.
  assert.deepEqual(densityOrder(FOUR), [1, 0, 2, 3]);
  close(popt(FOUR, densityOrder(FOUR)), 1 - 0.2 / 0.7, "Popt per line");
  close(popt(FOUR, [1, 2, 0, 3]), 1, "the optimal ranking");
  close(popt(FOUR, [3, 0, 2, 1]), 0, "the worst ranking");
  assert.equal(popt(FOUR.map((r) => ({ ...r, label: 0 as const }))), null, "no defects");
  assert.equal(popt(FOUR.map((r) => ({ ...r, effort: 0 }))), null, "no effort");
});

test("Effort@20%Recall counts the effort until a fifth of the defects are found", () => {
  // 20% of 2 defects: the first defect ends the review. Risk order: 40 + 10 lines of 100.
  close(effortAtRecall(FOUR, 0.2), 0.5, "E@20%R in risk order");
  close(effortAtRecall(FOUR, 0.2, densityOrder(FOUR)), 0.1, "E@20%R per line");
  close(effortAtRecall(FOUR, 1), 0.8, "every defect: the last clean commit is not needed");
  // TEN: 20% of 4 defects is reached by the riskiest commit (10 lines).
  const f = evaluate(TEN, 0.5);
  close(f.effortAt20Recall, 0.1, "E@20%R on TEN");
  // Per line the clean 0.9/5 comes first, then the 5-line 0.8 defect: 10 lines of 100.
  close(f.effortAt20RecallDensity, 0.1, "E@20%R per line on TEN");
  assert.equal(effortAtRecall(FOUR.map((r) => ({ ...r, label: 0 as const }))), null, "no defects");
  close(evaluate(FOUR, 0.5).popt, 1 - 0.4 / 0.7, "evaluate carries Popt");
  close(evaluate(FOUR, 0.5).poptDensity, 1 - 0.2 / 0.7, "evaluate carries Popt per line");
});

test("precision, recall, F1 and false-alarm rate at a threshold", () => {
  const f = evaluate(TEN, 0.5); // flags the six riskiest: 3 defects, 3 clean of 6 clean
  assert.deepEqual(confusion(TEN, 0.5), { tp: 3, fp: 3, tn: 3, fn: 1 });
  assert.equal(f.flagged, 6);
  close(f.precision, 0.5, "precision");
  close(f.recall, 0.75, "recall");
  close(f.f1, 0.6, "F1");
  close(f.falseAlarmRate, 0.5, "false-alarm rate");
  close(f.capture["10"] ?? null, 0.25, "capture 10%");
  close(f.captureLift["50"] ?? null, 1.5, "lift at 50% = 0.75 / 0.5");
  // Nothing flagged: precision undefined, recall 0.
  const none = evaluate(TEN, 2);
  assert.equal(none.precision, null);
  assert.equal(none.recall, 0);
  assert.equal(none.falseAlarmRate, 0);
});

test("ROC and capture curves run from (0,0) to (1,1), tie groups as one step", () => {
  const roc = rocCurve(TEN);
  assert.deepEqual(roc[0], { fpr: 0, tpr: 0 });
  assert.deepEqual(roc[roc.length - 1], { fpr: 1, tpr: 1 });
  assert.equal(roc.length, 11);
  assert.deepEqual(roc[1], { fpr: 0, tpr: 0.25 });
  assert.equal(rocCurve(TEN.map((r) => ({ ...r, score: 0 }))).length, 2, "all tied: one step");
  const cap = captureCurve(TEN, 10);
  assert.equal(cap.length, 11);
  assert.deepEqual(cap[5], { gated: 0.5, caught: 0.75 });
});

test("percentiles interpolate linearly between ranks (numpy's default)", () => {
  const p = percentiles([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  assert.equal(p.length, 99);
  close(p[0] ?? null, 1, "p1");
  close(p[49] ?? null, 50, "p50");
  close(p[98] ?? null, 99, "p99");
  // Two values: p25 = a + 0.25·(b − a).
  close(percentiles([4, 0])[24] ?? null, 1, "p25 of two");
  assert.deepEqual(percentiles([]), []);
});

test("pickThreshold: the lowest threshold whose false-alarm rate stays under the limit (hand-computed)", () => {
  // Riskiest first: 1 0 1 1 | 0 ... — a second false alarm would make 2/6 = 33% > 20%.
  const pick = pickThreshold(TEN, 0.2);
  assert.equal(pick.threshold, 0.7);
  close(pick.falseAlarmRate, 1 / 6, "FAR");
  close(pick.recall, 3 / 4, "recall");
  assert.equal(pick.flagged, 4);
  // Limit 0: only the commits above the first false alarm.
  assert.equal(pickThreshold(TEN, 0).threshold, 0.95);
  // A tie group is flagged whole or not at all.
  const tied: ScoredCommit[] = [
    { score: 0.9, label: 1, effort: 1 },
    { score: 0.8, label: 1, effort: 1 },
    { score: 0.8, label: 0, effort: 1 },
    { score: 0.1, label: 0, effort: 1 },
  ];
  assert.equal(pickThreshold(tied, 0.4).threshold, 0.9, "0.8 would flag one of two clean commits");
  assert.equal(pickThreshold(tied, 0.5).threshold, 0.8);
  // The riskiest commit is already a false alarm: nothing may be flagged.
  const bad: ScoredCommit[] = [
    { score: 0.9, label: 0, effort: 1 },
    { score: 0.1, label: 1, effort: 1 },
  ];
  const none = pickThreshold(bad, 0.1);
  assert.equal(none.threshold, Number.POSITIVE_INFINITY);
  assert.equal(evaluate(bad, none.threshold).flagged, 0);
  assert.throws(() => pickThreshold(TEN, 1.5), /between 0 and 1/);
});

test("pickThreshold on random validation data: under the limit, and no lower threshold would be", () => {
  const random = seededRandom(7);
  for (let round = 0; round < 20; round++) {
    const rows: ScoredCommit[] = [];
    for (let i = 0; i < 300; i++) {
      const label = random() < 0.2 ? 1 : 0;
      // Coarse scores so that ties happen.
      const score = Math.round((random() * 0.7 + label * 0.3) * 40) / 40;
      rows.push({ score, label, effort: 1 });
    }
    for (const limit of [0, 0.01, 0.05, 0.1, 0.3]) {
      const pick = pickThreshold(rows, limit);
      const far = evaluate(rows, pick.threshold).falseAlarmRate ?? 0;
      assert.ok(far <= limit + 1e-12, `round ${round}: FAR ${far} > ${limit}`);
      const lower = Math.max(...rows.map((r) => r.score).filter((s) => s < pick.threshold));
      if (Number.isFinite(lower)) {
        const looser = evaluate(rows, lower).falseAlarmRate ?? 0;
        assert.ok(looser > limit, `round ${round}: ${lower} would also keep ${limit} (${looser})`);
      }
    }
  }
});

function record(seq: number, time: number, label: 0 | 1, fixedAt: number | null): HistoryRecord {
  return {
    repo: "r",
    commit: String(seq).padStart(40, "0"),
    seq,
    time,
    label,
    fixedAt,
    metrics: { la: seq, ld: 1 },
    added: new Map(),
    removed: new Map(),
  };
}

test("the time split never leaks the future: later commits and later fixes stay out of training", () => {
  // Times deliberately not in seq order (a rebased branch): the split goes by author time.
  const records = [
    record(0, 100, 1, 150), // fixed before the cut: buggy in training
    record(1, 300, 1, 900), // fixed after the cut: clean as far as training knows
    record(2, 200, 0, null),
    record(3, 400, 1, 401), // in training only if its time is before the cut
    record(4, 500, 0, null),
    record(5, 700, 1, 800),
    record(6, 600, 0, null),
    record(7, 800, 0, null),
  ];
  const split = splitAt(records, 0.5);
  assert.deepEqual(
    split.before.map((r) => r.seq),
    [0, 2, 1, 3],
  );
  assert.equal(split.asOf, 400);
  const latestBefore = Math.max(...split.before.map((r) => r.time));
  const earliestAfter = Math.min(...split.after.map((r) => r.time));
  assert.ok(latestBefore <= earliestAfter, "every training commit precedes every replayed one");
  const labels = Object.fromEntries(trainingLabels(split).map(({ record, label }) => [record.seq, label]));
  assert.deepEqual(labels, { 0: 1, 1: 0, 2: 0, 3: 0 }, "fix at 401 came after the cut at 400");
  // The replayed part keeps its final labels.
  assert.deepEqual(
    split.after.map((r) => r.label),
    [0, 0, 1, 0],
  );
  assert.equal(labelAsOf(records[1]!, 900), 1);
  assert.equal(labelAsOf(records[1]!, 899), 0);
  // File labels carry no dates and never change.
  assert.equal(labelAsOf(record(9, 1, 1, null), 0), 1);
  assert.equal(splitAt(records, 0).asOf, Number.NEGATIVE_INFINITY);
  assert.throws(() => splitAt(records, 1.2), /between 0 and 1/);
});

test("fixTimes keeps the earliest fix per inducing commit", () => {
  const times = fixTimes([
    { time: 50, inducing: [{ commit: "a" }, { commit: "b" }] },
    { time: 30, inducing: [{ commit: "a" }] },
    { time: 70, inducing: [] },
  ]);
  assert.deepEqual(Object.fromEntries(times), { a: 30, b: 50 });
});

test("parseShares", () => {
  assert.deepEqual(parseShares("60,20,20", 3), [0.6, 0.2, 0.2]);
  assert.deepEqual(parseShares("3,1", 2), [0.75, 0.25]);
  assert.throws(() => parseShares("60,40", 3), /expected 3/);
  assert.throws(() => parseShares("0,0", 2), /add up to 0/);
});

test("LApredict fits la's direction and balances the classes", () => {
  const rows: { la: number; label: 0 | 1 }[] = [];
  for (let i = 0; i < 90; i++) rows.push({ la: 1 + (i % 10), label: 0 });
  for (let i = 0; i < 10; i++) rows.push({ la: 200 + i * 50, label: 1 });
  rows.push({ la: 300, label: 0 }, { la: 2, label: 1 }); // not separable
  const fit = fitLaModel(rows);
  assert.ok(fit, "fitted");
  assert.ok(fit.slope > 0, "more added lines, more risk");
  assert.ok(laScore(fit, 500) > 0.5, "a big commit is flagged at 0.5");
  assert.ok(laScore(fit, 3) < 0.5, "a small one is not, although defects are only 11% of the data");
  assert.equal(fitLaModel(rows.filter((r) => r.label === 0)), null, "one class: no fit");
});

test("labels files: commit,buggy and ApacheJIT's commit,label", () => {
  const a = "a".repeat(40);
  const b = "b".repeat(40);
  assert.deepEqual(Object.fromEntries(parseLabelFile(`commit,buggy\n${a},1\n${b},false\n`)), {
    [a]: true,
    [b]: false,
  });
  assert.deepEqual(
    Object.fromEntries(parseLabelFile(`commit,label,on_head\r\n${a},buggy,True\r\n${b},clean,True\r\n`)),
    { [a]: true, [b]: false },
  );
  assert.throws(() => parseLabelFile(`sha,buggy\n${a},1\n`), /no "commit" column/);
  assert.throws(() => parseLabelFile(`commit,buggy\nabc123,1\n`), /line 2: "abc123" is not a 40-character/);
  assert.throws(() => parseLabelFile(`commit,buggy\n${a},maybe\n`), /line 2: buggy is "maybe"/);
  assert.throws(() => parseLabelFile(`commit,score\n${a},1\n`), /no "buggy" or "label" column/);
});

test("per-month and per-day figures group by UTC calendar date", () => {
  const day = (iso: string) => Date.parse(`${iso}T12:00:00Z`) / 1000;
  const times = [
    day("2024-01-05"),
    day("2024-01-05"),
    day("2024-01-20"),
    day("2024-02-01"),
    day("2024-02-03"),
  ];
  const rows: ScoredCommit[] = [
    { score: 0.9, label: 1, effort: 1 },
    { score: 0.8, label: 0, effort: 1 },
    { score: 0.1, label: 0, effort: 1 },
    { score: 0.7, label: 0, effort: 1 },
    { score: 0.2, label: 1, effort: 1 },
  ];
  const months = monthly(
    times.map((time) => ({ time })),
    rows,
    0.5,
  );
  assert.deepEqual(
    months.map((m) => [m.month, m.n, m.positives, m.flagged, m.truePositives, m.falseAlarms]),
    [
      ["2024-01", 3, 1, 2, 1, 1],
      ["2024-02", 2, 1, 1, 0, 1],
    ],
  );
  const d = daily(
    times.map((time) => ({ time })),
    rows,
    0.5,
  );
  assert.equal(d.days, 30, "Jan 5 … Feb 3");
  assert.equal(d.activeDays, 4);
  close(d.falseAlarmsPerDay, 2 / 30, "false alarms per day");
  close(d.caughtPerDay, 1 / 30, "caught per day");
  assert.equal(d.maxFalseAlarmsInADay, 1);
  assert.equal(d.worstDay, "2024-01-05");
});

function sampleReport(repo: string): ReplayReport {
  const figures = evaluate(TEN, 0.5);
  return {
    repo,
    labelSource: "szz",
    labelLatencyDays: 90,
    training: { commits: 15, from: "2023-01-01", to: "2023-06-01" },
    replay: { commits: 10, from: "2023-06-02", to: "2023-09-01", positives: 4, unsettled: 2 },
    scorers: [
      {
        name: "la",
        description: "LApredict",
        figures,
        months: monthly(
          TEN.map((_, i) => ({ time: 1_700_000_000 + i * 86_400 * 10 })),
          TEN,
          0.5,
        ),
        curves: { roc: rocCurve(TEN), capture: captureCurve(TEN, 10) },
      },
    ],
    unavailable: [{ name: "two-phase", why: "no clone index" }],
  };
}

test("the HTML report is self-contained, draws both curves, and escapes text", () => {
  const html = renderReplayHtml(sampleReport('evil<script>alert(1)</script>\x1b]8;;x\x07"repo'));
  assert.ok(html.startsWith("<!doctype html>"));
  assert.equal((html.match(/<svg /g) ?? []).length, 2, "ROC and capture charts");
  assert.ok(!/<script/i.test(html), "no script, not even the repository's name");
  assert.ok(!/https?:/.test(html), "nothing fetched from the network");
  assert.ok(html.includes("evil&lt;script&gt;"), "the name is escaped");
  assert.ok(!html.includes("\x1b"), "terminal escapes removed");
  // The ROC path visits the 11 points of the curve.
  const paths = html.match(/<path d="([^"]+)"/g) ?? [];
  assert.equal(paths.length, 2);
  assert.equal((paths[0]!.match(/[ML]/g) ?? []).length, 11);
  assert.ok(html.includes("0.750"), "AUC shown");
});

test("the text report names each figure and what could not be measured", () => {
  const text = renderReplayText(sampleReport("demo\x1b[2J"));
  assert.ok(!text.includes("\x1b"), "escape sequences from names are removed");
  assert.match(text, /replayed 10 commits \(2023-06-02 … 2023-09-01\), 4 defect-introducing/);
  assert.match(text, /la alone\s+0\.750\s+50\.0%\s+75\.0%\s+0\.600\s+50\.0%/);
  assert.match(text, /not measured — two-phase: no clone index/);
  assert.match(text, /gating the riskiest 10% catches 2\.50× random/);
});
