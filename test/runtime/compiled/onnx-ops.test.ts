// The compiled engine's standard ONNX kernels, op by op against onnxruntime-node: floats within 1e-5, integer, bool
// and shape results exactly, over several shapes, broadcasting patterns and opset variants.
import { describe, expect, it } from "vitest";
import { compileOnnx } from "../../../cli/build/compile/compile.ts";
import { compiledSession } from "../../../runtime/engines/compiled/engine.ts";
import { encodeCompiledGraph } from "../../../runtime/engines/compiled/format.ts";
import { attr, checkOp, opModel, tensor, values } from "./op-harness.ts";

const f32 = (dims: number[], seed = 1) =>
  tensor(
    "float32",
    dims,
    values(
      dims.reduce((a, b) => a * b, 1),
      seed,
    ),
  );

describe("Gemm", () => {
  const cShapes: number[][] = [[], [5], [1, 5], [4, 1], [4, 5]];
  for (const transA of [0, 1]) {
    for (const transB of [0, 1]) {
      it(`transA=${transA} transB=${transB}, constant B, C of every broadcastable shape`, async () => {
        for (const cDims of cShapes) {
          await checkOp({
            op: "Gemm",
            feeds: { a: f32(transA ? [3, 4] : [4, 3]) },
            consts: { b: f32(transB ? [5, 3] : [3, 5], 2), c: f32(cDims, 3) },
            inputs: ["a", "b", "c"],
            attrs: [attr("transA", { i: transA }), attr("transB", { i: transB }), attr("alpha", { f: 0.7 }), attr("beta", { f: -1.3 })],
          });
        }
      });
    }
  }
  it("B as a run-time input, no C, opset 11", async () => {
    await checkOp({ op: "Gemm", feeds: { a: f32([2, 6]), b: f32([7, 6], 4) }, inputs: ["a", "b"], attrs: [attr("transB", { i: 1 })], opset: 11 });
  });
  it("every register-block path: 1, 2 and 3 rows against 21 columns (8 + 8 + 4 + 1)", async () => {
    for (const rows of [1, 2, 3]) {
      await checkOp({
        op: "Gemm",
        feeds: { a: f32([rows, 9]) },
        consts: { w: f32([21, 9], 5), bias: f32([21], 6) },
        inputs: ["a", "w", "bias"],
        attrs: [attr("transB", { i: 1 })],
      });
      await checkOp({ op: "MatMul", feeds: { a: f32([rows, 9]) }, consts: { w: f32([9, 21], 7) }, inputs: ["a", "w"] });
    }
  });
  it("batch 64 with a bias, as a dense layer", async () => {
    await checkOp({
      op: "Gemm",
      feeds: { a: f32([64, 9]) },
      consts: { w: f32([16, 9], 5), bias: f32([16], 6) },
      inputs: ["a", "w", "bias"],
      attrs: [attr("transB", { i: 1 })],
    });
  });
});

describe("MatMul", () => {
  const cases: [number[], number[], boolean][] = [
    [[3, 4], [4, 5], true],
    [[2, 3, 4], [4, 5], true],
    [[2, 3, 4], [2, 4, 5], false],
    [[2, 1, 3, 4], [3, 4, 2], false],
    [[4], [4, 5], true],
    [[3, 4], [4], false],
    [[4], [4], false],
    [[1, 4], [2, 3, 4, 2], false],
  ];
  for (const [a, b, constant] of cases) {
    it(`[${a}] x [${b}]${constant ? " (constant B)" : ""}`, async () => {
      await checkOp(
        constant
          ? { op: "MatMul", feeds: { a: f32(a) }, consts: { b: f32(b, 2) }, inputs: ["a", "b"] }
          : { op: "MatMul", feeds: { a: f32(a), b: f32(b, 2) }, inputs: ["a", "b"] },
      );
    });
  }
});

describe("Add, Sub, Mul, Div", () => {
  const shapes: [number[], number[]][] = [
    [
      [2, 3],
      [2, 3],
    ],
    [[2, 3], [3]],
    [
      [2, 1, 4],
      [3, 1],
    ],
    [[4, 1], []],
    [[], [2, 2]],
    [
      [1, 3, 1],
      [2, 1, 5],
    ],
  ];
  for (const op of ["Add", "Sub", "Mul", "Div"]) {
    it(`${op} on float32 with numpy broadcasting`, async () => {
      for (const [a, b] of shapes) {
        const divisor =
          op === "Div"
            ? tensor(
                "float32",
                b,
                values(
                  b.reduce((x, y) => x * y, 1),
                  9,
                ).map((v) => v || 0.5),
              )
            : f32(b, 9);
        await checkOp({ op, feeds: { a: f32(a), b: divisor }, inputs: ["a", "b"] });
      }
    });
  }
  it("integer Div truncates toward zero (int32 and int64), Mul wraps int32", async () => {
    const a = [7, -7, 7, -7, 9, -1, 0, 2147483647];
    const b = [2, 2, -2, -2, 3, 5, 3, 3];
    await checkOp({ op: "Div", feeds: { a: tensor("int32", [8], a), b: tensor("int32", [8], b) }, inputs: ["a", "b"] }, { y: "int32" });
    await checkOp({ op: "Div", feeds: { a: tensor("int64", [8], a), b: tensor("int64", [8], b) }, inputs: ["a", "b"] }, { y: "int64" });
    await checkOp({ op: "Mul", feeds: { a: tensor("int32", [8], a), b: tensor("int32", [8], b) }, inputs: ["a", "b"] }, { y: "int32" });
    await checkOp({ op: "Sub", feeds: { a: tensor("int64", [2, 4], a), b: tensor("int64", [4], [1, 2, 3, 4]) }, inputs: ["a", "b"] }, { y: "int64" });
  });
  it("float64", async () => {
    const a = tensor("float64", [3, 2], values(6));
    await checkOp({ op: "Mul", feeds: { a, b: tensor("float64", [2], [0.5, -3]) }, inputs: ["a", "b"] }, { y: "float64" });
  });
});

describe("activations", () => {
  const x = () => tensor("float32", [3, 5], [...values(12), 40, -40, 0]);
  it("Relu, Sigmoid, Tanh", async () => {
    for (const op of ["Relu", "Sigmoid", "Tanh"]) await checkOp({ op, feeds: { x: x() }, inputs: ["x"] });
  });
  it("NaN and infinities pass through as in ORT", async () => {
    const special = () => tensor("float32", [5], [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1]);
    for (const op of ["Relu", "Sigmoid", "Tanh", "LeakyRelu"]) await checkOp({ op, feeds: { x: special() }, inputs: ["x"] });
    await checkOp({
      op: "Clip",
      feeds: { x: special() },
      consts: { lo: tensor("float32", [], [-1]), hi: tensor("float32", [], [1]) },
      inputs: ["x", "lo", "hi"],
    });
  });
  it("Relu on int32 (opset 14)", async () => {
    await checkOp({ op: "Relu", feeds: { x: tensor("int32", [4], [-2, 0, 3, -1]) }, inputs: ["x"], opset: 14 }, { y: "int32" });
  });
  it("LeakyRelu with the default and an explicit alpha", async () => {
    await checkOp({ op: "LeakyRelu", feeds: { x: x() }, inputs: ["x"] });
    await checkOp({ op: "LeakyRelu", feeds: { x: x() }, inputs: ["x"], attrs: [attr("alpha", { f: 0.3 })] });
  });
});

describe("unary math and BatchNormalization", () => {
  it("Exp, Log, Sqrt, Neg, Abs on floats (NaN where ORT has NaN), Neg and Abs on integers", async () => {
    const x = () => tensor("float32", [2, 4], [0.5, 2, 0, 9, 1e-3, 30, -1, Number.NaN]);
    for (const op of ["Exp", "Log", "Sqrt", "Neg", "Abs"]) await checkOp({ op, feeds: { x: x() }, inputs: ["x"] });
    for (const dtype of ["int32", "int64"] as const) {
      for (const op of ["Neg", "Abs"]) await checkOp({ op, feeds: { x: tensor(dtype, [4], [-3, 0, 5, -2147483648]) }, inputs: ["x"] }, { y: dtype });
    }
  });
  it("BatchNormalization at inference, constant and run-time parameters, 2-D and 4-D inputs", async () => {
    const p = (seed: number, positive = false) =>
      tensor(
        "float32",
        [3],
        values(3, seed).map((v) => (positive ? Math.abs(v) + 0.1 : v)),
      );
    const consts = { s: p(2), b: p(3), m: p(4), v: p(5, true) };
    await checkOp({ op: "BatchNormalization", feeds: { x: f32([4, 3]) }, consts, inputs: ["x", "s", "b", "m", "v"] });
    await checkOp({
      op: "BatchNormalization",
      feeds: { x: f32([2, 3, 2, 2]) },
      consts,
      inputs: ["x", "s", "b", "m", "v"],
      attrs: [attr("epsilon", { f: 0.01 })],
    });
    await checkOp({
      op: "BatchNormalization",
      feeds: { x: f32([4, 3]), s: p(2), b: p(3), m: p(4), v: p(5, true) },
      inputs: ["x", "s", "b", "m", "v"],
      opset: 9,
    });
  });
  it("BatchNormalization in training mode is refused", () => {
    const model = opModel(
      {
        op: "BatchNormalization",
        feeds: { x: f32([4, 3]) },
        consts: { s: f32([3]), b: f32([3]), m: f32([3]), v: f32([3]) },
        inputs: ["x", "s", "b", "m", "v"],
        attrs: [attr("training_mode", { i: 1 })],
        opset: 15,
      },
      {},
    );
    expect(compileOnnx(model, "x")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("BatchNormalization (node batchnormalization_node): training mode"),
    });
  });
});

describe("Softmax", () => {
  const x = () => f32([2, 3, 4]);
  it("opset 13: along axis (default -1)", async () => {
    await checkOp({ op: "Softmax", feeds: { x: x() }, inputs: ["x"] });
    await checkOp({ op: "Softmax", feeds: { x: x() }, inputs: ["x"], attrs: [attr("axis", { i: 1 })] });
    await checkOp({ op: "Softmax", feeds: { x: x() }, inputs: ["x"], attrs: [attr("axis", { i: 0 })] });
  });
  it("opset 11: coerced to 2-D at axis (default 1)", async () => {
    await checkOp({ op: "Softmax", feeds: { x: x() }, inputs: ["x"], opset: 11 });
    await checkOp({ op: "Softmax", feeds: { x: x() }, inputs: ["x"], attrs: [attr("axis", { i: 2 })], opset: 11 });
    await checkOp({ op: "Softmax", feeds: { x: x() }, inputs: ["x"], attrs: [attr("axis", { i: -2 })], opset: 11 });
  });
});

describe("Clip", () => {
  const x = () => tensor("float32", [2, 4], [-3, -0.5, 0, 0.5, 2, 7, -9, 1]);
  it("opset 6: min/max attributes and their defaults", async () => {
    await checkOp({ op: "Clip", feeds: { x: x() }, inputs: ["x"], attrs: [attr("min", { f: -1 }), attr("max", { f: 1.5 })], opset: 6 });
    await checkOp({ op: "Clip", feeds: { x: x() }, inputs: ["x"], attrs: [attr("max", { f: 0.25 })], opset: 6 });
  });
  it("opset 13: optional min and max inputs", async () => {
    const lo = tensor("float32", [], [-1]);
    const hi = tensor("float32", [], [1.5]);
    await checkOp({ op: "Clip", feeds: { x: x() }, consts: { lo, hi }, inputs: ["x", "lo", "hi"] });
    await checkOp({ op: "Clip", feeds: { x: x() }, consts: { lo }, inputs: ["x", "lo"] });
    await checkOp({ op: "Clip", feeds: { x: x(), hi }, inputs: ["x", "", "hi"] });
    await checkOp({ op: "Clip", feeds: { x: x() }, inputs: ["x"] });
    await checkOp(
      {
        op: "Clip",
        feeds: { x: tensor("int32", [4], [-5, 0, 5, 9]) },
        consts: { lo: tensor("int32", [], [-1]), hi: tensor("int32", [], [6]) },
        inputs: ["x", "lo", "hi"],
      },
      { y: "int32" },
    );
  });
});

describe("shape ops", () => {
  it("Flatten at axis 0, 1, 2 and -1", async () => {
    for (const axis of [0, 1, 2, -1]) await checkOp({ op: "Flatten", feeds: { x: f32([2, 3, 4]) }, inputs: ["x"], attrs: [attr("axis", { i: axis })] });
  });
  it("Reshape: 0 copies a dim, -1 infers, shape as a run-time input, allowzero", async () => {
    const shape = (v: number[]) => tensor("int64", [v.length], v);
    await checkOp({ op: "Reshape", feeds: { x: f32([2, 3, 4]) }, consts: { s: shape([0, -1]) }, inputs: ["x", "s"] });
    await checkOp({ op: "Reshape", feeds: { x: f32([2, 3, 4]) }, consts: { s: shape([4, 0, 2]) }, inputs: ["x", "s"] });
    await checkOp({ op: "Reshape", feeds: { x: f32([2, 3, 4]), s: shape([-1, 6]) }, inputs: ["x", "s"] });
    await checkOp({
      op: "Reshape",
      feeds: { x: f32([0, 3]) },
      consts: { s: shape([3, 0]) },
      inputs: ["x", "s"],
      attrs: [attr("allowzero", { i: 1 })],
      opset: 14,
    });
  });
  it("Transpose: default and explicit perms on 2-D to 4-D", async () => {
    await checkOp({ op: "Transpose", feeds: { x: f32([3, 5]) }, inputs: ["x"] });
    await checkOp({ op: "Transpose", feeds: { x: f32([2, 3, 4]) }, inputs: ["x"] });
    await checkOp({ op: "Transpose", feeds: { x: f32([2, 3, 4]) }, inputs: ["x"], attrs: [attr("perm", { ints: [1, 0, 2] })] });
    await checkOp({ op: "Transpose", feeds: { x: f32([2, 3, 4, 5]) }, inputs: ["x"], attrs: [attr("perm", { ints: [0, 3, 1, 2] })] });
    await checkOp({ op: "Transpose", feeds: { x: tensor("int64", [2, 3], [1, 2, 3, 4, 5, 6]) }, inputs: ["x"] }, { y: "int64" });
  });
  it("Squeeze and Unsqueeze: attribute axes before opset 13, input axes from 13", async () => {
    const axes = (v: number[]) => tensor("int64", [v.length], v);
    await checkOp({ op: "Squeeze", feeds: { x: f32([1, 3, 1, 2]) }, inputs: ["x"], attrs: [attr("axes", { ints: [0, -2] })], opset: 11 });
    await checkOp({ op: "Squeeze", feeds: { x: f32([1, 3, 1, 2]) }, inputs: ["x"], opset: 11 });
    await checkOp({ op: "Squeeze", feeds: { x: f32([1, 3, 1, 2]) }, consts: { a: axes([2]) }, inputs: ["x", "a"] });
    await checkOp({ op: "Squeeze", feeds: { x: f32([1, 3, 1, 2]) }, inputs: ["x"] });
    await checkOp({ op: "Unsqueeze", feeds: { x: f32([3, 2]) }, inputs: ["x"], attrs: [attr("axes", { ints: [0, 3] })], opset: 11 });
    await checkOp({ op: "Unsqueeze", feeds: { x: f32([3, 2]) }, consts: { a: axes([-1, 1]) }, inputs: ["x", "a"] });
  });
  it("Concat on axis 1 and -1, three inputs, int64", async () => {
    await checkOp({ op: "Concat", feeds: { a: f32([2, 3]), b: f32([2, 1], 2), c: f32([2, 4], 3) }, inputs: ["a", "b", "c"], attrs: [attr("axis", { i: 1 })] });
    await checkOp({ op: "Concat", feeds: { a: f32([2, 2, 3]), b: f32([2, 2, 1], 2) }, inputs: ["a", "b"], attrs: [attr("axis", { i: -1 })] });
    await checkOp({ op: "Concat", feeds: { a: f32([1, 3]), b: f32([2, 3], 2) }, inputs: ["a", "b"], attrs: [attr("axis", { i: 0 })] });
    const i64 = (v: number[]) => tensor("int64", [v.length], v);
    await checkOp({ op: "Concat", feeds: { a: i64([1, 2]) }, consts: { b: i64([-1]) }, inputs: ["a", "b"], attrs: [attr("axis", { i: 0 })] }, { y: "int64" });
  });
  it("Identity, and Dropout at inference with its mask", async () => {
    await checkOp({ op: "Identity", feeds: { x: f32([2, 3]) }, inputs: ["x"] });
    await checkOp({ op: "Dropout", feeds: { x: f32([2, 3]) }, inputs: ["x"], outputs: ["y", "mask"] }, { mask: "bool" });
    await checkOp({ op: "Dropout", feeds: { x: f32([4]) }, consts: { r: tensor("float32", [], [0.5]) }, inputs: ["x", "r"], opset: 12 });
  });
});

describe("Cast", () => {
  const x = tensor("float32", [8], [-2.7, -0.5, 0, 0.5, 2.7, 100.9, -100.9, 1]);
  for (const [to, code] of [
    ["int32", 6],
    ["int64", 7],
    ["int8", 3],
    ["uint8", 2],
    ["bool", 9],
    ["float64", 11],
  ] as const) {
    it(`float32 → ${to}`, async () => {
      await checkOp({ op: "Cast", feeds: { x }, inputs: ["x"], attrs: [attr("to", { i: code })] }, { y: to });
    });
  }
  it("int64 → float32, float64 → float32 (rounded), bool → float32", async () => {
    await checkOp({ op: "Cast", feeds: { x: tensor("int64", [3], [-5, 0, 16777217]) }, inputs: ["x"], attrs: [attr("to", { i: 1 })] });
    await checkOp({ op: "Cast", feeds: { x: tensor("float64", [3], [0.1, 1 / 3, 1e-8]) }, inputs: ["x"], attrs: [attr("to", { i: 1 })] });
    await checkOp({ op: "Cast", feeds: { x: tensor("bool", [3], [1, 0, 1]) }, inputs: ["x"], attrs: [attr("to", { i: 1 })] });
  });
  it("to string is refused at compile time with the reason", () => {
    const model = opModel({ op: "Cast", feeds: { x }, inputs: ["x"], attrs: [attr("to", { i: 8 })] }, { y: "float32" });
    const outcome = compileOnnx(model, "test");
    expect(outcome).toMatchObject({ ok: false, reason: "compiled engine does not support Cast (node cast_node): cast to string", node: { op: "Cast" } });
  });
});

describe("Constant", () => {
  it("a Constant node is folded into an initializer by the compiler", async () => {
    const out = await checkOp({ op: "Constant", inputs: [], attrs: [attr("value_floats", { floats: [1.5, -2] })] });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([1.5, -2]);
  });
  it("the kernel itself runs a Constant left in a compiled graph (value_int, value_ints, value tensor)", async () => {
    const header = {
      format: "edge-ml-graph" as const,
      version: 1 as const,
      source: { sha256: "x", opsets: [{ domain: "", version: 13 }] },
      inputs: [],
      outputs: [
        { name: "a", dtype: "int64" as const, shape: [] },
        { name: "b", dtype: "int64" as const, shape: [2] },
        { name: "c", dtype: "float32" as const, shape: [2] },
      ],
      nodes: [
        { op: "Constant", domain: "", name: "k1", inputs: [], outputs: ["a"], attrs: { value_int: 7 } },
        { op: "Constant", domain: "", name: "k2", inputs: [], outputs: ["b"], attrs: { value_ints: [3, -4] } },
        { op: "Constant", domain: "", name: "k3", inputs: [], outputs: ["c"], attrs: { value: { tensor: "k3::value" } } },
      ],
    };
    const bytes = encodeCompiledGraph(header, new Map([["k3::value", { dtype: "float32" as const, data: Float32Array.of(0.25, 4), dims: [2] }]]));
    const out = await compiledSession(bytes).run({});
    expect(Array.from(out.a!.data as BigInt64Array)).toEqual([7n]);
    expect(out.a!.dims).toEqual([]);
    expect(Array.from(out.b!.data as BigInt64Array)).toEqual([3n, -4n]);
    expect(Array.from(out.c!.data as Float32Array)).toEqual([0.25, 4]);
  });
});
