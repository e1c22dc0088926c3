/**
 * The compiled-graph file (`model.graph`): an ONNX graph turned at build time into what the compiled engine runs with no
 * protobuf parser, no wasm and no `eval` (Workers forbid code generation at run time). One binary file, hashed and
 * integrity-checked like a model file:
 *
 * ```
 * bytes 0-3   "EMLG"
 * bytes 4-7   format version (uint32 little-endian) = 1
 * bytes 8-11  header length H (uint32 little-endian)
 * bytes 12..  header: UTF-8 JSON (CompiledHeader), padded with spaces so the data section starts 8-byte aligned
 * then        data section: the initializers' raw little-endian bytes, each at an 8-byte-aligned offset
 * ```
 *
 * @example
 * ```ts
 * const bytes = encodeCompiledGraph(header, new Map([["W", weights]]));
 * const { header, initializers } = decodeCompiledGraph(bytes); // initializers: views into `bytes`, no copies
 * ```
 */
import type { Dtype } from "../../../core/schema/manifest.ts";
import { TYPED_ARRAYS, type TypedArray } from "../../../core/tensor-dtype.ts";

export const COMPILED_GRAPH_VERSION = 1;
const MAGIC = [0x45, 0x4d, 0x4c, 0x47]; // "EMLG"

/** A tensor as the compiled engine carries it (dims always concrete at run time). */
export interface Tensor {
  dtype: Dtype;
  data: TypedArray | string[];
  dims: number[];
}

/** An attribute: numbers and strings as in ONNX; `{ tensor }` names an initializer (TENSOR attributes, long lists). */
export type AttrValue = number | string | number[] | string[] | { tensor: string };

export interface CompiledNode {
  /** ONNX op_type, e.g. "Gemm", "TreeEnsembleClassifier". */
  op: string;
  /** "" for the default ONNX domain, "ai.onnx.ml" for the ML domain. */
  domain: string;
  /** The node's name in the ONNX graph (for error messages), or `<op>_<index>` when it had none. */
  name: string;
  /** Input value names; "" marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface CompiledValue {
  name: string;
  dtype: Dtype;
  /** Dims as declared in the graph: numbers, or symbolic names ("batch"). */
  shape: (number | string)[];
}

interface BinaryTensorRef {
  dtype: Exclude<Dtype, "string">;
  dims: number[];
  /** Byte offset into the data section (8-byte aligned). */
  offset: number;
  byteLength: number;
}
interface StringTensorRef {
  dtype: "string";
  dims: number[];
  values: string[];
}
export type InitializerRef = BinaryTensorRef | StringTensorRef;

export interface CompiledHeader {
  format: "edge-ml-graph";
  version: typeof COMPILED_GRAPH_VERSION;
  /** The ONNX file this was compiled from (its sha256 equals the manifest's artifact.sha256). */
  source: { sha256: string; opsets: { domain: string; version: number }[] };
  inputs: CompiledValue[];
  outputs: CompiledValue[];
  initializers: Record<string, InitializerRef>;
  /** In execution order (topologically sorted by the compiler). */
  nodes: CompiledNode[];
}

export class CompiledGraphError extends Error {
  override name = "CompiledGraphError";
}

/** The typed array constructor for a non-string dtype (bool as Uint8Array 0/1, float16 as raw bits). */
export function arrayType(dtype: Exclude<Dtype, "string">) {
  return TYPED_ARRAYS[dtype];
}

const align8 = (n: number) => (n + 7) & ~7;

/** Serialize a header and its initializers' values (binary tensors go to the data section; strings stay in the header). */
export function encodeCompiledGraph(header: Omit<CompiledHeader, "initializers">, initializers: ReadonlyMap<string, Tensor>): Uint8Array {
  const refs: Record<string, InitializerRef> = {};
  const blobs: { offset: number; bytes: Uint8Array }[] = [];
  let offset = 0;
  for (const [name, t] of initializers) {
    if (t.dtype === "string") {
      refs[name] = { dtype: "string", dims: [...t.dims], values: [...(t.data as string[])] };
      continue;
    }
    const data = t.data as TypedArray;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    refs[name] = { dtype: t.dtype, dims: [...t.dims], offset, byteLength: bytes.byteLength };
    blobs.push({ offset, bytes });
    offset = align8(offset + bytes.byteLength);
  }
  const json = new TextEncoder().encode(JSON.stringify({ ...header, initializers: refs }));
  const dataStart = align8(12 + json.byteLength);
  const out = new Uint8Array(dataStart + offset);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, COMPILED_GRAPH_VERSION, true);
  view.setUint32(8, dataStart - 12, true);
  out.set(json, 12);
  out.fill(0x20, 12 + json.byteLength, dataStart);
  for (const b of blobs) out.set(b.bytes, dataStart + b.offset);
  return out;
}

/** Parse a compiled graph; initializers are views into `bytes` (aligned, so no copies). */
export function decodeCompiledGraph(bytes: Uint8Array): { header: CompiledHeader; initializers: Map<string, Tensor> } {
  if (bytes.byteLength < 12 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new CompiledGraphError("not an edge-ml compiled graph (bad magic): rebuild with `edge-ml build --engine compiled`");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== COMPILED_GRAPH_VERSION) {
    throw new CompiledGraphError(`compiled graph format version ${version}, this runtime reads ${COMPILED_GRAPH_VERSION}: rebuild with this edge-ml`);
  }
  const headerLength = view.getUint32(8, true);
  const dataStart = 12 + headerLength;
  if (dataStart > bytes.byteLength) throw new CompiledGraphError("compiled graph is truncated (header runs past the end of the file)");
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, dataStart))) as CompiledHeader;
  if (header.format !== "edge-ml-graph") throw new CompiledGraphError(`compiled graph header has format ${String(header.format)}`);
  // Typed-array views need the data section aligned in the underlying buffer; copy once if the caller's bytes are not.
  const base = (bytes.byteOffset + dataStart) % 8 === 0 ? bytes : bytes.slice();
  const initializers = new Map<string, Tensor>();
  for (const [name, ref] of Object.entries(header.initializers)) {
    if (ref.dtype === "string") {
      initializers.set(name, { dtype: "string", dims: ref.dims, data: ref.values });
      continue;
    }
    const Ctor = TYPED_ARRAYS[ref.dtype];
    const start = base.byteOffset + dataStart + ref.offset;
    if (dataStart + ref.offset + ref.byteLength > base.byteLength) throw new CompiledGraphError(`compiled graph is truncated (initializer ${name})`);
    const data = new Ctor(base.buffer as ArrayBuffer, start, ref.byteLength / Ctor.BYTES_PER_ELEMENT);
    initializers.set(name, { dtype: ref.dtype, dims: ref.dims, data });
  }
  return { header, initializers };
}
