/**
 * What a developer would have seen on a real repository, and what dejafix catches when a real bug comes
 * back. The repository is indexed as of N commits ago; every later commit is then checked as the hook
 * would have checked it (`dejafix check BASE..HEAD`, each commit matched only against fixes that are its
 * ancestors). Then, on the base, real fixes are undone one at a time (`git revert --no-commit FIX`) and
 * the code of real fixes' parents is copied into a new file with every identifier renamed; each is
 * checked as a staged change. With --baseline, another build of dejafix runs the same steps on its own
 * clone, and every figure is printed next to its.
 *
 *   node dist/bench/matchReplay.js --mirror /work/.mirror/redis+redis/repo [--commits 300]
 *     [--cases 30] [--seed 1] [--baseline /path/to/other/dejafix] [--sample 20 --sample-out FILE] [--json]
 *
 * Figures: the share of replayed commits with a match shown (and with a warning, not a note); shown
 * suggestions whose added lines are all in the file already; the warned commits later found
 * defect-introducing (SZZ on the full history, against the base rate of all replayed commits); the
 * re-introduced defects caught with the right fix; the time of the replay and of the largest commits.
 */

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Rng } from "../fixtures/rng.js";
import { openIndex } from "../src/api.js";
import { expandToBlock } from "../src/blocks/expandToBlock.js";
import { codeLanguageOf } from "../src/blocks/languageOf.js";
import { normalizeBlock } from "../src/blocks/normalizeBlock.js";
import { sqlite } from "../src/index/connection.js";
import { DefectBlockReader } from "../src/index/defectBlocks.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** This build's CLI (dist/bench → dist/src/cli/main.js). */
const OWN_CLI = path.join(HERE, "..", "src", "cli", "main.js");

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function git(cwd: string, args: string[], input?: string): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    maxBuffer: 1 << 30,
    stdio: ["pipe", "pipe", "pipe"],
    ...(input !== undefined ? { input } : {}),
  });
}

function tryGit(cwd: string, args: string[]): boolean {
  try {
    git(cwd, args);
    return true;
  } catch {
    return false;
  }
}

interface Build {
  name: string;
  cli: string;
}

function dejafix(build: Build, args: string[]): { out: string; seconds: number } {
  const t = performance.now();
  const out = execFileSync(process.execPath, [build.cli, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", DEJAFIX_QUIET: "1" },
  });
  return { out, seconds: (performance.now() - t) / 1000 };
}

/** Only the fields both builds print (an older build has no `recurrence` or `placed`). */
interface ShownMatch {
  path: string;
  startLine: number;
  endLine: number;
  similarity: number;
  fix: { sha: string; subject: string };
  defect: { sha: string; subject: string; path: string };
  recurrence?: { kind: string; lines: number[] };
  evidence?: string;
  suggestion?: { diff: string; placed?: boolean; appliesCleanly: boolean | null; why?: string };
}

interface CheckResult {
  commit: string | null;
  action: string;
  level: string;
  matches: ShownMatch[];
}

function results(json: string): CheckResult[] {
  return (JSON.parse(json) as { results: CheckResult[] }).results;
}

/** A re-introduced defect: a fix undone, or its parent's code copied under other names. */
interface Case {
  kind: "revert" | "copy";
  fix: string;
  /** For copies: the new file and its text. */
  file?: string;
  text?: string;
}

interface CaseResult extends Case {
  applied: boolean;
  caught: boolean;
  placed: boolean;
  shown: number;
  /** Similarity of the match that named the fix. */
  similarity?: number;
}

interface BuildFigures {
  build: string;
  indexSeconds: number;
  replaySeconds: number;
  commits: number;
  withMatch: number;
  warned: number;
  matches: number;
  placed: number;
  alreadyPresent: number;
  laterBuggy: number | null;
  cases: CaseResult[];
  bigCommits: Array<{ sha: string; lines: number; seconds: number }>;
  shown: Array<{ commit: string; match: ShownMatch }>;
}

/**
 * The block's variables renamed, as a developer who copies code renames its locals and parameters:
 * names that are neither called (`f(`), nor members (`.f`), nor types (capitalised) get a suffix;
 * keywords, literals and layout stay.
 */
function renamed(lines: string[], language: string): string[] {
  const norm = normalizeBlock(lines, language, 1);
  const out = [...lines];
  const byLine = new Map<number, Array<{ column: number; text: string }>>();
  norm.tokens.forEach((t, i) => {
    if (t.kind !== "identifier" || t.text.includes("\n") || !/^[a-z_]/.test(t.text)) return;
    const prev = norm.tokens[i - 1];
    const next = norm.tokens[i + 1];
    if (prev?.text === "." || prev?.text === "->" || prev?.text === "::" || next?.text === "(") return;
    const list = byLine.get(t.line) ?? [];
    list.push({ column: t.column, text: t.text });
    byLine.set(t.line, list);
  });
  // A name is renamed everywhere or nowhere: called somewhere, it keeps its name throughout.
  const called = new Set(
    norm.tokens
      .filter((t, i) => t.kind === "identifier" && norm.tokens[i + 1]?.text === "(")
      .map((t) => t.text),
  );
  for (const [line, toks] of byLine) {
    let text = out[line - 1] ?? "";
    for (const t of toks.sort((a, b) => b.column - a.column)) {
      const at = t.column - 1;
      if (called.has(t.text) || text.slice(at, at + t.text.length) !== t.text) continue;
      text = `${text.slice(0, at)}${t.text}Alt${text.slice(at + t.text.length)}`;
    }
    out[line - 1] = text;
  }
  return out;
}

/** Seeded sample of real fixes (with defect blocks in this build's index at the base) to undo and to copy. */
async function pickCases(clone: string, count: number, seed: number): Promise<Case[]> {
  const store = await openIndex(clone, { readonly: true });
  const blocks = new Map<string, { path: string; start: number; end: number; language: string }>();
  try {
    const repo = sqlite(store)
      .prepare("SELECT id FROM repos WHERE role = 'self' ORDER BY id LIMIT 1")
      .get() as {
      id: number;
    };
    // A fix reverted later (before the base) no longer stands: undoing it again re-introduces nothing.
    const reverted = [...store.revertedCommits()].map(([written]) => written);
    const withdrawn = (sha: string) => reverted.some((w) => sha.startsWith(w));
    for (const b of new DefectBlockReader(store).inHistoryOrder(repo.id))
      if (!blocks.has(b.fix.sha) && !withdrawn(b.fix.sha))
        blocks.set(b.fix.sha, { path: b.path, start: b.startLine, end: b.endLine, language: b.language });
  } finally {
    store.close();
  }
  const rng = new Rng(seed);
  const fixes = rng.shuffle([...blocks.keys()]);
  const cases: Case[] = [];
  // Every fix is a revert candidate (many do not revert cleanly on the base); copies stop at `count`.
  for (const fix of fixes) {
    cases.push({ kind: "revert", fix });
    if (cases.filter((c) => c.kind === "copy").length >= count) continue;
    // The enclosing function of the fixed block, as the fix found it: old code someone copies elsewhere.
    const b = blocks.get(fix)!;
    let text: string;
    try {
      text = git(clone, ["show", `${fix}^:${b.path}`]);
    } catch {
      continue;
    }
    const lines = text.split("\n");
    const r = expandToBlock(lines, b.start, b.end, b.language, { maxLines: 120 });
    const range = r.capped || r.end - r.start > 120 ? { start: b.start, end: b.end } : r;
    const copy = renamed(lines.slice(range.start - 1, range.end), b.language);
    const ext = path.extname(b.path);
    if (codeLanguageOf(`x${ext}`) === undefined) continue;
    cases.push({
      kind: "copy",
      fix,
      file: path.posix.join(path.posix.dirname(b.path), `dejafix_copy${ext}`),
      text: `${copy.join("\n")}\n`,
    });
  }
  return cases;
}

/** Runs cases in order until `want` of each kind applied on the base (Infinity: all of them). */
function runCases(
  build: Build,
  clone: string,
  base: string,
  cases: readonly Case[],
  want: number,
): CaseResult[] {
  const wt = path.join(path.dirname(clone), `${path.basename(clone)}-wt`);
  rmSync(wt, { recursive: true, force: true });
  tryGit(clone, ["worktree", "prune"]);
  git(clone, ["worktree", "add", "-q", "--detach", wt, base]);
  const out: CaseResult[] = [];
  try {
    for (const c of cases) {
      if (out.filter((x) => x.kind === c.kind && x.applied).length >= want) continue;
      git(wt, ["reset", "-q", "--hard", base]);
      git(wt, ["clean", "-qfd"]);
      let applied: boolean;
      if (c.kind === "revert") {
        applied = tryGit(wt, ["revert", "--no-commit", c.fix]);
        if (!applied) tryGit(wt, ["revert", "--abort"]);
      } else {
        const file = path.join(wt, c.file!);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, c.text!);
        applied = tryGit(wt, ["add", "--", c.file!]);
      }
      if (!applied) continue;
      const [r] = results(dejafix(build, ["check", "--staged", "--repo", wt, "--format", "json"]).out);
      const hit = r?.matches.find((m) => m.fix.sha === c.fix);
      out.push({
        ...c,
        applied,
        caught: hit !== undefined,
        placed: hit?.suggestion !== undefined && hit.suggestion.placed !== false,
        shown: r?.matches.length ?? 0,
        ...(hit ? { similarity: hit.similarity } : {}),
      });
    }
  } finally {
    tryGit(wt, ["revert", "--quit"]);
    tryGit(clone, ["worktree", "remove", "--force", wt]);
  }
  return out;
}

/** All non-trivial added lines of a placed diff are in the file already: the fix is re-applied. */
function reappliesPresent(clone: string, commit: string, m: ShownMatch): boolean {
  const s = m.suggestion;
  if (!s || s.placed === false) return false;
  const added = s.diff
    .split("\n")
    .filter((l) => l.startsWith("+") && !l.startsWith("+++"))
    .map((l) => l.slice(1).trim())
    .filter((l) => /[\p{L}\p{N}]/u.test(l));
  if (added.length === 0) return false;
  let text: string;
  try {
    text = git(clone, ["show", `${commit}:${m.path}`]);
  } catch {
    return false;
  }
  const have = new Set(text.split("\n").map((l) => l.trim()));
  return added.every((l) => have.has(l));
}

function measure(
  build: Build,
  mirror: string,
  work: string,
  commits: number,
  cases: (clone: string, base: string) => Promise<Case[]>,
  want: number,
): Promise<{ figures: BuildFigures; clone: string; base: string; replayed: string[] }> {
  return (async () => {
    const clone = path.join(work, build.name);
    git(work, ["clone", "-q", "--no-checkout", mirror, clone]);
    const base = git(clone, ["rev-parse", `HEAD~${commits}`]).trim();
    const index = dejafix(build, ["index", "--repo", clone, "--rev", base]);
    const replay = dejafix(build, ["check", `${base}..HEAD`, "--repo", clone, "--format", "json"]);
    const rs = results(replay.out);
    const shown = rs.filter((r) => r.matches.length > 0);
    const placedMatches = shown.flatMap((r) =>
      r.matches.filter((m) => m.suggestion && m.suggestion.placed !== false).map((m) => ({ r, m })),
    );
    const replayed = rs.map((r) => r.commit!);
    // The largest commits of the period, checked alone (the hook's budget is what matters).
    const sizes = git(clone, ["log", "--no-merges", "--format=%x00%H", "--numstat", `${base}..HEAD`])
      .split("\0")
      .filter(Boolean)
      .map((chunk) => {
        const [sha = "", ...rest] = chunk.split("\n");
        const lines = rest.reduce((s, l) => s + (Number(l.split("\t")[0]) || 0), 0);
        return { sha: sha.trim(), lines };
      })
      .sort((a, b) => b.lines - a.lines)
      .slice(0, 3);
    const bigCommits = sizes.map((s) => ({
      ...s,
      seconds: dejafix(build, ["check", s.sha, "--repo", clone, "--format", "json"]).seconds,
    }));
    const caseResults = want > 0 ? runCases(build, clone, base, await cases(clone, base), want) : [];
    return {
      clone,
      base,
      replayed,
      figures: {
        build: build.name,
        indexSeconds: index.seconds,
        replaySeconds: replay.seconds,
        commits: rs.length,
        withMatch: shown.length,
        warned: shown.filter((r) => r.action === "warn" || r.action === "block").length,
        matches: shown.reduce((s, r) => s + r.matches.length, 0),
        placed: placedMatches.length,
        alreadyPresent: placedMatches.filter(({ r, m }) => reappliesPresent(clone, r.commit!, m)).length,
        laterBuggy: null,
        cases: caseResults,
        bigCommits,
        shown: shown.flatMap((r) => r.matches.map((m) => ({ commit: r.commit!, match: m }))),
      },
    };
  })();
}

/** Commits that SZZ on the full history (this build) finds defect-introducing. */
function inducingCommits(build: Build, clone: string): Set<string> {
  dejafix(build, ["index", "--repo", clone]);
  const out = new Set<string>();
  for (const line of dejafix(build, ["labels", "--repo", clone]).out.split("\n")) {
    if (!line.trim()) continue;
    for (const i of (JSON.parse(line) as { inducing: Array<{ commit: string }> }).inducing) out.add(i.commit);
  }
  return out;
}

const pct = (n: number, of: number): string => (of === 0 ? "-" : `${((100 * n) / of).toFixed(1)}%`);

async function main(argv: string[]): Promise<number> {
  const mirror = flag(argv, "--mirror");
  if (!mirror) {
    process.stderr.write(
      "usage: node dist/bench/matchReplay.js --mirror GITDIR [--commits 300] [--cases 30] [--seed 1] [--baseline DEJAFIX_DIR] [--sample 20 --sample-out FILE] [--json]\n",
    );
    return 2;
  }
  const commits = Number(flag(argv, "--commits") ?? 300);
  const count = Number(flag(argv, "--cases") ?? 30);
  const seed = Number(flag(argv, "--seed") ?? 1);
  const baselineDir = flag(argv, "--baseline");
  const work = mkdtempSync(path.join(tmpdir(), "dejafix-replay-"));
  try {
    const own: Build = { name: "this", cli: OWN_CLI };
    let picked: Case[] = [];
    const mine = await measure(
      own,
      mirror,
      work,
      commits,
      async (clone) => {
        picked = await pickCases(clone, count, seed);
        return picked;
      },
      count,
    );
    const buggy = inducingCommits(own, mine.clone);
    const warnedCommits = new Set(mine.figures.shown.map((s) => s.commit));
    mine.figures.laterBuggy = [...warnedCommits].filter((c) => buggy.has(c)).length;
    const baseRate = mine.replayed.filter((c) => buggy.has(c)).length;
    const all = [mine.figures];
    if (baselineDir) {
      const other = await measure(
        { name: "baseline", cli: path.join(baselineDir, "dist", "src", "cli", "main.js") },
        mirror,
        work,
        commits,
        // Exactly the cases that applied for this build.
        async () => mine.figures.cases,
        Number.POSITIVE_INFINITY,
      );
      const shownThere = new Set(other.figures.shown.map((s) => s.commit));
      other.figures.laterBuggy = [...shownThere].filter((c) => buggy.has(c)).length;
      all.push(other.figures);
    }
    const sampleSize = Number(flag(argv, "--sample") ?? 0);
    const sampleOut = flag(argv, "--sample-out");
    if (sampleSize > 0 && sampleOut) {
      const rng = new Rng(seed);
      const shown = rng.shuffle(mine.figures.shown);
      writeFileSync(
        sampleOut,
        `${JSON.stringify({ mirror, base: mine.base, sample: shown.slice(0, sampleSize) }, null, 2)}\n`,
      );
    }
    if (argv.includes("--json")) {
      process.stdout.write(
        `${JSON.stringify({ mirror, base: mine.base, baseRate, builds: all }, null, 2)}\n`,
      );
      return 0;
    }
    const row = (label: string, f: (b: BuildFigures) => string): string =>
      `${label.padEnd(52)}${all.map((b) => f(b).padStart(18)).join("")}\n`;
    const caseFig = (b: BuildFigures, kind: Case["kind"]): string => {
      const cs = b.cases.filter((c) => c.kind === kind && c.applied);
      return `${cs.filter((c) => c.caught).length}/${cs.length} (${pct(cs.filter((c) => c.caught).length, cs.length)})`;
    };
    let text = `${mirror}: the ${mine.figures.commits} commits after ${mine.base.slice(0, 10)}\n`;
    text += row("", (b) => b.build);
    text += row("commits with a match shown", (b) => `${b.withMatch} (${pct(b.withMatch, b.commits)})`);
    text += row(
      "  ... of them with a warning (not a note)",
      (b) => `${b.warned} (${pct(b.warned, b.commits)})`,
    );
    text += row("matches shown (most on one commit)", (b) => {
      const per = new Map<string, number>();
      for (const x of b.shown) per.set(x.commit, (per.get(x.commit) ?? 0) + 1);
      return `${b.matches} (${Math.max(0, ...per.values())})`;
    });
    text += row("placed suggestions re-adding lines already there", (b) => `${b.alreadyPresent}/${b.placed}`);
    text += row(
      `commits shown a match, later found buggy (base ${pct(baseRate, mine.figures.commits)})`,
      (b) => `${b.laterBuggy}/${b.withMatch} (${pct(b.laterBuggy ?? 0, b.withMatch)})`,
    );
    text += row("reverted fixes caught with the right fix", (b) => caseFig(b, "revert"));
    text += row("renamed copies caught with the right fix", (b) => caseFig(b, "copy"));
    text += row("  ... with the fix placed in the code", (b) => {
      const caught = b.cases.filter((c) => c.caught);
      return `${caught.filter((c) => c.placed).length}/${caught.length}`;
    });
    text += row("index as of the base (s)", (b) => b.indexSeconds.toFixed(1));
    text += row("check of every replayed commit (s)", (b) => b.replaySeconds.toFixed(1));
    for (let k = 0; k < 3; k++)
      text += row(`largest commit #${k + 1} alone (s, lines added)`, (b) => {
        const c = b.bigCommits[k];
        return c ? `${c.seconds.toFixed(1)} (${c.lines})` : "-";
      });
    process.stdout.write(text);
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
