/**
 * Line-level risk, offline: can the token model say which added lines of a defect-introducing commit
 * are the buggy ones? Measured against the lines later fixes took out, next to two baselines.
 *
 *   node dist/bench/lineEval.js --repo /tmp/c-zookeeper [--commits 300] [--model M.onnx]
 *
 * - Buggy lines (ground truth, as JITLine and JIT-Smart build it): the lines an inducing commit
 *   (SZZ, blame and declared links) added that one of its fixes removed, same file, same text
 *   (trimmed). Only code lines count (codeTokens not empty).
 * - Model ranking (occlusion): the model's score of the commit minus its score with that one line's
 *   tokens taken out of the added bag; the lines whose removal lowers the score most come first.
 * - `la`-style baseline: longest lines first (most tokens), the line-level analogue of ranking by size.
 * - Random: the expectation over orderings (computed exactly for Top-k, by 50 seeded shuffles for effort).
 * Per commit: Top-k accuracy (a buggy line among the first k), Effort@20%Recall (share of the added
 * code lines read until 20% of its buggy lines are found) and IFA (clean lines read before the first
 * buggy one); the figures are averages over the newest --commits inducing commits with a buggy line.
 */

import { basename } from "node:path";
import { parseArgs } from "node:util";
import { openIndex } from "../src/api.js";
import { prepareHistory } from "../src/eval/history.js";
import { gitCommonDir } from "../src/git/repo.js";
import { git } from "../src/git/run.js";
import { sqlite } from "../src/index/connection.js";
import { codeTokens, hashBag } from "../src/metrics/tokens.js";
import { loadModel } from "../src/model/load.js";
import { scoreValues } from "../src/model/score.js";
import { seededRandom } from "../src/model/synthetic.js";
import type { ScoreInput } from "../src/model/vector.js";
import { labels } from "../src/pipeline/indexRepository.js";

interface AddedLine {
  path: string;
  line: number;
  text: string;
  tokens: string[];
  buggy: boolean;
}

const trimmed = (s: string) => s.trim();

/** Added code lines of a commit against its first parent (`git show -U0`), with their new line numbers. */
async function addedLines(repo: string, sha: string): Promise<{ added: AddedLine[]; removed: string[] }> {
  const out = await git(repo, [
    "show",
    "--no-color",
    "--no-renames",
    "--format=",
    "-U0",
    "--first-parent",
    sha,
  ]);
  const added: AddedLine[] = [];
  const removed: string[] = [];
  let path = "";
  let next = 0;
  for (const text of out.split("\n")) {
    if (text.startsWith("+++ ")) path = text.startsWith("+++ b/") ? text.slice(6) : "";
    else if (text.startsWith("--- ")) continue;
    else if (text.startsWith("@@")) next = Number(/\+(\d+)/.exec(text)?.[1] ?? 0);
    else if (text.startsWith("+") && path) {
      const tokens = codeTokens(text.slice(1));
      if (tokens.length > 0)
        added.push({ path, line: next, text: trimmed(text.slice(1)), tokens, buggy: false });
      next++;
    } else if (text.startsWith("-")) removed.push(text.slice(1));
  }
  return { added, removed };
}

interface Ranked {
  topHit: Record<number, number>;
  effort20: number;
  ifa: number;
}

function judge(order: readonly AddedLine[]): Ranked {
  const buggy = order.filter((l) => l.buggy).length;
  const topHit: Record<number, number> = {};
  for (const k of [1, 5, 10]) topHit[k] = order.slice(0, k).some((l) => l.buggy) ? 1 : 0;
  let found = 0;
  let read = 0;
  for (const l of order) {
    read++;
    if (l.buggy) found++;
    if (found >= 0.2 * buggy) break;
  }
  const ifa = order.findIndex((l) => l.buggy);
  return { topHit, effort20: read / order.length, ifa };
}

/** Exact chance of a buggy line among the first k of a random order: 1 − C(n−b, k) / C(n, k). */
function randomTopK(n: number, b: number, k: number): number {
  let none = 1;
  for (let i = 0; i < Math.min(k, n); i++) none *= Math.max(n - b - i, 0) / (n - i);
  return 1 - none;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      repo: { type: "string" },
      commits: { type: "string", default: "300" },
      model: { type: "string" },
    },
  });
  if (!values.repo) {
    process.stderr.write("lineEval: --repo DIR is required\n");
    process.exit(2);
  }
  const repo = values.repo;
  const history = await prepareHistory(repo, { name: basename(repo) });
  const model = await loadModel(values.model);
  const dim = model.meta.features.token_hash.dim;
  // Lines each fix took out, per file: the buggy lines of the commits it names.
  const store = await openIndex(repo, { readonly: true });
  const removedByFix = new Map<string, Map<string, Set<string>>>();
  let inducing: { sha: string; fixes: string[] }[] = [];
  try {
    const repoId = store.repoId(await gitCommonDir(history.root), basename(history.root));
    const rows = sqlite(store)
      .prepare(
        "SELECT c.sha, h.path, h.body FROM fix_hunks h JOIN commits c ON c.id = h.commit_id WHERE c.repo_id = ?",
      )
      .all(repoId) as { sha: string; path: string; body: string }[];
    for (const r of rows) {
      const byPath = removedByFix.get(r.sha) ?? new Map<string, Set<string>>();
      const set = byPath.get(r.path) ?? new Set<string>();
      for (const l of r.body.split("\n"))
        if (l.startsWith("-") && l.slice(1).trim()) set.add(trimmed(l.slice(1)));
      byPath.set(r.path, set);
      removedByFix.set(r.sha, byPath);
    }
    const order = sqlite(store)
      .prepare("SELECT sha FROM commits WHERE repo_id = ? ORDER BY seq")
      .raw()
      .all(repoId) as [string][];
    const seq = new Map(order.map(([sha], i) => [sha, i]));
    const byInducing = new Map<string, string[]>();
    for (const fix of await labels(repo, { evidence: ["blame", "declared"] }))
      for (const i of fix.inducing) byInducing.set(i.commit, [...(byInducing.get(i.commit) ?? []), fix.fix]);
    inducing = [...byInducing]
      .map(([sha, fixes]) => ({ sha, fixes }))
      .sort((a, b) => (seq.get(b.sha) ?? 0) - (seq.get(a.sha) ?? 0));
  } finally {
    store.close();
  }

  const want = Number(values.commits);
  const totals = { model: [] as Ranked[], la: [] as Ranked[], random: [] as Ranked[] };
  const randomTop: Record<number, number[]> = { 1: [], 5: [], 10: [] };
  let lines = 0;
  let buggyLines = 0;
  const rand = seededRandom(13);
  for (const { sha, fixes } of inducing) {
    if (totals.model.length >= want) break;
    const { added, removed } = await addedLines(repo, sha);
    const out = new Map<string, Set<string>>();
    for (const f of fixes)
      for (const [path, set] of removedByFix.get(f) ?? []) {
        const s = out.get(path) ?? new Set<string>();
        for (const t of set) s.add(t);
        out.set(path, s);
      }
    for (const l of added) l.buggy = out.get(l.path)?.has(l.text) ?? false;
    const b = added.filter((l) => l.buggy).length;
    if (b === 0 || added.length < 2 || added.length > 2000) continue;
    lines += added.length;
    buggyLines += b;
    const metrics = history.metrics.get(sha) ?? {};
    const fullTokens = added.flatMap((l) => l.tokens);
    const removedBag = hashBag(
      removed.flatMap((r) => codeTokens(r)),
      dim,
    );
    const full = hashBag(fullTokens, dim);
    const inputs: ScoreInput[] = [{ metrics, added: full, removed: removedBag }];
    for (const l of added) {
      const bag = new Map(full);
      for (const [bucket, count] of hashBag(l.tokens, dim)) {
        const left = (bag.get(bucket) ?? 0) - count;
        if (left > 0) bag.set(bucket, left);
        else bag.delete(bucket);
      }
      inputs.push({ metrics, added: bag, removed: removedBag });
    }
    const scores = await scoreValues(model, inputs);
    const base = scores[0]!;
    const contribution = added.map((_, i) => base - scores[i + 1]!);
    const byModel = added
      .map((l, i) => ({ l, c: contribution[i]! }))
      .sort((x, y) => y.c - x.c)
      .map((x) => x.l);
    const byLength = [...added].sort((x, y) => y.tokens.length - x.tokens.length);
    totals.model.push(judge(byModel));
    totals.la.push(judge(byLength));
    for (const k of [1, 5, 10]) randomTop[k]!.push(randomTopK(added.length, b, k));
    const shuffles: Ranked[] = [];
    for (let s = 0; s < 50; s++) {
      const a = [...added];
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [a[i], a[j]] = [a[j]!, a[i]!];
      }
      shuffles.push(judge(a));
    }
    totals.random.push({
      topHit: {},
      effort20: shuffles.reduce((s, r) => s + r.effort20, 0) / shuffles.length,
      ifa: shuffles.reduce((s, r) => s + r.ifa, 0) / shuffles.length,
    });
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(xs.length, 1);
  const n = totals.model.length;
  process.stdout.write(
    `${basename(repo)}: ${n} defect-introducing commits with a line a fix took out; ${lines} added code lines, ${buggyLines} of them buggy (${((100 * buggyLines) / Math.max(lines, 1)).toFixed(1)}%)\n`,
  );
  for (const name of ["model", "la", "random"] as const) {
    const rs = totals[name];
    const top = (k: number) =>
      name === "random" ? mean(randomTop[k]!) : mean(rs.map((r) => r.topHit[k] ?? 0));
    process.stdout.write(
      `${(name === "la" ? "longest lines first" : name === "model" ? "model (occlusion)" : "random").padEnd(22)} ` +
        `Top-1 ${(100 * top(1)).toFixed(1)}%  Top-5 ${(100 * top(5)).toFixed(1)}%  Top-10 ${(100 * top(10)).toFixed(1)}%  ` +
        `Effort@20%Recall ${(100 * mean(rs.map((r) => r.effort20))).toFixed(1)}%  IFA ${mean(rs.map((r) => r.ifa)).toFixed(1)}\n`,
    );
  }
}

await main();
