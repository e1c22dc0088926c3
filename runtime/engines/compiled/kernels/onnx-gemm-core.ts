/**
 * The matrix-multiply core shared by Gemm and MatMul: constant weights laid out once as B^T (contiguous along K), and
 * loops that accumulate each output in a float64 local. When rows of A and columns of B are contiguous, 2×4 (and, for
 * a single row, 1×8) register blocks keep several independent sums in flight: one add chain per output is
 * latency-bound, and each load then feeds several multiplies.
 *
 * @example
 * ```ts
 * const b = prepareB(weights, true); // Gemm transB=1: weights [N, K]
 * gemmCore(a, 0, K, 1, b.data, 0, b.sbk, b.sbn, out, 0, M, b.n, K, 1, 0, undefined, 0, 0);
 * ```
 */
import type { Tensor } from "../format.ts";

export type Nums = Float64Array;

/** B read as b[k * sbk + n * sbn] (for a prepared B: sbk = 1, sbn = K). */
export interface PreparedB {
  data: Nums;
  k: number;
  n: number;
  sbk: number;
  sbn: number;
}

/**
 * Lay out a constant 2-D B as B^T [N, K], contiguous along K, in B's own element type (float32 weights stay float32:
 * half the memory of float64 and no slower, the loads widen for free).
 */
export function prepareB(b: Tensor, transposed: boolean): PreparedB {
  const [r, c] = b.dims as [number, number];
  const k = transposed ? c : r;
  const n = transposed ? r : c;
  const src = b.data as Nums;
  const out = (b.dtype === "float64" ? new Float64Array(k * n) : new Float32Array(k * n)) as Nums;
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
export function gemmCore(
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
