/**
 * dejafix's built-in ONNX runtime: evaluates, in plain JavaScript, the operators of the shipped model
 * (models/default.onnx: a standardisation with Sub, Div, Log, Mul and Add, two Gemm layers with ReLU, a
 * sigmoid and a Squeeze) and no others. It replaces a 288 MB native package at install and opens the
 * model in about a millisecond (docs/install.md has the figures beside onnxruntime-node and -web);
 * test/defaultModel.test.ts holds its scores to onnxruntime-node's to 1e-6. A graph with an operator
 * outside the table below is refused with the operator's name; src/model/session.ts then opens it in
 * onnxruntime-node when the project has that installed.
 *
 * Float tensors are computed in float64 and stored as float32 after every operator, as ONNX float32 is.
 */
import type { GraphNode, OnnxGraph, Tensor, TensorData } from "./readOnnx.js";

type Op = (node: GraphNode, inputs: (Tensor | undefined)[]) => Tensor;

function size(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function floats(t: Tensor | undefined, what: string): Float32Array {
  if (!t) throw new Error(`missing input: ${what}`);
  if (t.data instanceof Float32Array) return t.data;
  if (t.data instanceof Float64Array) return Float32Array.from(t.data);
  throw new Error(`${what} must be a float tensor`);
}

/** An int64/int32 tensor (axes, starts, shapes) as numbers. */
function ints(t: Tensor | undefined, what: string): number[] {
  if (!t) throw new Error(`missing input: ${what}`);
  if (t.data instanceof BigInt64Array) return Array.from(t.data, Number);
  if (t.data instanceof Int32Array) return Array.from(t.data);
  throw new Error(`${what} must be an integer tensor`);
}

function intAttr(node: GraphNode, name: string, fallback: number): number {
  const v = node.attributes.get(name);
  return typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : fallback;
}

function floatAttr(node: GraphNode, name: string, fallback: number): number {
  const v = node.attributes.get(name);
  return typeof v === "number" ? v : fallback;
}

function intsAttr(node: GraphNode, name: string): number[] | null {
  const v = node.attributes.get(name);
  return Array.isArray(v) ? v.map(Number) : null;
}

type UnaryKind = "relu" | "sigmoid" | "log";

/** One loop per kind (not a callback per element): the hook runs these cold, where a call per element costs. */
function unary(kind: UnaryKind): Op {
  return (node, [x]) => {
    const a = floats(x, node.opType);
    const out = new Float32Array(a.length);
    const n = a.length;
    switch (kind) {
      case "relu":
        for (let i = 0; i < n; i++) out[i] = Math.max(a[i] as number, 0);
        break;
      case "sigmoid":
        for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-(a[i] as number)));
        break;
      case "log":
        for (let i = 0; i < n; i++) out[i] = Math.log(a[i] as number);
        break;
    }
    return { dims: [...(x as Tensor).dims], data: out };
  };
}

/** Numpy-style broadcasting of two shapes (ONNX multidirectional broadcasting). */
function broadcastDims(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Strides of `dims` read as `out` (rank aligned right; 0 where the dimension is broadcast). */
function broadcastStrides(dims: readonly number[], out: readonly number[]): number[] {
  const strides = new Array<number>(out.length).fill(0);
  let stride = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    const j = out.length - dims.length + i;
    strides[j] = dims[i] === 1 ? 0 : stride;
    stride *= dims[i] as number;
  }
  return strides;
}

/**
 * For each element of the broadcast output, the element of an input of shape `dims` it reads; null when that
 * is the same index (same shape). The common cases (a scalar, a row repeated down a batch) need no odometer.
 */
function readIndex(dims: readonly number[], out: readonly number[], n: number): Int32Array | null {
  const own = size(dims);
  if (own === n) return null;
  const index = new Int32Array(n);
  if (own === 1) return index;
  const trailing = dims.every((d, i) => d === out[out.length - dims.length + i]);
  if (trailing) {
    for (let i = 0; i < n; i++) index[i] = i % own;
    return index;
  }
  const strides = broadcastStrides(dims, out);
  const at = new Array<number>(out.length).fill(0);
  let offset = 0;
  for (let i = 0; i < n; i++) {
    index[i] = offset;
    for (let d = out.length - 1; d >= 0; d--) {
      at[d] = (at[d] as number) + 1;
      offset += strides[d] as number;
      if ((at[d] as number) < (out[d] as number)) break;
      offset -= (strides[d] as number) * (out[d] as number);
      at[d] = 0;
    }
  }
  return index;
}

type BinaryKind = "add" | "sub" | "mul" | "div";

/**
 * The period with which an input of shape `dims` repeats along a broadcast output of `n` elements: 1 for a
 * scalar, the row length for a row repeated down the batch (the standardisation's mean and scale), n for
 * the same shape; null for any other broadcast (read through an index). The common cases need no index: a
 * batch of 512 commits × 8,212 features gathered through one cost seconds in `dejafix index`.
 */
function periodOf(dims: readonly number[], out: readonly number[], n: number): number | null {
  const own = size(dims);
  if (own === n || own === 1) return own;
  return dims.every((d, i) => d === out[out.length - dims.length + i]) ? own : null;
}

/**
 * out[i] = a[i % pa] ∘ b[i % pb], one plain loop per kind (a callback or a branch on the kind per element
 * costs), the two read positions wrapping instead of a modulo.
 */
function periodic(
  kind: BinaryKind,
  a: Float32Array,
  pa: number,
  b: Float32Array,
  pb: number,
  out: Float32Array,
): void {
  const n = out.length;
  let ja = 0;
  let jb = 0;
  switch (kind) {
    case "add":
      for (let i = 0; i < n; i++) {
        out[i] = (a[ja] as number) + (b[jb] as number);
        if (++ja === pa) ja = 0;
        if (++jb === pb) jb = 0;
      }
      break;
    case "sub":
      for (let i = 0; i < n; i++) {
        out[i] = (a[ja] as number) - (b[jb] as number);
        if (++ja === pa) ja = 0;
        if (++jb === pb) jb = 0;
      }
      break;
    case "mul":
      for (let i = 0; i < n; i++) {
        out[i] = (a[ja] as number) * (b[jb] as number);
        if (++ja === pa) ja = 0;
        if (++jb === pb) jb = 0;
      }
      break;
    case "div":
      for (let i = 0; i < n; i++) {
        out[i] = (a[ja] as number) / (b[jb] as number);
        if (++ja === pa) ja = 0;
        if (++jb === pb) jb = 0;
      }
      break;
  }
}

function binary(kind: BinaryKind): Op {
  return (node, [x, y]) => {
    const a = floats(x, `${node.opType} A`);
    const b = floats(y, `${node.opType} B`);
    const dims = broadcastDims((x as Tensor).dims, (y as Tensor).dims);
    const n = size(dims);
    const out = new Float32Array(n);
    const pa = periodOf((x as Tensor).dims, dims, n);
    const pb = periodOf((y as Tensor).dims, dims, n);
    // A scalar, a row repeated down the batch or the whole: read in place, no index.
    if (pa !== null && pb !== null) {
      periodic(kind, a, pa, b, pb, out);
      return { dims, data: out };
    }
    // Any other broadcast: inputs read through their index, gathered once so that each kind is one plain loop.
    const ia = readIndex((x as Tensor).dims, dims, n);
    const ib = readIndex((y as Tensor).dims, dims, n);
    const av = ia ? Float32Array.from(ia, (j) => a[j] as number) : a;
    const bv = ib ? Float32Array.from(ib, (j) => b[j] as number) : b;
    switch (kind) {
      case "add":
        for (let i = 0; i < n; i++) out[i] = (av[i] as number) + (bv[i] as number);
        break;
      case "sub":
        for (let i = 0; i < n; i++) out[i] = (av[i] as number) - (bv[i] as number);
        break;
      case "mul":
        for (let i = 0; i < n; i++) out[i] = (av[i] as number) * (bv[i] as number);
        break;
      case "div":
        for (let i = 0; i < n; i++) out[i] = (av[i] as number) / (bv[i] as number);
        break;
    }
    return { dims, data: out };
  };
}

/** Y = alpha·A'·B' + beta·C. The rows of A are mostly zero (hashed token counts): only their non-zeros are read. */
const gemm: Op = (node, [ta, tb, tc]) => {
  const a = floats(ta, "Gemm A");
  const b = floats(tb, "Gemm B");
  const transA = intAttr(node, "transA", 0) === 1;
  const transB = intAttr(node, "transB", 0) === 1;
  const alpha = floatAttr(node, "alpha", 1);
  const beta = floatAttr(node, "beta", 1);
  const [ar, ac] = (ta as Tensor).dims as [number, number];
  const [br, bc] = (tb as Tensor).dims as [number, number];
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const n = transB ? br : bc;
  if ((transB ? bc : br) !== k) throw new Error(`Gemm: inner dimensions ${k} and ${transB ? bc : br} differ`);
  const out = new Float32Array(m * n);
  const nonZero = new Int32Array(k);
  for (let i = 0; i < m; i++) {
    let count = 0;
    for (let p = 0; p < k; p++) if ((transA ? a[p * m + i] : a[i * k + p]) !== 0) nonZero[count++] = p;
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let q = 0; q < count; q++) {
        const p = nonZero[q] as number;
        const av = (transA ? a[p * m + i] : a[i * k + p]) as number;
        sum += av * ((transB ? b[j * k + p] : b[p * n + j]) as number);
      }
      out[i * n + j] = alpha * sum;
    }
  }
  if (tc) {
    const c = floats(tc, "Gemm C");
    const sc = broadcastStrides(tc.dims, [m, n]);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++)
        out[i * n + j] =
          (out[i * n + j] as number) + beta * (c[i * (sc[0] as number) + j * (sc[1] as number)] as number);
  }
  return { dims: [m, n], data: out };
};

function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

const squeeze: Op = (node, [x, axesInput]) => {
  const t = x as Tensor;
  const axes = (axesInput ? ints(axesInput, "Squeeze axes") : intsAttr(node, "axes"))?.map((a) =>
    normalizeAxis(a, t.dims.length),
  );
  const dims = t.dims.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
  return { dims, data: t.data };
};

/**
 * The operators dejafix's runtime evaluates: exactly those models/default.onnx uses (test/defaultModel.test.ts
 * checks this table against the model, and the scores against onnxruntime-node to 1e-6). A model that
 * needs another is refused with the operator's name. To add one: an entry here, and a model that uses it
 * in that test, compared with onnxruntime-node.
 */
const OPS: Record<string, Op> = {
  Add: binary("add"),
  Constant: (node) => {
    const v = node.attributes.get("value");
    if (!v || typeof v !== "object" || !("dims" in v))
      throw new Error("Constant: only tensor values are supported");
    return v;
  },
  Div: binary("div"),
  Gemm: gemm,
  Log: unary("log"),
  Mul: binary("mul"),
  Relu: unary("relu"),
  Sigmoid: unary("sigmoid"),
  Squeeze: squeeze,
  Sub: binary("sub"),
};

/** The operators this runtime evaluates, sorted. */
export function supportedOps(): string[] {
  return Object.keys(OPS).sort();
}

/** Operators of `graph` that this runtime cannot evaluate (empty when it runs the whole graph). */
export function unsupportedOps(graph: OnnxGraph): string[] {
  const missing = new Set<string>();
  for (const node of graph.nodes)
    if ((node.domain !== "" && node.domain !== "ai.onnx") || !(node.opType in OPS))
      missing.add(node.domain ? `${node.domain}.${node.opType}` : node.opType);
  return [...missing];
}

/** Why a graph cannot run here, naming the operators it lacks and the ones it has. */
export function unsupportedMessage(ops: readonly string[]): string {
  return (
    `the model uses the ONNX operator${ops.length === 1 ? "" : "s"} ${ops.join(", ")}, which dejafix's own runtime ` +
    `does not run (it runs ${supportedOps().join(", ")}: the operators of the shipped model)`
  );
}

/** Evaluates `graph` on `feeds` (by input name); returns the tensors named in `fetch`. */
export function runGraph(
  graph: OnnxGraph,
  feeds: Map<string, Tensor>,
  fetch: readonly string[],
): Map<string, Tensor> {
  const values = new Map<string, Tensor>(graph.initializers);
  for (const [k, v] of feeds) values.set(k, v);
  // Each intermediate tensor is dropped after the last node that reads it: a batch of 512 changes is
  // 17 MB per tensor, and the shipped graph has nine of them.
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    for (const name of node.inputs) lastUse.set(name, i);
  });
  const keep = new Set<string>([...graph.initializers.keys(), ...feeds.keys(), ...fetch]);
  graph.nodes.forEach((node, i) => {
    const op = OPS[node.opType];
    if (!op) throw new Error(unsupportedMessage([node.opType]));
    const inputs = node.inputs.map((name) => (name === "" ? undefined : values.get(name)));
    const out = op(node, inputs);
    values.set(node.outputs[0] as string, out);
    for (const name of node.inputs) if (lastUse.get(name) === i && !keep.has(name)) values.delete(name);
  });
  const result = new Map<string, Tensor>();
  for (const name of fetch) {
    const t = values.get(name);
    if (!t) throw new Error(`the model has no output '${name}'`);
    result.set(name, t);
  }
  return result;
}

export type { TensorData };
