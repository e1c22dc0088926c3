/**
 * One-node ONNX graphs for the compiled-engine op tests, run on onnxruntime-node and on the compiled engine: the
 * compiled outputs must have the same dtype and dims, integer/bool values equal, float values within 1e-5.
 */
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { expect } from "vitest";
import { compileOnnx } from "../../../cli/build/compile/compile.ts";
import type { Dtype } from "../../../core/schema/manifest.ts";
import { compiledSession } from "../../../runtime/engines/compiled/engine.ts";
import type { TensorData, TypedArray } from "../../../runtime/engines/types.ts";
import { valueInfo } from "../../fixtures/onnx-builder.ts";

const { onnx } = onnxProto;
const ELEM: Record<string, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float64: 11, uint32: 12 };

const TOLERANCE = 1e-5;

type Attr = { f: number } | { i: number } | { floats: number[] } | { ints: number[] } | { s: string };

export function attr(name: string, value: Attr) {
  if ("f" in value) return { name, type: 1, f: value.f };
  if ("i" in value) return { name, type: 2, i: value.i };
  if ("s" in value) return { name, type: 3, s: new TextEncoder().encode(value.s) };
  if ("floats" in value) return { name, type: 6, floats: value.floats };
  return { name, type: 7, ints: value.ints };
}

export function tensor(dtype: Dtype, dims: number[], values: ArrayLike<number | bigint>): TensorData {
  const data =
    dtype === "float32"
      ? Float32Array.from(values as ArrayLike<number>)
      : dtype === "float64"
        ? Float64Array.from(values as ArrayLike<number>)
        : dtype === "int64"
          ? BigInt64Array.from(Array.from(values, (v) => BigInt(v)))
          : dtype === "int32"
            ? Int32Array.from(values as ArrayLike<number>)
            : dtype === "uint32"
              ? Uint32Array.from(values as ArrayLike<number>)
              : dtype === "int8"
                ? Int8Array.from(values as ArrayLike<number>)
                : Uint8Array.from(values as ArrayLike<number>);
  return { dtype, data, dims };
}

/** Seeded values with a mix of signs, fractions, small integers and zeros. */
export function values(n: number, seed = 1): number[] {
  let a = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    const r = a / 2 ** 32;
    out.push(i % 7 === 3 ? 0 : i % 5 === 2 ? Math.round(r * 6 - 3) : (r * 2 - 1) * 4);
  }
  return out;
}

function initializerProto(name: string, t: TensorData) {
  const data = t.data as TypedArray;
  return onnx.TensorProto.create({
    name,
    dims: [...t.dims],
    dataType: ELEM[t.dtype]!,
    rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)),
  });
}

export interface OpCase {
  op: string;
  /** Graph inputs fed at run time. */
  feeds?: Record<string, TensorData>;
  /** Constant inputs (initializers). */
  consts?: Record<string, TensorData>;
  /** Node inputs in order ("" for an omitted optional one). */
  inputs: string[];
  outputs?: string[];
  attrs?: ReturnType<typeof attr>[];
  opset?: number;
}

/** A one-node model: inputs typed from feeds, outputs declared without element type details ORT needs only loosely. */
export function opModel(c: OpCase, outputTypes: Record<string, Dtype>): Uint8Array {
  const outputs = c.outputs ?? ["y"];
  const graph = onnx.GraphProto.create({
    name: c.op,
    node: [{ opType: c.op, input: c.inputs, output: outputs, name: `${c.op.toLowerCase()}_node`, attribute: c.attrs ?? [] }],
    initializer: Object.entries(c.consts ?? {}).map(([name, t]) => initializerProto(name, t)),
    input: Object.entries(c.feeds ?? {}).map(([name, t]) => valueInfo(name, ELEM[t.dtype]!, [...t.dims])),
    output: outputs.map((name) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: ELEM[outputTypes[name] ?? "float32"]! } } })),
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: "", version: c.opset ?? 13 }], graph });
  return onnx.ModelProto.encode(model).finish();
}

const ortFeeds = (feeds: Record<string, TensorData>) =>
  Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.dtype as "float32", t.data as Float32Array, t.dims)]));

/** Compare two outputs: dtype and dims exactly, floats within TOLERANCE (NaN = NaN), everything else exactly. */
function expectSame(name: string, actual: TensorData, expected: { type: string; data: unknown; dims: readonly number[] }): void {
  expect(actual.dtype, `${name} dtype`).toBe(expected.type);
  expect([...actual.dims], `${name} dims`).toEqual([...expected.dims]);
  const a = Array.from(actual.data as ArrayLike<number | bigint>);
  const e = Array.from(expected.data as ArrayLike<number | bigint>);
  expect(a.length).toBe(e.length);
  if (actual.dtype === "float32" || actual.dtype === "float64") {
    const bad = a.findIndex((v, i) => {
      const w = e[i] as number;
      return !(Object.is(v, w) || (Number.isNaN(v) && Number.isNaN(w)) || Math.abs((v as number) - w) <= TOLERANCE);
    });
    expect(bad === -1 ? "ok" : `${name}[${bad}]: compiled ${a[bad]} vs ORT ${e[bad]}`).toBe("ok");
  } else expect(a).toEqual(e);
}

/** Build, run on both engines, compare every output; returns the compiled outputs. */
export async function checkOp(c: OpCase, outputTypes: Record<string, Dtype> = {}): Promise<Record<string, TensorData>> {
  const model = opModel(c, outputTypes);
  const compiled = compileOnnx(model, "test");
  if (!compiled.ok) throw new Error(compiled.reason);
  const feeds = c.feeds ?? {};
  const reference = await ort.InferenceSession.create(model);
  const expected = await reference.run(ortFeeds(feeds));
  const actual = await compiledSession(compiled.bytes).run(feeds);
  for (const name of c.outputs ?? ["y"]) {
    if (name === "") continue;
    expectSame(name, actual[name]!, expected[name] as unknown as { type: string; data: unknown; dims: readonly number[] });
  }
  await reference.release();
  return actual;
}
