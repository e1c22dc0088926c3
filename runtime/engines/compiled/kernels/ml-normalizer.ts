/**
 * ai.onnx.ml Normalizer (MAX, L1, L2 over each row of a 1-D or 2-D input) and ZipMap, as onnxruntime computes them (`normalizer.cc`,
 * `zipmap.cc`). Normalizer works in float32 like ORT: values are cast to float first, except that L2 squares in the
 * input type (so int32/int64 squares wrap as they do in C++), and a row whose norm is 0 is copied unchanged.
 *
 * ZipMap: the compiled engine serves tensors only, so instead of ORT's sequence of maps it passes the [N, C] float32
 * probabilities through unchanged; the graph compiler gives ZipMap's output that tensor. The class labels are the map
 * keys, so the kernel only checks there is one per column.
 *
 * @example
 * ```ts
 * const [y] = normalizer({ ...node, attrs: { norm: "L2" } }, ctx)([x]); // rows scaled to unit length
 * ```
 */
import type { TypedArray } from "../../../../core/tensor-dtype.ts";
import { createAttrReader, firstInput } from "./ml-common.ts";
import { type KernelFactory, UnsupportedNodeError } from "./types.ts";

const f32 = Math.fround;
const LOWEST_FLOAT = -3.4028234663852886e38;

/** Per element: the value as float, and its square computed in the input type, then cast to float. */
function readers(data: TypedArray): { value: (i: number) => number; square: (i: number) => number } {
  if (data instanceof BigInt64Array) {
    return { value: (i) => f32(Number(data[i]!)), square: (i) => f32(Number(BigInt.asIntN(64, data[i]! * data[i]!))) };
  }
  if (data instanceof Int32Array) return { value: (i) => data[i]!, square: (i) => f32(Math.imul(data[i]!, data[i]!)) };
  if (data instanceof Float32Array || data instanceof Float64Array) {
    return { value: (i) => f32(data[i]!), square: (i) => f32(data[i]! * data[i]!) };
  }
  throw new Error(`input dtype is not one of float32, float64, int32, int64`);
}

/** Normalizer → Y float32, same shape as X. */
export const normalizer: KernelFactory = (node, ctx) => {
  const norm = createAttrReader(node, ctx).string("norm", "MAX");
  if (norm !== "MAX" && norm !== "L1" && norm !== "L2") throw new UnsupportedNodeError(node, `norm ${norm} is not one of MAX, L1, L2`);

  return (inputs) => {
    const x = firstInput(node, inputs);
    // ORT 1.30 refuses rank > 2 at run time ("Rank of input to Normalized must be less than 2").
    if (x.dtype === "string" || x.dims.length === 0 || x.dims.length > 2) {
      throw new Error(`Normalizer (node ${node.name}): input must be a 1-D or 2-D numeric tensor, got ${x.dtype} [${x.dims.join(", ")}]`);
    }
    const { value, square } = readers(x.data as TypedArray);
    const size = x.dims.reduce((p, d) => p * d, 1);
    const out = new Float32Array(size);
    const stride = x.dims.at(-1)!;
    const runs = stride === 0 ? 0 : size / stride;
    for (let n = 0; n < runs; n++) {
      const offset = n * stride;
      const end = offset + stride;
      let scale = 0;
      if (norm === "MAX") {
        scale = LOWEST_FLOAT;
        for (let i = offset; i < end; i++) {
          const v = value(i);
          if (scale < v) scale = v;
        }
      } else if (norm === "L1") {
        for (let i = offset; i < end; i++) scale = f32(scale + Math.abs(value(i)));
      } else {
        for (let i = offset; i < end; i++) scale = f32(scale + (out[i] = square(i)));
      }
      for (let i = offset; i < end; i++) {
        const v = value(i);
        if (scale === 0) out[i] = v;
        else if (norm === "L2") out[i] = v < 0 ? -f32(Math.sqrt(f32(out[i]! / scale))) : f32(Math.sqrt(f32(out[i]! / scale)));
        else out[i] = v / scale;
      }
    }
    return [{ dtype: "float32", data: out, dims: [...x.dims] }];
  };
};

/** ZipMap → the [N, C] (or [C]) float32 input itself; see the module comment. */
export const zipMap: KernelFactory = (node, ctx) => {
  const a = createAttrReader(node, ctx);
  const ints = a.ints("classlabels_int64s");
  const strings = a.strings("classlabels_strings");
  if (ints.length > 0 === strings.length > 0) throw new UnsupportedNodeError(node, "exactly one of classlabels_int64s and classlabels_strings must be set");
  const labels = ints.length || strings.length;

  return (inputs) => {
    const x = firstInput(node, inputs);
    if (x.dtype !== "float32" || x.dims.length < 1 || x.dims.length > 2) {
      throw new Error(`ZipMap (node ${node.name}): input must be a 1-D or 2-D float32 tensor, got ${x.dtype} [${x.dims.join(", ")}]`);
    }
    const columns = x.dims[x.dims.length - 1]!;
    if (columns !== labels) throw new Error(`ZipMap (node ${node.name}): input has ${columns} columns but ${labels} class labels`);
    return [x];
  };
};
