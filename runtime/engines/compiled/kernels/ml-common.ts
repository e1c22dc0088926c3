/**
 * What the ai.onnx.ml kernels share: typed attribute readers (plain lists, and TENSOR attributes that the compiler
 * stored as initializers), input conversion, and onnxruntime's score transforms from `ml_common.h`, computed in float32
 * the way ORT computes them (each step rounded with `Math.fround`).
 *
 * @example
 * ```ts
 * const a = createAttrReader(node, ctx);
 * const modes = a.strings("nodes_modes");
 * const transform = parsePostTransform(node, a.string("post_transform", "NONE"));
 * ```
 */
import type { TypedArray } from "../../../../core/tensor-dtype.ts";
import type { CompiledNode, Tensor } from "../format.ts";
import { type PrepareContext, UnsupportedNodeError } from "./types.ts";

const f32 = Math.fround;

export interface AttrReader {
  /** Whether the attribute is present (any form). */
  has(name: string): boolean;
  int(name: string, fallback: number): number;
  string(name: string, fallback: string): string;
  ints(name: string): number[];
  strings(name: string): string[];
  /** A FLOATS attribute (float32 in the model), or [] when absent. */
  floats(name: string): number[];
  /** A TENSOR attribute (`*_as_tensor`): its values as numbers, or [] when absent. */
  tensor(name: string): number[];
  /** The element type of a TENSOR attribute, or undefined when absent or inline. */
  tensorDtype(name: string): string | undefined;
}

/** Reads a node's attributes, throwing UnsupportedNodeError when one has an unexpected form. */
export function createAttrReader(node: CompiledNode, ctx: PrepareContext): AttrReader {
  const attrs = node.attrs;
  const bad = (name: string, want: string): never => {
    throw new UnsupportedNodeError(node, `attribute ${name} should be ${want}, got ${JSON.stringify(attrs[name])}`);
  };
  const numbers = (name: string): number[] => {
    const v = attrs[name];
    if (v === undefined) return [];
    if (typeof v === "number") return [v];
    if (Array.isArray(v) && v.every((x) => typeof x === "number")) return v as number[];
    if (typeof v === "object" && !Array.isArray(v)) return tensorValues(name, v.tensor);
    return bad(name, "a list of numbers");
  };
  const tensorValues = (name: string, ref: string): number[] => {
    const t = ctx.constant(ref);
    if (!t || t.dtype === "string") return bad(name, "a numeric tensor");
    const data = t.data as TypedArray;
    return Array.from(data as ArrayLike<number | bigint>, Number);
  };
  return {
    has: (name) => attrs[name] !== undefined,
    int(name, fallback) {
      const v = attrs[name];
      if (v === undefined) return fallback;
      return typeof v === "number" && Number.isInteger(v) ? v : bad(name, "an integer");
    },
    string(name, fallback) {
      const v = attrs[name];
      if (v === undefined) return fallback;
      return typeof v === "string" ? v : bad(name, "a string");
    },
    ints(name) {
      const v = numbers(name);
      return v.every(Number.isInteger) ? v : bad(name, "a list of integers");
    },
    strings(name) {
      const v = attrs[name];
      if (v === undefined) return [];
      if (typeof v === "string") return [v];
      return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : bad(name, "a list of strings");
    },
    floats: (name) => numbers(name).map(f32),
    tensor(name) {
      const v = attrs[name];
      if (v === undefined) return [];
      return typeof v === "object" && !Array.isArray(v) ? tensorValues(name, v.tensor) : numbers(name);
    },
    tensorDtype(name) {
      const v = attrs[name];
      return typeof v === "object" && !Array.isArray(v) ? ctx.constant(v.tensor)?.dtype : undefined;
    },
  };
}

/** onnxruntime's POST_EVAL_TRANSFORM. */
export const POST = { NONE: 0, LOGISTIC: 1, SOFTMAX: 2, SOFTMAX_ZERO: 3, PROBIT: 4 } as const;
export type PostTransform = (typeof POST)[keyof typeof POST];

export function parsePostTransform(node: CompiledNode, value: string): PostTransform {
  const t = POST[value as keyof typeof POST];
  if (t === undefined) throw new UnsupportedNodeError(node, `post_transform ${value} is not one of ${Object.keys(POST).join(", ")}`);
  return t;
}

/** ComputeLogistic: 1 / (1 + exp(-|x|)), mirrored for negative x, in float32. */
export function logistic(x: number): number {
  const v = f32(1 / f32(1 + f32(Math.exp(-Math.abs(x)))));
  return x < 0 ? f32(1 - v) : v;
}

const SQRT2 = f32(Math.SQRT2);
const A = f32(0.147);
// ORT 1.30 uses pi here (older releases used 3.14159f; measured against onnxruntime-node 1.30 outputs).
const TWO_OVER_PI_A = f32(2 / f32(f32(Math.PI) * A));
const ONE_OVER_A = f32(1 / A);

/** ComputeProbit: sqrt(2) * ErfInv(2x - 1) with ORT's single-precision ErfInv approximation (Winitzki, a = 0.147). */
export function probit(x: number): number {
  let v = f32(f32(2 * x) - 1);
  const sgn = v < 0 ? -1 : 1;
  v = f32(f32(1 - v) * f32(1 + v));
  const log = f32(Math.log(v));
  const a = f32(TWO_OVER_PI_A + f32(0.5 * log));
  const b = f32(ONE_OVER_A * log);
  const c = f32(-a + f32(Math.sqrt(f32(f32(a * a) - b))));
  return f32(SQRT2 * f32(sgn * f32(Math.sqrt(c))));
}

/** ComputeSoftmax over values[start, start + n) in place: float max, float exp, float sum. */
function softmax(values: Float32Array | Float64Array, start: number, n: number): void {
  let max = -3.4028234663852886e38;
  for (let i = start; i < start + n; i++) if (values[i]! > max) max = values[i]!;
  let sum = 0;
  for (let i = start; i < start + n; i++) {
    const e = f32(Math.exp(f32(values[i]! - max)));
    values[i] = e;
    sum = f32(sum + e);
  }
  for (let i = start; i < start + n; i++) values[i] = f32(values[i]! / sum);
}

/** ComputeSoftmaxZero: like softmax, but values within 1e-7 of zero stay (scaled) zeros instead of exp(0). */
function softmaxZero(values: Float32Array | Float64Array, start: number, n: number): void {
  let max = -3.4028234663852886e38;
  for (let i = start; i < start + n; i++) if (values[i]! > max) max = values[i]!;
  const expNegMax = f32(Math.exp(-max));
  let sum = 0;
  const eps = f32(0.0000001);
  for (let i = start; i < start + n; i++) {
    const v = values[i]!;
    if (v > eps || v < -eps) {
      const e = f32(Math.exp(f32(v - max)));
      values[i] = e;
      sum = f32(sum + e);
    } else {
      values[i] = f32(v * expNegMax);
    }
  }
  for (let i = start; i < start + n; i++) values[i] = f32(values[i]! / sum);
}

/** Applies a transform to `n` scores of a row (the multi-score branch of ORT's write_scores). */
export function transformRow(values: Float32Array | Float64Array, start: number, n: number, transform: PostTransform): void {
  switch (transform) {
    case POST.PROBIT:
      for (let i = start; i < start + n; i++) values[i] = probit(values[i]!);
      break;
    case POST.LOGISTIC:
      for (let i = start; i < start + n; i++) values[i] = logistic(values[i]!);
      break;
    case POST.SOFTMAX:
      softmax(values, start, n);
      break;
    case POST.SOFTMAX_ZERO:
      softmaxZero(values, start, n);
      break;
  }
}

/** Rows and features of a 1-D ([F]) or 2-D ([N, F]) input, as the ml kernels read it. */
export function rowsAndFeatures(node: CompiledNode, x: Tensor): { rows: number; features: number } {
  if (x.dims.length === 1) return { rows: 1, features: x.dims[0]! };
  if (x.dims.length === 2) return { rows: x.dims[0]!, features: x.dims[1]! };
  throw new Error(`${node.op} (node ${node.name}): input must be 1-D or 2-D, got dims [${x.dims.join(", ")}]`);
}

/** The input as float32 values (ORT casts int32/int64/double inputs to float for the linear kernels). */
export function toFloat32(node: CompiledNode, x: Tensor): Float32Array {
  if (x.data instanceof Float32Array) return x.data;
  if (x.data instanceof Float64Array || x.data instanceof Int32Array) return Float32Array.from(x.data);
  if (x.data instanceof BigInt64Array) return Float32Array.from(x.data, Number);
  throw new Error(`${node.op} (node ${node.name}): input dtype ${x.dtype} is not one of float32, float64, int32, int64`);
}

/** The node's single input, checked present. */
export function firstInput(node: CompiledNode, inputs: readonly (Tensor | undefined)[]): Tensor {
  const x = inputs[0];
  if (!x) throw new Error(`${node.op} (node ${node.name}): missing input X`);
  return x;
}
