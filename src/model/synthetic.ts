/**
 * A seeded synthetic dataset whose labels depend on a few metrics and on a few code tokens, for
 * the training tests and the scoring benchmark. Never a source of a shipped model.
 */
import { bagToRecord, linesBag, TOKEN_HASH_DIM } from "../metrics/tokens.js";
import { DATASET_METRICS, type DatasetHeader, type DatasetRecord, datasetHeader } from "./dataset.js";

export interface SyntheticOptions {
  seed: number;
  /** Commits per repository. */
  commits: number;
  repos?: string[];
  dim?: number;
}

/** Tokens that make a commit riskier in the generated data. */
export const RISKY_TOKENS = ["strcpy", "unsafeCast", "retryForever"];
const PLAIN_TOKENS = [
  "value",
  "count",
  "index",
  "result",
  "items",
  "name",
  "config",
  "logger",
  "buffer",
  "total",
];

/** mulberry32: small, fast, and the same on every platform. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticDataset(options: SyntheticOptions): {
  header: DatasetHeader;
  records: DatasetRecord[];
} {
  const random = seededRandom(options.seed);
  const dim = options.dim ?? TOKEN_HASH_DIM;
  const repos = options.repos ?? ["synthetic/alpha", "synthetic/beta"];
  const int = (max: number) => Math.floor(random() * max);
  const records: DatasetRecord[] = [];
  for (const repo of repos) {
    let time = 1_500_000_000 + int(86_400 * 30);
    for (let i = 0; i < options.commits; i++) {
      time += 600 + int(86_400);
      const la = Math.floor(Math.exp(random() * 6));
      const ld = Math.floor(Math.exp(random() * 4.5));
      const nf = 1 + int(12);
      const nd = 1 + int(Math.min(nf, 5));
      const exp = int(300);
      const risky = random() < 0.3;
      const metrics: Record<string, number> = {};
      for (const name of DATASET_METRICS) metrics[name] = 0;
      Object.assign(metrics, {
        ns: 1 + int(Math.min(nd, 3)),
        nd,
        nf,
        entropy: nf > 1 ? random() : 0,
        la,
        ld,
        lt: int(2000),
        fix: random() < 0.3 ? 1 : 0,
        ndev: 1 + int(10),
        age: random() * 200,
        nuc: int(50),
        exp,
        rexp: random() * 20,
        sexp: int(100),
        only_new_files: random() < 0.05 ? 1 : 0,
        prior_defects_file: int(4),
        prior_defects_dir: int(10),
        author_created_file: random() < 0.4 ? 1 : 0,
        n_languages: 1 + int(2),
        trivial_share: random() * 0.3,
      });
      const added: string[] = [];
      const removed: string[] = [];
      for (let k = 0; k < Math.min(la, 40); k++) added.push(randomLine(random));
      for (let k = 0; k < Math.min(ld, 20); k++) removed.push(randomLine(random));
      if (risky) added.push(`${RISKY_TOKENS[int(RISKY_TOKENS.length)]}(dest, src);`);
      // The planted truth: size, inexperience and risky tokens raise the odds.
      const logit =
        -3 + 0.7 * Math.log1p(la) + 0.4 * Math.log1p(nf) - 0.35 * Math.log1p(exp) + (risky ? 2.2 : 0);
      const label = random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
      records.push({
        repo,
        commit: `${repo.replace(/\W/g, "")}${String(i).padStart(6, "0")}`,
        time,
        label,
        metrics,
        added: bagToRecord(linesBag(added, dim)),
        removed: bagToRecord(linesBag(removed, dim)),
      });
    }
  }
  return { header: datasetHeader(dim), records };
}

function randomLine(random: () => number): string {
  const pick = () => PLAIN_TOKENS[Math.floor(random() * PLAIN_TOKENS.length)]!;
  const shapes = [
    () => `const ${pick()} = ${pick()}.${pick()}(${Math.floor(random() * 100)});`,
    () => `if (${pick()} > ${pick()}) { return ${pick()}; }`,
    () => `${pick()} += ${pick()}[${pick()}];`,
    () => `${pick()}.push("${pick()}");`,
  ];
  return shapes[Math.floor(random() * shapes.length)]!();
}
