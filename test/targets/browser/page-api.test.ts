/**
 * The page API's named tensors (targets/browser/page-api.ts): typed arrays used as they are or converted with the JSON
 * checks, bigints for int64, scalars, shapes from the manifest (symbolic dims bound across inputs, an open leading dim
 * as one example), and errors that say how to give the shape.
 */
import { describe, expect, it } from "vitest";
import { IssueList } from "../../../core/issues.ts";
import type { TensorSpec } from "../../../core/schema/manifest.ts";
import { parseV2Inputs } from "../../../core/tensor-input.ts";
import { typedValues } from "../../../core/tensor-typed.ts";
import { isNamedTensors, parseNamedTensors, predictInBatches, stackTypedInstances } from "../../../targets/browser/page-api.ts";

const VAD: TensorSpec[] = [
  { name: "input", dtype: "float32", shape: ["batch", "sequence"] },
  { name: "sr", dtype: "int64", shape: [] },
  { name: "h", dtype: "float32", shape: [2, "batch", 64] },
  { name: "c", dtype: "float32", shape: [2, "batch", 64] },
];
const limits = { maxBatch: 8 };

describe("named tensors", () => {
  it("takes Float32Arrays as they are, a bigint scalar, and infers every shape from the manifest", () => {
    const input = new Float32Array(512).fill(0.5);
    const h = new Float32Array(128);
    const r = parseNamedTensors({ input, sr: 16000n, h, c: { data: h, dims: [2, 1, 64] } }, VAD, limits);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.feeds["input"]!.data).toBe(input);
    expect(r.feeds["input"]!.dims).toEqual([1, 512]);
    expect(r.feeds["sr"]).toEqual({ dtype: "int64", data: BigInt64Array.of(16000n), dims: [] });
    expect(r.feeds["h"]!.dims).toEqual([2, 1, 64]);
  });

  it("binds a symbolic dim from another input: two examples of h make the input's batch 2", () => {
    const r = parseNamedTensors({ input: new Float32Array(1024), sr: 8000, h: new Float32Array(256), c: new Float32Array(256) }, VAD, limits);
    expect(r.ok && r.feeds["input"]!.dims).toEqual([2, 512]);
    expect(r.ok && r.feeds["sr"]!.data).toEqual(BigInt64Array.of(8000n));
  });

  it("converts other typed arrays and nested arrays with the JSON checks", () => {
    const specs: TensorSpec[] = [
      { name: "ids", dtype: "int64", shape: ["batch", 3] },
      { name: "x", dtype: "int32", shape: ["batch", 2] },
    ];
    const r = parseNamedTensors({ ids: Int32Array.of(1, 2, 3), x: [[1, 2]] }, specs, limits);
    expect(r.ok && r.feeds["ids"]).toEqual({ dtype: "int64", data: BigInt64Array.of(1n, 2n, 3n), dims: [1, 3] });
    expect(r.ok && r.feeds["x"]).toEqual({ dtype: "int32", data: Int32Array.of(1, 2), dims: [1, 2] });
    const bad = parseNamedTensors({ ids: Float64Array.of(1, 2.5, 3), x: BigInt64Array.of(1n, 2n ** 40n) }, specs, limits);
    expect(!bad.ok && bad.issues).toEqual([
      { path: "ids[1]", message: "expected an integer, got number 2.5" },
      { path: "x[1]", message: "1099511627776 is out of the int32 range (-2147483648 to 2147483647) (from bigint 1099511627776)" },
    ]);
  });

  it("names what is wrong: unknown and missing inputs, a bad count, a shape it cannot tell", () => {
    const r = parseNamedTensors({ input: new Float32Array(5), sr: [1, 2], h: new Float32Array(100), z: 1 }, VAD, limits);
    expect(!r.ok && r.issues.map((i) => i.path)).toEqual(["z", "c"]);
    const counts = parseNamedTensors({ input: new Float32Array(5), sr: 1, h: new Float32Array(100), c: new Float32Array(128) }, VAD, limits);
    expect(!counts.ok && counts.issues).toEqual([{ path: "h", message: "has 100 values, not a multiple of 128 (input shape [2, batch, 64])" }]);
    const scalar = parseNamedTensors({ input: new Float32Array(5), sr: [1, 2], h: new Float32Array(128), c: new Float32Array(128) }, VAD, limits);
    expect(!scalar.ok && scalar.issues[0]!.message).toBe('has 2 values, but the model input "sr" is a scalar: give one value');
    const open = parseNamedTensors({ m: new Float32Array(6) }, [{ name: "m", dtype: "float32", shape: [2, "h", "w"] }], limits);
    expect(!open.ok && open.issues[0]!.message).toBe("cannot tell the shape of 6 values for input shape [2, h, w]: give it, e.g. { data, dims: [2, …, …] }");
    const dims = parseNamedTensors({ m: { data: new Float32Array(6), dims: [3, 1, 2] } }, [{ name: "m", dtype: "float32", shape: [2, "h", "w"] }], limits);
    expect(!dims.ok && dims.issues).toEqual([{ path: "m.dims[0]", message: 'is 3, but the model input "m" needs 2 (shape [2, h, w])' }]);
  });

  it("tells named tensors from a V2 body", () => {
    expect(isNamedTensors({ input: 1 }, VAD)).toBe(true);
    expect(isNamedTensors({ inputs: [{ name: "input" }] }, VAD)).toBe(false);
    expect(isNamedTensors([1], VAD)).toBe(false);
  });
});

describe("typed arrays elsewhere", () => {
  it("V2 inputs take typed data (page code), sized by their shape", () => {
    const r = parseV2Inputs(
      { inputs: [{ name: "x", shape: [1, 2], datatype: "INT64", data: Int32Array.of(4, 5) }] },
      [{ name: "x", dtype: "int64", shape: ["batch", 2] }],
      limits,
    );
    expect(r.ok && r.feeds["x"]!.data).toEqual(BigInt64Array.of(4n, 5n));
    const short = parseV2Inputs(
      { inputs: [{ name: "x", shape: [1, 2], datatype: "FP32", data: new Float32Array(3) }] },
      [{ name: "x", dtype: "float32", shape: ["batch", 2] }],
      limits,
    );
    expect(!short.ok && short.issues).toEqual([{ path: "inputs[0].data", message: "has 3 values, but shape [1, 2] needs 2" }]);
  });

  it("float16 from a Float32Array is rounded to half bits; a Uint8ClampedArray is uint8 without a copy of the values", () => {
    const issues = new IssueList();
    expect(typedValues(Float32Array.of(1), "float16", "x", issues)).toEqual(Uint16Array.of(0x3c00));
    const clamped = Uint8ClampedArray.of(1, 255);
    const bytes = typedValues(clamped, "uint8", "x", issues) as Uint8Array;
    expect(bytes.buffer).toBe(clamped.buffer);
    expect(issues.count).toBe(0);
  });

  it("stacks typed-array instances of a one-input model into one batch", () => {
    const spec: TensorSpec = { name: "audio", dtype: "float32", shape: ["batch", "samples"] };
    const r = stackTypedInstances([Float32Array.of(1, 2), Float32Array.of(3, 4)], spec, limits);
    expect(r?.ok && r.feeds["audio"]).toEqual({ dtype: "float32", data: Float32Array.of(1, 2, 3, 4), dims: [2, 2] });
    expect(stackTypedInstances([[1, 2]], spec, limits)).toBeUndefined();
    const ragged = stackTypedInstances([Float32Array.of(1, 2), Float32Array.of(3)], spec, limits);
    expect(ragged?.ok === false && ragged.issues[0]?.path).toBe("instances[1]");
  });

  it("predicts in batches, in order", async () => {
    const calls: number[] = [];
    const r = await predictInBatches([1, 2, 3, 4, 5], 2, async (b) => {
      calls.push(b.length);
      return { predictions: b.map((x) => (x as number) * 10) };
    });
    expect(calls).toEqual([2, 2, 1]);
    expect(r.predictions).toEqual([10, 20, 30, 40, 50]);
  });
});
