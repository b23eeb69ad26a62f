/**
 * Precision and recall of fix classification from commit messages alone (no tracker export), against
 * what a project itself says its bug fixes are:
 *
 *   --changelog FILE   a conventional-changelog CHANGELOG.md (vuejs/core): commits listed under
 *                      "Bug Fixes" are fixes, every other non-merge commit of the period is not; give
 *                      it once per file when older releases are in other files (changelogs/*.md);
 *   --towncrier DIR    towncrier fragments (pytest's changelog/NNN.bugfix.rst): commits adding a
 *                      `bugfix` fragment are fixes, commits adding any other kind are not;
 *   --apachejit FILE   ApacheJIT's commit_links_<PROJECT>.csv: its fix commits (issues of type Bug,
 *                      resolved fixed) are fixes; every other non-merge commit of the period naming an
 *                      issue of the project is not;
 *   --changes-xml FILE a maven-changes-plugin changes.xml (commons-lang's src/changes/changes.xml):
 *                      a commit naming a key whose `<action issue="KEY-1" type="fix">` is a fix, one
 *                      naming only keys of type add/update/remove is not;
 *   --jira-changelog PATH  the tracker's own grouping of issues by type, in a file or a folder of files:
 *                      Apache Yetus releasedocmaker CHANGELOG.*.md (`### BUG FIXES:` tables) or an old
 *                      Apache CHANGES.txt (`BUGFIXES:` lists): a commit naming a key listed as a bug fix
 *                      is a fix, one naming only keys of new features, improvements, tests or other work
 *                      is not (sub-tasks and incompatible/important lists say no type, and label nothing);
 *   --fix-list FILE    a CSV of known bug fixes (Defects4J's `fix_commit` column): recall only.
 *
 *   node dist/bench/fixClassEval.js --repo CLONE (--changelog FILE | --towncrier DIR | --apachejit FILE |
 *     --changes-xml FILE | --jira-changelog PATH | --fix-list FILE)
 *     [--classifier path/to/dist/src/history/classify.js] [--config JSON] [--errors N]
 *
 * --config JSON gives `fixes` settings as a rules file would (`'{"issueRefsAreFixes":true}'`).
 * --classifier measures another build's classifier on the same commits (before/after). The last line
 * gives the share of all non-merge commits of the labelled period that the classifier calls fixes.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function flags(argv: string[], name: string): string[] {
  return argv.flatMap((a, i) => (a === name && argv[i + 1] !== undefined ? [argv[i + 1]!] : []));
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

function fromChangelog(all: Commit[], files: string[]): Truth {
  const text = files.map((f) => readFileSync(f, "utf8")).join("\n");
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

/** Labels commits by the type of the tracker keys they name: any bug key makes a fix, other known keys none. */
function fromKeyTypes(all: Commit[], types: Map<string, boolean>): Truth {
  const truth: Truth = new Map();
  for (const c of all) {
    const named = [...c.message.matchAll(/(?<![\w-])([A-Z][A-Z0-9]+-\d+)(?!\w)/g)]
      .map((m) => types.get(m[1]!))
      .filter((t) => t !== undefined);
    if (named.length > 0) truth.set(c.sha, named.includes(true));
  }
  return truth;
}

/**
 * Sample (commons-lang):
 *   <action issue="LANG-1597" type="fix" dev="ggregory" due-to="…">Invocation fails …</action>
 */
function fromChangesXml(all: Commit[], file: string): Truth {
  const types = new Map<string, boolean>();
  for (const m of readFileSync(file, "utf8").matchAll(/<action\b([^>]*)>/g)) {
    const issue = /\bissue="([^"]+)"/.exec(m[1]!)?.[1];
    const type = /\btype="([^"]+)"/.exec(m[1]!)?.[1];
    if (!issue || !type) continue;
    for (const key of issue.split(/[\s,]+/).filter(Boolean)) types.set(key.toUpperCase(), type === "fix");
  }
  return fromKeyTypes(all, types);
}

/**
 * Samples: releasedocmaker (`### BUG FIXES:` then `| [OOZIE-1886](https://…) | Queue operation … |`);
 * CHANGES.txt (`BUGFIXES:` then `  ZOOKEEPER-63. Race condition in …`, wrapped over several lines).
 */
function fromJiraChangelog(all: Commit[], where: string): Truth {
  const files = statSync(where).isDirectory()
    ? (readdirSync(where, { recursive: true }) as string[])
        .filter((f) => /(?:^|\/)(?:CHANGELOG|CHANGES)[^/]*\.(?:md|txt)$/i.test(f))
        .map((f) => path.join(where, f))
    : [where];
  const types = new Map<string, boolean>();
  const conflicting = new Set<string>();
  for (const file of files) {
    let kind: boolean | undefined;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const head = /^(?:#+\s*)?([A-Z][A-Z -]+[A-Z]):\s*$/.exec(line.trim());
      if (head) {
        const name = head[1]!.replace(/[\s-]/g, "");
        kind =
          name === "BUGFIXES"
            ? true
            : /^(?:NEWFEATURES?|IMPROVEMENTS?|TESTS?|OTHER)$/.test(name)
              ? false
              : undefined;
        continue;
      }
      if (kind === undefined) continue;
      const key = /^\s*(?:\|\s*\[)?([A-Z][A-Z0-9]+-\d+)\b/.exec(line)?.[1];
      if (!key) continue;
      if (types.has(key) && types.get(key) !== kind) conflicting.add(key);
      types.set(key, kind);
    }
  }
  for (const key of conflicting) types.delete(key);
  return fromKeyTypes(all, types);
}

function fromFixList(all: Commit[], file: string): Truth {
  const [header = "", ...rows] = readFileSync(file, "utf8").trim().split("\n");
  const col = header.split(",").indexOf("fix_commit");
  const fixes = new Set(rows.map((r) => r.split(",")[Math.max(col, 0)]!.trim()));
  const truth: Truth = new Map();
  for (const c of all) if ([...fixes].some((f) => c.sha.startsWith(f))) truth.set(c.sha, true);
  return truth;
}

async function main(argv: string[]): Promise<number> {
  const repo = flag(argv, "--repo");
  if (!repo) {
    process.stderr.write(
      "usage: node dist/bench/fixClassEval.js --repo CLONE (--changelog FILE | --towncrier DIR | --apachejit FILE | --changes-xml FILE | --jira-changelog PATH | --fix-list FILE) [--classifier FILE] [--config JSON] [--errors N]\n",
    );
    return 2;
  }
  const all = commits(repo);
  const changelog = flags(argv, "--changelog");
  const towncrier = flag(argv, "--towncrier");
  const apachejit = flag(argv, "--apachejit");
  const changesXml = flag(argv, "--changes-xml");
  const jiraChangelog = flag(argv, "--jira-changelog");
  const fixList = flag(argv, "--fix-list");
  const truth =
    changelog.length > 0
      ? fromChangelog(all, changelog)
      : towncrier
        ? fromTowncrier(repo, towncrier)
        : apachejit
          ? fromApacheJit(all, apachejit)
          : changesXml
            ? fromChangesXml(all, changesXml)
            : jiraChangelog
              ? fromJiraChangelog(all, jiraChangelog)
              : fixList
                ? fromFixList(all, fixList)
                : null;
  if (!truth)
    throw new Error(
      "give --changelog, --towncrier, --apachejit, --changes-xml, --jira-changelog or --fix-list",
    );
  const module =
    flag(argv, "--classifier") ?? path.join(import.meta.dirname, "..", "src", "history", "classify.js");
  const { classifyCommit } = (await import(pathToFileURL(path.resolve(module)).href)) as {
    classifyCommit: (m: string, config?: object) => { isFix: boolean; reasons: string[] };
  };
  // `--config '{"keywords":[…]}'`: the `fixes` settings of a rules file, to measure a change of them.
  const config = JSON.parse(flag(argv, "--config") ?? "{}") as object;
  const classify = (m: string) => classifyCommit(m, config);
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
    const got = classify(c.message);
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
  // The share of every non-merge commit of the labelled period called a fix (labelled or not).
  const times = all.filter((c) => truth.has(c.sha)).map((c) => c.time);
  const [from, to] = [Math.min(...times), Math.max(...times)];
  const period = all.filter((c) => c.time >= from && c.time <= to);
  const called = period.filter((c) => classify(c.message).isFix).length;
  process.stdout.write(
    `  ${called} of ${period.length} non-merge commits of the period called fixes (${((100 * called) / Math.max(1, period.length)).toFixed(1)}%)\n`,
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
