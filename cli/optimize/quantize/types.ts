/**
 * The public contract of `quantizeModel`: the schemes, the options and the report of what changed.
 *
 * @example
 * ```ts
 * const opts: QuantizeOptions = { scheme: "int8-per-channel", exclude: ["head"], minElements: 256 };
 * ```
 */

export type QuantizeScheme = "int8-per-tensor" | "int8-per-channel" | "int8-dynamic" | "fp16" | "int4";

export const QUANTIZE_SCHEMES: readonly QuantizeScheme[] = ["int8-per-tensor", "int8-per-channel", "int8-dynamic", "fp16", "int4"];

export interface QuantizeOptions {
  scheme: QuantizeScheme;
  /** Node names (or output names) to keep in fp32. */
  exclude?: readonly string[];
  /** Weights with fewer elements stay fp32 (default 256; reported as skipped "too small"). */
  minElements?: number;
  /** int4: block size along K (default 32; a power of two ≥ 16). */
  blockSize?: number;
}

export interface QuantizedEntry {
  node: string;
  op: string;
  weight: string;
  shape: number[];
  detail: string;
}

export interface SkippedEntry {
  node: string;
  op: string;
  weight?: string;
  reason: string;
}

export interface QuantizeResult {
  /** The new model. */
  bytes: Uint8Array;
  /** What changed, one entry per (node, weight). */
  quantized: QuantizedEntry[];
  /** What was left fp32, and why. */
  skipped: SkippedEntry[];
  /** Default-domain opset before/after. */
  opset: { from: number; to: number };
  /** Non-default domains of the nodes quantization added (e.g. ["com.microsoft"] for MatMulNBits). */
  domains: string[];
  /** Bytes of all constant tensors (initializers and Constant values) before and after. */
  weightBytes: { before: number; after: number };
}

export const DEFAULT_MIN_ELEMENTS = 256;
export const DEFAULT_BLOCK_SIZE = 32;
