/**
 * ONNX TensorProto → the compiled engine's Tensor: every payload form exporters write (raw_data little-endian bytes,
 * float_data, int32_data for the narrow types and bool, int64_data, uint64_data, double_data, string_data), copied
 * into fresh aligned typed arrays. What the compiled engine cannot hold (external data, float16, unknown types)
 * comes back as a reason string instead.
 *
 * @example
 * ```ts
 * const t = readTensor(proto); // Tensor | string (the reason it cannot be read)
 * ```
 */
import type onnxProto from "onnx-proto";
import type { Dtype } from "../../../core/schema/manifest.ts";
import { arrayType, type Tensor } from "../../../runtime/engines/compiled/format.ts";
import { ONNX_DTYPES } from "../../../core/tensor-dtype.ts";

type TensorProto = onnxProto.onnx.ITensorProto;

/** protobufjs gives int64 fields as Long objects (or numbers); both print as their decimal value. */
const toBigInt = (v: unknown): bigint => (typeof v === "bigint" ? v : BigInt(String(v)));
export const toNumber = (v: unknown): number => Number(v);

/** The dtype of an ONNX element type, or undefined for one the engine does not carry. */
export function dtypeOf(elemType: number | null | undefined): Dtype | undefined {
  return ONNX_DTYPES[elemType ?? 0];
}

export function readTensor(t: TensorProto, what: string): Tensor | string {
  if (t.dataLocation === 1 || (t.externalData ?? []).length > 0) {
    return `${what} keeps its data in an external file (re-export the model with the weights inside the .onnx file)`;
  }
  const dtype = dtypeOf(t.dataType);
  if (dtype === undefined) return `${what} has ONNX element type ${t.dataType}, which the compiled engine does not carry`;
  if (dtype === "float16") return `${what} is float16, which the compiled engine does not run`;
  const dims = (t.dims ?? []).map(toNumber);
  const n = dims.reduce((a, b) => a * b, 1);
  if (dtype === "string") {
    const decoder = new TextDecoder();
    const values = (t.stringData ?? []).map((b) => decoder.decode(b));
    return values.length === n ? { dtype, data: values, dims } : `${what} has ${values.length} strings for dims [${dims.join(",")}]`;
  }
  const Ctor = arrayType(dtype);
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== n * Ctor.BYTES_PER_ELEMENT) return `${what} has ${raw.length} bytes of raw data for dims [${dims.join(",")}] (${dtype})`;
    // A fresh, aligned copy: raw_data sits at any offset inside the decoded protobuf (and in Node it is a Buffer,
    // whose slice() is a view into a shared pool, not a copy).
    const copy = new Uint8Array(raw.length);
    copy.set(raw);
    return { dtype, data: new Ctor(copy.buffer), dims };
  }
  const data = typedField(t, dtype);
  if (data.length !== n) return `${what} has ${data.length} values for dims [${dims.join(",")}]`;
  return { dtype, data, dims };
}

function typedField(t: TensorProto, dtype: Exclude<Dtype, "string" | "float16">) {
  switch (dtype) {
    case "float32":
      return Float32Array.from(t.floatData ?? []);
    case "float64":
      return Float64Array.from(t.doubleData ?? []);
    case "int64":
      return BigInt64Array.from(t.int64Data ?? [], toBigInt);
    case "uint64":
      return BigUint64Array.from(t.uint64Data ?? [], toBigInt);
    case "uint32":
      return Uint32Array.from(t.uint64Data ?? [], toNumber);
    default:
      // int8, uint8, int16, uint16, int32 and bool are all stored in int32_data.
      return new (arrayType(dtype) as Int32ArrayConstructor)(t.int32Data ?? []);
  }
}
