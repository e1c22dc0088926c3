// The compiled engine's session: feeds are checked against the graph's declared inputs with messages that name the
// input (the predictor answers 422 with them), unknown ops fail at session creation naming the node, release works.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileOnnx } from "../../../cli/build/compile/compile.ts";
import { createCompiledEngine } from "../../../runtime/engines/compiled/engine.ts";
import { encodeCompiledGraph } from "../../../runtime/engines/compiled/format.ts";
import { UnsupportedNodeError } from "../../../runtime/engines/compiled/kernels/types.ts";

const outcome = compileOnnx(new Uint8Array(readFileSync("models/titanic/1.0.0/model.onnx")), "x");
if (!outcome.ok) throw new Error(outcome.reason);
const graph = outcome.bytes;
const engine = createCompiledEngine();
const features = (rows: number, width = 9) => ({ dtype: "float32" as const, data: new Float32Array(rows * width), dims: [rows, width] });

describe("compiled engine session", () => {
  it("runs a batch and returns the declared outputs with array dims", async () => {
    const session = await engine.createSession(graph);
    expect(engine.name).toBe("compiled");
    expect(session.inputNames).toEqual(["features"]);
    expect(session.outputNames).toEqual(["logit"]);
    const out = await session.run({ features: features(4) });
    expect(out.logit!.dims).toEqual([4, 1]);
    expect(out.logit!.data).toBeInstanceOf(Float32Array);
  });

  it("rejects bad feeds naming the input and what is wrong", async () => {
    const session = await engine.createSession(graph);
    await expect(session.run({})).rejects.toThrow('missing input "features" (the model takes "features"; got none)');
    await expect(session.run({ features: { dtype: "float64", data: new Float64Array(9), dims: [1, 9] } })).rejects.toThrow(
      'input "features" must be a float32 tensor, got float64 (Float64Array)',
    );
    await expect(session.run({ features: { dtype: "float32", data: new Float32Array(9), dims: [9] } })).rejects.toThrow(
      'input "features" must have rank 2 [batch, 9], got dims [9]',
    );
    await expect(session.run({ features: features(2, 8) })).rejects.toThrow('input "features" dim 1 must be 9, got 8 (dims [2, 8])');
    await expect(session.run({ features: { dtype: "float32", data: new Float32Array(5), dims: [1, 9] } })).rejects.toThrow(
      'input "features" has 5 values for dims [1, 9] (9 expected)',
    );
    await expect(session.run({ features: features(1), extra: features(1) })).rejects.toThrow('unknown input "extra"');
  });

  it("fails at session creation on an op it has no kernel for, naming the node", async () => {
    const header = {
      format: "edge-ml-graph" as const,
      version: 1 as const,
      source: { sha256: "x", opsets: [{ domain: "", version: 14 }] },
      inputs: [{ name: "x", dtype: "float32" as const, shape: [1] }],
      outputs: [{ name: "y", dtype: "float32" as const, shape: [1] }],
      nodes: [{ op: "LSTM", domain: "", name: "/lstm/LSTM", inputs: ["x"], outputs: ["y"], attrs: {} }],
    };
    const error = await engine.createSession(encodeCompiledGraph(header, new Map())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedNodeError);
    expect((error as Error).message).toBe("LSTM (node /lstm/LSTM): no kernel for this op");
  });

  it("refuses to run after release", async () => {
    const session = await engine.createSession(graph);
    await session.release();
    await expect(session.run({ features: features(1) })).rejects.toThrow("released");
  });
});
