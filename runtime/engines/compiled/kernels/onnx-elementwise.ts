/**
 * Element-wise kernels: Add, Sub, Mul, Div with broadcasting; Relu, LeakyRelu, Sigmoid, Tanh; Clip.
 *
 * Float32 results equal onnxruntime's: a float32 +, -, *, / computed in float64 and stored once into a Float32Array
 * is correctly rounded (float64 has more than twice float32's precision). Integers follow C++ as ORT does: 32-bit
 * products through Math.imul and wrap-around on store, division truncating toward zero; int64 runs on BigInt.
 *
 * @example
 * ```ts
 * const run = ELEMENTWISE_KERNELS.Add!(node, ctx);
 * run([a, b]); // [sum], shaped by numpy broadcasting
 * ```
 */
import type { TypedArray } from "../../../../core/tensor-dtype.ts";
import type { CompiledNode, Tensor } from "../format.ts";
import { broadcastOrThrow, planBroadcast, runPlan } from "./onnx-broadcast.ts";
import { allocate, BIGINT_DTYPES, checkDtype, FLOAT_DTYPES, nodeAttrs, required, SMALL_INT_DTYPES } from "./onnx-util.ts";
import type { KernelFactory } from "./types.ts";

type Nums = Float64Array;
type Bigs = BigInt64Array;
type Row<T> = (a: T, ao: number, as: number, b: T, bo: number, bs: number, out: T, oo: number, n: number) => void;

// One row function per op and element kind: the op is fixed inside the loop, the loop body has no calls.
const addF: Row<Nums> = (a, ao, as, b, bo, bs, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as]! + b[bo + i * bs]!;
};
const subF: Row<Nums> = (a, ao, as, b, bo, bs, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as]! - b[bo + i * bs]!;
};
const mulF: Row<Nums> = (a, ao, as, b, bo, bs, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as]! * b[bo + i * bs]!;
};
const divF: Row<Nums> = (a, ao, as, b, bo, bs, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as]! / b[bo + i * bs]!;
};
const mulI: Row<Nums> = (a, ao, as, b, bo, bs, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = Math.imul(a[ao + i * as]!, b[bo + i * bs]!);
};
const divI: Row<Nums> = (a, ao, as, b, bo, bs, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = Math.trunc(a[ao + i * as]! / b[bo + i * bs]!);
};
const addB: Row<Bigs> = (a, ao, as, b, bo, bs, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as]! + b[bo + i * bs]!;
};
const subB: Row<Bigs> = (a, ao, as, b, bo, bs, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as]! - b[bo + i * bs]!;
};
const mulB: Row<Bigs> = (a, ao, as, b, bo, bs, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as]! * b[bo + i * bs]!;
};
const divB: Row<Bigs> = (a, ao, as, b, bo, bs, o, oo, n) => {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as]! / b[bo + i * bs]!;
};

const BINARY = {
  Add: { float: addF, int: addF, big: addB },
  Sub: { float: subF, int: subF, big: subB },
  Mul: { float: mulF, int: mulI, big: mulB },
  Div: { float: divF, int: divI, big: divB },
} as const;

function binaryKernel(op: keyof typeof BINARY): KernelFactory {
  const rows = BINARY[op];
  return (node) => (inputs) => {
    const a = required(node, inputs, 0);
    const b = required(node, inputs, 1);
    if (a.dtype !== b.dtype) throw new Error(`${op} (node ${node.name}): inputs are ${a.dtype} and ${b.dtype}`);
    const dims = broadcastOrThrow(`${op} (node ${node.name})`, a, b);
    const plan = planBroadcast(a.dims, b.dims, dims);
    let n = 1;
    for (const d of dims) n *= d;
    const out = allocate(a.dtype, n) as TypedArray;
    if (n === 0) return [{ dtype: a.dtype, data: out, dims }];
    if (FLOAT_DTYPES.has(a.dtype)) runPlan(plan, a.data as Nums, b.data as Nums, out as Nums, rows.float);
    else if (SMALL_INT_DTYPES.has(a.dtype)) runPlan(plan, a.data as Nums, b.data as Nums, out as Nums, rows.int);
    else if (BIGINT_DTYPES.has(a.dtype)) runPlan(plan, a.data as Bigs, b.data as Bigs, out as Bigs, rows.big);
    else checkDtype(node, a, FLOAT_DTYPES);
    return [{ dtype: a.dtype, data: out, dims }];
  };
}

/** A unary float kernel; `map` runs once per call over the whole array (the loop lives inside it). */
function unaryFloat(map: (x: Nums, y: Nums, n: number, node: CompiledNode) => void, allowed = FLOAT_DTYPES): KernelFactory {
  return (node) => (inputs) => {
    const x = required(node, inputs, 0);
    checkDtype(node, x, allowed);
    const y = allocate(x.dtype, x.data.length) as Nums;
    map(x.data as Nums, y, y.length, node);
    return [{ dtype: x.dtype, data: y, dims: x.dims }];
  };
}

const RELU_DTYPES = new Set([...FLOAT_DTYPES, ...SMALL_INT_DTYPES, ...BIGINT_DTYPES]);

const relu: KernelFactory = (node) => (inputs) => {
  const x = required(node, inputs, 0);
  checkDtype(node, x, RELU_DTYPES);
  const y = allocate(x.dtype, x.data.length);
  if (BIGINT_DTYPES.has(x.dtype)) {
    const xs = x.data as Bigs;
    const ys = y as Bigs;
    for (let i = 0; i < xs.length; i++) ys[i] = xs[i]! > 0n ? xs[i]! : 0n;
  } else {
    const xs = x.data as Nums;
    const ys = y as Nums;
    // NaN stays NaN, as in ORT (max(x, 0) with x first).
    for (let i = 0; i < xs.length; i++) ys[i] = Math.max(xs[i]!, 0);
  }
  return [{ dtype: x.dtype, data: y as TypedArray, dims: x.dims }];
};

const leakyRelu: KernelFactory = (node, ctx) => {
  // The attribute is a float32; the product of two float32s is exact in float64, so one rounding on store matches ORT.
  const alpha = Math.fround(nodeAttrs(node, ctx).float("alpha", 0.01));
  return unaryFloat((x, y, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      y[i] = v >= 0 ? v : alpha * v;
    }
  })(node, ctx);
};

const sigmoid = unaryFloat((x, y, n) => {
  for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-x[i]!));
});

const tanh = unaryFloat((x, y, n) => {
  for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]!);
});

const FLT_MAX = 3.4028234663852886e38;
const CLIP_DTYPES = RELU_DTYPES;

/** The scalar bound of Clip ≥ 11 (an optional input), or undefined when omitted. */
function clipBound(node: CompiledNode, t: Tensor | undefined, which: string): number | bigint | undefined {
  if (t === undefined) return undefined;
  if (t.data.length !== 1) throw new Error(`Clip (node ${node.name}): ${which} must be a scalar, got ${t.data.length} values`);
  return t.data[0] as number | bigint;
}

const clip: KernelFactory = (node, ctx) => {
  const attrs = nodeAttrs(node, ctx);
  const legacy = ctx.opset("") < 11;
  const attrMin = legacy ? attrs.float("min", -FLT_MAX) : undefined;
  const attrMax = legacy ? attrs.float("max", FLT_MAX) : undefined;
  return (inputs) => {
    const x = required(node, inputs, 0);
    checkDtype(node, x, legacy ? FLOAT_DTYPES : CLIP_DTYPES);
    const lo = legacy ? attrMin : clipBound(node, inputs[1], "min");
    const hi = legacy ? attrMax : clipBound(node, inputs[2], "max");
    const y = allocate(x.dtype, x.data.length);
    // min(max(x, lo), hi) in that order: with lo > hi every value becomes hi, as in ORT.
    if (BIGINT_DTYPES.has(x.dtype)) {
      const xs = x.data as Bigs;
      const ys = y as Bigs;
      for (let i = 0; i < xs.length; i++) {
        let v = xs[i]!;
        if (lo !== undefined && v < (lo as bigint)) v = lo as bigint;
        if (hi !== undefined && v > (hi as bigint)) v = hi as bigint;
        ys[i] = v;
      }
    } else {
      const xs = x.data as Nums;
      const ys = y as Nums;
      const l = lo === undefined ? Number.NEGATIVE_INFINITY : (lo as number);
      const h = hi === undefined ? Number.POSITIVE_INFINITY : (hi as number);
      for (let i = 0; i < xs.length; i++) {
        let v = xs[i]!;
        if (v < l) v = l;
        if (v > h) v = h;
        ys[i] = v;
      }
    }
    return [{ dtype: x.dtype, data: y as TypedArray, dims: x.dims }];
  };
};

export const ELEMENTWISE_KERNELS: Record<string, KernelFactory> = {
  Add: binaryKernel("Add"),
  Sub: binaryKernel("Sub"),
  Mul: binaryKernel("Mul"),
  Div: binaryKernel("Div"),
  Relu: relu,
  LeakyRelu: leakyRelu,
  Sigmoid: sigmoid,
  Tanh: tanh,
  Clip: clip,
};
