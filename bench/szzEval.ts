/**
 * Measures the SZZ links of `dejafix labels --format jsonl` against an oracle and prints them next
 * to the figures Rosa et al. (ICSE'21) published.
 *
 *   node dist/bench/szzEval.js --labels LABELS.jsonl --d4j d4j_lang_bic.csv
 *   node dist/bench/szzEval.js --labels LABELS.jsonl --declared /path/to/repo.git [--reverts]
 *
 * By default only blame-found links count (declared ones excluded, see `PredictedOptions`);
 * `--with-declared` keeps every link. `--format json` prints the figures for scripts;
 * `--details N` lists the first N fixes with wrong or missed links.
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import {
  type DeclaredStats,
  declaredOracle,
  loadD4jOracle,
  type Oracle,
  withoutDeclarations,
} from "../src/eval/oracles.js";
import {
  type Accuracy,
  dropDeclarationOnlyFixes,
  parseLabels,
  predictedFromLabels,
  szzAccuracy,
} from "../src/eval/szzAccuracy.js";
import { classifyCommit } from "../src/history/classify.js";

/** Published by Rosa et al., ICSE'21, on their developer-informed oracle (1,117 BICs). */
export const PUBLISHED = [
  { name: "R-SZZ (Rosa et al. ICSE'21)", precision: 0.66, recall: 0.57, f1: 0.61 },
  { name: "B-SZZ (Rosa et al. ICSE'21)", precision: 0.39, recall: 0.69, f1: f1(0.39, 0.69) },
];

function f1(p: number, r: number): number {
  return (2 * p * r) / (p + r);
}

interface Args {
  labels: string;
  d4j?: string;
  declared?: string;
  withDeclared: boolean;
  reverts: boolean;
  json: boolean;
  details: number;
}

const USAGE =
  "usage: node dist/bench/szzEval.js --labels LABELS.jsonl (--d4j CSV | --declared GITDIR [--reverts]) [--with-declared] [--format json] [--details N]";

function parseArgs(argv: string[]): Args {
  const args: Args = { labels: "", withDeclared: false, reverts: false, json: false, details: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value.\n${USAGE}`);
      return v;
    };
    if (a === "--labels") args.labels = next();
    else if (a === "--d4j") args.d4j = next();
    else if (a === "--declared") args.declared = next();
    else if (a === "--with-declared") args.withDeclared = true;
    else if (a === "--reverts") args.reverts = true;
    else if (a === "--format") args.json = next() === "json";
    else if (a === "--details") args.details = Number.parseInt(next(), 10) || 0;
    else throw new Error(`unknown option ${a}.\n${USAGE}`);
  }
  if (!args.labels || (args.d4j === undefined) === (args.declared === undefined)) {
    throw new Error(`give --labels and exactly one of --d4j or --declared.\n${USAGE}`);
  }
  return args;
}

/** Commit ids from the labels file are printed; keep only what a sha can contain so no escape reaches the terminal. */
function safeSha(s: string): string {
  return s.replace(/[^0-9A-Za-z]/g, "?").slice(0, 12);
}

function fmt(x: number): string {
  return Number.isNaN(x) ? "  n/a" : x.toFixed(3);
}

function row(
  name: string,
  a: { fixes?: number; tp?: number; fp?: number; fn?: number; precision: number; recall: number; f1: number },
) {
  const n = (v: number | undefined) => (v === undefined ? "" : String(v)).padStart(6);
  return `${name.padEnd(30)}${n(a.fixes)}${n(a.tp)}${n(a.fp)}${n(a.fn)}   ${fmt(a.precision)}   ${fmt(a.recall)}   ${fmt(a.f1)}`;
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  let oracle: Oracle;
  let stats: DeclaredStats | undefined;
  let messages: Map<string, string> | undefined;
  let source: string;
  if (args.d4j !== undefined) {
    oracle = loadD4jOracle(args.d4j);
    source = `Defects4J oracle ${args.d4j} (fix_head → bic_head)`;
  } else {
    const d = await declaredOracle(args.declared ?? "", { reverts: args.reverts });
    oracle = d.oracle;
    stats = d.stats;
    messages = d.messages;
    source = `Fixes: trailers${args.reverts ? " and reverts" : ""} of ${args.declared}`;
  }
  const labels = parseLabels(readFileSync(args.labels, "utf8"));
  const labelled = predictedFromLabels(labels, { excludeDeclared: !args.withDeclared });
  // Rosa et al.'s setting: SZZ is handed the fix commits; only its links are judged.
  const given = szzAccuracy(labelled, oracle, { scope: "found" });
  // Without the trailer, would the commit still be taken as a fix? Asked of the default classifier.
  let predicted = labelled;
  let dropped: string[] = [];
  if (messages && !args.withDeclared) {
    const stripped = new Map([...messages].map(([fix, m]) => [fix, withoutDeclarations(m)]));
    ({ predicted, dropped } = dropDeclarationOnlyFixes(labelled, stripped, (m) => classifyCommit(m).isFix));
  }
  const all = szzAccuracy(predicted, oracle, { scope: "all" });
  const found = szzAccuracy(predicted, oracle, { scope: "found" });
  const links = [...oracle.values()].reduce((n, s) => n + s.size, 0);

  if (args.json) {
    const strip = (a: Accuracy) => ({
      ...a,
      perFix: args.details > 0 ? a.perFix.filter((f) => f.fp + f.fn > 0).slice(0, args.details) : undefined,
    });
    const out = {
      oracle: source,
      oracleFixes: oracle.size,
      oracleLinks: links,
      declaredStats: stats,
      labelFixes: labels.length,
      evidence: args.withDeclared ? "all" : "blame",
      all: strip(all),
      found: strip(found),
      published: PUBLISHED,
    };
    process.stdout.write(
      `${JSON.stringify(out, (_k, v) => (typeof v === "number" && Number.isNaN(v) ? null : v), 2)}\n`,
    );
    return;
  }

  const lines: string[] = [];
  lines.push(`Oracle: ${source}: ${oracle.size} fix commits, ${links} fix→inducing links.`);
  if (stats) {
    lines.push(
      `  ${stats.refs} Fixes: references in ${stats.commits} commits: ${stats.resolved} resolved, ${stats.missing} unknown, ${stats.ambiguous} ambiguous, ${stats.offHistory} off this history, ${stats.selfRefs} self-references; ${stats.mergesSkipped} merge commits skipped.`,
    );
  }
  lines.push(
    `Labels: ${args.labels}: ${labels.length} fix commits; evidence counted: ${args.withDeclared ? "blame and declared" : "blame only (declared-only links dropped)"}.`,
  );
  if (dropped.length > 0) {
    lines.push(
      `  ${dropped.length} oracle fixes are not fixes for the default classifier once their Fixes: lines are removed: not found in the last two rows.`,
    );
  }
  if (given.fixes === 0) {
    lines.push(
      "The labels name none of the oracle's fix commits: check that both come from the same repository and history.",
    );
  }
  lines.push("");
  lines.push(
    `${"".padEnd(30)}${"fixes".padStart(6)}${"tp".padStart(6)}${"fp".padStart(6)}${"fn".padStart(6)}   precision recall  F1`,
  );
  lines.push(row("oracle fixes in the labels", given));
  if (dropped.length > 0) lines.push(row("…that are fixes w/o trailer", found));
  lines.push(row("all oracle fixes", all));
  for (const p of PUBLISHED) lines.push(row(p.name, p));
  if (args.details > 0) {
    lines.push("");
    for (const f of all.perFix.filter((x) => x.fp + x.fn > 0).slice(0, args.details)) {
      const list = (xs: string[]) => xs.map(safeSha).join(" ") || "-";
      lines.push(
        `${safeSha(f.fix)}${f.found ? "" : " (not found as a fix)"}: wrong ${list(f.wrong)}; missed ${list(f.missed)}`,
      );
    }
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
