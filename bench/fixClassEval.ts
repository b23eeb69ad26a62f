/**
 * Precision and recall of fix classification from commit messages alone (no tracker export), against
 * what a project itself says its bug fixes are:
 *
 *   --changelog FILE   a conventional-changelog CHANGELOG.md (vuejs/core): commits listed under
 *                      "Bug Fixes" are fixes, every other non-merge commit of the period is not;
 *   --towncrier DIR    towncrier fragments (pytest's changelog/NNN.bugfix.rst): commits adding a
 *                      `bugfix` fragment are fixes, commits adding any other kind are not;
 *   --apachejit FILE   ApacheJIT's commit_links_<PROJECT>.csv: its fix commits (issues of type Bug,
 *                      resolved fixed) are fixes; every other non-merge commit of the period naming an
 *                      issue of the project is not.
 *
 *   node dist/bench/fixClassEval.js --repo CLONE (--changelog FILE | --towncrier DIR | --apachejit FILE)
 *     [--classifier path/to/dist/src/history/classify.js] [--errors N]
 *
 * --classifier measures another build's classifier on the same commits (before/after).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", maxBuffer: 1 << 30 });
}

interface Commit {
  sha: string;
  time: number;
  message: string;
}

/** Every non-merge commit reachable from HEAD with its full message. */
function commits(repo: string): Commit[] {
  return git(repo, ["log", "--no-merges", "--format=%x01%H %at%x02%B"])
    .split("\x01")
    .filter(Boolean)
    .map((r) => {
      const [head = "", message = ""] = r.split("\x02");
      const [sha = "", time = "0"] = head.trim().split(" ");
      return { sha, time: Number(time), message: message.replace(/\n+$/, "") };
    });
}

/** Labelled population: sha → is a bug fix. */
type Truth = Map<string, boolean>;

function fromChangelog(all: Commit[], file: string): Truth {
  const text = readFileSync(file, "utf8");
  const fixes = new Set<string>();
  const listed = new Set<string>();
  let section = "";
  for (const line of text.split("\n")) {
    const h = /^#{2,4}\s+(.*)$/.exec(line);
    if (h) {
      section = h[1]!.trim().toLowerCase();
      continue;
    }
    for (const m of line.matchAll(/\/commit\/([0-9a-f]{7,40})/g)) {
      listed.add(m[1]!);
      if (section === "bug fixes") fixes.add(m[1]!);
    }
  }
  const byPrefix = (sha: string, set: Set<string>) => [...set].some((p) => sha.startsWith(p));
  const times = all.filter((c) => byPrefix(c.sha, listed)).map((c) => c.time);
  const [from, to] = [Math.min(...times), Math.max(...times)];
  const truth: Truth = new Map();
  for (const c of all) if (c.time >= from && c.time <= to) truth.set(c.sha, byPrefix(c.sha, fixes));
  return truth;
}

function fromTowncrier(repo: string, dir: string): Truth {
  const truth: Truth = new Map();
  const out = git(repo, [
    "log",
    "--no-merges",
    "--diff-filter=A",
    "--name-only",
    "--format=%x01%H",
    "--",
    dir,
  ]);
  for (const rec of out.split("\x01").filter(Boolean)) {
    const [sha = "", ...files] = rec.trim().split("\n");
    const kinds = files.map((f) => /\.([a-z]+)(?:\.\d+)?\.(?:rst|md)$/.exec(f)?.[1]).filter(Boolean);
    if (kinds.length === 0) continue;
    truth.set(sha.trim(), kinds.includes("bugfix"));
  }
  return truth;
}

function fromApacheJit(all: Commit[], file: string): Truth {
  const rows = readFileSync(file, "utf8").trim().split("\n").slice(1);
  const fixes = new Set(rows.map((r) => r.split(",")[0]!));
  const project = rows[0]?.split(",")[4]?.trim() ?? "";
  const dates = rows.map((r) => Number(r.split(",")[1]));
  const [from, to] = [Math.min(...dates), Math.max(...dates)];
  const key = new RegExp(`\\b${project}-\\d+`);
  const truth: Truth = new Map();
  for (const c of all) {
    if (fixes.has(c.sha)) truth.set(c.sha, true);
    else if (c.time >= from && c.time <= to && key.test(c.message)) truth.set(c.sha, false);
  }
  return truth;
}

async function main(argv: string[]): Promise<number> {
  const repo = flag(argv, "--repo");
  if (!repo) {
    process.stderr.write(
      "usage: node dist/bench/fixClassEval.js --repo CLONE (--changelog FILE | --towncrier DIR | --apachejit FILE) [--classifier FILE] [--errors N]\n",
    );
    return 2;
  }
  const all = commits(repo);
  const changelog = flag(argv, "--changelog");
  const towncrier = flag(argv, "--towncrier");
  const apachejit = flag(argv, "--apachejit");
  const truth = changelog
    ? fromChangelog(all, changelog)
    : towncrier
      ? fromTowncrier(repo, towncrier)
      : apachejit
        ? fromApacheJit(all, apachejit)
        : null;
  if (!truth) throw new Error("give --changelog, --towncrier or --apachejit");
  const module =
    flag(argv, "--classifier") ?? path.join(import.meta.dirname, "..", "src", "history", "classify.js");
  const { classifyCommit } = (await import(pathToFileURL(path.resolve(module)).href)) as {
    classifyCommit: (m: string) => { isFix: boolean; reasons: string[] };
  };
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const errors: string[] = [];
  // Per deciding reason (the first one): how many of the commits it made fixes really are.
  const byReason = new Map<string, { tp: number; fp: number }>();
  for (const c of all) {
    const label = truth.get(c.sha);
    if (label === undefined) continue;
    const got = classifyCommit(c.message);
    if (got.isFix) {
      const r = byReason.get(got.reasons[0] ?? "?") ?? { tp: 0, fp: 0 };
      if (label) r.tp++;
      else r.fp++;
      byReason.set(got.reasons[0] ?? "?", r);
    }
    if (got.isFix && label) tp++;
    else if (got.isFix) {
      fp++;
      errors.push(`FP ${c.sha.slice(0, 10)} [${got.reasons.join(",")}] ${c.message.split("\n")[0]}`);
    } else if (label) {
      fn++;
      errors.push(`FN ${c.sha.slice(0, 10)} ${c.message.split("\n")[0]}`);
    } else tn++;
  }
  const p = tp / Math.max(1, tp + fp);
  const r = tp / Math.max(1, tp + fn);
  process.stdout.write(
    `${truth.size} labelled commits, ${tp + fn} bug fixes: precision ${p.toFixed(3)}, recall ${r.toFixed(3)}, ` +
      `F1 ${((2 * p * r) / Math.max(1e-9, p + r)).toFixed(3)} (tp ${tp}, fp ${fp}, fn ${fn}, tn ${tn})\n`,
  );
  process.stdout.write(
    `  by first reason: ${[...byReason].map(([k, v]) => `${k} ${v.tp}/${v.tp + v.fp}`).join(", ")}\n`,
  );
  const n = Number(flag(argv, "--errors") ?? 0);
  if (n > 0) process.stdout.write(`${errors.slice(0, n).join("\n")}\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
