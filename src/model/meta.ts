/**
 * The `<name>.meta.json` written by `models/train.py` next to each ONNX model. Field names are
 * the trainer's (snake_case). Sample (abridged):
 *
 *   {"dejafix_model":1,"name":"model","model":{"kind":"lr-tokens","why":"..."},
 *    "features":{"metrics":["ns",...],"token_hash":{"algorithm":"fnv1a32","dim":4096},
 *                "token_bags":["added","removed"],"width":8212},
 *    "transforms":{"in_graph":true,"metrics":[{"name":"ns","transform":"log1p","mean":0.41,"std":0.52,"neutral":0.51}],
 *                  "tokens":{"transform":"log1p","mean":0,"std":1}},
 *    "reasons":{"source":"lr-tokens","bias":-1.2,"weights":{"la":0.61,...}},
 *    "threshold":{"value":0.43},"percentiles":{"source":"validation","n":400,"values":[0.01,...]}, ...}
 */
import { readFileSync } from "node:fs";

export type MetricTransform = "log1p" | "identity";

export interface MetricSpec {
  name: string;
  transform: MetricTransform;
  mean: number;
  std: number;
  /** Raw value fed when the metric is missing: its standardized value is 0. */
  neutral: number;
}

export interface EvaluationFigures {
  n: number;
  positives: number;
  roc_auc: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  false_alarm_rate: number | null;
  threshold: number;
  capture: Record<string, number | null>;
  recall_at_20_effort: number | null;
  recall_at_20_effort_density: number | null;
}

export interface ModelMeta {
  dejafix_model: 1;
  name: string;
  created: string;
  versions: { torch: string; onnx: string; python: string };
  model: { kind: string; why: string };
  input: { name: string; shape: [string, number] };
  output: { name: string };
  features: {
    metrics: string[];
    token_hash: { algorithm: string; dim: number };
    token_bags: string[];
    width: number;
  };
  transforms: {
    in_graph: boolean;
    metrics: MetricSpec[];
    tokens: { transform: MetricTransform; mean: number; std: number };
  };
  reasons: { source: string; bias: number; weights: Record<string, number> } | null;
  threshold: { value: number; chosen_by: string };
  percentiles: { source: string; n: number; values: number[] };
  metrics: { validation: EvaluationFigures; test: EvaluationFigures };
  provenance: {
    label_source: string;
    repos: {
      repo: string;
      commits: number;
      defect_inducing: number;
      from: string | null;
      to: string | null;
    }[];
  };
}

/** Reads and checks the metadata file; the error says which file and which field is wrong. */
export function readModelMeta(path: string): ModelMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const why =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : (error as Error).message;
    throw new Error(
      `cannot read model metadata ${path}: ${why}. Re-export the model with \`dejafix train\`.`,
    );
  }
  const meta = raw as ModelMeta;
  const bad = (field: string) =>
    new Error(`model metadata ${path} has no valid '${field}'. Re-export the model with \`dejafix train\`.`);
  if (meta?.dejafix_model !== 1) throw bad("dejafix_model");
  const f = meta.features;
  if (!f || !Array.isArray(f.metrics) || !f.token_hash || f.token_hash.algorithm !== "fnv1a32")
    throw bad("features");
  if (!Number.isInteger(f.token_hash.dim) || f.token_hash.dim <= 0) throw bad("features.token_hash.dim");
  if (f.width !== f.metrics.length + f.token_bags.length * f.token_hash.dim) throw bad("features.width");
  const t = meta.transforms;
  if (!t?.in_graph || !Array.isArray(t.metrics) || t.metrics.length !== f.metrics.length)
    throw bad("transforms");
  t.metrics.forEach((spec, i) => {
    if (spec.name !== f.metrics[i] || !Number.isFinite(spec.mean) || !(spec.std > 0))
      throw bad(`transforms.metrics[${i}]`);
  });
  if (!meta.percentiles || !Array.isArray(meta.percentiles.values)) throw bad("percentiles");
  return meta;
}
