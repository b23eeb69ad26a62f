import { directoryOf, familyOf, subsystemOf } from "./paths.js";
import type { ChangeFacts, DefectRef, Metrics } from "./types.js";

const DAY = 86_400;
const YEAR = 365.25 * DAY;

/** Files in one fixed order (UTF-16 code units), so floating-point sums come out identical everywhere. */
function byPath<T extends { path: string }>(a: T, b: T): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * The one implementation of the change metrics. History mining and the hook only differ in how they
 * gather the facts (an in-memory replay, or indexed queries); every formula lives here.
 * Definitions and the differences from Commit-guru: docs/metrics.md.
 */
export function computeMetrics(facts: ChangeFacts): Metrics {
  const order = facts.files.map((f, i) => ({ path: f.path, i })).sort(byPath);
  const files = order.map((o) => facts.files[o.i]!);
  const lineages = order.map((o) => facts.lineages[o.i] ?? { commits: [], creator: null });
  const nf = files.length;
  const email = facts.authorEmail.toLowerCase();

  const subsystems = new Set<string>();
  const dirs = new Set<string>();
  const languages = new Set<string>();
  let la = 0;
  let ld = 0;
  let linesBefore = 0;
  for (const f of files) {
    subsystems.add(subsystemOf(f.path));
    dirs.add(directoryOf(f.path));
    const language = familyOf(f.path);
    if (language !== null) languages.add(language);
    la += f.added;
    ld += f.deleted;
    linesBefore += f.linesBefore;
  }

  // Shannon entropy of the modified lines over the files, normalised by its maximum log2(nf).
  let entropy = 0;
  const modified = la + ld;
  if (nf > 1 && modified > 0) {
    let h = 0;
    for (const f of files) {
      const p = (f.added + f.deleted) / modified;
      if (p > 0) h -= p * Math.log2(p);
    }
    entropy = h / Math.log2(nf);
  }

  // Union of the earlier commits of every touched file: each commit counts once across files.
  const seen = new Set<number>();
  const developers = new Set<string>();
  let priorDefectsFile = 0;
  let ageSum = 0;
  let aged = 0;
  let authorCreated = 0;
  for (const lineage of lineages) {
    const last = lineage.commits[lineage.commits.length - 1];
    if (last) {
      ageSum += Math.max(0, facts.time - last.time) / DAY;
      aged++;
    }
    if (lineage.creator === email) authorCreated = 1;
    for (const c of lineage.commits) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      developers.add(c.email);
      if (isKnownDefect(c, facts.bound)) priorDefectsFile++;
    }
  }

  const defectsInDirs = new Set<number>();
  for (const c of facts.dirDefects)
    if (c.seq < facts.bound && isKnownDefect(c, facts.bound)) defectsInDirs.add(c.id);

  let rexp = 0;
  let sexp = 0;
  for (const c of facts.author) {
    rexp += 1 / (Math.max(0, facts.time - c.time) / YEAR + 1);
    if (c.inSubsystems) sexp++;
  }

  const trivial = facts.trivialAdded + facts.trivialDeleted;
  return {
    ns: subsystems.size,
    nd: dirs.size,
    nf,
    entropy,
    la,
    ld,
    lt: nf > 0 ? linesBefore / nf : 0,
    fix: facts.isFix ? 1 : 0,
    ndev: developers.size,
    age: aged > 0 ? ageSum / aged : 0,
    nuc: seen.size,
    exp: facts.author.length,
    rexp,
    sexp,
    only_new_files: nf > 0 && files.every((f) => f.status === "A" || f.status === "C") ? 1 : 0,
    prior_defects_file: priorDefectsFile,
    prior_defects_dir: defectsInDirs.size,
    author_created_file: authorCreated,
    n_languages: languages.size,
    trivial_share: modified > 0 ? Math.min(1, trivial / modified) : 0,
  };
}

/** A defect is "known" only once its fix was committed: the fix must come before the change too. */
function isKnownDefect(c: DefectRef, bound: number): boolean {
  return c.firstFixSeq < bound;
}

/** The subsystems a change touches (sexp counts the author's earlier commits in any of them). */
export function changeSubsystems(paths: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const p of paths) out.add(subsystemOf(p));
  return out;
}

/** The directories a change touches (prior_defects_dir looks at the commits that touched them). */
export function changeDirectories(paths: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const p of paths) out.add(directoryOf(p));
  return out;
}
