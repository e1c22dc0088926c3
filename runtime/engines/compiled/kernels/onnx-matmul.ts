/**
 * Gemm, MatMul and Softmax on float32/float64. A constant B (the weights of every dense layer) is laid out once at
 * prepare time as B^T (onnx-gemm-core.ts), so each output is a dot product of two contiguous rows
 * accumulated in a local float64; a B that arrives at run time is read through its strides.
 * Accumulating in float64 is at least as precise as ORT's float32 FMA sums: results agree to ~1e-7 relative.
 *
 * @example
 * ```ts
 * const run = MATMUL_KERNELS.Gemm!(node, ctx); // reads alpha, beta, transA, transB and prepares a constant B
 * run([x, undefined, bias]); // [y]: x [M, K] · B [K, N] + bias
 * ```
 */
import type { CompiledNode } from "../format.ts";
import { broadcastDims, planBroadcast } from "./onnx-broadcast.ts";
import { gemmCore, type Nums, type PreparedB, prepareB } from "./onnx-gemm-core.ts";
import { allocate, axisOrThrow, checkDtype, FLOAT_DTYPES, nodeAttrs, required, sizeOf } from "./onnx-util.ts";
import { type KernelFactory, UnsupportedNodeError } from "./types.ts";

const gemm: KernelFactory = (node, ctx) => {
  const attrs = nodeAttrs(node, ctx);
  const alpha = Math.fround(attrs.float("alpha", 1));
  const beta = Math.fround(attrs.float("beta", 1));
  const transA = attrs.int("transA", 0) !== 0;
  const transB = attrs.int("transB", 0) !== 0;
  if (ctx.opset("") < 7 && attrs.int("broadcast", 0) === 0 && node.inputs[2]) {
    throw new UnsupportedNodeError(node, "Gemm before opset 7 without broadcast=1 is not supported");
  }
  const constB = ctx.constant(node.inputs[1] ?? "");
  const prepared = constB !== undefined && FLOAT_DTYPES.has(constB.dtype) && constB.dims.length === 2 ? prepareB(constB, transB) : undefined;
  const where = `Gemm (node ${node.name})`;
  return (inputs) => {
    const A = required(node, inputs, 0);
    checkDtype(node, A, FLOAT_DTYPES);
    if (A.dims.length !== 2) throw new Error(`${where}: A must be 2-D, got [${A.dims.join(",")}]`);
    const [ar, ac] = A.dims as [number, number];
    const M = transA ? ac : ar;
    const K = transA ? ar : ac;
    let b: PreparedB;
    if (prepared) b = prepared;
    else {
      const B = required(node, inputs, 1);
      checkDtype(node, B, FLOAT_DTYPES);
      if (B.dims.length !== 2) throw new Error(`${where}: B must be 2-D, got [${B.dims.join(",")}]`);
      const [br, bc] = B.dims as [number, number];
      b = transB ? { data: B.data as Nums, k: bc, n: br, sbk: 1, sbn: bc } : { data: B.data as Nums, k: br, n: bc, sbk: bc, sbn: 1 };
    }
    if (b.k !== K) throw new Error(`${where}: A is [${A.dims.join(",")}] and B has ${b.k} rows (transA=${+transA}, transB=${+transB})`);
    const N = b.n;
    const C = inputs[2];
    let scm = 0;
    let scn = 0;
    if (C !== undefined) {
      const to = broadcastDims(C.dims, [M, N]);
      if (C.dims.length > 2 || to === undefined || to[0] !== M || to[1] !== N) {
        throw new Error(`${where}: C [${C.dims.join(",")}] cannot be broadcast to [${M},${N}]`);
      }
      const cm = C.dims.length === 2 ? C.dims[0]! : 1;
      const cn = C.dims.length >= 1 ? C.dims[C.dims.length - 1]! : 1;
      scm = cm === 1 ? 0 : cn;
      scn = cn === 1 ? 0 : 1;
    }
    const out = allocate(A.dtype, M * N) as Nums;
    const sam = transA ? 1 : K;
    const sak = transA ? M : 1;
    const c = C !== undefined && beta !== 0 ? (C.data as Nums) : undefined;
    gemmCore(A.data as Nums, 0, sam, sak, b.data, 0, b.sbk, b.sbn, out, 0, M, N, K, alpha, beta, c, scm, scn);
    return [{ dtype: A.dtype, data: out, dims: [M, N] }];
  };
};

/** Offsets of each batch matrix of A and B for broadcast batch dims (one small array per call). */
function batchOffsets(aBatch: readonly number[], bBatch: readonly number[], batch: readonly number[], aSize: number, bSize: number) {
  const count = sizeOf(batch);
  const ao = new Float64Array(count);
  const bo = new Float64Array(count);
  if (batch.length === 0) return { ao, bo, count };
  const plan = planBroadcast(aBatch, bBatch, batch);
  // Walk the plan's odometer; the plan's inner row is just one more dim here.
  const { sizes, as, bs } = plan;
  const counter = new Int32Array(sizes.length);
  let a = 0;
  let b = 0;
  for (let i = 0; i < count; i++) {
    ao[i] = a * aSize;
    bo[i] = b * bSize;
    for (let d = sizes.length - 1; d >= 0; d--) {
      if (++counter[d]! < sizes[d]!) {
        a += as[d]!;
        b += bs[d]!;
        break;
      }
      counter[d] = 0;
      a -= as[d]! * (sizes[d]! - 1);
      b -= bs[d]! * (sizes[d]! - 1);
    }
  }
  return { ao, bo, count };
}

const matmul: KernelFactory = (node, ctx) => {
  const constB = ctx.constant(node.inputs[1] ?? "");
  const prepared = constB !== undefined && FLOAT_DTYPES.has(constB.dtype) && constB.dims.length === 2 ? prepareB(constB, false) : undefined;
  const where = `MatMul (node ${node.name})`;
  return (inputs) => {
    const A = required(node, inputs, 0);
    const B = prepared ? constB! : required(node, inputs, 1);
    checkDtype(node, A, FLOAT_DTYPES);
    checkDtype(node, B, FLOAT_DTYPES);
    if (A.dtype !== B.dtype) throw new Error(`${where}: inputs are ${A.dtype} and ${B.dtype}`);
    if (A.dims.length === 0 || B.dims.length === 0) throw new Error(`${where}: MatMul does not take scalars`);
    const aDims = A.dims.length === 1 ? [1, A.dims[0]!] : A.dims;
    const bDims = B.dims.length === 1 ? [B.dims[0]!, 1] : B.dims;
    const K = aDims[aDims.length - 1]!;
    const N = bDims[bDims.length - 1]!;
    if (bDims[bDims.length - 2] !== K) throw new Error(`${where}: shapes [${A.dims.join(",")}] and [${B.dims.join(",")}] do not chain`);
    const aBatch = aDims.slice(0, -2);
    const bBatch = bDims.slice(0, -2);
    const batch = broadcastDims(aBatch, bBatch);
    if (batch === undefined) throw new Error(`${where}: batch dims of [${A.dims.join(",")}] and [${B.dims.join(",")}] cannot be broadcast`);
    const M = aDims[aDims.length - 2]!;
    const outDims = [...batch, ...(A.dims.length === 1 ? [] : [M]), ...(B.dims.length === 1 ? [] : [N])];
    const out = allocate(A.dtype, sizeOf(batch) * M * N) as Nums;
    if (bDims.length === 2) {
      // B shared by every batch of A: A's leading dims are rows of one matrix.
      const rows = sizeOf(aBatch) * M;
      const b = prepared ?? { data: B.data as Nums, sbk: N, sbn: 1 };
      gemmCore(A.data as Nums, 0, K, 1, b.data, 0, b.sbk, b.sbn, out, 0, rows, N, K, 1, 0, undefined, 0, 0);
    } else {
      const { ao, bo, count } = batchOffsets(aBatch, bBatch, batch, M * K, K * N);
      for (let i = 0; i < count; i++) {
        gemmCore(A.data as Nums, ao[i]!, K, 1, B.data as Nums, bo[i]!, N, 1, out, i * M * N, M, N, K, 1, 0, undefined, 0, 0);
      }
    }
    return [{ dtype: A.dtype, data: out, dims: outDims }];
  };
};

/** Softmax over `n` values spaced `inner` apart, for each of `outer × inner` lanes. */
function softmax(x: Nums, y: Nums, outer: number, n: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < n; k++) {
        const v = x[base + k * inner]!;
        if (v > max) max = v;
      }
      let sum = 0;
      for (let k = 0; k < n; k++) {
        // Rounded to float32 as ORT's exp output is, so the normalization divides the same numbers.
        const e = Math.fround(Math.exp(x[base + k * inner]! - max));
        y[base + k * inner] = e;
        sum += e;
      }
      for (let k = 0; k < n; k++) y[base + k * inner] = y[base + k * inner]! / sum;
    }
  }
}

const softmaxKernel: KernelFactory = (node: CompiledNode, ctx) => {
  // Before opset 13 the input is coerced to 2-D at `axis` (default 1); from 13 on softmax runs along `axis` (default -1).
  const legacy = ctx.opset("") < 13;
  const axisAttr = nodeAttrs(node, ctx).int("axis", legacy ? 1 : -1);
  return (inputs) => {
    const x = required(node, inputs, 0);
    checkDtype(node, x, FLOAT_DTYPES);
    const rank = x.dims.length;
    const axis = rank === 0 ? 0 : axisOrThrow(node, axisAttr, rank);
    const outer = sizeOf(x.dims.slice(0, axis));
    const n = legacy ? sizeOf(x.dims.slice(axis)) : (x.dims[axis] ?? 1);
    const inner = legacy ? 1 : sizeOf(x.dims.slice(axis + 1));
    const y = allocate(x.dtype, x.data.length) as Nums;
    if (y.length > 0) softmax(x.data as Nums, y, outer, n, inner);
    return [{ dtype: x.dtype, data: y, dims: x.dims }];
  };
};

export const MATMUL_KERNELS: Record<string, KernelFactory> = { Gemm: gemm, MatMul: matmul, Softmax: softmaxKernel };
