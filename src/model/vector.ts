/**
 * The model's input vector, built from the metadata: metrics in the listed order, then the added
 * token buckets 0..dim-1, then the removed ones. Values are RAW — the ONNX graph applies log1p and
 * the standardization itself (`transforms.in_graph`), exactly as in training.
 */
import type { MetricSpec, ModelMeta } from "./meta.js";

/** A metric value as the metrics stage gives it. */
export type MetricValue = number | boolean | null | undefined;

/** A hashed token bag: as built by `hashBag` (Map) or as written in a dataset line (Record). */
export type TokenBag = ReadonlyMap<number, number> | Readonly<Record<string, number>>;

export interface ScoreInput {
  metrics: Readonly<Record<string, MetricValue>>;
  added: TokenBag;
  removed: TokenBag;
}

export interface FeatureVector {
  values: Float32Array;
  /** Metrics the model knows but the input lacked; fed as their neutral value. */
  missing: string[];
}

/** Numeric value of one metric, or null when missing or not a finite number. */
export function metricNumber(value: MetricValue): number | null {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  return null;
}

export function buildVector(meta: ModelMeta, input: ScoreInput): FeatureVector {
  const { metrics, token_hash, width } = meta.features;
  const values = new Float32Array(width);
  const missing: string[] = [];
  meta.transforms.metrics.forEach((spec, i) => {
    const value = metricNumber(input.metrics[spec.name]);
    if (value === null) missing.push(spec.name);
    values[i] = value ?? spec.neutral;
  });
  addBag(values, input.added, metrics.length, token_hash.dim);
  addBag(values, input.removed, metrics.length + token_hash.dim, token_hash.dim);
  return { values, missing };
}

/** A Map or a read-only map of the same shape (a packed bag), as opposed to a dataset line's object. */
function isMapLike(bag: TokenBag): bag is ReadonlyMap<number, number> {
  return bag instanceof Map || typeof (bag as { entries?: unknown }).entries === "function";
}

function addBag(values: Float32Array, bag: TokenBag, offset: number, dim: number): void {
  const entries: Iterable<[number | string, number]> = isMapLike(bag)
    ? bag.entries()
    : Object.entries(bag as Record<string, number>);
  for (const [key, count] of entries) {
    const bucket = Number(key);
    // A bucket outside the model's range means the bag was hashed with another dimension.
    if (!Number.isInteger(bucket) || bucket < 0 || bucket >= dim) {
      throw new RangeError(
        `token bucket ${String(key)} is outside 0..${dim - 1}: the bag was hashed for another model`,
      );
    }
    if (Number.isFinite(count) && count > 0) values[offset + bucket] = (values[offset + bucket] ?? 0) + count;
  }
}

/** The standardized value the model sees for one metric (z = (t − mean) / std). */
export function standardize(spec: MetricSpec, raw: number): number {
  const t = spec.transform === "log1p" ? Math.log1p(Math.max(raw, 0)) : raw;
  return (t - spec.mean) / spec.std;
}
