/**
 * How far one model output is from its reference over the lines of a samples file: max absolute error, max relative
 * error (denominator max(|reference|, 1e-3), so values near zero do not blow the ratio up), the lowest per-line cosine
 * similarity, and argmax agreement along the last axis. Non-finite errors (a NaN where the reference has a number) are
 * recorded as null and fail their gate; equal non-finite values (NaN and NaN, Infinity and Infinity) agree.
 *
 * @example
 * ```ts
 * const a = createAgreement("y");
 * a.add(1, served.y, expected.y);
 * a.finish(); // { name: "y", lines: 1, values: 6, maxAbsError: 2.9e-8, ..., argmaxAgreement: 1, rows: 2 }
 * ```
 */
import { REL_ERROR_FLOOR } from "../../core/validation/gates.ts";
import type { OutputAgreement } from "../../core/validation/result.ts";
import type { SampleTensor } from "../registry/samples.ts";

/** float16 bits → number (exact). */
function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** A tensor's values as doubles (int64 through Number: exact below 2^53). */
export function toNumbers(t: SampleTensor): Float64Array {
  const d = t.data;
  if (t.dtype === "float16") return Float64Array.from(d as Uint16Array, fromFloat16Bits);
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Float64Array.from(d, Number);
  return Float64Array.from(d);
}

/** Index of the first largest value of values[from, from + n). */
export function argmax(values: ArrayLike<number>, from: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if ((values[from + k] as number) > (values[from + best] as number)) best = k;
  return best;
}

const sameDims = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const shape = (dims: readonly number[]) => `[${dims.join(", ")}]`;

export interface Agreement {
  /** Compare one line's served output with its reference; returns a problem when they cannot be compared. */
  add(line: number, served: SampleTensor | undefined, reference: SampleTensor): string | undefined;
  finish(): OutputAgreement;
}

export function createAgreement(name: string): Agreement {
  let lines = 0;
  let values = 0;
  let maxAbs = 0;
  let maxRel = 0;
  let minCos = 1;
  let finite = true;
  let rows = 0;
  let agree = 0;
  let argmaxDefined = true;
  let worst: number | null = null;
  return {
    add(line, served, reference) {
      if (served === undefined) return `line ${line}: the model gave no output "${name}"`;
      if (!sameDims(served.dims, reference.dims)) return `line ${line}: the model gave ${shape(served.dims)}, the reference is ${shape(reference.dims)}`;
      const s = toNumbers(served);
      const r = toNumbers(reference);
      lines++;
      values += s.length;
      let dot = 0;
      let ns = 0;
      let nr = 0;
      for (let i = 0; i < s.length; i++) {
        const a = s[i] as number;
        const b = r[i] as number;
        // Equal values (NaN and NaN included) add no error; non-finite ones stay out of the cosine.
        const abs = Object.is(a, b) || a === b ? 0 : Math.abs(a - b);
        if (!Number.isFinite(abs)) {
          finite = false;
          worst ??= line;
          continue;
        }
        if (abs > maxAbs) {
          maxAbs = abs;
          worst = line;
        }
        if (abs > 0) maxRel = Math.max(maxRel, abs / Math.max(Math.abs(b), REL_ERROR_FLOOR));
        if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
        dot += a * b;
        ns += a * a;
        nr += b * b;
      }
      // Two zero vectors agree; a zero vector against a non-zero one does not.
      const cos = ns === 0 && nr === 0 ? 1 : ns === 0 || nr === 0 ? 0 : dot / Math.sqrt(ns * nr);
      minCos = Math.min(minCos, Math.min(1, cos));
      const last = served.dims[served.dims.length - 1] ?? 1;
      if (served.dims.length === 0 || last < 2) argmaxDefined = false;
      else {
        for (let from = 0; from < s.length; from += last) {
          rows++;
          if (argmax(s, from, last) === argmax(r, from, last)) agree++;
        }
      }
      return undefined;
    },
    finish() {
      return {
        name,
        lines,
        values,
        maxAbsError: finite ? maxAbs : null,
        maxRelError: finite ? maxRel : null,
        minCosine: finite ? minCos : null,
        argmaxAgreement: argmaxDefined && rows > 0 ? agree / rows : null,
        rows,
        worstLine: worst,
      };
    },
  };
}
