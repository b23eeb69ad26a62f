/**
 * Recurring defects on a real repository, and the cost of matching a change at commit time.
 *
 *   git clone -q --no-checkout /work/.mirror/redis+redis/repo /tmp/s-redis
 *   node dist/src/cli/main.js index --repo /tmp/s-redis
 *   node dist/bench/recurrenceEval.js /tmp/s-redis [--threshold 0.3] [--min-lines 10] [--latency 200] [--cases 5] [--json]
 *
 * Builds the defect blocks when `dejafix index` did not, replays history (src/eval/recurrence.ts),
 * then times `matchChange` on the most recent commits (read like pre-push reads a pushed commit).
 */

import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openIndex, repoRules } from "../src/api.js";
import { replayRecurrence } from "../src/eval/recurrence.js";
import { readCommitChange } from "../src/git/readChange.js";
import { sqlite } from "../src/index/connection.js";
import { buildDefectBlocks } from "../src/index/defectBlocks.js";
import { matchChange } from "../src/verdict/matchChange.js";

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function pct(n: number, of: number): string {
  return of === 0 ? "-" : `${((100 * n) / of).toFixed(1)}%`;
}

async function main(argv: string[]): Promise<number> {
  const dir = argv.find((a, i) => !a.startsWith("--") && !(argv[i - 1] ?? "").startsWith("--"));
  if (!dir) {
    process.stderr.write(
      "usage: node dist/bench/recurrenceEval.js DIR [--threshold T] [--min-lines N] [--latency N] [--cases N] [--json]\n",
    );
    return 2;
  }
  const { rules } = await repoRules(dir);
  const threshold = Number(flag(argv, "--threshold") ?? rules.clones.threshold);
  const minLines = Number(flag(argv, "--min-lines") ?? rules.clones.minLines);
  const latencyN = Number(flag(argv, "--latency") ?? 200);
  const showCases = Number(flag(argv, "--cases") ?? 5);
  rules.clones = { ...rules.clones, threshold, minLines };

  const store = await openIndex(dir);
  try {
    const repo = sqlite(store)
      .prepare("SELECT id FROM repos WHERE role = 'self' ORDER BY id LIMIT 1")
      .get() as { id: number } | undefined;
    if (!repo) {
      process.stderr.write(
        `${dir} has no index yet: run \`node dist/src/cli/main.js index --repo ${dir}\` first.\n`,
      );
      return 1;
    }
    const commits = sqlite(store)
      .prepare("SELECT COUNT(*) FROM commits WHERE repo_id = ?")
      .pluck()
      .get(repo.id);
    const t0 = performance.now();
    const built = await buildDefectBlocks(store, repo.id, dir, rules);
    const buildSeconds = (performance.now() - t0) / 1000;
    const totalBlocks = sqlite(store).prepare("SELECT COUNT(*) FROM defect_blocks").pluck().get() as number;

    const fig = replayRecurrence(store, repo.id, { threshold, minLines });

    // Commit-time cost: the latest non-merge commits, each read as a change and matched.
    const shas = execFileSync("git", ["rev-list", "--no-merges", `--max-count=${latencyN}`, "HEAD"], {
      cwd: dir,
      encoding: "utf8",
    })
      .split("\n")
      .filter(Boolean);
    const times: number[] = [];
    const timesNoApply: number[] = [];
    let matched = 0;
    for (const sha of shas) {
      const change = readCommitChange(dir, sha);
      let t = performance.now();
      const m = await matchChange(store, change, rules);
      times.push(performance.now() - t);
      t = performance.now();
      await matchChange(store, change, rules, { applyCheck: false });
      timesNoApply.push(performance.now() - t);
      if (m.length > 0) matched++;
    }
    times.sort((a, b) => a - b);
    timesNoApply.sort((a, b) => a - b);

    const out = {
      repo: path.resolve(dir),
      commits,
      threshold,
      minLines,
      defectBlocks: totalBlocks,
      blocksBuiltNow: built.added,
      buildSeconds,
      replay: { ...fig, cases: fig.cases.length },
      latency: {
        commits: shas.length,
        withMatch: matched,
        p50ms: quantile(times, 0.5),
        p95ms: quantile(times, 0.95),
        maxMs: times[times.length - 1] ?? Number.NaN,
        noApplyCheck: { p50ms: quantile(timesNoApply, 0.5), p95ms: quantile(timesNoApply, 0.95) },
      },
    };
    if (argv.includes("--json")) {
      process.stdout.write(`${JSON.stringify({ ...out, cases: fig.cases }, null, 2)}\n`);
      return 0;
    }
    const f = fig;
    const lines = [
      `${out.repo}: ${commits} commits, ${totalBlocks} defect blocks (${built.added} built now in ${buildSeconds.toFixed(1)} s), T=${threshold}, minLines=${minLines}`,
      `replay (${f.seconds.toFixed(1)} s): ${f.fixes} fixes with defect blocks (${f.blocks} blocks)`,
      `  defect matches an earlier defect block (another defect commit): ${f.withEarlier} (${pct(f.withEarlier, f.fixes)})`,
      `    contextualised suggestion == actual fix: normalized ${f.suggestionEqual} (${pct(f.suggestionEqual, f.withEarlier)}), exact tokens ${f.suggestionEqualExact} (${pct(f.suggestionEqualExact, f.withEarlier)})`,
      `  ... with the earlier block in another file: ${f.withEarlierElsewhere} (${pct(f.withEarlierElsewhere, f.fixes)})`,
      `    contextualised suggestion == actual fix: normalized ${f.elsewhereEqual} (${pct(f.elsewhereEqual, f.withEarlierElsewhere)}), exact tokens ${f.elsewhereEqualExact} (${pct(f.elsewhereEqualExact, f.withEarlierElsewhere)})`,
      `  matches skipped because both blocks came from the same defect commit: ${f.sameDefectSkipped}`,
      `matchChange on the latest ${shas.length} commits: ${matched} with a match; p50 ${out.latency.p50ms.toFixed(1)} ms, p95 ${out.latency.p95ms.toFixed(1)} ms, max ${out.latency.maxMs.toFixed(1)} ms (without git apply --check: p50 ${out.latency.noApplyCheck.p50ms.toFixed(1)} ms, p95 ${out.latency.noApplyCheck.p95ms.toFixed(1)} ms)`,
    ];
    const equal = f.cases.filter((c) => c.equalNormalized);
    for (const c of equal.slice(0, showCases)) {
      lines.push(
        `  equal: ${c.fix.slice(0, 10)} ${c.path}:${c.startLine}-${c.endLine} <- ${c.earlierFix.slice(0, 10)} ${c.earlierPath} (similarity ${c.similarity.toFixed(2)})`,
      );
    }
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  } finally {
    store.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`recurrenceEval failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
