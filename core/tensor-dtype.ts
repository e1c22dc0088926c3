/**
 * Element types of input tensors: the typed array each ONNX dtype is fed as, the check each JSON element must pass,
 * and the KServe V2 (Open Inference Protocol) datatype names.
 *
 * A sink validates and writes in one step, so parsing a request never builds an intermediate `number[]`.
 *
 * @example
 * ```ts
 * const sink = createSink("int32", 2);
 * sink.put(0, 7);    // undefined (ok)
 * sink.put(1, 1.5);  // "expected an integer, got number 1.5"
 * sink.data;         // Int32Array [7, 0]
 * ```
 */
import { describeValue } from "./describe-value.ts";
import type { Dtype } from "./schema/manifest.ts";

/** The typed arrays ONNX tensors are carried in (engines take and return these). */
/** The typed array each non-string dtype is carried in (float16 as its bit patterns, bool as 0/1 bytes). */
export const TYPED_ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
} as const;

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;
type TensorValues = TypedArray | string[];

/** A tensor ready for an engine; float16 is carried as its IEEE bit patterns in a Uint16Array. */
export interface ParsedTensor {
  dtype: Dtype;
  data: TensorValues;
  dims: number[];
}

/** V2 datatype → ONNX dtype (V2 spells strings "BYTES"). */
export const V2_TO_DTYPE = {
  BOOL: "bool",
  UINT8: "uint8",
  UINT16: "uint16",
  UINT32: "uint32",
  UINT64: "uint64",
  INT8: "int8",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  FP16: "float16",
  FP32: "float32",
  FP64: "float64",
  BYTES: "string",
} as const satisfies Record<string, Dtype>;
export type V2Datatype = keyof typeof V2_TO_DTYPE;

/** ONNX dtype → V2 datatype, for responses and for error messages in the client's vocabulary. */
export const DTYPE_TO_V2: Record<Dtype, V2Datatype> = {
  bool: "BOOL",
  uint8: "UINT8",
  uint16: "UINT16",
  uint32: "UINT32",
  uint64: "UINT64",
  int8: "INT8",
  int16: "INT16",
  int32: "INT32",
  int64: "INT64",
  float16: "FP16",
  float32: "FP32",
  float64: "FP64",
  string: "BYTES",
};

export const V2_DATATYPES = Object.keys(V2_TO_DTYPE) as V2Datatype[];

export function isV2Datatype(s: string): s is V2Datatype {
  return Object.hasOwn(V2_TO_DTYPE, s);
}

/** What an element of this dtype is called in messages ("a number", "an integer", ...). */
export function elementName(dtype: Dtype): string {
  if (dtype === "bool") return "true or false";
  if (dtype === "string") return "a string";
  return dtype.startsWith("float") ? "a number" : "an integer";
}

const INT_RANGES: Partial<Record<Dtype, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

const INT_ARRAYS = { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array } as const;

const FLOAT32_MAX = 3.4028234663852886e38;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half-precision bits of x (round to nearest even); Float16Array is not in every runtime yet. */
export function toFloat16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0] ?? 0;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant === 0 ? 0 : 0x200);
  const e = exp - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const full = mant | 0x800000;
    const shift = 14 - e;
    const half = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (rem > mid || (rem === mid && (half & 1) === 1) ? half + 1 : half);
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and 65520+ rounds to Infinity).
  return sign | (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1) ? half + 1 : half);
}

export interface Sink {
  readonly dtype: Dtype;
  readonly data: TensorValues;
  /** Validate v and write it at i; returns the problem, or undefined when written. */
  put(i: number, v: unknown): string | undefined;
}

function numberProblem(v: unknown, what: string): string | undefined {
  if (typeof v !== "number") return `expected ${what}, got ${describeValue(v)}`;
  if (!Number.isFinite(v)) return `expected a finite number, got ${describeValue(v)}`;
  return undefined;
}

/** A typed array of n elements of dtype with a validating writer. */
export function createSink(dtype: Dtype, n: number): Sink {
  return { dtype, ...sinkParts(dtype, n) };
}

function sinkParts(dtype: Dtype, n: number): Omit<Sink, "dtype"> {
  switch (dtype) {
    case "float32":
    case "float64": {
      const data = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
      const limit = dtype === "float32" ? FLOAT32_MAX : Infinity;
      return {
        data,
        put: (i, v) => {
          const problem = numberProblem(v, "a number");
          if (problem !== undefined) return problem;
          // A typed array would silently store Infinity; the model must never see a value the client did not send.
          if (Math.abs(v as number) > limit) return `${v} is out of the float32 range (±3.4e38)`;
          data[i] = v as number;
          return undefined;
        },
      };
    }
    case "float16": {
      const data = new Uint16Array(n);
      return {
        data,
        put: (i, v) => {
          const problem = numberProblem(v, "a number");
          if (problem !== undefined) return problem;
          const bits = toFloat16Bits(v as number);
          if ((bits & 0x7fff) === 0x7c00) return `${v} is out of the float16 range (±65504)`;
          data[i] = bits;
          return undefined;
        },
      };
    }
    case "bool": {
      const data = new Uint8Array(n);
      return { data, put: (i, v) => (typeof v === "boolean" ? void (data[i] = v ? 1 : 0) : `expected true or false, got ${describeValue(v)}`) };
    }
    case "string": {
      const data = new Array<string>(n).fill("");
      return { data, put: (i, v) => (typeof v === "string" ? void (data[i] = v) : `expected a string, got ${describeValue(v)}`) };
    }
    default:
      return intSink(dtype, n);
  }
}

function intSink(dtype: Dtype, n: number): Omit<Sink, "dtype"> {
  const [lo, hi] = INT_RANGES[dtype] ?? [0, 0];
  const wide = dtype === "int64" || dtype === "uint64";
  const check = (v: unknown): string | undefined => {
    const problem = numberProblem(v, "an integer");
    if (problem !== undefined) return problem;
    const x = v as number;
    if (!Number.isInteger(x)) return `expected an integer, got ${describeValue(x)}`;
    if (x >= lo && x <= hi) return undefined;
    // JSON numbers are doubles: past 2^53 the value the client meant is already lost, so refuse rather than guess.
    if (wide && (dtype === "int64" || x >= 0)) return `${x} is beyond ±(2^53 - 1), where JSON numbers lose precision`;
    return `${x} is out of the ${dtype} range (${lo} to ${hi})`;
  };
  if (wide) {
    const data = dtype === "int64" ? new BigInt64Array(n) : new BigUint64Array(n);
    return { data, put: (i, v) => check(v) ?? void (data[i] = BigInt(v as number)) };
  }
  const Ctor = INT_ARRAYS[dtype as keyof typeof INT_ARRAYS];
  const data = new Ctor(n);
  return { data, put: (i, v) => check(v) ?? void (data[i] = v as number) };
}

/** ONNX TensorProto.DataType → dtype (value infos, initializers, the `to` of Cast). */
export const ONNX_DTYPES: Readonly<Record<number, Dtype>> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  8: "string",
  9: "bool",
  10: "float16",
  11: "float64",
  12: "uint32",
  13: "uint64",
};
