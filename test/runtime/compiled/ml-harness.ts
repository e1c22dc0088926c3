/**
 * Runs one ai.onnx.ml node two ways, from one attribute spec: as an ONNX model in onnxruntime-node (the reference) and
 * through the compiled engine's kernel directly (a CompiledNode built as the graph compiler builds it), and compares.
 */
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import { expect } from "vitest";
import type { Dtype } from "../../../core/schema/manifest.ts";
import type { CompiledNode, Tensor } from "../../../runtime/engines/compiled/format.ts";
import { KERNELS } from "../../../runtime/engines/compiled/kernels/index.ts";
import { kernelKey } from "../../../runtime/engines/compiled/kernels/types.ts";
import { valueInfo } from "../../fixtures/onnx-builder.ts";

const { onnx } = onnxProto;

/** Attributes by ONNX type; `tensors` become TENSOR attributes (float64), as the `*_as_tensor` variants. */
export interface AttrSpec {
  int?: Record<string, number>;
  string?: Record<string, string>;
  ints?: Record<string, number[]>;
  floats?: Record<string, number[]>;
  strings?: Record<string, string[]>;
  tensors?: Record<string, number[]>;
}

export interface OutputSpec {
  name: string;
  /** ONNX elem type: 1 float, 7 int64, 8 string; "zipmap-string"/"zipmap-int64" for ZipMap's seq(map). */
  type: number | "zipmap-string" | "zipmap-int64";
  dims: (number | string)[];
}

export interface NodeSpec {
  op: string;
  attrs: AttrSpec;
  input: { dtype: Dtype; dims: (number | string)[] };
  outputs: OutputSpec[];
  mlOpset?: number;
}

const ELEM: Partial<Record<Dtype, number>> = { float32: 1, int32: 6, int64: 7, float64: 11 };
const enc = new TextEncoder();

function attributeProtos(a: AttrSpec) {
  const out = [];
  for (const [name, i] of Object.entries(a.int ?? {})) out.push({ name, type: 2, i });
  for (const [name, s] of Object.entries(a.string ?? {})) out.push({ name, type: 3, s: enc.encode(s) });
  for (const [name, ints] of Object.entries(a.ints ?? {})) out.push({ name, type: 7, ints });
  for (const [name, floats] of Object.entries(a.floats ?? {})) out.push({ name, type: 6, floats });
  for (const [name, strings] of Object.entries(a.strings ?? {})) out.push({ name, type: 8, strings: strings.map((s) => enc.encode(s)) });
  for (const [name, values] of Object.entries(a.tensors ?? {})) {
    out.push({ name, type: 4, t: { name, dataType: 11, dims: [values.length], doubleData: values } });
  }
  return out.map((p) => onnx.AttributeProto.create(p));
}

function outputInfo(o: OutputSpec) {
  if (typeof o.type === "number") return valueInfo(o.name, o.type, o.dims);
  const keyType = o.type === "zipmap-string" ? 8 : 7;
  return onnx.ValueInfoProto.create({
    name: o.name,
    type: { sequenceType: { elemType: { mapType: { keyType, valueType: { tensorType: { elemType: 1 } } } } } },
  });
}

function buildModel(spec: NodeSpec): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: "ml",
    node: [
      { opType: spec.op, domain: "ai.onnx.ml", input: ["X"], output: spec.outputs.map((o) => o.name), name: "n0", attribute: attributeProtos(spec.attrs) },
    ],
    input: [valueInfo("X", ELEM[spec.input.dtype]!, spec.input.dims)],
    output: spec.outputs.map(outputInfo),
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "edge-ml-tests",
    opsetImport: [
      { domain: "", version: 17 },
      { domain: "ai.onnx.ml", version: spec.mlOpset ?? 3 },
    ],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** How the compiler hands over attribute lists: inline arrays, or (long lists) float32/int64 initializers. */
export interface KernelOptions {
  listsAsTensors?: boolean;
}

/** The CompiledNode the graph compiler would emit, plus the initializers its `{ tensor }` attributes point at. */
function compiledNode(spec: NodeSpec, options: KernelOptions = {}): { node: CompiledNode; constants: Map<string, Tensor> } {
  const attrs: CompiledNode["attrs"] = {};
  const constants = new Map<string, Tensor>();
  const a = spec.attrs;
  const ref = (name: string, t: Tensor) => {
    constants.set(`n0.${name}`, t);
    return { tensor: `n0.${name}` };
  };
  for (const group of [a.int, a.string, a.strings]) Object.assign(attrs, group ?? {});
  for (const [name, v] of Object.entries(a.ints ?? {})) {
    attrs[name] = options.listsAsTensors ? ref(name, { dtype: "int64", data: BigInt64Array.from(v, BigInt), dims: [v.length] }) : v;
  }
  for (const [name, v] of Object.entries(a.floats ?? {})) {
    attrs[name] = options.listsAsTensors ? ref(name, { dtype: "float32", data: Float32Array.from(v), dims: [v.length] }) : v.map(Math.fround);
  }
  for (const [name, v] of Object.entries(a.tensors ?? {})) {
    attrs[name] = { tensor: `n0.${name}` };
    constants.set(`n0.${name}`, { dtype: "float64", data: Float64Array.from(v), dims: [v.length] });
  }
  const node: CompiledNode = { op: spec.op, domain: "ai.onnx.ml", name: "n0", inputs: ["X"], outputs: spec.outputs.map((o) => o.name), attrs };
  return { node, constants };
}

export function prepareKernel(spec: NodeSpec, options: KernelOptions = {}) {
  const { node, constants } = compiledNode(spec, options);
  const factory = KERNELS[kernelKey("ai.onnx.ml", spec.op)];
  if (!factory) throw new Error(`no kernel for ${spec.op}`);
  return factory(node, { constant: (name) => constants.get(name), opset: (domain) => (domain === "ai.onnx.ml" ? (spec.mlOpset ?? 3) : 17) });
}

type OrtValue = ort.Tensor | Record<string, number>[];

export async function runOrt(spec: NodeSpec, x: Tensor): Promise<OrtValue[]> {
  const session = await ort.InferenceSession.create(buildModel(spec), { intraOpNumThreads: 1 });
  try {
    const out = await session.run({ X: new ort.Tensor(x.dtype as "float32", x.data as Float32Array, x.dims) });
    return spec.outputs.map((o) => out[o.name] as unknown as OrtValue);
  } finally {
    await session.release();
  }
}

const close = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

/** Runs both and expects labels (int64/string) equal and float outputs within 1e-5 (relative above 1). */
export async function expectSameAsOrt(spec: NodeSpec, x: Tensor, options: KernelOptions = {}): Promise<Tensor[]> {
  const ours = prepareKernel(spec, options)([x]);
  const ref = await runOrt(spec, x);
  expect(ours.length).toBe(ref.length);
  ref.forEach((r, i) => {
    const mine = ours[i]!;
    if (Array.isArray(r)) {
      // ZipMap: ORT returns one map per row; ours is the [N, C] tensor the maps were made from.
      const keys = (spec.attrs.strings?.classlabels_strings ?? spec.attrs.ints?.classlabels_int64s ?? []).map(String);
      const got = mine.data as Float32Array;
      expect(r.length * keys.length).toBe(got.length);
      r.forEach((m, row) => {
        expect(Object.keys(m).sort()).toEqual([...keys].sort());
        keys.forEach((k, c) => expect(close(got[row * keys.length + c]!, m[k]!), `row ${row} key ${k}`).toBe(true));
      });
      return;
    }
    expect(mine.dims, `output ${i} dims`).toEqual([...r.dims]);
    if (r.type === "string" || r.type === "int64") {
      expect(Array.from(mine.data as ArrayLike<unknown>), `output ${i} labels`).toEqual(Array.from(r.data as ArrayLike<unknown>));
      return;
    }
    const want = r.data as Float32Array;
    const got = mine.data as Float32Array;
    const bad: string[] = [];
    for (let k = 0; k < want.length; k++) if (!close(got[k]!, want[k]!)) bad.push(`[${k}] ours ${got[k]} ort ${want[k]}`);
    expect(bad.slice(0, 8), `output ${i}: ${bad.length} of ${want.length} differ`).toEqual([]);
  });
  return ours;
}
