/** The change metrics both scoring benchmarks score (bench/scoreBench.ts, bench/runtimeBench.ts). */

/** A typical change: ~120 added and ~40 removed lines over 4 files. */
export const CHANGE_METRICS = {
  ns: 1,
  nd: 2,
  nf: 4,
  entropy: 0.8,
  la: 120,
  ld: 40,
  lt: 900,
  fix: 0,
  ndev: 5,
  age: 30,
  nuc: 12,
  exp: 80,
  rexp: 6.5,
  sexp: 20,
  only_new_files: 0,
  prior_defects_file: 1,
  prior_defects_dir: 3,
  author_created_file: 0,
  n_languages: 1,
  trivial_share: 0.1,
};
