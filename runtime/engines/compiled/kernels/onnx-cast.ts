/**
 * Cast and Constant. Cast converts between the numeric types and bool as onnxruntime does on x86-64 (static_cast):
 * float → integer truncates toward zero, a value outside int32 (or NaN) becomes INT32_MIN as `cvttss2si` makes it,
 * narrower integers wrap; anything → bool is `x != 0` (NaN is true). Casts to string and float16 are not supported
 * (the kernel refuses them at prepare time, so `auto` picks ORT for such graphs).
 *
 * @example
 * ```ts
 * const run = CAST_KERNELS.Cast!(node, ctx); // node.attrs.to = 6 (int32)
 * run([x]); // [x truncated to int32]
 * ```
 */
import type { Dtype } from "../../../../core/schema/manifest.ts";
import { ONNX_DTYPES, type TypedArray } from "../../../../core/tensor-dtype.ts";
import type { Tensor } from "../format.ts";
import { allocate, BIGINT_DTYPES, FLOAT_DTYPES, nodeAttrs, required } from "./onnx-util.ts";
import { type KernelFactory, UnsupportedNodeError } from "./types.ts";

type Nums = Float64Array;
type Bigs = BigInt64Array;

const INT32_MIN = -2147483648;
const TWO_63 = 2 ** 63;

function castTo(x: Tensor, to: Dtype): TypedArray {
  const n = x.data.length;
  const out = allocate(to, n) as TypedArray;
  const srcBig = BIGINT_DTYPES.has(x.dtype);
  const srcFloat = FLOAT_DTYPES.has(x.dtype);
  if (to === "bool") {
    const o = out as Nums;
    if (srcBig) for (let i = 0; i < n; i++) o[i] = (x.data as Bigs)[i]! !== 0n ? 1 : 0;
    else for (let i = 0; i < n; i++) o[i] = (x.data as Nums)[i]! !== 0 ? 1 : 0; // NaN !== 0: true, as in C++
  } else if (FLOAT_DTYPES.has(to)) {
    const o = out as Nums;
    if (srcBig) for (let i = 0; i < n; i++) o[i] = Number((x.data as Bigs)[i]!);
    else o.set(x.data as Nums);
  } else if (BIGINT_DTYPES.has(to)) {
    const o = out as Bigs;
    if (srcBig) o.set(x.data as Bigs);
    else if (srcFloat) {
      for (let i = 0; i < n; i++) {
        const t = Math.trunc((x.data as Nums)[i]!);
        // Out of int64 range (or NaN): cvttsd2si's "integer indefinite" 0x8000000000000000.
        o[i] = t >= -TWO_63 && t < TWO_63 ? BigInt(t) : -(2n ** 63n);
      }
    } else for (let i = 0; i < n; i++) o[i] = BigInt((x.data as Nums)[i]!);
  } else {
    const o = out as Nums;
    if (srcBig) for (let i = 0; i < n; i++) o[i] = Number(BigInt.asIntN(32, (x.data as Bigs)[i]!));
    else if (srcFloat) {
      const wide = to === "uint32";
      for (let i = 0; i < n; i++) {
        const t = Math.trunc((x.data as Nums)[i]!);
        // uint32 goes through a 64-bit conversion, the narrower types through int32; the store then wraps.
        if (wide) o[i] = t >= -TWO_63 && t < TWO_63 ? t : 0;
        else o[i] = t >= INT32_MIN && t <= 2147483647 ? t : INT32_MIN;
      }
    } else o.set(x.data as Nums);
  }
  return out;
}

const cast: KernelFactory = (node, ctx) => {
  const code = nodeAttrs(node, ctx).int("to", 0);
  const to = ONNX_DTYPES[code];
  if (to === undefined) throw new UnsupportedNodeError(node, `cast to ONNX type ${code}`);
  if (to === "string" || to === "float16") throw new UnsupportedNodeError(node, `cast to ${to}`);
  return (inputs) => {
    const x = required(node, inputs, 0);
    if (x.dtype === to) return [x];
    if (x.dtype === "string" || x.dtype === "float16") throw new Error(`Cast (node ${node.name}): the compiled engine does not cast from ${x.dtype}`);
    return [{ dtype: to, data: castTo(x, to), dims: x.dims }];
  };
};

const constant: KernelFactory = (node, ctx) => {
  const attrs = nodeAttrs(node, ctx);
  let value: Tensor;
  const ref = node.attrs.value;
  if (ref !== undefined && typeof ref === "object" && !Array.isArray(ref)) {
    const t = ctx.constant(ref.tensor);
    if (t === undefined) throw new UnsupportedNodeError(node, `value refers to a missing tensor ${ref.tensor}`);
    value = t;
  } else if (attrs.has("value_float")) value = { dtype: "float32", data: Float32Array.of(attrs.float("value_float", 0)), dims: [] };
  else if (attrs.has("value_floats")) {
    const v = attrs.floats("value_floats") ?? [];
    value = { dtype: "float32", data: Float32Array.from(v), dims: [v.length] };
  } else if (attrs.has("value_int")) value = { dtype: "int64", data: BigInt64Array.of(BigInt(attrs.int("value_int", 0))), dims: [] };
  else if (attrs.has("value_ints")) {
    const v = attrs.ints("value_ints") ?? [];
    value = { dtype: "int64", data: BigInt64Array.from(v, (x) => BigInt(x)), dims: [v.length] };
  } else if (attrs.has("value_string")) value = { dtype: "string", data: [attrs.string("value_string", "")], dims: [] };
  else if (Array.isArray(node.attrs.value_strings)) {
    const v = node.attrs.value_strings.map(String);
    value = { dtype: "string", data: v, dims: [v.length] };
  } else throw new UnsupportedNodeError(node, `no supported value attribute (has ${Object.keys(node.attrs).join(", ") || "none"})`);
  // Kernels never write into their inputs, so every call can hand out the same tensor.
  return () => [value];
};

export const CAST_KERNELS: Record<string, KernelFactory> = { Cast: cast, Constant: constant };
