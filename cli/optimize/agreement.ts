/**
 * How far a variant's outputs are from the fp32 model's on the same inputs: per output, the largest absolute and
 * relative difference, the cosine similarity of the whole output, and (for outputs with a class axis, i.e. a last
 * dimension above 1) the share of rows whose argmax along the last axis agrees. Accumulated run by run, so any
 * number of samples or CSV batches fit in constant memory.
 *
 * @example
 * ```ts
 * const a = createAgreement();
 * a.add(fp32Outputs, int8Outputs);
 * a.result(); // [{ output: "logits", argmaxAgreement: 1, maxAbsError: 0.012, cosine: 0.99998, ... }]
 * ```
 */
import type { TensorValue } from "./session.ts";

export interface OutputAgreement {
  output: string;
  elements: number;
  /** Rows compared for argmax (elements / last dimension); 0 when the output has no class axis. */
  rows: number;
  maxAbsError: number;
  /** max |a - b| / max(|a|, 1e-6): the 1e-6 floor keeps exact zeros from dividing by zero. */
  maxRelError: number;
  cosine: number;
  argmaxAgreement: number | null;
}

interface Acc {
  elements: number;
  rows: number;
  agree: number;
  maxAbs: number;
  maxRel: number;
  dot: number;
  na: number;
  nb: number;
}

const numeric = (t: TensorValue): ArrayLike<number> | undefined =>
  t.data instanceof BigInt64Array || t.data instanceof BigUint64Array ? Array.from(t.data, Number) : (t.data as ArrayLike<number>);

export function createAgreement() {
  const accs = new Map<string, Acc>();
  return {
    add(reference: Record<string, TensorValue>, candidate: Record<string, TensorValue>): void {
      for (const [name, ref] of Object.entries(reference)) {
        const cand = candidate[name];
        const a = numeric(ref);
        const b = cand ? numeric(cand) : undefined;
        if (a === undefined || b === undefined || a.length !== b.length) {
          throw new Error(`output ${name}: the variant returned ${cand ? `${cand.dims.join("x")}` : "nothing"} where the model returned ${ref.dims.join("x")}`);
        }
        let acc = accs.get(name);
        if (!acc) {
          acc = { elements: 0, rows: 0, agree: 0, maxAbs: 0, maxRel: 0, dot: 0, na: 0, nb: 0 };
          accs.set(name, acc);
        }
        for (let i = 0; i < a.length; i++) {
          const x = a[i] as number;
          const y = b[i] as number;
          const d = Math.abs(x - y);
          if (d > acc.maxAbs || Number.isNaN(d)) acc.maxAbs = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
          const r = d / Math.max(Math.abs(x), 1e-6);
          if (r > acc.maxRel) acc.maxRel = r;
          acc.dot += x * y;
          acc.na += x * x;
          acc.nb += y * y;
        }
        acc.elements += a.length;
        const last = ref.dims[ref.dims.length - 1] ?? 1;
        if (last > 1 && ref.dtype.startsWith("float")) {
          for (let row = 0; row + last <= a.length; row += last) {
            acc.rows++;
            if (argmax(a, row, last) === argmax(b, row, last)) acc.agree++;
          }
        }
      }
    },
    result(): OutputAgreement[] {
      return [...accs].map(([output, a]) => ({
        output,
        elements: a.elements,
        rows: a.rows,
        maxAbsError: a.maxAbs,
        maxRelError: a.maxRel,
        cosine: a.na === 0 && a.nb === 0 ? 1 : a.dot / Math.sqrt(a.na * a.nb || Number.MIN_VALUE),
        argmaxAgreement: a.rows > 0 ? a.agree / a.rows : null,
      }));
    },
  };
}

export function argmax(values: ArrayLike<number>, start: number, length: number): number {
  let best = 0;
  let value = -Infinity;
  for (let k = 0; k < length; k++) {
    const v = values[start + k] as number;
    if (v > value) {
      value = v;
      best = k;
    }
  }
  return best;
}
