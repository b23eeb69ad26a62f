/**
 * Ground truth for measuring SZZ: which commits really introduced the defect each fix repaired.
 *
 * Three sources, all read from local files or a local repository (no network):
 * - Defects4J Lang (Wen et al. / Fonte): a CSV of fix commits with their bug-inducing commits;
 * - the repository's own `Fixes: <sha>` trailers (developer-declared, Linux style);
 * - ApacheJIT commit labels (buggy / clean), for the risk model rather than for SZZ links.
 */
import { readFileSync } from "node:fs";
import { commitMessages, resolveShas } from "../git/revList.js";

/** fix sha → the shas of the commits that introduced the defect it fixed (full, lower-case). */
export type Oracle = Map<string, Set<string>>;

/**
 * Splits CSV text into rows of fields (RFC 4180: quoted fields, doubled quotes, CRLF).
 * The oracles we read have no quoted fields today; quoting is handled so a re-export cannot break them.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

/** Rows of a CSV with a header line, as records keyed by column name; fails when a column is missing. */
function csvRecords(text: string, required: string[], what: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header)
    throw new Error(`${what}: the file is empty; expected a header line with ${required.join(", ")}.`);
  const names = header.map((h) => h.trim());
  const missing = required.filter((r) => !names.includes(r));
  if (missing.length > 0) {
    throw new Error(`${what}: column(s) ${missing.join(", ")} missing; the header is "${names.join(",")}".`);
  }
  return rows.map((cells) => Object.fromEntries(names.map((n, i) => [n, (cells[i] ?? "").trim()])));
}

const FULL_SHA = /^[0-9a-f]{40}$/;

function fullSha(value: string, what: string, line: number): string {
  const sha = value.toLowerCase();
  if (!FULL_SHA.test(sha))
    throw new Error(`${what}: line ${line}: "${value}" is not a 40-character commit id.`);
  return sha;
}

/**
 * Defects4J Lang oracle, from the text of `d4j_lang_bic.csv`:
 *
 *   bug_id,issue,fix_commit,buggy_parent,bic_commit,provenance,fix_head,bic_head,fix_was_on_head,bic_was_on_head
 *   13,LANG-788,e9429c05…,81797ed4…,01ab63a0…,Wen,e9429c05…,b82ab993…,True,False
 *
 * Columns: `fix_commit` / `bic_commit` are the ids Defects4J and Wen et al. published; commons-lang
 * was re-imported from Subversion since, so every published `bic_commit` now lives only on an old,
 * unreachable history (reachable at most from a stale pull-request ref), while `fix_head` /
 * `bic_head` name the same change (same author date and message) on today's `master`.
 * `*_was_on_head` says whether the published id was already on today's history. We use
 * `fix_head` → `bic_head`: a miner that walks today's history can only ever name those commits,
 * so the published ids would make every link a miss. Several bugs share a fix or an inducing
 * commit; rows are merged per fix.
 */
export function parseD4jOracle(text: string): Oracle {
  const oracle: Oracle = new Map();
  const records = csvRecords(text, ["fix_head", "bic_head"], "Defects4J oracle");
  records.forEach((r, i) => {
    const fix = fullSha(r.fix_head ?? "", "Defects4J oracle", i + 2);
    const bic = fullSha(r.bic_head ?? "", "Defects4J oracle", i + 2);
    const set = oracle.get(fix) ?? new Set<string>();
    set.add(bic);
    oracle.set(fix, set);
  });
  return oracle;
}

/** Reads a Defects4J oracle CSV file; see `parseD4jOracle` for the columns used. */
export function loadD4jOracle(csvPath: string): Oracle {
  return parseD4jOracle(readFileSync(csvPath, "utf8"));
}

/**
 * ApacheJIT labels, from the text of `apachejit_zookeeper_labels.csv`:
 *
 *   commit,label,on_head
 *   0051cd26087492fe393932d9fdac1f7bff8b7ac4,buggy,True
 *
 * Returns sha → true when the commit is labelled buggy, false when clean.
 */
export function parseJitLabels(text: string): Map<string, boolean> {
  const labels = new Map<string, boolean>();
  const records = csvRecords(text, ["commit", "label"], "ApacheJIT labels");
  records.forEach((r, i) => {
    const sha = fullSha(r.commit ?? "", "ApacheJIT labels", i + 2);
    const label = (r.label ?? "").toLowerCase();
    if (label !== "buggy" && label !== "clean") {
      throw new Error(`ApacheJIT labels: line ${i + 2}: label "${r.label}" is neither buggy nor clean.`);
    }
    labels.set(sha, label === "buggy");
  });
  return labels;
}

/** Reads an ApacheJIT labels CSV file; see `parseJitLabels`. */
export function loadJitLabels(csvPath: string): Map<string, boolean> {
  return parseJitLabels(readFileSync(csvPath, "utf8"));
}

/** A reference to an earlier commit found in a commit message. */
export interface MessageRef {
  /** Abbreviated or full sha, lower-cased, as written. */
  sha: string;
  how: "fixes-trailer" | "revert";
}

// `Fixes: 1d93483985f0 ("iplink: use netlink for link configuration")` — the Linux convention
// (Documentation/process/submitting-patches.rst); some write `Fixes: commit 1d93483985f0`.
// Issue references (`Fixes: #123`, `Fixes: LANG-1`) are not commit ids and do not match.
const FIXES_TRAILER = /^[ \t]*fixes:[ \t]*(?:commit[ \t]+)?([0-9a-f]{7,40})(?=[\s("',.]|$)/gim;
// `This reverts commit 9e89d5b94d749f37525cd8778311e1c9f28f172a.` — what `git revert` writes.
const REVERT = /\bThis reverts commit ([0-9a-f]{7,40})\b/g;

/** The commit references a message declares, in the order written. */
export function messageRefs(message: string, opts: { reverts?: boolean } = {}): MessageRef[] {
  const refs: MessageRef[] = [];
  for (const m of message.matchAll(FIXES_TRAILER))
    refs.push({ sha: (m[1] ?? "").toLowerCase(), how: "fixes-trailer" });
  if (opts.reverts)
    for (const m of message.matchAll(REVERT)) refs.push({ sha: (m[1] ?? "").toLowerCase(), how: "revert" });
  return refs;
}

/**
 * The message with its declarations removed (`Fixes: <sha>` lines and git's revert line), to ask
 * whether a classifier would still take the commit as a fix had the developer not declared its
 * origin: "Fixes" in the trailer is itself a fix keyword.
 */
export function withoutDeclarations(message: string): string {
  // Whole lines: the quoted subject after the sha is the inducing commit's, not this one's.
  return message
    .replace(new RegExp(`${FIXES_TRAILER.source}.*$`, "gim"), "")
    .replace(/^.*\bThis reverts commit [0-9a-f]{7,40}\b.*$/gm, "");
}

/** What building a declared oracle found, so a report can say how much of it was usable. */
export interface DeclaredStats {
  /** Commits read (reachable from the revision). */
  commits: number;
  /** Merge commits whose references were skipped (see `declaredOracle`). */
  mergesSkipped: number;
  /** References found in messages of non-merge commits. */
  refs: number;
  /** References that resolved to a commit of the history read. */
  resolved: number;
  /** Abbreviations that match no object of the repository. */
  missing: number;
  /** Abbreviations that match several objects. */
  ambiguous: number;
  /** Resolved to an object that is not a commit of the history read (another branch, another repository's id that happens to match, a blob). */
  offHistory: number;
  /** References of a commit to itself. */
  selfRefs: number;
}

export interface DeclaredOracle {
  oracle: Oracle;
  stats: DeclaredStats;
  /** Message of every fix commit of the oracle (see `withoutDeclarations`). */
  messages: Map<string, string>;
  /** References that could not be used, for inspection. */
  unresolved: { fix: string; ref: string; why: "missing" | "ambiguous" | "off-history" }[];
}

export interface DeclaredOptions {
  /** Revision whose history is read; HEAD by default. */
  rev?: string;
  /**
   * Also take "This reverts commit <sha>" as a declared link. Off by default: a revert undoes a
   * commit for many reasons besides a defect (a premature feature, a release schedule, a
   * benchmark regression), and blame of a revert trivially points at the reverted commit, so
   * counting reverts would inflate blame's measured precision and recall.
   */
  reverts?: boolean;
}

/**
 * Builds an oracle from a repository's own `Fixes: <sha>` trailers: one `git log` for the
 * messages and one `git cat-file --batch-check` for all the abbreviations.
 *
 * Merge commits are skipped: their trailers repeat those of the merged commits, and the fix's
 * lines are changed by the merged commits, not by the merge. A reference counts only when it
 * resolves to a single commit of the same history; everything else is counted in `stats`.
 */
export async function declaredOracle(gitDir: string, opts: DeclaredOptions = {}): Promise<DeclaredOracle> {
  const rev = opts.rev ?? "HEAD";
  const onHistory = new Set<string>();
  const declared: { fix: string; refs: MessageRef[]; message: string }[] = [];
  let mergesSkipped = 0;
  for (const { sha, parents, message } of await commitMessages(gitDir, rev)) {
    onHistory.add(sha);
    const refs = messageRefs(message, { reverts: opts.reverts ?? false });
    if (refs.length === 0) continue;
    if (parents.length > 1) {
      mergesSkipped++;
      continue;
    }
    declared.push({ fix: sha, refs, message });
  }

  const abbreviations = [...new Set(declared.flatMap((d) => d.refs.map((r) => r.sha)))];
  const resolved = await resolveShas(gitDir, abbreviations);

  const stats: DeclaredStats = {
    commits: onHistory.size,
    mergesSkipped,
    refs: 0,
    resolved: 0,
    missing: 0,
    ambiguous: 0,
    offHistory: 0,
    selfRefs: 0,
  };
  const oracle: Oracle = new Map();
  const unresolved: DeclaredOracle["unresolved"] = [];
  const messages = new Map<string, string>();
  for (const { fix, refs, message } of declared) {
    for (const ref of refs) {
      stats.refs++;
      const r = resolved.get(ref.sha);
      if (!r || r.kind === "missing") {
        stats.missing++;
        unresolved.push({ fix, ref: ref.sha, why: "missing" });
      } else if (r.kind === "ambiguous") {
        stats.ambiguous++;
        unresolved.push({ fix, ref: ref.sha, why: "ambiguous" });
      } else if (!onHistory.has(r.sha)) {
        stats.offHistory++;
        unresolved.push({ fix, ref: ref.sha, why: "off-history" });
      } else if (r.sha === fix) {
        stats.selfRefs++;
      } else {
        stats.resolved++;
        const set = oracle.get(fix) ?? new Set<string>();
        set.add(r.sha);
        oracle.set(fix, set);
        messages.set(fix, message);
      }
    }
  }
  return { oracle, stats, messages, unresolved };
}
