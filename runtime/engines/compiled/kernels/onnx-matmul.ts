/**
 * Gemm, MatMul and Softmax on float32/float64. A constant B (the weights of every dense layer) is laid out once at
 * prepare time as B^T in a Float64Array, so each output is a dot product of two contiguous rows accumulated in a local
 * float64 (no stores, no conversions in the inner loop); a B that arrives at run time is read through its strides.
 * Accumulating in float64 is at least as precise as ORT's float32 FMA sums: results agree to ~1e-7 relative.
 *
 * @example
 * ```ts
 * const run = MATMUL_KERNELS.Gemm!(node, ctx); // reads alpha, beta, transA, transB and prepares a constant B
 * run([x, undefined, bias]); // [y]: x [M, K] · B [K, N] + bias
 * ```
 */
import type { CompiledNode, Tensor } from "../format.ts";
import { broadcastDims, planBroadcast } from "./onnx-broadcast.ts";
import { allocate, axisOrThrow, checkDtype, FLOAT_DTYPES, nodeAttrs, required, sizeOf } from "./onnx-util.ts";
import { type KernelFactory, UnsupportedNodeError } from "./types.ts";

type Nums = Float64Array;

/** B read as b[k * sbk + n * sbn]; `t` is the prepared transpose when B was constant. */
interface PreparedB {
  data: Nums;
  k: number;
  n: number;
  sbk: number;
  sbn: number;
}

/** Lay out a constant 2-D B as B^T [N, K], contiguous along K. */
function prepareB(b: Tensor, transposed: boolean): PreparedB {
  const [r, c] = b.dims as [number, number];
  const k = transposed ? c : r;
  const n = transposed ? r : c;
  const src = b.data as Nums;
  const out = new Float64Array(k * n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) out[j * k + i] = transposed ? src[j * k + i]! : src[i * n + j]!;
  return { data: out, k, n, sbk: 1, sbn: k };
}

/** alpha · sum (+ beta · c[ci]): one output of Gemm. */
function finish(s: number, alpha: number, beta: number, c: Nums | undefined, ci: number): number {
  const y = alpha === 1 ? s : alpha * s;
  return c === undefined ? y : y + beta * c[ci]!;
}

/**
 * out[oo + m * N + n] = alpha * Σ_k a[ao + m*sam + k*sak] · b[bo + k*sbk + n*sbn] (+ beta * c[m*scm + n*scn]).
 */
function gemmCore(
  a: Nums,
  ao: number,
  sam: number,
  sak: number,
  b: Nums,
  bo: number,
  sbk: number,
  sbn: number,
  out: Nums,
  oo: number,
  M: number,
  N: number,
  K: number,
  alpha: number,
  beta: number,
  c: Nums | undefined,
  scm: number,
  scn: number,
): void {
  if (sak === 1 && sbk === 1) {
    gemmContiguous(a, ao, sam, b, bo, sbn, out, oo, M, N, K, alpha, beta, c, scm, scn);
    return;
  }
  for (let m = 0; m < M; m++) {
    const ar = ao + m * sam;
    for (let n = 0; n < N; n++) {
      const bc = bo + n * sbn;
      let s = 0;
      for (let k = 0; k < K; k++) s += a[ar + k * sak]! * b[bc + k * sbk]!;
      out[oo + m * N + n] = finish(s, alpha, beta, c, m * scm + n * scn);
    }
  }
}

/**
 * gemmCore when rows of A and columns of B are both contiguous along K (the prepared-weights case). Blocks of 2 rows ×
 * 4 columns keep eight independent sums in registers: one add chain per output is latency-bound, and each load of A
 * and B feeds four and two multiplies instead of one.
 */
function gemmContiguous(
  a: Nums,
  ao: number,
  sam: number,
  b: Nums,
  bo: number,
  sbn: number,
  out: Nums,
  oo: number,
  M: number,
  N: number,
  K: number,
  alpha: number,
  beta: number,
  c: Nums | undefined,
  scm: number,
  scn: number,
): void {
  let m = 0;
  for (; m + 2 <= M; m += 2) {
    const r0 = ao + m * sam;
    const r1 = r0 + sam;
    const o0 = oo + m * N;
    const o1 = o0 + N;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const b0 = bo + n * sbn;
      const b1 = b0 + sbn;
      const b2 = b1 + sbn;
      const b3 = b2 + sbn;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = a[r0 + k]!;
        const x1 = a[r1 + k]!;
        const w0 = b[b0 + k]!;
        const w1 = b[b1 + k]!;
        const w2 = b[b2 + k]!;
        const w3 = b[b3 + k]!;
        s00 += x0 * w0;
        s01 += x0 * w1;
        s02 += x0 * w2;
        s03 += x0 * w3;
        s10 += x1 * w0;
        s11 += x1 * w1;
        s12 += x1 * w2;
        s13 += x1 * w3;
      }
      const c0 = m * scm + n * scn;
      const c1 = c0 + scm;
      out[o0 + n] = finish(s00, alpha, beta, c, c0);
      out[o0 + n + 1] = finish(s01, alpha, beta, c, c0 + scn);
      out[o0 + n + 2] = finish(s02, alpha, beta, c, c0 + 2 * scn);
      out[o0 + n + 3] = finish(s03, alpha, beta, c, c0 + 3 * scn);
      out[o1 + n] = finish(s10, alpha, beta, c, c1);
      out[o1 + n + 1] = finish(s11, alpha, beta, c, c1 + scn);
      out[o1 + n + 2] = finish(s12, alpha, beta, c, c1 + 2 * scn);
      out[o1 + n + 3] = finish(s13, alpha, beta, c, c1 + 3 * scn);
    }
    for (; n < N; n++) {
      const bc = bo + n * sbn;
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < K; k++) {
        const w = b[bc + k]!;
        s0 += a[r0 + k]! * w;
        s1 += a[r1 + k]! * w;
      }
      out[o0 + n] = finish(s0, alpha, beta, c, m * scm + n * scn);
      out[o1 + n] = finish(s1, alpha, beta, c, (m + 1) * scm + n * scn);
    }
  }
  for (; m < M; m++) {
    const r0 = ao + m * sam;
    const o0 = oo + m * N;
    let n = 0;
    // A single row (batch 1, the common request) gets eight columns at a time: more sums in flight per load of A.
    for (; n + 8 <= N; n += 8) {
      const b0 = bo + n * sbn;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      let s5 = 0;
      let s6 = 0;
      let s7 = 0;
      for (let k = 0; k < K; k++) {
        const x = a[r0 + k]!;
        const bk = b0 + k;
        s0 += x * b[bk]!;
        s1 += x * b[bk + sbn]!;
        s2 += x * b[bk + 2 * sbn]!;
        s3 += x * b[bk + 3 * sbn]!;
        s4 += x * b[bk + 4 * sbn]!;
        s5 += x * b[bk + 5 * sbn]!;
        s6 += x * b[bk + 6 * sbn]!;
        s7 += x * b[bk + 7 * sbn]!;
      }
      const c0 = m * scm + n * scn;
      out[o0 + n] = finish(s0, alpha, beta, c, c0);
      out[o0 + n + 1] = finish(s1, alpha, beta, c, c0 + scn);
      out[o0 + n + 2] = finish(s2, alpha, beta, c, c0 + 2 * scn);
      out[o0 + n + 3] = finish(s3, alpha, beta, c, c0 + 3 * scn);
      out[o0 + n + 4] = finish(s4, alpha, beta, c, c0 + 4 * scn);
      out[o0 + n + 5] = finish(s5, alpha, beta, c, c0 + 5 * scn);
      out[o0 + n + 6] = finish(s6, alpha, beta, c, c0 + 6 * scn);
      out[o0 + n + 7] = finish(s7, alpha, beta, c, c0 + 7 * scn);
    }
    for (; n + 4 <= N; n += 4) {
      const b0 = bo + n * sbn;
      const b1 = b0 + sbn;
      const b2 = b1 + sbn;
      const b3 = b2 + sbn;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < K; k++) {
        const x = a[r0 + k]!;
        s0 += x * b[b0 + k]!;
        s1 += x * b[b1 + k]!;
        s2 += x * b[b2 + k]!;
        s3 += x * b[b3 + k]!;
      }
      const c0 = m * scm + n * scn;
      out[o0 + n] = finish(s0, alpha, beta, c, c0);
      out[o0 + n + 1] = finish(s1, alpha, beta, c, c0 + scn);
      out[o0 + n + 2] = finish(s2, alpha, beta, c, c0 + 2 * scn);
      out[o0 + n + 3] = finish(s3, alpha, beta, c, c0 + 3 * scn);
    }
    for (; n < N; n++) {
      const bc = bo + n * sbn;
      let s = 0;
      for (let k = 0; k < K; k++) s += a[r0 + k]! * b[bc + k]!;
      out[o0 + n] = finish(s, alpha, beta, c, m * scm + n * scn);
    }
  }
}

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
