import { createWriteStream, renameSync, rmSync } from "node:fs";
import { exportPairs, type PairFilters } from "../api.js";
import type { LinkEvidence } from "../history/types.js";
import { stderrColors } from "../report/colors.js";
import { messages } from "../report/messages.js";
import { jsonText, printErr, printOut } from "../report/output.js";
import { sanitizeLine } from "../report/sanitize.js";
import { type Command, choiceFlag, parse, UsageError } from "./args.js";

export const pairsCmd: Command = {
  help: `Usage: dejafix pairs [--repo DIR] [--format jsonl] [--out FILE] [--path GLOB]... [--since DATE]
                     [--until DATE] [--evidence blame,declared] [--include-tests] [--include-generated]

Writes one JSON line per bug→fix pair: for every defect→fix link with a defect block, the buggy block,
the fixed block, the language, both commits (sha, message, date), the fix's issue ids and the kinds of
evidence of the link (what hotfixing code models trains on). Needs \`dejafix index\` first.
--path keeps pairs whose path (before or after the fix) matches a glob; --since/--until (YYYY-MM-DD or
an ISO time) keep fixes authored in that window; --evidence keeps links with that kind of evidence.
Test and generated code (the rules' szz.tests and paths.generated) are left out unless included.
A pair whose code or messages look like a secret (private keys, cloud and chat tokens, passwords
assigned literally, long random literals) is never written; how many were skipped goes to stderr.
See docs/pairs.md.`,
  async run(argv) {
    const { values } = parse(argv, {
      repo: { type: "string", default: "." },
      format: { type: "string", default: "jsonl" },
      out: { type: "string" },
      path: { type: "string", multiple: true },
      since: { type: "string" },
      until: { type: "string" },
      evidence: { type: "string", default: "blame,declared" },
      "include-tests": { type: "boolean", default: false },
      "include-generated": { type: "boolean", default: false },
    });
    choiceFlag(values.format, "--format", ["jsonl"]);
    const evidence = String(values.evidence)
      .split(",")
      .map((e) => e.trim());
    if (evidence.length === 0 || evidence.some((e) => e !== "blame" && e !== "declared"))
      throw new UsageError("--evidence takes blame, declared, or both separated by a comma");
    const filters: PairFilters = {
      paths: (values.path as string[] | undefined) ?? [],
      evidence: evidence as LinkEvidence[],
      includeTests: values["include-tests"] as boolean,
      includeGenerated: values["include-generated"] as boolean,
      ...(values.since !== undefined ? { since: dateFlag(values.since, "--since") } : {}),
      ...(values.until !== undefined ? { until: dateFlag(values.until, "--until") } : {}),
    };
    const out = values.out as string | undefined;
    // A file is written beside and renamed, so a stopped export never leaves half a dataset under its name.
    const part = out ? `${out}.${process.pid}.part` : null;
    const file = part ? createWriteStream(part) : null;
    let summary: Awaited<ReturnType<typeof exportPairs>>;
    try {
      summary = await exportPairs(values.repo as string, filters, async (rec) => {
        const line = `${jsonText(rec)}\n`;
        if (!file) printOut(line);
        else if (!file.write(line)) await new Promise<void>((ok) => file.once("drain", () => ok()));
      });
      if (file && part && out) {
        await new Promise<void>((ok, fail) => {
          file.once("error", fail);
          file.end(() => ok());
        });
        renameSync(part, out);
      }
    } catch (e) {
      file?.destroy();
      if (part) rmSync(part, { force: true });
      throw e;
    }
    printErr(`${messages.pairsSummary(stderrColors(), summary, out ? sanitizeLine(out) : null)}\n`);
    return 0;
  },
};

function dateFlag(value: unknown, flag: string): number {
  const t = Date.parse(String(value));
  if (!Number.isFinite(t))
    throw new UsageError(`${flag} takes a date such as 2024-01-31 or 2024-01-31T12:00Z`);
  return Math.floor(t / 1000);
}
