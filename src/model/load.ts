/**
 * Finding and loading the risk model: the repository's own (`<git-common-dir>/dejafix/model.onnx`)
 * when it exists, else the default shipped in the package (`models/default.onnx`). One
 * onnxruntime session per model file per process, created with one thread: the hook pays the
 * load once, and a single thread starts about 3× faster than the default pool.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { modelDigest } from "./digest.js";
import { type ModelMeta, readModelMeta } from "./meta.js";
import { openSession, type ScoringSession } from "./session.js";

export type { ScoringSession } from "./session.js";

export interface RiskModel {
  path: string;
  metaPath: string;
  meta: ModelMeta;
  /** sha256 of the model file and of how features are extracted (digest.ts): keys stored percentiles. */
  digest: string;
  /** Where it came from, for `dejafix doctor` and reports. */
  source: "given" | "repository" | "default";
  session: ScoringSession;
}

export interface LoadOptions {
  /** The repository's git common dir (from src/git), to find its own model. */
  gitCommonDir?: string;
}

/** No model file anywhere we looked; scoring cannot run. */
export class ModelUnavailableError extends Error {
  readonly code = "DEJAFIX_NO_MODEL";
  constructor(readonly looked: string[]) {
    super(
      `no risk model found (looked for ${looked.join(" and ")}). ` +
        "Train one: `dejafix dataset --out data.jsonl && dejafix train data.jsonl` (written to the repository's model path); " +
        "until then commits are not scored.",
    );
    this.name = "ModelUnavailableError";
  }
}

// dist/src/model/load.js → package root is three levels up; the same from src/model/load.ts.
const PACKAGE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Path of the default model shipped with the package (whether or not it exists). */
export function defaultModelPath(): string {
  return join(PACKAGE_ROOT, "models", "default.onnx");
}

/** Path of a repository's own model (whether or not it exists). */
export function repositoryModelPath(gitCommonDir: string): string {
  return join(gitCommonDir, "dejafix", "model.onnx");
}

/** `x.onnx` → `x.meta.json`. */
export function metaPathFor(modelPath: string): string {
  return `${modelPath.replace(/\.onnx$/, "")}.meta.json`;
}

/** The model that would be used, or throws ModelUnavailableError. */
export function resolveModelPath(
  path?: string,
  options: LoadOptions = {},
): { path: string; source: RiskModel["source"] } {
  if (path !== undefined) {
    const absolute = resolve(path);
    if (!existsSync(absolute)) throw new ModelUnavailableError([absolute]);
    return { path: absolute, source: "given" };
  }
  const looked: string[] = [];
  if (options.gitCommonDir !== undefined) {
    const own = repositoryModelPath(resolve(options.gitCommonDir));
    if (existsSync(own)) return { path: own, source: "repository" };
    looked.push(own);
  }
  const shipped = defaultModelPath();
  if (existsSync(shipped)) return { path: shipped, source: "default" };
  looked.push(shipped);
  throw new ModelUnavailableError(looked);
}

const sessions = new Map<string, Promise<RiskModel>>();

/** Loads (once per process and file) the model and its metadata. */
export function loadModel(path?: string, options: LoadOptions = {}): Promise<RiskModel> {
  let resolved: { path: string; source: RiskModel["source"] };
  try {
    resolved = resolveModelPath(path, options);
  } catch (error) {
    return Promise.reject(error);
  }
  let pending = sessions.get(resolved.path);
  if (!pending) {
    pending = open(resolved.path, resolved.source);
    // A failed load is not cached: the next call may find a repaired file.
    pending.catch(() => sessions.delete(resolved.path));
    sessions.set(resolved.path, pending);
  }
  return pending;
}

async function open(path: string, source: RiskModel["source"]): Promise<RiskModel> {
  // Yield first: the caller starts the load early and spawns git meanwhile; the native work below is synchronous.
  await new Promise((ok) => setImmediate(ok));
  const metaPath = metaPathFor(path);
  const meta = readModelMeta(metaPath);
  let session: ScoringSession;
  // One read of the file for the session and the digest.
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
    session = await openSession(path, { bytes });
  } catch (error) {
    throw new Error(
      `cannot load the risk model ${path}: ${(error as Error).message}. Re-export it with \`dejafix train\`.`,
    );
  }
  if (!session.inputNames.includes(meta.input.name) || !session.outputNames.includes(meta.output.name)) {
    throw new Error(
      `the risk model ${path} does not match its metadata (expects input '${meta.input.name}', output '${meta.output.name}'). Re-export it with \`dejafix train\`.`,
    );
  }
  return { path, metaPath, meta, digest: modelDigest(path, bytes), source, session };
}
