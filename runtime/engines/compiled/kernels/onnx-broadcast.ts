/**
 * Numpy multidirectional broadcasting as ONNX defines it, planned per call and collapsed so the inner loop runs over
 * the longest run both operands walk with a fixed stride ([N, C] + [C] is N rows of C; [N, 1] + scalar is one row of N).
 * Row functions are module-level and typed per element kind, so nothing is allocated or closed over per element.
 *
 * @example
 * ```ts
 * const dims = broadcastDims([2, 1, 3], [4, 1]); // [2, 4, 3]
 * runPlan(planBroadcast([2, 1, 3], [4, 1], dims), a, b, out, addRow); // addRow(a, ao, as, b, bo, bs, out, oo, n)
 * ```
 */
import type { Tensor } from "../format.ts";

/** The broadcast shape of two shapes, or undefined when they are incompatible. */
export function broadcastDims(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[i - rank + a.length] ?? 1;
    const db = b[i - rank + b.length] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Element strides of `dims` walked in the `out` shape (0 along broadcast dims). */
function walkStrides(dims: readonly number[], out: readonly number[]): number[] {
  const strides = new Array<number>(out.length).fill(0);
  let s = 1;
  for (let i = out.length - 1, j = dims.length - 1; i >= 0; i--, j--) {
    const d = j >= 0 ? dims[j]! : 1;
    strides[i] = d === 1 ? 0 : s;
    s *= d;
  }
  return strides;
}

export interface BroadcastPlan {
  /** Collapsed loop sizes; the last one is the inner row. */
  sizes: number[];
  as: number[];
  bs: number[];
}

/** Collapse adjacent dims both operands walk contiguously (and drop size-1 dims). */
export function planBroadcast(a: readonly number[], b: readonly number[], out: readonly number[]): BroadcastPlan {
  const sa = walkStrides(a, out);
  const sb = walkStrides(b, out);
  const sizes: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < out.length; i++) {
    const n = out[i]!;
    if (n === 1) continue;
    const k = sizes.length - 1;
    // Merge into the previous dim when stepping over this whole dim equals one step of the previous one.
    if (k >= 0 && as[k] === sa[i]! * n && bs[k] === sb[i]! * n) {
      sizes[k] = sizes[k]! * n;
      as[k] = sa[i]!;
      bs[k] = sb[i]!;
      continue;
    }
    sizes.push(n);
    as.push(sa[i]!);
    bs.push(sb[i]!);
  }
  if (sizes.length === 0) return { sizes: [1], as: [0], bs: [0] };
  return { sizes, as, bs };
}

/**
 * Drive a row function over a plan. `out` is written contiguously; a and b are read through their strides.
 * The generic signature takes any indexable arrays so the bigint kernels reuse it through their own row type.
 */
export function runPlan<A, O>(
  plan: BroadcastPlan,
  a: A,
  b: A,
  out: O,
  row: (a: A, ao: number, as: number, b: A, bo: number, bs: number, out: O, oo: number, n: number) => void,
): void {
  const { sizes, as, bs } = plan;
  const last = sizes.length - 1;
  const n = sizes[last]!;
  const ias = as[last]!;
  const ibs = bs[last]!;
  if (last === 0) {
    row(a, 0, ias, b, 0, ibs, out, 0, n);
    return;
  }
  const counter = new Int32Array(last);
  let ao = 0;
  let bo = 0;
  let oo = 0;
  const total = sizes.slice(0, last).reduce((x, y) => x * y, 1);
  for (let r = 0; r < total; r++) {
    row(a, ao, ias, b, bo, ibs, out, oo, n);
    oo += n;
    // Odometer over the outer dims.
    for (let d = last - 1; d >= 0; d--) {
      const c = counter[d]! + 1;
      if (c < sizes[d]!) {
        counter[d] = c;
        ao += as[d]!;
        bo += bs[d]!;
        break;
      }
      counter[d] = 0;
      ao -= as[d]! * (sizes[d]! - 1);
      bo -= bs[d]! * (sizes[d]! - 1);
    }
  }
}

/** The broadcast shape of two tensors, or a run-time error naming the node and both shapes. */
export function broadcastOrThrow(where: string, a: Tensor, b: Tensor): number[] {
  const dims = broadcastDims(a.dims, b.dims);
  if (dims === undefined) throw new Error(`${where}: shapes [${a.dims.join(",")}] and [${b.dims.join(",")}] cannot be broadcast`);
  return dims;
}
