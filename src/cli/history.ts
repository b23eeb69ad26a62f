import { statSync } from "node:fs";
import { labels, lockIndex, tryLockIndex, type WriterOptions } from "../api.js";
import type { SzzStrategy } from "../history/szz.js";
import type { LinkEvidence } from "../history/types.js";
import { stderrColors } from "../report/colors.js";
import { messages } from "../report/messages.js";
import { jsonText, printErr, printOut } from "../report/output.js";
import { sanitizeLine } from "../report/sanitize.js";
import { type Command, choiceFlag, formatOf, parse, UsageError } from "./args.js";
import { progress } from "./progress.js";
import { exportAndReport, indexMaybeFrom } from "./teamIndex.js";
import { writerEvents } from "./writerEvents.js";

export const indexCmd: Command = {
  help: `Usage: dejafix index [--repo DIR] [--rev REV] [--add-repo PATH] [--format text|json] [--no-wait]
                     [--from SOURCE] [--export FILE]

Reads the history once (a single git log pass), finds fix commits and the commits that introduced
their defects (SZZ by line ownership, equal to git blame -w), and stores them in
<git-common-dir>/dejafix/index.sqlite. A second run only reads new commits.
--add-repo PATH also indexes the past defects of a related repository (one that shares code or
dependencies with this one), so changes here are matched against its defects too. PATH is a clone's
folder, or a corpus file of many repositories' defects written by \`dejafix corpus\`.
One process writes an index at a time: a second one waits and says for whom; with --no-wait it exits
quietly instead (the background update after each commit does). A damaged index is moved aside and
rebuilt.
--from SOURCE starts from a team index (a file, an https:// URL, or oci://registry/repo:tag pulled with
oras) and mines only the commits after its tip; one that does not fit this clone is refused with the
reason and the history is mined instead. --export FILE writes the index, once up to date, as such a
snapshot (docs/team.md).`,
  async run(argv) {
    const { values } = parse(argv, {
      repo: { type: "string", default: "." },
      rev: { type: "string" },
      "add-repo": { type: "string", multiple: true },
      format: { type: "string", default: "text" },
      "no-wait": { type: "boolean", default: false },
      from: { type: "string" },
      export: { type: "string" },
    });
    formatOf(values.format, ["text", "json"]);
    const repoDir = values.repo as string;
    const writer = { command: "dejafix index", events: writerEvents() };
    // The whole command is one writer: mining, related repositories and all.
    const lock = values["no-wait"] ? await tryLockIndex(repoDir, writer) : await lockIndex(repoDir, writer);
    if (!lock) return 0; // another writer is at work; the next update catches up
    try {
      const code = await indexAndReport(repoDir, values, writer);
      if (typeof values.export === "string") await exportAndReport(repoDir, values.export);
      return code;
    } finally {
      lock.release();
    }
  },
};

async function indexAndReport(
  repoDir: string,
  values: { rev?: unknown; "add-repo"?: unknown; format?: unknown; from?: unknown },
  writer: WriterOptions,
): Promise<number> {
  const bar = progress("indexing");
  const res = await indexMaybeFrom(
    {
      repoDir,
      rev: values.rev as string | undefined,
      onProgress: (d, t) => bar.update(d, t),
      onNotice: (line) => printErr(`dejafix: ${line}\n`),
      writer,
    },
    values.from as string | undefined,
  ).finally(() => bar.stop());
  // Files the history pass gave up on (it went on with the rest), after the bar is gone.
  const c = stderrColors();
  for (const n of res.skipped)
    printErr(`${messages.fileSkipped(c, sanitizeLine(n.path), n.commit, n.reason)}\n`);
  const { addRelatedCorpus, addRelatedRepo, updateRelatedRepos } = await import("../suggest/relatedRepos.js");
  const added = (values["add-repo"] as string[] | undefined) ?? [];
  const said: string[] = [];
  for (const path of added) {
    // A file is a corpus of many repositories (`dejafix corpus`); a folder is a clone.
    if (isFile(path)) {
      const corpus = await addRelatedCorpus(repoDir, path, { writer });
      const blocks = corpus.repos.reduce((n, r) => n + r.blocks, 0);
      said.push(
        `dejafix: added ${blocks} new defect blocks of ${corpus.repos.length} related repositories from ${sanitizeLine(path)}.\n`,
      );
    } else {
      await addRelatedRepo(repoDir, path, { writer });
      said.push(`dejafix: added the past defects of ${sanitizeLine(path)} (related repository).\n`);
    }
  }
  // Related repositories added earlier get their new defects too.
  const related = added.length > 0 ? [] : await updateRelatedRepos(repoDir, { writer });
  if (values.format === "json") {
    printOut(`${jsonText({ ...res, related })}\n`);
    return 0;
  }
  const s = res.summary;
  const head =
    res.mined === 0
      ? "index already up to date"
      : `indexed ${res.mined} new commits in ${res.seconds.toFixed(1)} s`;
  printOut(
    `dejafix: ${head}. The index holds ${s.commits} commits, ${s.fixes} fix commits and ${s.links} defect→fix links ` +
      `(${s.blameLinks} found by line ownership, ${s.declaredLinks} declared by developers); ` +
      `${res.defectBlocks} new defect blocks.\n  ${res.file}\n` +
      (res.adaptation?.fitted
        ? `  risk model ${res.adaptation.kept ? "adapted to this repository and used" : "kept as is"}: ${sanitizeLine(res.adaptation.reason)} (${res.stages.adapt.toFixed(1)} s; \`dejafix doctor\` shows it).\n`
        : "") +
      said.join(""),
  );
  return 0;
}

export const labelsCmd: Command = {
  help: `Usage: dejafix labels [--repo DIR] [--format jsonl] [--strategy lines|recent|all] [--evidence blame,declared]

One JSON line per fix commit, in history order:
  {"fix": sha, "inducing": [{"commit": sha, "via": ["blame", "declared"]}], "reasons": [...], "issues": [...]}
--strategy lines (default) keeps the candidate owning most of the fix's evidence lines (L-SZZ), recent the
most recent candidate (R-SZZ), all every candidate (B-SZZ).
--evidence blame or declared measures one kind of evidence alone.`,
  async run(argv) {
    const { values } = parse(argv, {
      repo: { type: "string", default: "." },
      format: { type: "string", default: "jsonl" },
      strategy: { type: "string", default: "lines" },
      evidence: { type: "string", default: "blame,declared" },
    });
    choiceFlag(values.format, "--format", ["jsonl"]);
    const strategy = choiceFlag<SzzStrategy>(values.strategy, "--strategy", ["lines", "recent", "all"]);
    const evidence = String(values.evidence)
      .split(",")
      .map((e) => e.trim());
    if (evidence.some((e) => e !== "blame" && e !== "declared")) {
      throw new UsageError("--evidence takes blame, declared, or both separated by a comma");
    }
    const recs = await labels(values.repo as string, {
      strategy,
      evidence: evidence as LinkEvidence[],
    });
    const out = recs.map((r) => jsonText(r)).join("\n");
    printOut(out.length > 0 ? `${out}\n` : "");
    return 0;
  },
};

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
