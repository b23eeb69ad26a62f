/**
 * The dataset contract between the metrics export (`dejafix dataset`) and the training job
 * (`models/train.py`). JSON Lines; line 1 is a header, every other line one commit:
 *
 *   {"dejafix_dataset":1,"metrics":["ns","nd",...],"token_hash":{"algorithm":"fnv1a32","dim":4096}}
 *   {"repo":"apache/zookeeper","commit":"<sha>","time":1600000000,"label":1,"metrics":{"ns":1,...},"added":{"17":2,"4001":1},"removed":{"9":1}}
 *
 * `added` / `removed` are sparse bags of the code tokens of added and removed lines:
 * bucket (fnv1a32(token) % dim, as a string key) → count (see src/metrics/tokens.ts).
 * Several datasets with the same header may be concatenated.
 */
import { TOKEN_HASH_ALGORITHM, TOKEN_HASH_DIM } from "../metrics/tokens.js";
import { METRIC_NAMES } from "../metrics/types.js";

/** The metric names, in the order the header lists them (the metrics stage's own list). */
export const DATASET_METRICS = METRIC_NAMES;

export type DatasetMetric = (typeof DATASET_METRICS)[number];

export interface DatasetHeader {
  dejafix_dataset: 1;
  metrics: string[];
  token_hash: { algorithm: typeof TOKEN_HASH_ALGORITHM; dim: number };
}

export interface DatasetRecord {
  repo: string;
  commit: string;
  /** Author time, Unix seconds. */
  time: number;
  /** 1 = defect-introducing (SZZ or given labels), 0 = clean. */
  label: 0 | 1;
  metrics: Record<string, number>;
  added: Record<string, number>;
  removed: Record<string, number>;
}

export function datasetHeader(dim: number = TOKEN_HASH_DIM): DatasetHeader {
  return {
    dejafix_dataset: 1,
    metrics: [...DATASET_METRICS],
    token_hash: { algorithm: TOKEN_HASH_ALGORITHM, dim },
  };
}

/** The dataset as text: header line, then one line per record. */
export function formatDataset(header: DatasetHeader, records: Iterable<DatasetRecord>): string {
  const lines = [JSON.stringify(header)];
  for (const record of records) lines.push(JSON.stringify(record));
  return `${lines.join("\n")}\n`;
}
