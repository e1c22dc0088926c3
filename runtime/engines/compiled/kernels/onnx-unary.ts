/**
 * Unary math beyond the activations, and BatchNormalization at inference: what tabular exports add around their dense
 * layers (PyTorch's BatchNorm1d, log/exp target transforms, sqrt-scaled features). Exp, Log and Sqrt on floats (the
 * float32 result is the correctly rounded float64 value, within an ulp of ORT's); Neg and Abs also on integers, where
 * they wrap as C++ does (-INT32_MIN stays INT32_MIN).
 *
 * @example
 * ```ts
 * const run = UNARY_KERNELS.BatchNormalization!(node, ctx); // scale, B, mean, var folded once when constant
 * run([x, scale, bias, mean, variance]); // [y]
 * ```
 */
import type { TypedArray } from "../../../../core/tensor-dtype.ts";
import type { Tensor } from "../format.ts";
import { allocate, BIGINT_DTYPES, checkDtype, FLOAT_DTYPES, nodeAttrs, required, SMALL_INT_DTYPES, sizeOf } from "./onnx-util.ts";
import { type KernelFactory, UnsupportedNodeError } from "./types.ts";

type Nums = Float64Array;

function floatMap(map: (v: number) => number): KernelFactory {
  return (node) => (inputs) => {
    const x = required(node, inputs, 0);
    checkDtype(node, x, FLOAT_DTYPES);
    const xs = x.data as Nums;
    const y = allocate(x.dtype, xs.length) as Nums;
    for (let i = 0; i < xs.length; i++) y[i] = map(xs[i]!);
    return [{ dtype: x.dtype, data: y, dims: x.dims }];
  };
}

const SIGNED_DTYPES = new Set([...FLOAT_DTYPES, "int8", "int16", "int32", "int64"] as const);

/** Neg or Abs over floats, number-held integers and int64. */
function signKernel(abs: boolean): KernelFactory {
  return (node) => (inputs) => {
    const x = required(node, inputs, 0);
    checkDtype(node, x, abs ? new Set([...FLOAT_DTYPES, ...SMALL_INT_DTYPES, ...BIGINT_DTYPES]) : SIGNED_DTYPES);
    const y = allocate(x.dtype, x.data.length);
    if (BIGINT_DTYPES.has(x.dtype)) {
      const xs = x.data as BigInt64Array;
      const ys = y as BigInt64Array;
      for (let i = 0; i < xs.length; i++) ys[i] = abs ? (xs[i]! < 0n ? -xs[i]! : xs[i]!) : -xs[i]!;
    } else {
      const xs = x.data as Nums;
      const ys = y as Nums;
      for (let i = 0; i < xs.length; i++) ys[i] = abs ? Math.abs(xs[i]!) : -xs[i]!;
    }
    return [{ dtype: x.dtype, data: y as TypedArray, dims: x.dims }];
  };
}

/** Per-channel y = x · a + b, with a = scale / sqrt(var + eps) and b = B - mean · a. */
function foldBatchNorm(scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, epsilon: number) {
  const c = scale.data.length;
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    a[i] = (scale.data as Nums)[i]! / Math.sqrt((variance.data as Nums)[i]! + epsilon);
    b[i] = (bias.data as Nums)[i]! - (mean.data as Nums)[i]! * a[i]!;
  }
  return { a, b };
}

const batchNormalization: KernelFactory = (node, ctx) => {
  const attrs = nodeAttrs(node, ctx);
  // The attribute is a float32: ORT adds it to the float32 variance as that float32.
  const epsilon = Math.fround(attrs.float("epsilon", 1e-5));
  if (attrs.int("training_mode", 0) !== 0 || node.outputs.slice(1).some((o) => o !== "")) {
    throw new UnsupportedNodeError(node, "training mode (running mean/var outputs): export the model in eval mode");
  }
  if (ctx.opset("") < 9 && attrs.int("spatial", 1) !== 1) throw new UnsupportedNodeError(node, "spatial=0 is not supported");
  const params = node.inputs.slice(1, 5).map((name) => ctx.constant(name));
  const folded = params.every((p) => p !== undefined) ? foldBatchNorm(params[0]!, params[1]!, params[2]!, params[3]!, epsilon) : undefined;
  return (inputs) => {
    const x = required(node, inputs, 0);
    checkDtype(node, x, FLOAT_DTYPES);
    const { a, b } =
      folded ?? foldBatchNorm(required(node, inputs, 1), required(node, inputs, 2), required(node, inputs, 3), required(node, inputs, 4), epsilon);
    const channels = x.dims[1] ?? 1;
    if (a.length !== channels) throw new Error(`BatchNormalization (node ${node.name}): ${a.length} channels of parameters for input [${x.dims.join(",")}]`);
    const inner = sizeOf(x.dims.slice(2));
    const xs = x.data as Nums;
    const y = allocate(x.dtype, xs.length) as Nums;
    for (let i = 0, o = 0; o < xs.length; i = (i + 1) % channels) {
      const ai = a[i]!;
      const bi = b[i]!;
      for (let k = 0; k < inner; k++, o++) y[o] = xs[o]! * ai + bi;
    }
    return [{ dtype: x.dtype, data: y, dims: x.dims }];
  };
};

export const UNARY_KERNELS: Record<string, KernelFactory> = {
  Exp: floatMap(Math.exp),
  Log: floatMap(Math.log),
  Sqrt: floatMap(Math.sqrt),
  Neg: signKernel(false),
  Abs: signKernel(true),
  BatchNormalization: batchNormalization,
};
