/**
 * Scoring one change: feature vector → ONNX → probability, its percentile, the reasons that
 * pushed it up, and a suggested action.
 */
import { type AdaptationWeights, applyAdaptation } from "./adapt.js";
import type { RiskModel } from "./load.js";
import { percentileOf } from "./percentile.js";
import { type Reason, reasons, suggestAction } from "./reasons.js";
import { buildVector, type ScoreInput } from "./vector.js";

export interface ScoreResult {
  /** Model output: probability-like, 0..1 (trained with resampling: compare via percentile). */
  score: number;
  /** 0..99: share (in %) of reference commits scoring lower; null without reference points. */
  percentile: number | null;
  reasons: Reason[];
  action: string;
  /** Metrics the model expects but the input lacked (fed as neutral values). */
  missing: string[];
}

export interface ScoreOptions {
  /** The repository's own score percentiles (p1..p99), preferred over the model's validation ones. */
  percentiles?: readonly number[];
  /** How many reasons to give (default 3). */
  maxReasons?: number;
  /** This repository's adaptation of the model (src/model/adapt.ts), when `dejafix index` kept one. */
  adaptation?: AdaptationWeights | null;
}

export async function score(
  model: RiskModel,
  input: ScoreInput,
  options: ScoreOptions = {},
): Promise<ScoreResult> {
  const [result] = await scoreMany(model, [input], options);
  return result!;
}

/**
 * The scores alone (no reasons), in inference calls of `batch` changes: replays and calibration score
 * thousands of commits.
 */
export async function scoreValues(
  model: RiskModel,
  inputs: readonly ScoreInput[],
  batch = 512,
  adaptation: AdaptationWeights | null = null,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < inputs.length; i += batch)
    for (const r of await scoreMany(model, inputs.slice(i, i + batch), { maxReasons: 0, adaptation }))
      out.push(r.score);
  return out;
}

/** Several changes in one inference call (pre-push, replay). */
export async function scoreMany(
  model: RiskModel,
  inputs: readonly ScoreInput[],
  options: ScoreOptions = {},
): Promise<ScoreResult[]> {
  if (inputs.length === 0) return [];
  const { meta, session } = model;
  const width = meta.features.width;
  const data = new Float32Array(width * inputs.length);
  const vectors = inputs.map((input, i) => {
    const vector = buildVector(meta, input);
    data.set(vector.values, i * width);
    return vector;
  });
  let scores: Float32Array;
  try {
    scores = await session.run(meta.input.name, data, [inputs.length, width], meta.output.name);
  } catch (error) {
    throw new Error(
      `the risk model ${model.path} could not score: ${(error as Error).message}. Re-export it with \`dejafix train\`.`,
    );
  }
  if (scores.length !== inputs.length) {
    throw new Error(
      `the risk model ${model.path} returned ${scores.length} '${meta.output.name}' scores for ${inputs.length} changes. Re-export it with \`dejafix train\`.`,
    );
  }
  const points = options.percentiles ?? meta.percentiles.values;
  return inputs.map((input, i) => {
    const value = options.adaptation
      ? applyAdaptation(meta, options.adaptation, scores[i]!, input.metrics)
      : scores[i]!;
    const percentile = percentileOf(value, points);
    const top = reasons(meta, input, options.maxReasons ?? 3);
    return {
      score: value,
      percentile,
      reasons: top,
      action: suggestAction(top, percentile, value, meta.threshold.value),
      missing: vectors[i]!.missing,
    };
  });
}
