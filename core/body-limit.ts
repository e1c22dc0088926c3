/**
 * The default request body limit, derived from the model: a fixed 1 MiB refused one JSON image (a 1x3x320x320 float32
 * tensor is 5.8 MB as JSON text) while letting a tabular model take far more than it ever needs. An explicit
 * `edge.maxBodyBytes` (config) or EDGE_ML_MAX_BODY_BYTES (env) always wins over this.
 *
 * Tensor models: the larger of the binary size (KServe V2 binary tensor extension) and the JSON text size of the
 * inputs at the largest batch a request may carry (maxBatch, and no more elements than the predictor accepts).
 * Feature models: an estimate per instance times maxBatch; image/audio features arrive as base64 and get a generous
 * allowance each. Unknown sizes (dynamic non-batch dims, strings) get the generous ceiling.
 *
 * @example
 * ```ts
 * deriveMaxBodyBytes({ io: { inputs: [{ name: "image", dtype: "float32", shape: ["batch", 3, 320, 320] }] } }, { maxBatch: 1 });
 * // 8388608: 1 image as JSON (about 7.4 MB with overhead), rounded up to whole MiB
 * ```
 */
import type { Dtype, TensorSpec } from "./schema/manifest.ts";

const MIB = 1024 * 1024;
/** Never below the limit every deployment had before limits followed the model. */
const MIN_DERIVED_BODY_BYTES = MIB;
/**
 * The derived limit stops here: a Worker isolate has 128 MB, and a JSON body is held as text, then as parsed arrays,
 * then as a typed array, all at once. Larger bodies need an explicit `edge.maxBodyBytes` (and the binary extension).
 */
const MAX_DERIVED_BODY_BYTES = 32 * MIB;
/** What one image or audio clip may take as base64 in a feature request (base64 is 4/3 of the file). */
const BINARY_FEATURE_BYTES = 8 * MIB;
/** The predictor's default element limit per request (runtime/predictor.ts): no request may carry more. */
export const DEFAULT_MAX_TENSOR_ELEMENTS = 4_000_000;

/** JSON header, ids, names, parameters: room beside the tensor data. */
const OVERHEAD = 64 * 1024;
/** Feature types sent as base64 (core/schema/features.ts BINARY_FEATURE_TYPES). */
const BINARY_FEATURES: ReadonlySet<string> = new Set(["image", "audio"]);

/** Bytes per element in the binary extension (BYTES/strings have no fixed size). */
export const ELEMENT_BYTES: Readonly<Record<Exclude<Dtype, "string">, number>> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  float16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  int64: 8,
  uint64: 8,
  float64: 8,
};

/**
 * Longest JSON text of one element with its comma: a float32 printed by JSON.stringify takes up to ~16 characters
 * ("-0.0012345678942,"), but clients that print doubles (numpy's tolist, Python's json) write up to 24.
 */
const JSON_ELEMENT_BYTES: Readonly<Record<Exclude<Dtype, "string">, number>> = {
  bool: 6,
  int8: 5,
  uint8: 4,
  int16: 7,
  uint16: 6,
  float16: 24,
  int32: 12,
  uint32: 11,
  float32: 24,
  int64: 21,
  uint64: 21,
  float64: 24,
};

export interface BodyLimitModel {
  io: { inputs: readonly TensorSpec[] };
  features?: readonly { name: string; type: string; values?: readonly string[] | undefined }[] | undefined;
}

export interface BodyLimitOptions {
  maxBatch: number;
  /** The predictor's element limit per request (default DEFAULT_MAX_TENSOR_ELEMENTS). */
  maxElements?: number;
}

/** The default `maxBodyBytes` for a model: see the module comment. Whole MiB, between 1 MiB and 32 MiB. */
export function deriveMaxBodyBytes(model: BodyLimitModel, opts: BodyLimitOptions): number {
  const raw = model.features ? featureBodyBytes(model.features, opts.maxBatch) : tensorBodyBytes(model.io.inputs, opts);
  const rounded = Math.ceil(raw / MIB) * MIB;
  return Math.min(MAX_DERIVED_BODY_BYTES, Math.max(MIN_DERIVED_BODY_BYTES, rounded));
}

/** The larger of the binary and JSON sizes of one request at the largest batch allowed; Infinity when unknown. */
export function tensorBodyBytes(inputs: readonly TensorSpec[], opts: BodyLimitOptions): number {
  let elements = 0;
  let binary = 0;
  let json = 0;
  let fixedBatch: number | undefined;
  for (const spec of inputs) {
    const [first, ...rest] = spec.shape;
    // A fixed first dim is the batch the model takes; a symbolic or null one is the batch dimension.
    const inner = typeof first === "number" ? spec.shape : rest;
    if (typeof first === "number") fixedBatch = 1;
    if (spec.dtype === "string" || inner.some((d) => typeof d !== "number")) return Number.POSITIVE_INFINITY;
    const n = inner.reduce<number>((a, d) => a * (d as number), 1);
    elements += n;
    binary += n * ELEMENT_BYTES[spec.dtype];
    json += n * JSON_ELEMENT_BYTES[spec.dtype];
  }
  const maxElements = opts.maxElements ?? DEFAULT_MAX_TENSOR_ELEMENTS;
  const batch = fixedBatch ?? Math.max(1, Math.min(opts.maxBatch, Math.floor(maxElements / Math.max(elements, 1))));
  return batch * Math.max(binary, json) + OVERHEAD;
}

/** One instance as JSON, estimated per feature type, times maxBatch. */
export function featureBodyBytes(features: NonNullable<BodyLimitModel["features"]>, maxBatch: number): number {
  let perInstance = 2;
  for (const f of features) {
    const key = f.name.length + 4; // "name":  and a comma
    if (BINARY_FEATURES.has(f.type)) perInstance += key + BINARY_FEATURE_BYTES;
    else if (f.type === "category" && f.values && f.values.length > 0) perInstance += key + 2 + Math.max(...f.values.map((v) => v.length * 6));
    else if (f.type === "category" || f.type === "string") perInstance += key + 1024;
    else perInstance += key + 32;
  }
  return maxBatch * perInstance + OVERHEAD;
}

/**
 * The 413's hint: how to get under the limit for this kind of model, naming the setting that raises it.
 *
 * @example
 * ```ts
 * bodyLimitHint(manifest, { maxBodyBytes: 8 << 20, maxBatch: 256 });
 * ```
 */
export function bodyLimitHint(model: BodyLimitModel, settings: { maxBodyBytes: number; maxBatch: number }): string {
  const raise = `raise the limit (now ${settings.maxBodyBytes} bytes) with edge.maxBodyBytes in edge-ml.config.ts or the env var EDGE_ML_MAX_BODY_BYTES`;
  if (model.features) return `send at most ${settings.maxBatch} instances per request and split larger batches, or ${raise}`;
  return `send the tensors as binary (KServe V2 binary tensor extension: a JSON header of Inference-Header-Content-Length bytes, then the raw little-endian tensors; float32 takes 4 bytes a value instead of up to 24 as JSON), send a smaller batch, or ${raise}`;
}
