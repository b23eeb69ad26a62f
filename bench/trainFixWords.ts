/**
 * Trains the bug-report wording model (src/history/fixWords.ts) on issue titles whose tracker says
 * which issues are bugs, and writes src/history/fixWordsModel.ts.
 *
 * Input: a folder of Apache Yetus releasedocmaker changelogs, one folder per project
 * (`HBASE/2.0.0/CHANGELOG.2.0.0.md`), as published for many Apache projects:
 *
 *   ### BUG FIXES:
 *   | JIRA | Summary | Priority | Component | Reporter | Contributor |
 *   | [HBASE-1](https://issues.apache.org/jira/browse/HBASE-1) | Region server dies on startup | Major | … |
 *
 * Titles under BUG FIXES are bugs; under NEW FEATURES, IMPROVEMENTS, TESTS and OTHER they are not
 * (sub-tasks and incompatible/important lists say no type and are left out).
 *
 *   node dist/bench/trainFixWords.js --changelogs DIR --exclude OOZIE,ZOOKEEPER [--holdout KAFKA]
 *     [--out src/history/fixWordsModel.ts]
 *
 * Then `npx biome format --write src/history/fixWordsModel.ts`. Leave out every project you measure
 * classification on (--exclude), so figures stay honest.
 * Training is deterministic: full-batch gradient descent from zero weights, features in sorted order.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { subjectFeatures } from "../src/history/fixWords.js";

interface Example {
  project: string;
  title: string;
  bug: boolean;
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Every typed issue title of every project folder under `root`, one per key. */
export function readChangelogs(root: string, exclude: ReadonlySet<string>): Example[] {
  const byKey = new Map<string, Example>();
  const projects = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^[A-Z][A-Z0-9_]*$/.test(d.name) && !exclude.has(d.name))
    .map((d) => d.name)
    .sort();
  for (const project of projects) {
    const files = (readdirSync(path.join(root, project), { recursive: true }) as string[])
      .filter((f) => /(?:^|\/)CHANGE(?:LOG|S)[^/]*\.md$/.test(f))
      .sort();
    for (const file of files) {
      let bug: boolean | undefined;
      for (const line of readFileSync(path.join(root, project, file), "utf8").split("\n")) {
        const head = /^###\s*([A-Z][A-Z -]+):/.exec(line);
        if (head) {
          const name = head[1]!.replace(/[\s-]/g, "");
          bug =
            name === "BUGFIXES"
              ? true
              : /^(?:NEWFEATURES|IMPROVEMENTS|TESTS|OTHER)$/.test(name)
                ? false
                : undefined;
          continue;
        }
        if (bug === undefined) continue;
        const row = /^\|\s*\[([A-Z][A-Z0-9_]*-\d+)\]\([^)]*\)\s*\|\s*(.*?)\s*\|/.exec(line);
        if (row) byKey.set(row[1]!, { project, title: row[2]!.replace(/\\(.)/g, "$1"), bug });
      }
    }
  }
  return [...byKey.values()];
}

interface Trained {
  bias: number;
  weights: Map<string, number>;
}

/** L2-regularised logistic regression, full-batch gradient descent with Adagrad steps. */
function train(examples: Example[], minCount: number, l2: number, epochs: number): Trained {
  const counts = new Map<string, number>();
  const rows = examples.map((e) => subjectFeatures(e.title));
  for (const fs of rows) for (const f of fs) counts.set(f, (counts.get(f) ?? 0) + 1);
  const vocab = [...counts].filter(([, n]) => n >= minCount).map(([f]) => f);
  vocab.sort();
  const index = new Map(vocab.map((f, i) => [f, i]));
  const x = rows.map((fs) => fs.map((f) => index.get(f)).filter((i): i is number => i !== undefined));
  const y = examples.map((e) => (e.bug ? 1 : 0));
  const w = new Float64Array(vocab.length);
  const g2 = new Float64Array(vocab.length);
  let b = 0;
  let b2 = 0;
  const rate = 0.5;
  const n = examples.length;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const grad = new Float64Array(vocab.length);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      let z = b;
      for (const j of x[i]!) z += w[j]!;
      const err = 1 / (1 + Math.exp(-z)) - y[i]!;
      gb += err;
      for (const j of x[i]!) grad[j]! += err;
    }
    for (let j = 0; j < vocab.length; j++) {
      const g = grad[j]! / n + l2 * w[j]!;
      g2[j]! += g * g;
      w[j]! -= (rate * g) / (Math.sqrt(g2[j]!) + 1e-8);
    }
    gb /= n;
    b2 += gb * gb;
    b -= (rate * gb) / (Math.sqrt(b2) + 1e-8);
  }
  return { bias: b, weights: new Map(vocab.map((f, j) => [f, w[j]!])) };
}

function score(model: Trained, title: string): number {
  let z = model.bias;
  for (const f of subjectFeatures(title)) z += model.weights.get(f) ?? 0;
  return 1 / (1 + Math.exp(-z));
}

/** Area under the ROC curve (probability a random bug outscores a random non-bug). */
function auc(scores: number[], labels: boolean[]): number {
  const order = scores.map((s, i) => [s, labels[i]] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let pos = 0;
  order.forEach(([, l], i) => {
    if (l) {
      rankSum += i + 1;
      pos++;
    }
  });
  const neg = order.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / Math.max(1, pos * neg);
}

function main(argv: string[]): number {
  const root = flag(argv, "--changelogs");
  if (!root) {
    process.stderr.write(
      "usage: node dist/bench/trainFixWords.js --changelogs DIR --exclude P1,P2 [--holdout P3] [--out FILE]\n",
    );
    return 2;
  }
  const exclude = new Set((flag(argv, "--exclude") ?? "").split(",").filter(Boolean));
  const holdout = new Set((flag(argv, "--holdout") ?? "").split(",").filter(Boolean));
  const minCount = Number(flag(argv, "--min-count") ?? 5);
  const l2 = Number(flag(argv, "--l2") ?? 1e-4);
  const epochs = Number(flag(argv, "--epochs") ?? 300);
  const keep = Number(flag(argv, "--keep") ?? 0.05);
  const all = readChangelogs(root, exclude);
  const trainSet = all.filter((e) => !holdout.has(e.project));
  const testSet = all.filter((e) => holdout.has(e.project));
  const projects = [...new Set(trainSet.map((e) => e.project))].sort();
  process.stdout.write(
    `${trainSet.length} titles from ${projects.join(", ")} (${trainSet.filter((e) => e.bug).length} bugs)\n`,
  );
  const model = train(trainSet, minCount, l2, epochs);
  // Small weights change almost no decision: keep the ones that do.
  const kept = [...model.weights].filter(([, v]) => Math.abs(v) >= keep).sort(([a], [b]) => (a < b ? -1 : 1));
  const shipped: Trained = {
    bias: model.bias,
    weights: new Map(kept.map(([f, v]) => [f, Number(v.toFixed(3))])),
  };
  for (const [name, set] of [
    ["train", trainSet],
    ["holdout", testSet],
  ] as const) {
    if (set.length === 0) continue;
    const s = set.map((e) => score(shipped, e.title));
    const acc = s.filter((p, i) => p >= 0.5 === set[i]!.bug).length / set.length;
    process.stdout.write(
      `${name}: ${set.length} titles, AUC ${auc(
        s,
        set.map((e) => e.bug),
      ).toFixed(3)}, accuracy at 0.5 ${acc.toFixed(3)}\n`,
    );
    const bugs = set.filter((e) => e.bug).length;
    const at = [0.5, 0.6, 0.7, 0.8, 0.9].map((t) => {
      const hit = set.filter((_, i) => s[i]! >= t);
      const tp = hit.filter((e) => e.bug).length;
      return `${t}: P ${(tp / Math.max(1, hit.length)).toFixed(2)} R ${(tp / Math.max(1, bugs)).toFixed(2)}`;
    });
    process.stdout.write(`  bug share ${(bugs / set.length).toFixed(2)}; by threshold ${at.join(", ")}\n`);
  }
  process.stdout.write(`${shipped.weights.size} of ${model.weights.size} weights kept (|w| ≥ ${keep})\n`);
  const out = flag(argv, "--out");
  if (out) {
    const text = [...shipped.weights].map(([f, v]) => `${f}\t${v}`).join("\n");
    writeFileSync(
      out,
      `// Generated by bench/trainFixWords.ts: do not edit. Rerun it to change the model.\n` +
        `/** Bug-report wording weights (see fixWords.ts), trained on issue titles typed by their trackers. */\n` +
        `export const FIX_WORDS_MODEL = {\n` +
        `  trainedOn: ${JSON.stringify(projects)},\n` +
        `  titles: ${trainSet.length},\n` +
        `  options: ${JSON.stringify({ minCount, l2, epochs, keep })},\n` +
        `  bias: ${Number(shipped.bias.toFixed(4))},\n` +
        `  weights: ${JSON.stringify(text)},\n` +
        `} as const;\n`,
    );
    process.stdout.write(`wrote ${out}\n`);
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href)
  process.exitCode = main(process.argv.slice(2));
