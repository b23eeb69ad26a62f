/**
 * What `init --from` and `index --from` tell the user about the team index they start from, and what
 * `index --export` says it wrote (the work is src/team/teamIndex.ts, through the API).
 */
import {
  exportTeamIndex,
  type IndexFromResult,
  type IndexOptions,
  indexFrom,
  indexRepository,
} from "../api.js";
import { stderrColors } from "../report/colors.js";
import { messages } from "../report/messages.js";
import { printErr, printOut } from "../report/output.js";
import { sanitizeLine } from "../report/sanitize.js";
import { version } from "./version.js";

/** Mines the history, starting from the team index `source` when one is given and it fits. */
export async function indexMaybeFrom(
  opts: IndexOptions,
  source: string | undefined,
): Promise<IndexFromResult["index"]> {
  if (source === undefined) return indexRepository(opts);
  const res = await indexFrom({ ...opts, source });
  reportImport(res, source);
  return res.index;
}

function reportImport(res: IndexFromResult, source: string): void {
  const c = stderrColors();
  if (res.refused) {
    printErr(
      `${messages.snapshotRefused(c, sanitizeLine(source), res.refused.kind, sanitizeLine(res.refused.message))}\n`,
    );
  } else if (res.imported && !res.imported.replaced) {
    printErr(`${messages.snapshotNotNeeded(c, res.imported.meta.tip)}\n`);
  } else if (res.imported) {
    const m = res.imported.meta;
    printErr(
      `${messages.snapshotImported(c, m.tip, m.counts.commits, sanitizeLine(m.createdAt), res.importSeconds)}\n`,
    );
  }
}

/** Writes the snapshot file `out` of the (just updated) index of `repoDir`. */
export async function exportAndReport(repoDir: string, out: string): Promise<void> {
  const meta = await exportTeamIndex({ repoDir, out, producer: version() });
  printOut(
    `${messages.snapshotExported(sanitizeLine(out), meta.counts.commits, meta.tip, meta.bytes, meta.rawBytes)}\n`,
  );
}
