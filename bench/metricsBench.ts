/**
 * Measures the change metrics on a real repository that `dejafix index` has mined:
 *
 *   node dist/bench/metricsBench.js REPO [SAMPLE]
 *
 * prints the time to fill line stats and to compute every commit's metrics from scratch, then replays
 * SAMPLE commits (default 300, spread over history) through the hook path (`readCommitChange` +
 * `stagedMetrics`), reports how many give exactly the historical values, and the hook-time cost on
 * commits of at most 5 files (best of 3 runs each, to keep other processes' noise out).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openIndex } from "../src/api.js";
import { readCommitChange } from "../src/git/readChange.js";
import { clearMetrics } from "../src/index/metricsStore.js";
import { fillLineStats } from "../src/metrics/fillLineStats.js";
import { computeHistoryMetrics, readHistoryMetrics } from "../src/metrics/history.js";
import { stagedMetrics } from "../src/metrics/staged.js";
import { DATASET_METRICS } from "../src/model/dataset.js";

const seconds = (t0: number): string => ((performance.now() - t0) / 1000).toFixed(2);

async function main(repo: string, sample: number): Promise<void> {
  const store = await openIndex(repo);
  try {
    const repoId = store.selfRepoId();
    if (repoId === null)
      throw new Error(`${repo} has no index yet: run \`dejafix index --repo ${repo}\` first.`);
    let t0 = performance.now();
    const filled = await fillLineStats(store, repoId, repo);
    console.log(`line stats filled for ${filled} commits in ${seconds(t0)} s`);
    clearMetrics(store, repoId);
    t0 = performance.now();
    const { computed } = computeHistoryMetrics(store, repoId);
    console.log(`metrics of ${computed} commits computed and stored in ${seconds(t0)} s`);
    t0 = performance.now();
    computeHistoryMetrics(store, repoId);
    console.log(`incremental run with nothing new: ${seconds(t0)} s`);

    const historical = readHistoryMetrics(store, repoId);
    const commits = store.nonMergeCommits(repoId);
    const step = Math.max(1, Math.floor(commits.length / sample));
    let equal = 0;
    let total = 0;
    const differ = new Map<string, string[]>();
    const times: number[] = [];
    for (let i = commits.length - 1; i >= 0 && total < sample; i -= step) {
      const c = commits[i]!;
      const change = readCommitChange(repo, c.sha);
      const who = { authorEmail: c.authorEmail, time: c.authorTime, isFix: c.isFix };
      let best = Number.POSITIVE_INFINITY;
      let staged = stagedMetrics(store, repoId, change, who);
      for (let run = 0; run < 3; run++) {
        const t = performance.now();
        staged = stagedMetrics(store, repoId, change, who);
        best = Math.min(best, performance.now() - t);
      }
      if (c.nFiles <= 5) times.push(best);
      const past = historical.get(c.sha);
      total++;
      let same = past !== undefined;
      for (const m of DATASET_METRICS) {
        if (past?.[m] === staged[m]) continue;
        same = false;
        const list = differ.get(m) ?? [];
        list.push(`${c.sha.slice(0, 10)}: ${past?.[m]} vs ${staged[m]}`);
        differ.set(m, list);
      }
      if (same) equal++;
    }
    console.log(`staged == historical for ${equal} of ${total} sampled commits`);
    for (const [m, list] of differ)
      console.log(`  ${m} differs in ${list.length}: ${list.slice(0, 3).join("; ")}`);
    times.sort((a, b) => a - b);
    const q = (p: number): string =>
      (times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0).toFixed(2);
    console.log(
      `stagedMetrics on ${times.length} commits of at most 5 files: median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms`,
    );
  } finally {
    store.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [repo, sample] = process.argv.slice(2);
  if (!repo) {
    process.stderr.write("usage: node dist/bench/metricsBench.js REPO [SAMPLE]\n");
    process.exitCode = 2;
  } else {
    main(repo, Number(sample ?? 300)).catch((e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    });
  }
}
