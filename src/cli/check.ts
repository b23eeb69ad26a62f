import { readParents } from "../git/parents.js";
import { readCommitChange, readStagedChange, type StagedChange } from "../git/readChange.js";
import { resolveCommit } from "../git/repo.js";
import { rangeCommits } from "../git/revList.js";
import { ancestorsOf } from "../history/ancestry.js";
import { check } from "../hooks/checker.js";
import { colors } from "../report/colors.js";
import { printErr, printOut } from "../report/output.js";
import { renderJson } from "../report/renderJson.js";
import { renderSarif } from "../report/renderSarif.js";
import { renderText } from "../report/renderText.js";
import { sanitizeLine } from "../report/sanitize.js";
import type { MatchExplanation, ReportItem } from "../verdict/types.js";
import { type Command, formatOf, parse, UsageError } from "./args.js";
import { version } from "./version.js";

export const checkCmd: Command = {
  help: `Usage: dejafix check [--staged | REV | RANGE] [--repo DIR] [--format text|json|sarif] [--verbose] [--explain]

--staged (default) checks what \`git commit\` would record now; REV checks one commit against its first
parent; RANGE (A..B) checks every non-merge commit in it. A commit is matched only against past fixes
that are its ancestors: what the hook knew when it was made. Reads only git objects: your work tree and
index are never touched. Exit code 1 when a change would be blocked, else 0 (2: a usage error,
3: it could not run; docs/cli.md).
--format json follows docs/check-output.schema.json; --format sarif writes SARIF 2.1.0 for code
scanning in CI (GitHub, GitLab).
--explain lists, on standard error, every past defect block the change resembles and why it is shown
or not (docs/matching.md says what each reason means).`,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      {
        repo: { type: "string", default: "." },
        staged: { type: "boolean", default: false },
        format: { type: "string", default: "text" },
        verbose: { type: "boolean", default: false },
        explain: { type: "boolean", default: false },
      },
      { positionals: true },
    );
    const format = formatOf(values.format, ["text", "json", "sarif"]);
    const repoDir = values.repo as string;
    if (positionals.length > 1) throw new UsageError("give one REV or RANGE");
    const target = values.staged ? undefined : positionals[0];
    const changes: { commit: string | null; read: () => StagedChange }[] = [];
    if (!target) changes.push({ commit: null, read: () => readStagedChange(repoDir) });
    else {
      const one = target.includes("..") ? null : await resolveCommit(repoDir, target);
      if (!target.includes("..") && one === null)
        throw new UsageError(`${target} is not a commit of ${repoDir}`);
      const shas = one !== null ? [one] : await rangeCommits(repoDir, target);
      for (const sha of shas) changes.push({ commit: sha, read: () => readCommitChange(repoDir, sha) });
    }
    const parents = await readParents(
      repoDir,
      changes.flatMap((c) => (c.commit ? [c.commit] : [])),
    );
    const items: ReportItem[] = [];
    const explained: MatchExplanation[] = [];
    for (const { commit, read } of changes) {
      const change = read();
      const known = commit ? ancestorsOf(parents, commit) : null;
      const verdict = await check(change, {
        repoDir,
        budgetMs: Number.POSITIVE_INFINITY,
        hook: "check",
        ...(known ? { knownFix: (sha: string) => known.has(sha) } : {}),
        ...(values.explain ? { explain: (e: MatchExplanation) => explained.push(e) } : {}),
      });
      if (values.explain) writeExplanations(commit, explained.splice(0));
      const first = change.files.find((f) => f.newPath && f.hunks.length > 0);
      const anchor = first?.newPath
        ? { path: first.newPath, line: first.hunks[0]?.newStart ?? 1 }
        : undefined;
      items.push({ verdict, commit, ...(anchor ? { anchor } : {}) });
    }
    if (format === "json") printOut(`${renderJson(items)}\n`);
    else if (format === "sarif") printOut(`${renderSarif(items, { toolVersion: version() })}\n`);
    else {
      const c = colors({ isTTY: Boolean(process.stdout.isTTY) });
      for (const item of items) {
        const text = renderText(item.verdict, {
          colors: c,
          verbose: values.verbose === true || changes.length === 1,
          see: item.commit ? `dejafix check ${item.commit.slice(0, 10)}` : "dejafix check --staged",
        });
        if (text) printOut(`${item.commit ? `${c.bold(item.commit.slice(0, 10))}\n` : ""}${text}\n`);
      }
    }
    return items.some((i) => i.verdict.action === "block") ? 1 : 0;
  },
};

/** One line per past defect block the change resembled: where, which fix, how alike, what became of it. */
function writeExplanations(commit: string | null, explained: MatchExplanation[]): void {
  const what = commit ? commit.slice(0, 10) : "the staged change";
  if (explained.length === 0) {
    printErr(`${what}: resembles no past defect block\n`);
    return;
  }
  for (const e of explained)
    printErr(
      `${sanitizeLine(
        `${what}: ${e.path}:${e.line} ~ fix ${e.fix.slice(0, 10) || "?"} (block ${e.defectBlockId}, ${Math.round(100 * e.similarity)}% alike): ${e.outcome}`,
      )}\n`,
    );
}
