/**
 * dejafix's ONNX runtime broadcasts its element-wise operators as ONNX does: a scalar, a row repeated down
 * a batch (read in place) and any other shape (read through an index) give what a naive per-element
 * reference gives, whichever side the broadcast operand is on, rounded to float32 after the operator.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GraphNode, OnnxGraph, Tensor } from "../src/model/readOnnx.js";
import { runGraph } from "../src/model/runGraph.js";

const ops = {
  Add: (x: number, y: number) => x + y,
  Sub: (x: number, y: number) => x - y,
  Mul: (x: number, y: number) => x * y,
  Div: (x: number, y: number) => x / y,
};

function tensor(dims: number[], seed: number): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return {
    dims,
    data: Float32Array.from(
      { length: n },
      (_, i) => ((i * 7919 + seed * 104729) % 97) / 13 - 3.1 + (i % 5 === 0 ? 0 : 0.5),
    ),
  };
}

/** The element of `t` that output position `at` (of shape `out`) reads, by the broadcasting rule. */
function naiveAt(t: Tensor, out: number[], at: number[]): number {
  let offset = 0;
  let stride = 1;
  for (let i = t.dims.length - 1; i >= 0; i--) {
    const d = t.dims[i] as number;
    const coord = d === 1 ? 0 : (at[out.length - t.dims.length + i] as number);
    offset += coord * stride;
    stride *= d;
  }
  return t.data[offset] as number;
}

function run(op: string, a: Tensor, b: Tensor): Tensor {
  const node: GraphNode = {
    opType: op,
    domain: "",
    inputs: ["a", "b"],
    outputs: ["y"],
    attributes: new Map(),
  };
  const graph: OnnxGraph = {
    nodes: [node],
    initializers: new Map(),
    inputs: ["a", "b"],
    outputs: ["y"],
    opset: 17,
  };
  return runGraph(
    graph,
    new Map([
      ["a", a],
      ["b", b],
    ]),
    ["y"],
  ).get("y") as Tensor;
}

describe("dejafix's runtime: element-wise operators", () => {
  const shapes: [number[], number[], number[]][] = [
    [
      [4, 6],
      [4, 6],
      [4, 6],
    ], // same shape
    [[4, 6], [], [4, 6]], // a scalar
    [[4, 6], [1], [4, 6]], // a one-element tensor
    [[4, 6], [6], [4, 6]], // a row repeated down the batch
    [
      [4, 6],
      [1, 6],
      [4, 6],
    ],
    [
      [4, 6],
      [4, 1],
      [4, 6],
    ], // a column: read through an index
    [
      [4, 1],
      [1, 6],
      [4, 6],
    ], // both broadcast
    [
      [2, 3, 4],
      [3, 1],
      [2, 3, 4],
    ],
  ];
  for (const [op, f] of Object.entries(ops)) {
    it(`${op} broadcasts a scalar, a row and a column on either side as the per-element rule does`, () => {
      for (const [da, db, out] of shapes) {
        for (const [x, y] of [
          [tensor(da, 1), tensor(db, 2)],
          [tensor(db, 3), tensor(da, 4)],
        ] as [Tensor, Tensor][]) {
          const got = run(op, x, y);
          assert.deepEqual(got.dims, out, `${op} [${x.dims}] [${y.dims}]`);
          const n = out.reduce((p, q) => p * q, 1);
          const want = new Float32Array(n);
          for (let i = 0; i < n; i++) {
            let rest = i;
            const at = out.map(() => 0);
            for (let d = out.length - 1; d >= 0; d--) {
              at[d] = rest % (out[d] as number);
              rest = Math.floor(rest / (out[d] as number));
            }
            want[i] = f(naiveAt(x, out, at), naiveAt(y, out, at));
          }
          assert.deepEqual(got.data, want, `${op} [${x.dims}] [${y.dims}]`);
        }
      }
    });
  }
});

describe("dejafix's runtime: a graph's tensors", () => {
  it("are the same when intermediates are dropped after their last reader, and one asked for is returned", () => {
    const node = (op: string, inputs: string[], output: string): GraphNode => ({
      opType: op,
      domain: "",
      inputs,
      outputs: [output],
      attributes: new Map(),
    });
    // t = a + b; u = t * t; v = u - a: t is read twice by one node, then never; u is asked for.
    const graph: OnnxGraph = {
      nodes: [node("Add", ["a", "b"], "t"), node("Mul", ["t", "t"], "u"), node("Sub", ["u", "a"], "v")],
      initializers: new Map([["b", { dims: [2], data: Float32Array.from([1, 2]) }]]),
      inputs: ["a"],
      outputs: ["v"],
      opset: 17,
    };
    const a = { dims: [2, 2], data: Float32Array.from([1, 2, 3, 4]) };
    const out = runGraph(graph, new Map([["a", a]]), ["v", "u"]);
    assert.deepEqual(out.get("u")?.data, Float32Array.from([4, 16, 16, 36]));
    assert.deepEqual(out.get("v")?.data, Float32Array.from([3, 14, 13, 32]));
    // An intermediate asked for is kept, whatever reads it later.
    assert.deepEqual(
      runGraph(graph, new Map([["a", a]]), ["t", "v"]).get("t")?.data,
      Float32Array.from([2, 4, 4, 6]),
    );
  });
});
