/**
 * One scoring session for an ONNX model. By default dejafix's own runtime (runGraph.ts) runs it: no native
 * package to install, and the fastest to open and to score of the three measured (docs/install.md). onnxruntime-node runs it instead when it is installed and either the model needs an operator
 * the built-in runtime lacks or DEJAFIX_RUNTIME=onnxruntime asks for it; the tests compare both.
 *
 * onnxruntime-node is opened through its native binding directly when it sits where onnxruntime-node 1.x
 * puts it, else through the package's public API. Why: the public entry point first loads onnxruntime-common (tensor helpers the hook does not use)
 * and registers its backends, ≈ 15 ms of CPU in a hook whose scoring budget is 60 ms. Both paths
 * run the same native code with the same session options, so the scores are the same
 * (test/defaultModel.test.ts compares them).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { isMainThread } from "node:worker_threads";
import { readOnnx } from "./readOnnx.js";
import { runGraph, unsupportedMessage, unsupportedOps } from "./runGraph.js";

export type SessionVia = "js" | "binding" | "api" | "web";

export interface ScoringSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * What runs it: dejafix's runtime, onnxruntime-node's native binding directly or its public API, or
   * onnxruntime-web's WebAssembly build (measured beside the others: docs/install.md).
   */
  readonly via: SessionVia;
  /** Runs the graph on one float32 input of shape `dims`; returns one float32 output. */
  run(input: string, data: Float32Array, dims: readonly number[], output: string): Promise<Float32Array>;
}

/**
 * Nothing leaves the machine. onnxruntime ≥ 1.29 on Linux and macOS starts a 1DS telemetry uploader
 * (DNS and HTTPS to mobile.events.data.microsoft.com after ~10 s of a session, an offline event cache and a
 * device id under ~/.cache/Microsoft) unless ORT_DISABLE_TELEMETRY=1 is in the environment when the runtime
 * initialises: then none of it is created, for the life of the process (onnxruntime PR #27379). It is read
 * through getenv, which process.env writes to, so it is set here, before the binding is first loaded.
 * test/noNetwork.e2e.test.ts scores under strace and finds no inet socket.
 */
function disableTelemetry(): void {
  process.env.ORT_DISABLE_TELEMETRY = "1";
}

/** One thread each: a single-threaded session starts ≈ 3× faster than the default pool (DESIGN.md). */
const OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: "all",
  executionMode: "sequential",
  executionProviders: ["cpu"],
} as const;

/** A tensor as the native binding reads it (the fields of onnxruntime-common's Tensor it uses). */
class PlainTensor {
  readonly location = "cpu";
  constructor(
    readonly type: string,
    readonly data: unknown,
    readonly dims: readonly number[],
  ) {}
}

/** The native binding's surface, as onnxruntime-node 1.x's dist/backend.js calls it. */
interface NativeSession {
  loadModel(path: string, options: object): void;
  readonly inputMetadata: readonly { name: string }[];
  readonly outputMetadata: readonly { name: string }[];
  run(
    feeds: Record<string, PlainTensor>,
    fetches: Record<string, null>,
    options: object,
  ): Record<string, { data: unknown }>;
}
interface NativeBinding {
  initOrtOnce(logLevel: number, tensor: unknown, isMainThread: boolean): void;
  InferenceSession: new () => NativeSession;
}

/** ORT's "warning" level, the one onnxruntime-node uses by default. */
const LOG_WARNING = 2;

let binding: NativeBinding | null | undefined;

/**
 * The binding file next to onnxruntime-node's main script (`dist/index.js` → `bin/napi-v6/<platform>/<arch>/`),
 * initialised once; null when it is not there or does not look like the binding we know.
 */
function nativeBinding(): NativeBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  if (process.env.DEJAFIX_ORT_API === "1") return binding;
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve("onnxruntime-node");
    const file = join(
      dirname(main),
      "..",
      "bin",
      "napi-v6",
      process.platform,
      process.arch,
      "onnxruntime_binding.node",
    );
    const loaded = require(file) as Partial<NativeBinding>;
    if (typeof loaded.initOrtOnce !== "function" || typeof loaded.InferenceSession !== "function")
      return binding;
    // Once per process here. If the public API is loaded later, it calls this again, which the binding
    // accepts; the API wraps our plain output tensors in its own (tested in test/defaultModel.test.ts).
    loaded.initOrtOnce(LOG_WARNING, PlainTensor, isMainThread);
    binding = loaded as NativeBinding;
  } catch {
    binding = null;
  }
  return binding;
}

function fromBinding(native: NativeBinding, path: string): ScoringSession {
  const session = new native.InferenceSession();
  session.loadModel(path, OPTIONS);
  return {
    inputNames: session.inputMetadata.map((m) => m.name),
    outputNames: session.outputMetadata.map((m) => m.name),
    via: "binding",
    async run(input, data, dims, output) {
      const result = session.run({ [input]: new PlainTensor("float32", data, dims) }, { [output]: null }, {});
      return float32(result[output]?.data, output);
    },
  };
}

async function fromApi(path: string): Promise<ScoringSession> {
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(path, {
    ...OPTIONS,
    executionProviders: [...OPTIONS.executionProviders],
  });
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    via: "api",
    async run(input, data, dims, output) {
      const result = await session.run({ [input]: new ort.Tensor("float32", data, [...dims]) });
      return float32(result[output]?.data, output);
    },
  };
}

/** onnxruntime-web's WebAssembly build, one thread, when the project has it installed. */
async function fromWeb(path: string): Promise<ScoringSession> {
  // Named through a variable: it is no dependency of dejafix, and its API is onnxruntime-common's.
  const name = "onnxruntime-web";
  let ort: typeof import("onnxruntime-common");
  try {
    ort = (await import(name)) as typeof import("onnxruntime-common");
  } catch {
    throw new Error(
      "DEJAFIX_RUNTIME=onnxruntime-web asks for onnxruntime-web, which is not installed beside dejafix: " +
        "`npm install -D onnxruntime-web`, or unset DEJAFIX_RUNTIME",
    );
  }
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(path, { executionProviders: ["wasm"] });
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    via: "web",
    async run(input, data, dims, output) {
      const result = await session.run({ [input]: new ort.Tensor("float32", data, [...dims]) });
      return float32(result[output]?.data, output);
    },
  };
}

function float32(data: unknown, output: string): Float32Array {
  if (!(data instanceof Float32Array)) throw new Error(`the model gave no float32 '${output}' output`);
  return data;
}

/** The model on dejafix's own runtime, or null (with the operators it lacks) when it cannot run it. */
function fromJs(path: string, bytes?: Uint8Array): ScoringSession | { missing: string[] } {
  const graph = readOnnx(bytes ?? readFileSync(path));
  const missing = unsupportedOps(graph);
  if (missing.length > 0) return { missing };
  return {
    inputNames: graph.inputs,
    outputNames: graph.outputs,
    via: "js",
    async run(input, data, dims, output) {
      const out = runGraph(graph, new Map([[input, { dims: [...dims], data }]]), [output]).get(output);
      return float32(out?.data, output);
    },
  };
}

/** Whether onnxruntime-node can be imported from here (it is an optional companion, not a dependency). */
function hasOnnxruntime(): boolean {
  try {
    createRequire(import.meta.url).resolve("onnxruntime-node");
    return true;
  } catch {
    return false;
  }
}

/**
 * Opens `path` (an ONNX file). `via` forces a runtime: "js" (dejafix's), "binding" or "api" (onnxruntime-node's
 * native binding or public API, also set by DEJAFIX_ORT_API=1), "web" (onnxruntime-web).
 * DEJAFIX_RUNTIME=onnxruntime prefers onnxruntime-node, DEJAFIX_RUNTIME=onnxruntime-web onnxruntime-web;
 * without either, dejafix's runtime runs every model it can. `bytes`: the file's content, when read already.
 */
export async function openSession(
  path: string,
  opts: { via?: SessionVia; bytes?: Uint8Array } = {},
): Promise<ScoringSession> {
  const asked = process.env.DEJAFIX_RUNTIME;
  const want = opts.via ?? (asked === "onnxruntime" ? "binding" : asked === "onnxruntime-web" ? "web" : "js");
  if (want === "web") return fromWeb(path);
  if (want === "js") {
    const js = fromJs(path, opts.bytes);
    if (!("missing" in js)) return js;
    // Asked for by name, or nothing else to run it on: refused, with the operators it lacks.
    if (opts.via === "js" || !hasOnnxruntime())
      throw new Error(
        `${unsupportedMessage(js.missing)}; install onnxruntime-node beside dejafix ` +
          "(`npm install -D onnxruntime-node`) to score with it",
      );
  }
  disableTelemetry();
  const native = want === "api" ? null : nativeBinding();
  return native ? fromBinding(native, path) : fromApi(path);
}
