// The model.graph file format: what is encoded decodes to the same header and values, views are aligned even when
// the caller's bytes are not, and broken files fail with messages that say what to do.
import { describe, expect, it } from "vitest";
import { type CompiledHeader, CompiledGraphError, decodeCompiledGraph, encodeCompiledGraph, type Tensor } from "../../../runtime/engines/compiled/format.ts";

const header: Omit<CompiledHeader, "initializers"> = {
  format: "edge-ml-graph",
  version: 1,
  source: { sha256: "ab".repeat(32), opsets: [{ domain: "", version: 13 }] },
  inputs: [{ name: "x", dtype: "float32", shape: ["batch", 3] }],
  outputs: [{ name: "y", dtype: "float32", shape: ["batch", 2] }],
  nodes: [
    {
      op: "Gemm",
      domain: "",
      name: "g",
      inputs: ["x", "W", "b"],
      outputs: ["y"],
      attrs: { transB: 1, alpha: 0.5, labels: ["a", "b"], big: { tensor: "g::big" } },
    },
  ],
};

const initializers = new Map<string, Tensor>([
  ["W", { dtype: "float32", data: Float32Array.of(1, 2, 3, 4, 5, 6), dims: [2, 3] }],
  ["b", { dtype: "float64", data: Float64Array.of(0.1, -0.2), dims: [2] }],
  ["odd", { dtype: "uint8", data: Uint8Array.of(1, 2, 3), dims: [3] }],
  ["g::big", { dtype: "int64", data: BigInt64Array.of(-(2n ** 62n), 5n), dims: [2] }],
  ["names", { dtype: "string", data: ["é", ""], dims: [2] }],
]);

describe("compiled graph format", () => {
  it("round-trips header and every initializer, with 8-byte-aligned typed views", () => {
    const bytes = encodeCompiledGraph(header, initializers);
    const decoded = decodeCompiledGraph(bytes);
    expect(decoded.header.nodes).toEqual(header.nodes);
    expect(decoded.header.inputs).toEqual(header.inputs);
    for (const [name, t] of initializers) {
      const got = decoded.initializers.get(name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.dims).toEqual(t.dims);
      expect(Array.from(got.data as ArrayLike<unknown>)).toEqual(Array.from(t.data as ArrayLike<unknown>));
      if (!Array.isArray(got.data)) expect(got.data.byteOffset % 8).toBe(0);
    }
  });

  it("decodes bytes that sit at an unaligned offset (copies once)", () => {
    const bytes = encodeCompiledGraph(header, initializers);
    const shifted = new Uint8Array(bytes.byteLength + 1).subarray(1);
    shifted.set(bytes);
    const w = decodeCompiledGraph(shifted).initializers.get("W")!;
    expect(Array.from(w.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("rejects a file that is not a compiled graph", () => {
    expect(() => decodeCompiledGraph(new TextEncoder().encode("ONNX nope"))).toThrow(CompiledGraphError);
    expect(() => decodeCompiledGraph(new Uint8Array(3))).toThrow(/bad magic/);
  });

  it("rejects another format version, naming both", () => {
    const bytes = encodeCompiledGraph(header, initializers);
    new DataView(bytes.buffer).setUint32(4, 2, true);
    expect(() => decodeCompiledGraph(bytes)).toThrow("compiled graph format version 2, this runtime reads 1: rebuild with this edge-ml");
  });

  it("rejects truncated files: in the header and in the data section", () => {
    const bytes = encodeCompiledGraph(header, initializers);
    expect(() => decodeCompiledGraph(bytes.subarray(0, 40))).toThrow(/truncated \(header/);
    expect(() => decodeCompiledGraph(bytes.slice(0, bytes.byteLength - 16))).toThrow(/truncated \(initializer/);
  });
});
