/**
 * Reads an ONNX file (a protobuf ModelProto) into plain data: the graph's nodes, constant tensors, inputs
 * and outputs. Only what the built-in runtime (runGraph.ts) evaluates is decoded; everything else is skipped
 * by its wire type. Field numbers are those of onnx/onnx.proto (ModelProto.graph = 7, GraphProto.node = 1…).
 *
 * Protobuf wire format, as read here: each field is a varint key (field number << 3 | wire type), then
 * wire type 0 a varint, 1 eight bytes, 2 a varint length and that many bytes, 5 four bytes.
 */

export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export interface Tensor {
  dims: number[];
  data: TensorData;
}

export type AttributeValue = number | bigint | string | number[] | bigint[] | Tensor;

export interface GraphNode {
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, AttributeValue>;
}

export interface OnnxGraph {
  nodes: GraphNode[];
  initializers: Map<string, Tensor>;
  /** Graph inputs that are not initializers, in order. */
  inputs: string[];
  outputs: string[];
  /** Opset version of the default ("" or "ai.onnx") domain. */
  opset: number;
}

/** ONNX TensorProto.DataType values this reader knows. */
const FLOAT = 1;
const UINT8 = 2;
const INT32 = 6;
const INT64 = 7;
const BOOL = 9;
const DOUBLE = 11;

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error("truncated varint");
      const b = this.buf[this.pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
  }

  /** A varint read as a JS number (lengths, keys, small integers). */
  int(): number {
    return Number(this.varint());
  }

  bytes(): Uint8Array {
    const len = this.int();
    const start = this.pos;
    this.pos += len;
    if (this.pos > this.end) throw new Error("truncated field");
    return this.buf.subarray(start, this.pos);
  }

  sub(): Reader {
    const len = this.int();
    const r = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    if (this.pos > this.end) throw new Error("truncated message");
    return r;
  }

  string(): string {
    return new TextDecoder().decode(this.bytes());
  }

  float(): number {
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) {
      const len = this.int(); // read before adding: `pos += int()` would add to the position before the length
      this.pos += len;
    } else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }

  /** Calls `on(field, wire)` for every field; `on` reads the value or returns false to skip it. */
  fields(on: (field: number, wire: number) => boolean): void {
    while (!this.done) {
      const key = this.int();
      const field = key >>> 3;
      const wire = key & 7;
      if (!on(field, wire)) this.skip(wire);
    }
  }
}

/** Repeated int64: packed (wire 2) or one varint per field (wire 0). */
function readInt64s(r: Reader, wire: number, into: bigint[]): void {
  if (wire === 2) {
    const s = r.sub();
    while (!s.done) into.push(BigInt.asIntN(64, s.varint()));
  } else into.push(BigInt.asIntN(64, r.varint()));
}

function readFloats(r: Reader, wire: number, into: number[]): void {
  if (wire === 2) {
    const s = r.sub();
    while (!s.done) into.push(s.float());
  } else into.push(r.float());
}

/** Copies `bytes` into a fresh, aligned buffer (raw_data sits at any offset of the file). */
function aligned(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

function readTensor(r: Reader): Tensor & { name: string } {
  const dims: bigint[] = [];
  const floats: number[] = [];
  const int64s: bigint[] = [];
  const int32s: bigint[] = [];
  let type = 0;
  let name = "";
  let raw: Uint8Array | null = null;
  r.fields((field, wire) => {
    if (field === 1) readInt64s(r, wire, dims);
    else if (field === 2) type = r.int();
    else if (field === 4) readFloats(r, wire, floats);
    else if (field === 5) readInt64s(r, wire, int32s);
    else if (field === 7) readInt64s(r, wire, int64s);
    else if (field === 8) name = r.string();
    else if (field === 9) raw = r.bytes();
    else if (field === 14 && wire === 0 && r.int() === 1)
      throw new Error(`tensor '${name}' keeps its data in an external file, which dejafix does not read`);
    else return false;
    return true;
  });
  const shape = dims.map(Number);
  const rawBytes = raw as Uint8Array | null;
  let data: TensorData;
  if (type === FLOAT) data = rawBytes ? new Float32Array(aligned(rawBytes)) : Float32Array.from(floats);
  else if (type === DOUBLE) data = rawBytes ? new Float64Array(aligned(rawBytes)) : Float64Array.from(floats);
  else if (type === INT64)
    data = rawBytes ? new BigInt64Array(aligned(rawBytes)) : BigInt64Array.from(int64s);
  else if (type === INT32)
    data = rawBytes ? new Int32Array(aligned(rawBytes)) : Int32Array.from(int32s.map(Number));
  else if (type === BOOL || type === UINT8)
    data = rawBytes ? new Uint8Array(aligned(rawBytes)) : Uint8Array.from(int32s.map(Number));
  else throw new Error(`tensor '${name}' has ONNX data type ${type}, which dejafix's runtime does not read`);
  return { name, dims: shape, data };
}

function readAttribute(r: Reader): [string, AttributeValue] {
  let name = "";
  let value: AttributeValue | undefined;
  const floats: number[] = [];
  const ints: bigint[] = [];
  r.fields((field, wire) => {
    if (field === 1) name = r.string();
    else if (field === 2 && wire === 5) value = r.float();
    else if (field === 3 && wire === 0) value = BigInt.asIntN(64, r.varint());
    else if (field === 4) value = r.string();
    else if (field === 5) value = readTensor(r.sub());
    else if (field === 7) readFloats(r, wire, floats);
    else if (field === 8) readInt64s(r, wire, ints);
    else return false;
    return true;
  });
  if (value === undefined) value = ints.length > 0 ? ints : floats;
  return [name, value];
}

function readNode(r: Reader): GraphNode {
  const node: GraphNode = { opType: "", domain: "", inputs: [], outputs: [], attributes: new Map() };
  r.fields((field) => {
    if (field === 1) node.inputs.push(r.string());
    else if (field === 2) node.outputs.push(r.string());
    else if (field === 4) node.opType = r.string();
    else if (field === 5) {
      const [k, v] = readAttribute(r.sub());
      node.attributes.set(k, v);
    } else if (field === 7) node.domain = r.string();
    else return false;
    return true;
  });
  return node;
}

function valueInfoName(r: Reader): string {
  let name = "";
  r.fields((field) => {
    if (field !== 1) return false;
    name = r.string();
    return true;
  });
  return name;
}

function readOpset(r: Reader): { domain: string; version: number } {
  let domain = "";
  let version = 0;
  r.fields((field) => {
    if (field === 1) domain = r.string();
    else if (field === 2) version = r.int();
    else return false;
    return true;
  });
  return { domain, version };
}

function readGraph(r: Reader, graph: OnnxGraph): void {
  const declared: string[] = [];
  r.fields((field) => {
    if (field === 1) graph.nodes.push(readNode(r.sub()));
    else if (field === 5) {
      const t = readTensor(r.sub());
      graph.initializers.set(t.name, { dims: t.dims, data: t.data });
    } else if (field === 11) declared.push(valueInfoName(r.sub()));
    else if (field === 12) graph.outputs.push(valueInfoName(r.sub()));
    else return false;
    return true;
  });
  graph.inputs = declared.filter((name) => !graph.initializers.has(name));
}

export function readOnnx(bytes: Uint8Array): OnnxGraph {
  const model = new Reader(bytes);
  const graph: OnnxGraph = { nodes: [], initializers: new Map(), inputs: [], outputs: [], opset: 0 };
  let hasGraph = false;
  model.fields((field) => {
    if (field === 7) {
      readGraph(model.sub(), graph);
      hasGraph = true;
    } else if (field === 8) {
      const { domain, version } = readOpset(model.sub());
      if (domain === "" || domain === "ai.onnx") graph.opset = version;
    } else return false;
    return true;
  });
  if (!hasGraph) throw new Error("not an ONNX model: no graph");
  return graph;
}
