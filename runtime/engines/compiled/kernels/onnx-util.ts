/**
 * Shared helpers of the standard-op kernels: reading attributes once at prepare time (including lists the compiler
 * moved into initializers as `{ tensor }` refs), element counts, axes, and the typed array for a dtype.
 *
 * @example
 * ```ts
 * const attrs = nodeAttrs(node, ctx);
 * const axis = attrs.int("axis", 1);
 * const perm = attrs.ints("perm"); // number[] | undefined, read from an initializer when the list was long
 * ```
 */
import type { Dtype } from "../../../../core/schema/manifest.ts";
import type { TypedArray } from "../../../../core/tensor-dtype.ts";
import { type AttrValue, arrayType, type CompiledNode, type Tensor } from "../format.ts";
import { type PrepareContext, UnsupportedNodeError } from "./types.ts";

export interface NodeAttrs {
  int(name: string, fallback: number): number;
  float(name: string, fallback: number): number;
  string(name: string, fallback: string): string;
  ints(name: string): number[] | undefined;
  floats(name: string): number[] | undefined;
  has(name: string): boolean;
}

/** Attribute readers over a node; a `{ tensor }` ref is resolved through the context's constants. */
export function nodeAttrs(node: CompiledNode, ctx: PrepareContext): NodeAttrs {
  const resolve = (name: string): AttrValue | undefined => {
    const v = node.attrs[name];
    if (v === undefined || typeof v !== "object" || Array.isArray(v)) return v;
    const t = ctx.constant(v.tensor);
    if (t === undefined) throw new UnsupportedNodeError(node, `attribute ${name} refers to a missing tensor ${v.tensor}`);
    return t.dtype === "string" ? (t.data as string[]) : tensorNumbers(t);
  };
  const scalar = (name: string, kind: "number" | "string") => {
    const v = resolve(name);
    if (v === undefined) return undefined;
    if (typeof v !== kind) throw new UnsupportedNodeError(node, `attribute ${name} is not a ${kind === "number" ? "number" : "string"}`);
    return v as number | string;
  };
  const list = (name: string): number[] | undefined => {
    const v = resolve(name);
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "number")) throw new UnsupportedNodeError(node, `attribute ${name} is not a list of numbers`);
    return v as number[];
  };
  return {
    int: (name, fallback) => (scalar(name, "number") as number | undefined) ?? fallback,
    float: (name, fallback) => (scalar(name, "number") as number | undefined) ?? fallback,
    string: (name, fallback) => (scalar(name, "string") as string | undefined) ?? fallback,
    ints: list,
    floats: list,
    has: (name) => node.attrs[name] !== undefined,
  };
}

/** A numeric tensor's values as plain numbers (int64 through Number: shapes and axes fit easily). */
export function tensorNumbers(t: Tensor): number[] {
  if (t.dtype === "string") throw new Error("expected a numeric tensor, got strings");
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

export const sizeOf = (dims: readonly number[]): number => {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
};

/** Normalize a possibly negative axis against `rank`; undefined when out of range. */
function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

/** `normAxis` that throws the run-time error ORT would report. */
export function axisOrThrow(node: CompiledNode, axis: number, rank: number): number {
  const a = normAxis(axis, rank);
  if (a === undefined) throw new Error(`${node.op} (node ${node.name}): axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** A new zeroed array for a dtype (strings: empty strings). */
export function allocate(dtype: Dtype, n: number): TypedArray | string[] {
  if (dtype === "string") return new Array<string>(n).fill("");
  return new (arrayType(dtype))(n);
}

export const FLOAT_DTYPES: ReadonlySet<Dtype> = new Set(["float32", "float64"]);
export const BIGINT_DTYPES: ReadonlySet<Dtype> = new Set(["int64", "uint64"]);
/** Integer dtypes held in number typed arrays (bool excluded: ONNX arithmetic is not defined on it). */
export const SMALL_INT_DTYPES: ReadonlySet<Dtype> = new Set(["int8", "uint8", "int16", "uint16", "int32", "uint32"]);

/** The first input, which every kernel here requires. */
export function required(node: CompiledNode, inputs: readonly (Tensor | undefined)[], index: number): Tensor {
  const t = inputs[index];
  if (t === undefined) throw new Error(`${node.op} (node ${node.name}): input ${index} is missing`);
  return t;
}

/** Reject a dtype a kernel does not implement, at run time (dtypes of intermediate values are known only then). */
export function checkDtype(node: CompiledNode, t: Tensor, allowed: ReadonlySet<Dtype>): void {
  if (!allowed.has(t.dtype)) throw new Error(`${node.op} (node ${node.name}): the compiled engine does not run it on ${t.dtype} tensors`);
}
