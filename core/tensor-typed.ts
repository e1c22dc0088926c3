/**
 * Typed arrays as tensor values: what page code has (a `Float32Array` of audio samples, an `ImageData`'s
 * `Uint8ClampedArray`, a `BigInt64Array`). The array an engine takes for the dtype is used as it is; any other typed
 * array is converted element by element with the same checks as JSON values (range, integers), so the model never sees
 * a value the caller did not send. JSON requests never come here: only a value that is a typed array does.
 *
 * @example
 * ```ts
 * const issues = new IssueList();
 * typedValues(new Float64Array([1, 2]), "float32", "x", issues); // Float32Array [1, 2]
 * typedValues(new Int32Array([7]), "int64", "sr", issues);        // BigInt64Array [7n]
 * ```
 */
import type { Dtype } from "./schema/manifest.ts";
import { createSink, type ParsedTensor, TYPED_ARRAYS, type TypedArray } from "./tensor-dtype.ts";
import type { IssueList } from "./issues.ts";

const INT64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const UINT64 = [0n, 2n ** 64n - 1n] as const;

/** True for a typed array (not a DataView): the values a page passes as tensor data. */
export function isTypedArray(v: unknown): v is TypedArray | Uint8ClampedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/**
 * The values of a typed array as `dtype`'s tensor data, or undefined with the problems in `issues` (at `path[i]`).
 * float16 inputs given as a Float32Array are rounded to half precision, like JSON numbers.
 */
export function typedValues(v: TypedArray | Uint8ClampedArray, dtype: Dtype, path: string, issues: IssueList): ParsedTensor["data"] | undefined {
  const Carrier = dtype === "string" ? undefined : TYPED_ARRAYS[dtype];
  // Same element type: no copy (float16's carrier is Uint16Array, so only a Uint16Array of bits passes as is).
  if (Carrier !== undefined && v.constructor === Carrier && dtype !== "float16") return v as TypedArray;
  if (v instanceof Uint8ClampedArray && dtype === "uint8") return new Uint8Array(v.buffer, v.byteOffset, v.length);
  if (dtype === "int64" || dtype === "uint64") return wideValues(v, dtype, path, issues);
  const sink = createSink(dtype, v.length);
  for (let i = 0; i < v.length && !issues.full; i++) {
    const x = v[i]!;
    // Bools accept 0/1 bytes; everything else goes through the JSON checks as a number.
    const value = dtype === "bool" && (x === 0 || x === 1) ? x === 1 : typeof x === "bigint" ? Number(x) : x;
    const problem = sink.put(i, value);
    if (problem !== undefined) issues.add(`${path}[${i}]`, typeof x === "bigint" ? `${problem} (from bigint ${x})` : problem);
  }
  return sink.data;
}

/** int64 / uint64 from any typed array: exact for bigints, integers only from floats. */
function wideValues(v: TypedArray | Uint8ClampedArray, dtype: "int64" | "uint64", path: string, issues: IssueList): BigInt64Array | BigUint64Array {
  const out = dtype === "int64" ? new BigInt64Array(v.length) : new BigUint64Array(v.length);
  const [lo, hi] = dtype === "int64" ? INT64 : UINT64;
  for (let i = 0; i < v.length && !issues.full; i++) {
    const x = v[i]!;
    if (typeof x === "number" && !Number.isInteger(x)) {
      issues.add(`${path}[${i}]`, `expected an integer, got ${Number.isFinite(x) ? `number ${x}` : String(x)}`);
      continue;
    }
    const b = BigInt(x);
    if (b < lo || b > hi) issues.add(`${path}[${i}]`, `${b} is out of the ${dtype} range`);
    else out[i] = b;
  }
  return out;
}

/** One leaf of a page tensor that may be a bigint (int64 values past 2^53): exact for wide dtypes, a number otherwise. */
export function bigintLeaf(x: bigint, dtype: Dtype): { wide: bigint } | { value: number } | { problem: string } {
  if (dtype === "int64" || dtype === "uint64") {
    const [lo, hi] = dtype === "int64" ? INT64 : UINT64;
    return x < lo || x > hi ? { problem: `${x} is out of the ${dtype} range` } : { wide: x };
  }
  if (dtype === "string" || dtype === "bool") return { problem: `expected ${dtype === "bool" ? "true or false" : "a string"}, got bigint ${x}` };
  return { value: Number(x) };
}
