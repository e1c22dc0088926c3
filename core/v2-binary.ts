/**
 * The KServe V2 / Triton binary tensor data extension: a body is a JSON header of `Inference-Header-Content-Length`
 * bytes, then the raw tensors (little-endian, row-major, no padding) in the order of the inputs that carry
 * `parameters.binary_data_size` instead of `data`. BOOL is one byte (0 or 1); BYTES elements are each a 4-byte
 * little-endian length and then the bytes. Responses use the same layout for outputs asked for as binary
 * (`outputs[i].parameters.binary_data`, or `parameters.binary_data_output` for all of them).
 * Spec: triton-inference-server/server docs/protocol/extension_binary_data.md.
 *
 * Tensors are typed-array views on the request body when their offset is aligned (zero copy), copies otherwise: the
 * JSON header has any length, so Triton's clients usually leave the data unaligned. Every problem is an `Issue` with
 * the path of the field that is wrong. All targets (x86, ARM) are little-endian, like the wire format.
 *
 * @example
 * ```ts
 * const split = splitBinaryBody(bytes, request.headers.get("inference-header-content-length")!);
 * if (!split.ok) throw badRequest(split.issues);
 * parseV2Inputs(split.header, manifest.io.inputs, limits, split.binary);
 * ```
 */
import { ELEMENT_BYTES } from "./body-limit.ts";
import { describeValue, formatShape } from "./describe-value.ts";
import type { Issue } from "./errors.ts";
import type { Dtype } from "./schema/manifest.ts";
import type { IssueList } from "./issues.ts";
import { DTYPE_TO_V2, type ParsedTensor, type TypedArray } from "./tensor-dtype.ts";

/** The request and response header naming the JSON header's length in bytes. */
export const HEADER_LENGTH = "Inference-Header-Content-Length";
const HEADER_PATH = `(header ${HEADER_LENGTH})`;

export type BinarySplit = { ok: true; header: unknown; binary: Uint8Array } | { ok: false; issues: Issue[]; invalidJson?: boolean };

const fail = (path: string, message: string): { ok: false; issues: Issue[] } => ({ ok: false, issues: [{ path, message }] });

/**
 * Split a binary-extension body at the JSON header's length and parse the header. `headerLength` is the raw value of
 * `Inference-Header-Content-Length` (or of `json-header-size` in SageMaker's Content-Type).
 *
 * @example
 * ```ts
 * splitBinaryBody(new TextEncoder().encode('{"inputs":[]}\x01'), "13"); // { ok: true, header: { inputs: [] }, binary: Uint8Array [1] }
 * ```
 */
export function splitBinaryBody(body: Uint8Array, headerLength: string): BinarySplit {
  const trimmed = headerLength.trim();
  const n = /^\d{1,15}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(n)) return fail(HEADER_PATH, `expected the JSON header's length in bytes (an integer), got ${JSON.stringify(headerLength)}`);
  if (n === 0) return fail(HEADER_PATH, "is 0: the body must start with a JSON header");
  if (n > body.byteLength) return fail(HEADER_PATH, `is ${n}, past the end of the ${body.byteLength}-byte body`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body.subarray(0, n));
  } catch {
    return { ok: false, invalidJson: true, issues: [{ path: "(header)", message: `the first ${n} bytes are not UTF-8 text` }] };
  }
  try {
    return { ok: true, header: JSON.parse(text) as unknown, binary: body.subarray(n) };
  } catch (err) {
    const hint = text.trimEnd().endsWith("}") ? "" : ` (does ${HEADER_LENGTH} count the JSON header's bytes, not characters?)`;
    return {
      ok: false,
      invalidJson: true,
      issues: [{ path: "(header)", message: `the first ${n} bytes are not valid JSON: ${(err as Error).message}${hint}` }],
    };
  }
}

/** Where the next binary input starts in the binary section; `used` ends at the section's length when all is read. */
export interface BinaryCursor {
  readonly bytes: Uint8Array;
  used: number;
}

const VIEWS = {
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  float16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float64: Float64Array,
} as const;

/**
 * Read one input's `binary_data_size` bytes at the cursor as a tensor of `shape`; adds issues under `path` (the
 * input's path, e.g. `inputs[0]`) and returns undefined when the size or the bytes are wrong.
 */
export function readBinaryTensor(
  cursor: BinaryCursor,
  size: number,
  dtype: Dtype,
  shape: readonly number[],
  path: string,
  issues: IssueList,
): ParsedTensor["data"] | undefined {
  const at = `${path}.parameters.binary_data_size`;
  const count = shape.reduce((a, b) => a * b, 1);
  const left = cursor.bytes.byteLength - cursor.used;
  if (size > left) {
    issues.add(at, `is ${size} bytes, but only ${left} bytes of binary data are left after the inputs before it`);
    return undefined;
  }
  const start = cursor.used;
  cursor.used += size;
  if (dtype === "string") return readStrings(cursor.bytes.subarray(start, start + size), count, at, issues);
  const width = ELEMENT_BYTES[dtype];
  if (size % width !== 0) {
    issues.add(at, `is ${size} bytes, not a whole number of ${DTYPE_TO_V2[dtype]} elements (${width} bytes each)`);
    return undefined;
  }
  if (size !== count * width) {
    issues.add(at, `is ${size} bytes, but shape ${formatShape(shape)} of ${DTYPE_TO_V2[dtype]} needs ${count * width}`);
    return undefined;
  }
  const offset = cursor.bytes.byteOffset + start;
  const View = VIEWS[dtype];
  // Aligned: a view on the body (no copy). Unaligned: typed arrays cannot start there, so copy the bytes out first.
  const data =
    offset % width === 0
      ? new View(cursor.bytes.buffer as ArrayBuffer, offset, count)
      : new View(cursor.bytes.buffer.slice(offset, offset + size) as ArrayBuffer, 0, count);
  if (dtype === "bool") {
    const bad = (data as Uint8Array).findIndex((b) => b > 1);
    if (bad >= 0) {
      issues.add(`${path}[${bad}]`, `byte ${(data as Uint8Array)[bad]} is not a BOOL (0 for false, 1 for true)`);
      return undefined;
    }
  }
  return data as TypedArray;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** BYTES: `count` elements, each a 4-byte little-endian length then that many UTF-8 bytes, filling `bytes` exactly. */
function readStrings(bytes: Uint8Array, count: number, at: string, issues: IssueList): string[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<string>(count);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > bytes.byteLength) {
      issues.add(at, `is ${bytes.byteLength} bytes, too few for ${count} BYTES elements: element ${i}'s 4-byte length starts at byte ${pos}`);
      return undefined;
    }
    const len = view.getUint32(pos, true);
    pos += 4;
    if (pos + len > bytes.byteLength) {
      issues.add(at, `is ${bytes.byteLength} bytes, but BYTES element ${i} says it is ${len} bytes long from byte ${pos}`);
      return undefined;
    }
    try {
      out[i] = utf8.decode(bytes.subarray(pos, pos + len));
    } catch {
      issues.add(at.replace(/\.parameters\.binary_data_size$/, `[${i}]`), "is not UTF-8 text (string inputs take text)");
      return undefined;
    }
    pos += len;
  }
  if (pos !== bytes.byteLength) {
    issues.add(at, `is ${bytes.byteLength} bytes, but its ${count} BYTES elements end at byte ${pos}`);
    return undefined;
  }
  return out;
}

/** Check a `binary_data_size` value; returns it when usable. */
export function binaryDataSize(v: unknown, path: string, issues: IssueList): number | undefined {
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return v;
  issues.add(path, `expected a size in bytes (a non-negative integer), got ${describeValue(v)}`);
  return undefined;
}

/** The bytes of a tensor as the extension sends them: a view on typed arrays, length-prefixed UTF-8 for strings. */
export function tensorBytes(data: TypedArray | readonly string[] | readonly boolean[]): Uint8Array {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data.length > 0 && typeof data[0] === "boolean") return Uint8Array.from(data as readonly boolean[], (b) => (b ? 1 : 0));
  const encoder = new TextEncoder();
  const parts = (data as readonly string[]).map((s) => encoder.encode(s));
  const out = new Uint8Array(parts.reduce((a, p) => a + 4 + p.byteLength, 0));
  const view = new DataView(out.buffer);
  let pos = 0;
  for (const p of parts) {
    view.setUint32(pos, p.byteLength, true);
    out.set(p, pos + 4);
    pos += 4 + p.byteLength;
  }
  return out;
}

/**
 * One response body: the JSON header, then the binary outputs in order. The caller sends `headerLength` as
 * `Inference-Header-Content-Length` and the body as application/octet-stream.
 *
 * @example
 * ```ts
 * const { body, headerLength } = encodeBinaryBody({ outputs: [...] }, [tensorBytes(probability)]);
 * ```
 */
export function encodeBinaryBody(header: unknown, parts: readonly Uint8Array[]): { body: Uint8Array<ArrayBuffer>; headerLength: number } {
  return joinBody(new TextEncoder().encode(JSON.stringify(header)), parts);
}

/** The encoded JSON header followed by each binary part, in order. */
function joinBody(header: Uint8Array, parts: readonly Uint8Array[]): { body: Uint8Array<ArrayBuffer>; headerLength: number } {
  const body = new Uint8Array(header.byteLength + parts.reduce((a, p) => a + p.byteLength, 0));
  body.set(header, 0);
  let pos = header.byteLength;
  for (const p of parts) {
    body.set(p, pos);
    pos += p.byteLength;
  }
  return { body, headerLength: header.byteLength };
}

/**
 * Encode a V2 request with binary inputs (what Triton's and KServe's clients send): for tests, benchmarks and
 * in-process clients. Each input's `parameters.binary_data_size` is set from its bytes.
 *
 * @example
 * ```ts
 * const { body, headerLength } = encodeBinaryRequest({ inputs: [{ name: "x", shape: [1, 2], datatype: "FP32" }] }, [new Float32Array([1, 2])]);
 * fetch(url, { method: "POST", body, headers: { "content-type": "application/octet-stream", "inference-header-content-length": String(headerLength) } });
 * ```
 */
export function encodeBinaryRequest(
  request: { inputs: readonly Record<string, unknown>[] } & Record<string, unknown>,
  data: readonly (TypedArray | readonly string[])[],
  pad = 0,
): { body: Uint8Array<ArrayBuffer>; headerLength: number } {
  const parts = data.map((d) => tensorBytes(d));
  const inputs = request.inputs.map((input, i) => ({
    ...input,
    parameters: { ...(input["parameters"] as object | undefined), binary_data_size: parts[i]?.byteLength ?? 0 },
  }));
  // Trailing spaces are valid JSON: `pad` lets a caller align the binary section (e.g. to 4 for zero-copy float32).
  const json = JSON.stringify({ ...request, inputs });
  const padded = pad > 1 ? json + " ".repeat((pad - (new TextEncoder().encode(json).byteLength % pad)) % pad) : json;
  return joinBody(new TextEncoder().encode(padded), parts);
}

/**
 * Split a binary-extension response (or request) into its JSON header and the bytes of each binary tensor, in order.
 *
 * @example
 * ```ts
 * const { header, tensors } = decodeBinaryBody(new Uint8Array(await res.arrayBuffer()), Number(res.headers.get(HEADER_LENGTH)));
 * new Float32Array(tensors[0].slice().buffer);
 * ```
 */
export function decodeBinaryBody(body: Uint8Array, headerLength: number): { header: Record<string, unknown>; tensors: Uint8Array[] } {
  const header = JSON.parse(new TextDecoder().decode(body.subarray(0, headerLength))) as Record<string, unknown>;
  const tensors: Uint8Array[] = [];
  let pos = headerLength;
  for (const o of (header["outputs"] ?? header["inputs"] ?? []) as { parameters?: { binary_data_size?: number } }[]) {
    const size = o.parameters?.binary_data_size;
    if (size === undefined) continue;
    tensors.push(body.subarray(pos, pos + size));
    pos += size;
  }
  return { header, tensors };
}

/** One output to answer with, in the order the response lists them. */
export interface RequestedOutput {
  name: string;
  binary: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The outputs a V2 request asks for (`outputs`, default all of the model's) and which of them go back as binary:
 * `outputs[i].parameters.binary_data` wins over the request's `parameters.binary_data_output`.
 *
 * @example
 * ```ts
 * requestedOutputs({ parameters: { binary_data_output: true } }, ["probability"], issues); // [{ name: "probability", binary: true }]
 * ```
 */
export function requestedOutputs(body: Record<string, unknown>, names: readonly string[], issues: IssueList): RequestedOutput[] {
  const params = body["parameters"];
  let all = false;
  if (params !== undefined) {
    if (!isRecord(params)) issues.add("parameters", `expected an object, got ${describeValue(params)}`);
    else if (params["binary_data_output"] !== undefined) {
      const v = params["binary_data_output"];
      if (typeof v === "boolean") all = v;
      else issues.add("parameters.binary_data_output", `expected true or false, got ${describeValue(v)}`);
    }
  }
  const outputs = body["outputs"];
  // No list, or an empty one, asks for every output (as Triton answers).
  if (outputs === undefined || (Array.isArray(outputs) && outputs.length === 0)) return names.map((name) => ({ name, binary: all }));
  if (!Array.isArray(outputs)) {
    issues.add("outputs", `expected an array of {name, parameters}, got ${describeValue(outputs)}`);
    return [];
  }
  const seen = new Set<string>();
  const out: RequestedOutput[] = [];
  outputs.forEach((o: unknown, i) => {
    const path = `outputs[${i}]`;
    if (!isRecord(o)) return issues.add(path, `expected an object {name, parameters}, got ${describeValue(o)}`);
    for (const k of Object.keys(o))
      if (k !== "name" && k !== "parameters") issues.add(`${path}.${k}`, `unknown field ${JSON.stringify(k)} (expected name, parameters)`);
    const name = o["name"];
    if (typeof name !== "string") return issues.add(`${path}.name`, name === undefined ? "required" : `expected a string, got ${describeValue(name)}`);
    if (!names.includes(name)) return issues.add(`${path}.name`, `"${name}" is not a model output (expected one of ${names.join(", ")})`);
    if (seen.has(name)) return issues.add(`${path}.name`, `output "${name}" is asked for twice`);
    seen.add(name);
    let binary = all;
    const p = o["parameters"];
    if (p !== undefined) {
      if (!isRecord(p)) return issues.add(`${path}.parameters`, `expected an object, got ${describeValue(p)}`);
      for (const [k, v] of Object.entries(p)) {
        if (k !== "binary_data") issues.add(`${path}.parameters.${k}`, `unsupported output parameter (edge-ml supports binary_data)`);
        else if (typeof v !== "boolean") issues.add(`${path}.parameters.binary_data`, `expected true or false, got ${describeValue(v)}`);
        else binary = v;
      }
    }
    out.push({ name, binary });
  });
  return out;
}
