/**
 * Commit labels from the links developers wrote, for measuring the risk model on a repository
 * without an external oracle:
 *
 *   node dist/bench/declaredLabels.js --repo /tmp/c-curl --from 2019-01-01 --to 2024-12-31 > curl.csv
 *
 * A commit is labelled buggy (1) when a later fix names it: a `Fixes: <sha>` trailer, a phrase such
 * as "regression from <sha>" / "introduced in <sha>" / "broken by <sha>", or curl's "Follow-up to
 * <sha>" when the commit that writes it is a fix (its subject says fix, bug, regression, crash,
 * leak, overflow, … or its message carries a `Reported-by:`). Every other non-merge commit
 * authored between --from and --to is labelled 0: not known buggy, which is not the same as clean
 * (developers do not name the origin of every fix). The output is `commit,buggy`, the layout
 * `dejafix eval --labels` and bench/zookeeperEval.js read. A summary goes to stderr.
 *
 * `--buggy FILE` (one full sha a line) takes the buggy commits from an oracle instead of the
 * messages, e.g. Defects4J Lang's bug-inducing commits: `cut -d, -f8 d4j_lang_bic.csv | tail -n +2`.
 */

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { commitMessages, resolveShas } from "../src/git/revList.js";
import { git } from "../src/git/run.js";

const FIXES_TRAILER = /^[ \t]*Fixes:[ \t]*(?:commit[ \t]+)?`?([0-9a-f]{7,40})\b/gim;
const PHRASE_LINK =
  /\b(?:regression\s+(?:from|since|in|introduced\s+(?:in|by))|regressed\s+(?:in|by)|introduced\s+(?:in|by)|broken\s+(?:in|by)|caused\s+by)\s+(?:(?:the\s+)?commit\s+)?(?:https?:\/\/\S*?\/commits?\/)?[`'"(]?([0-9a-f]{7,40})\b/gi;
const FOLLOW_UP = /\bfollow-?up\s+(?:to|of|from)\s+(?:(?:the\s+)?commit\s+)?[`'"(]?([0-9a-f]{7,40})\b/gi;
const FIX_SUBJECT =
  /\b(?:fix(?:es|ed|ing)?|bug|regression|crash(?:es|ed)?|leak(?:s|ed)?|overflow|segfault|null deref\w*|use[- ]after[- ]free|double[- ]free|broken|wrong|incorrect(?:ly)?|hang(?:s)?)\b/i;

/** Adds to `buggy` every commit a fix names; returns how many fixes name one. */
async function namedByFixes(repo: string, buggy: Set<string>): Promise<number> {
  const refs = new Map<string, string>(); // abbreviation → the fix that names it
  let fixesWithLinks = 0;
  for (const { sha, parents, message } of await commitMessages(repo, "HEAD")) {
    if (parents.length > 1) continue;
    const subject = message.split("\n", 1)[0] ?? "";
    const named = [
      ...[...message.matchAll(FIXES_TRAILER)].map((m) => m[1]),
      ...[...message.matchAll(PHRASE_LINK)].map((m) => m[1]),
      ...(FIX_SUBJECT.test(subject) || /^Reported-by:/im.test(message)
        ? [...message.matchAll(FOLLOW_UP)].map((m) => m[1])
        : []),
    ].filter((s): s is string => Boolean(s));
    if (named.length > 0) fixesWithLinks++;
    for (const abbrev of named) if (!refs.has(abbrev.toLowerCase())) refs.set(abbrev.toLowerCase(), sha);
  }
  const resolved = await resolveShas(repo, [...refs.keys()]);
  for (const [abbrev, fix] of refs) {
    const r = resolved.get(abbrev);
    if (r?.kind === "commit" && r.sha !== fix) buggy.add(r.sha);
  }
  return fixesWithLinks;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      repo: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      buggy: { type: "string" },
    },
  });
  if (!values.repo || !values.from || !values.to) {
    process.stderr.write("declaredLabels: --repo DIR --from YYYY-MM-DD --to YYYY-MM-DD are required\n");
    process.exit(2);
  }
  const from = Date.parse(`${values.from}T00:00:00Z`) / 1000;
  const to = Date.parse(`${values.to}T23:59:59Z`) / 1000;
  const buggy = new Set<string>();
  let fixesWithLinks = 0;
  if (values.buggy) {
    for (const line of readFileSync(values.buggy, "utf8").split("\n"))
      if (/^[0-9a-f]{40}$/.test(line.trim())) buggy.add(line.trim());
  } else fixesWithLinks = await namedByFixes(values.repo, buggy);
  const log = await git(values.repo, ["log", "--no-merges", "--format=%H %at", "HEAD", "--"]);
  const out = ["commit,buggy"];
  let positives = 0;
  for (const line of log.split("\n")) {
    const [sha, at] = line.split(" ");
    const time = Number(at);
    if (!sha || !(time >= from && time <= to)) continue;
    const label = buggy.has(sha) ? 1 : 0;
    positives += label;
    out.push(`${sha},${label}`);
  }
  process.stdout.write(`${out.join("\n")}\n`);
  process.stderr.write(
    `declaredLabels: ${values.buggy ? `${buggy.size} listed buggy commits` : `${fixesWithLinks} fixes name ${buggy.size} commits`}; ` +
      `${out.length - 1} commits in ${values.from}…${values.to}, ${positives} of them buggy (${((100 * positives) / Math.max(out.length - 1, 1)).toFixed(1)}%)\n`,
  );
}

await main();
