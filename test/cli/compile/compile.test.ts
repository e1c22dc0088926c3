// The compiler, the differential check and the engine choice on real models: titanic (feature model) and the tensor
// MLP compile and match onnxruntime-node; the LSTM model is refused naming LSTM; a graph with altered weights or
// another output shape is caught by the check; chooseEngine's auto / ort / compiled behaviors.
import { readFileSync } from "node:fs";
import onnxProto from "onnx-proto";
import { describe, expect, it } from "vitest";
import { chooseEngine, MAX_COMPILED_BYTES, MAX_COMPILED_MACS_PER_ROW } from "../../../cli/build/compile/choose.ts";
import { compileOnnx } from "../../../cli/build/compile/compile.ts";
import { checkCompiled, differentialInputs } from "../../../cli/build/compile/differential.ts";
import { sha256Bytes } from "../../../cli/project/hash.ts";
import { inspectOnnx } from "../../../cli/registry/onnx-inspect.ts";
import { EdgeMlError } from "../../../core/errors.ts";
import { Manifest } from "../../../core/schema/manifest.ts";
import { mlpModel, valueInfo } from "../../fixtures/onnx-builder.ts";

const { onnx } = onnxProto;
const TITANIC = "models/titanic/1.0.0/model.onnx";
const titanicManifest = Manifest.parse(JSON.parse(readFileSync("models/titanic/1.0.0/manifest.json", "utf8")));
const titanic = new Uint8Array(readFileSync(TITANIC));

/** A tensor-task manifest for any ONNX file (io from the file, no features). */
function tensorManifest(model: Uint8Array): Manifest {
  const info = inspectOnnx(model, "model.onnx");
  const { features: _f, preprocessing: _p, postprocessing: _q, ...rest } = titanicManifest;
  return { ...rest, task: "tensor", io: { inputs: info.inputs, outputs: info.outputs } };
}

/** The same model with every float of one initializer shifted by `delta`. */
function alterWeights(model: Uint8Array, name: string, delta: number): Uint8Array {
  const m = onnx.ModelProto.decode(model);
  const t = m.graph!.initializer!.find((i) => i.name === name)!;
  const raw = new Uint8Array(t.rawData!);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < raw.length; i += 4) view.setFloat32(i, view.getFloat32(i, true) + delta, true);
  t.rawData = raw;
  return onnx.ModelProto.encode(m).finish();
}

describe("compileOnnx", () => {
  it("compiles titanic (Gemm, Relu) and the graph matches onnxruntime-node on random and feature-schema inputs", async () => {
    const outcome = compileOnnx(titanic, titanicManifest.artifact.sha256);
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.ops).toEqual(["Gemm", "Relu"]);
    const inputs = differentialInputs(titanicManifest, { seed: 1 });
    // Random tensors at batch 1, 3 and 64, then schema instances through the preprocessor at the same sizes.
    expect(inputs.map((i) => i.features!.dims)).toEqual([
      [1, 9],
      [3, 9],
      [64, 9],
      [1, 9],
      [3, 9],
      [64, 9],
    ]);
    const check = await checkCompiled({ onnx: titanic, compiled: outcome.bytes, inputs });
    expect(check).toMatchObject({ ok: true, reference: "onnxruntime-node", inputs: 6, tolerance: 1e-5 });
    expect(check.maxAbsError).toBeLessThan(1e-5);
  });

  it("compiles the tensor MLP fixture and matches", async () => {
    const model = new Uint8Array(readFileSync("test/fixtures/models/mlp-tensor.onnx"));
    const outcome = compileOnnx(model, sha256Bytes(model));
    if (!outcome.ok) throw new Error(outcome.reason);
    const check = await checkCompiled({ onnx: model, compiled: outcome.bytes, inputs: differentialInputs(tensorManifest(model)) });
    expect(check.ok).toBe(true);
    expect(check.inputs).toBe(3);
  });

  it("refuses the LSTM model, naming the first unsupported node and every other unsupported op", () => {
    const outcome = compileOnnx(new Uint8Array(readFileSync("test/fixtures/optimize/recurrent.onnx")), "x");
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.reason).toBe(
      "compiled engine does not support ReduceMax (node /ReduceMax); also Greater, If, Shape, Gather, ConstantOfShape, LSTM, Ceil and Loop",
    );
    expect(outcome.node).toEqual({ name: "/ReduceMax", op: "ReduceMax", domain: "" });
  });

  it("refuses a file that is not ONNX", () => {
    expect(compileOnnx(new TextEncoder().encode("not a model"), "x")).toMatchObject({ ok: false });
  });
});

describe("compileOnnx refusals and graph order", () => {
  /** A Relu model whose graph is edited by `edit` before encoding. */
  function reluModel(edit: (g: InstanceType<typeof onnx.GraphProto>) => void): Uint8Array {
    const graph = onnx.GraphProto.create({
      name: "g",
      node: [{ opType: "Relu", input: ["x"], output: ["y"], name: "relu" }],
      input: [valueInfo("x", 1, ["N", 2])],
      output: [valueInfo("y", 1, ["N", 2])],
    });
    edit(graph);
    return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: "", version: 13 }], graph })).finish();
  }
  const reason = (model: Uint8Array) => {
    const outcome = compileOnnx(model, "x");
    return outcome.ok ? "compiled" : outcome.reason;
  };

  it("refuses external data, sparse initializers, float16 and non-tensor inputs with the reason", () => {
    const external = reluModel((g) => {
      g.initializer = [onnx.TensorProto.create({ name: "w", dims: [2], dataType: 1, dataLocation: 1, externalData: [{ key: "location", value: "w.bin" }] })];
    });
    expect(reason(external)).toBe(
      'compiled engine cannot load the model: initializer "w" keeps its data in an external file (re-export the model with the weights inside the .onnx file)',
    );
    const sparse = reluModel((g) => {
      g.sparseInitializer = [onnx.SparseTensorProto.create({ dims: [2] })];
    });
    expect(reason(sparse)).toBe("the graph has sparse initializers, which the compiled engine does not read");
    const half = reluModel((g) => {
      g.input = [valueInfo("x", 10, ["N", 2])];
    });
    expect(reason(half)).toBe('compiled engine does not support graph input "x": element type 10');
    const sequence = reluModel((g) => {
      g.input = [onnx.ValueInfoProto.create({ name: "x", type: { sequenceType: { elemType: { tensorType: { elemType: 1 } } } } })];
    });
    expect(reason(sequence)).toBe('compiled engine does not support graph input "x": it is not a tensor');
  });

  it("sorts nodes listed out of order, and names a value nothing produces", async () => {
    const reversed = onnx.ModelProto.decode(titanic);
    reversed.graph!.node!.reverse();
    const bytes = onnx.ModelProto.encode(reversed).finish();
    const outcome = compileOnnx(bytes, "x");
    if (!outcome.ok) throw new Error(outcome.reason);
    expect((await checkCompiled({ onnx: titanic, compiled: outcome.bytes, inputs: differentialInputs(titanicManifest) })).ok).toBe(true);
    const dangling = reluModel((g) => {
      g.node![0]!.input = ["nowhere"];
    });
    expect(reason(dangling)).toBe('compiled engine cannot order the graph: node relu reads "nowhere", which no node produces (or a cycle)');
  });
});

describe("checkCompiled", () => {
  it("detects a graph whose weights differ from the reference, naming output and element", async () => {
    const altered = compileOnnx(alterWeights(titanic, "2.bias", 3e-4), "x");
    if (!altered.ok) throw new Error(altered.reason);
    const check = await checkCompiled({ onnx: titanic, compiled: altered.bytes, inputs: differentialInputs(titanicManifest) });
    expect(check.ok).toBe(false);
    expect(check.reason).toMatch(/^differs from onnxruntime-node by 3\.0e-4 at output 'logit'\[0\] \(> [12]\.\de-5\) on input 0$/);
    expect(check.worst).toMatchObject({ output: "logit", index: 0, input: 0 });
  });

  it("fails on a shape mismatch with both shapes in the message", async () => {
    const reference = mlpModel([4, 8, 3], 1);
    const other = compileOnnx(mlpModel([4, 8, 2], 1), "x");
    if (!other.ok) throw new Error(other.reason);
    const check = await checkCompiled({ onnx: reference, compiled: other.bytes, inputs: differentialInputs(tensorManifest(reference)) });
    expect(check.reason).toBe("output 'y' has shape [1, 2] in the compiled engine but [1, 3] in onnxruntime-node (input 0)");
  });

  it("skips inputs the reference rejects, and fails only when it rejects them all", async () => {
    const outcome = compileOnnx(titanic, "x");
    if (!outcome.ok) throw new Error(outcome.reason);
    const bad = { features: { dtype: "float32" as const, data: new Float32Array(8), dims: [1, 8] } };
    const good = differentialInputs(titanicManifest)[0]!;
    expect(await checkCompiled({ onnx: titanic, compiled: outcome.bytes, inputs: [bad, good] })).toMatchObject({ ok: true, inputs: 1 });
    const check = await checkCompiled({ onnx: titanic, compiled: outcome.bytes, inputs: [bad] });
    expect(check.ok).toBe(false);
    expect(check.reason).toMatch(/^onnxruntime-node failed on every input \(input 0: .*features/);
  });

  it("appends the caller's recorded samples after the generated inputs", () => {
    const sample = { features: { dtype: "float32" as const, data: new Float32Array(18), dims: [2, 9] } };
    const inputs = differentialInputs(titanicManifest, { samples: [sample] });
    expect(inputs).toHaveLength(7);
    expect(inputs.at(-1)).toBe(sample);
    // Seeded: the same seed gives the same inputs.
    expect(differentialInputs(titanicManifest, { seed: 3 })[2]).toEqual(differentialInputs(titanicManifest, { seed: 3 })[2]);
  });
});

/** sklearn's shape of a classifier: LinearClassifier (softmax) → label and probabilities, ZipMap over the latter. */
function zipMapClassifier(): Uint8Array {
  const seqMap = { sequenceType: { elemType: { mapType: { keyType: 7, valueType: { tensorType: { elemType: 1 } } } } } };
  const graph = onnx.GraphProto.create({
    name: "clf",
    node: [
      {
        opType: "LinearClassifier",
        domain: "ai.onnx.ml",
        name: "linear",
        input: ["X"],
        output: ["label", "probabilities"],
        attribute: [
          { name: "classlabels_ints", type: 7, ints: [0, 1, 2] },
          { name: "coefficients", type: 6, floats: [0.5, -1, 2, 1.5, 0.25, -0.75, -2, 1, 0.3] },
          { name: "intercepts", type: 6, floats: [0.1, -0.2, 0.05] },
          { name: "post_transform", type: 3, s: new TextEncoder().encode("SOFTMAX") },
        ],
      },
      {
        opType: "ZipMap",
        domain: "ai.onnx.ml",
        name: "zipmap",
        input: ["probabilities"],
        output: ["output_probability"],
        attribute: [{ name: "classlabels_int64s", type: 7, ints: [0, 1, 2] }],
      },
    ],
    input: [valueInfo("X", 1, ["N", 3])],
    output: [valueInfo("label", 7, ["N"]), onnx.ValueInfoProto.create({ name: "output_probability", type: seqMap })],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [
      { domain: "", version: 13 },
      { domain: "ai.onnx.ml", version: 1 },
    ],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

describe("ZipMap outputs", () => {
  it("compile to a float32 [N, C] tensor and are checked against the probabilities ZipMap reads", async () => {
    const model = zipMapClassifier();
    const outcome = compileOnnx(model, "x");
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.ops).toEqual(["ai.onnx.ml:LinearClassifier", "ai.onnx.ml:ZipMap"]);
    const manifest = { ...tensorManifest(titanic), io: { inputs: [{ name: "X", dtype: "float32" as const, shape: ["N", 3] }], outputs: [] } };
    const check = await checkCompiled({ onnx: model, compiled: outcome.bytes, inputs: differentialInputs(manifest) });
    expect(check).toMatchObject({ ok: true, inputs: 3 });
  });
});

describe("onnxruntime-web as the reference", () => {
  it("is used when asked (and when onnxruntime-node is not installed), and says so", async () => {
    const outcome = compileOnnx(titanic, "x");
    if (!outcome.ok) throw new Error(outcome.reason);
    const check = await checkCompiled({ onnx: titanic, compiled: outcome.bytes, inputs: differentialInputs(titanicManifest), reference: "onnxruntime-web" });
    expect(check).toMatchObject({ ok: true, reference: "onnxruntime-web", inputs: 6 });
  });
});

describe("chooseEngine", () => {
  const recurrent = new Uint8Array(readFileSync("test/fixtures/optimize/recurrent.onnx"));

  it("--engine ort skips compilation", async () => {
    expect(await chooseEngine({ manifest: titanicManifest, model: titanic, requested: "ort" })).toEqual({ engine: "ort", reason: "--engine ort" });
  });

  it("auto picks the compiled graph for titanic, hashed as shipped", async () => {
    const decision = await chooseEngine({ manifest: titanicManifest, model: titanic, requested: "auto" });
    if (decision.engine !== "compiled") throw new Error(decision.reason);
    expect(decision.sha256).toBe(sha256Bytes(decision.bytes));
    expect(decision.ops).toEqual(["Gemm", "Relu"]);
    expect(decision.check.ok).toBe(true);
  });

  it("auto falls back to ort with the unsupported op as the reason", async () => {
    const decision = await chooseEngine({ manifest: tensorManifest(recurrent), model: recurrent, requested: "auto" });
    expect(decision.engine).toBe("ort");
    if (decision.engine === "ort") expect(decision.reason).toMatch(/compiled engine does not support .*LSTM/);
  });

  it("--engine compiled that cannot compile is an ERR_ENGINE error with a hint", async () => {
    const error = await chooseEngine({ manifest: tensorManifest(recurrent), model: recurrent, requested: "compiled" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgeMlError);
    expect(error).toMatchObject({ code: "ERR_ENGINE", hint: expect.stringContaining("--engine ort") });
    expect((error as Error).message).toMatch(/^--engine compiled: compiled engine does not support .*LSTM/);
  });

  it("auto keeps matmul-heavy graphs (over MAX_COMPILED_MACS_PER_ROW) on ort; --engine compiled still compiles them", async () => {
    const mlp = new Uint8Array(readFileSync("test/fixtures/optimize/mlp.onnx"));
    const auto = await chooseEngine({ manifest: tensorManifest(mlp), model: mlp, requested: "auto" });
    expect(auto).toMatchObject({ engine: "ort", reason: expect.stringContaining("multiply-adds per row") });
    expect(MAX_COMPILED_MACS_PER_ROW).toBe(32_768);
    const forced = await chooseEngine({ manifest: tensorManifest(mlp), model: mlp, requested: "compiled" });
    expect(forced.engine).toBe("compiled");
  });

  it("auto keeps graphs with more than MAX_COMPILED_BYTES of weights on ort", async () => {
    const big = mlpModel([1500, 1500], 2); // 9 MB of float32 weights
    const decision = await chooseEngine({ manifest: tensorManifest(big), model: big, requested: "auto" });
    expect(MAX_COMPILED_BYTES).toBe(8 * 1024 * 1024);
    expect(decision).toEqual({
      engine: "ort",
      reason: "the graph's weights (8.6 MiB) exceed 8.0 MiB: onnxruntime-web's wasm SIMD is faster on matmuls that big",
    });
  });
});
