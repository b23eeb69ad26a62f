import { exportCorpus } from "../eval/exportCorpus.js";
import { COUNT_VARIABLE, INDEX_VARIABLE, partPath } from "../eval/shard.js";
import { jsonText, printOut } from "../report/output.js";
import { sanitizeLine } from "../report/sanitize.js";
import { type Command, formatOf, parse, UsageError } from "./args.js";
import { mergeCommand, shardOf } from "./evalCommands.js";
import { writerEvents } from "./writerEvents.js";

export const corpusCmd: Command = {
  help: `Usage: dejafix corpus --out FILE [--repo DIR]... [--name NAME]... [--shard I/N | --shards N] [--format text|json]
       dejafix corpus merge PART... --out FILE [--format text|json]

Writes the defect blocks of the repositories (each indexed first) — the buggy block, the fix, both
commits — one JSON line each: a related-repositories corpus. \`dejafix index --add-repo FILE\` in another
repository matches its changes against all of them, without clones of those repositories.
Sharded like \`dejafix dataset\` (docs/organisation.md): repository k (0-based) belongs to shard k mod N;
--shard I/N, or ${INDEX_VARIABLE} with --shards N or ${COUNT_VARIABLE}, writes FILE with .part-I-of-N
before its extension, and \`dejafix corpus merge\` joins the parts.`,
  async run(argv) {
    if (argv[0] === "merge")
      return mergeCommand(argv.slice(1), { key: "dejafix_corpus", command: "dejafix corpus" });
    const { values } = parse(argv, {
      out: { type: "string" },
      repo: { type: "string", multiple: true },
      name: { type: "string", multiple: true },
      shard: { type: "string" },
      shards: { type: "string" },
      format: { type: "string" },
    });
    const out = values.out as string | undefined;
    if (!out) throw new UsageError("--out FILE is required: where to write the corpus");
    const fmt = formatOf(values.format, ["text", "json"]);
    const repos = (values.repo as string[] | undefined) ?? ["."];
    const shard = shardOf(values);
    const summary = await exportCorpus({
      repos,
      out: shard ? partPath(out, shard) : out,
      names: values.name as string[] | undefined,
      ...(shard ? { shard } : {}),
      writer: { command: "dejafix corpus", events: writerEvents() },
    });
    if (fmt === "json") {
      printOut(`${jsonText(summary)}\n`);
      return 0;
    }
    const lines = summary.repos.map(
      (r) => `  ${sanitizeLine(r.name)}: ${r.blocks} defect blocks of ${r.fixes} fixes`,
    );
    const next = shard
      ? `Next: when every shard is done, \`dejafix corpus merge <the ${shard.count} parts> --out ${out}\`.`
      : `Next: in another repository, \`dejafix index --add-repo ${summary.out}\`.`;
    printOut(
      `dejafix: wrote ${summary.blocks} defect blocks to ${sanitizeLine(summary.out)}` +
        (shard
          ? ` (shard ${shard.index} of ${shard.count}: ${summary.repos.length} of ${repos.length} repositories)`
          : "") +
        `\n${lines.join("\n")}${lines.length > 0 ? "\n" : ""}${sanitizeLine(next)}\n`,
    );
    return 0;
  },
};
