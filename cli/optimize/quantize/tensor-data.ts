/**
 * Reading and writing TensorProto payloads, and the number formats quantization writes: int8 (symmetric), float16
 * (round to nearest even) and packed 4-bit blocks as onnxruntime's MatMulNBits kernel reads them.
 *
 * @example
 * ```ts
 * const w = readFloat32(tensor); // Float32Array | undefined (undefined: not a float32 tensor held inline)
 * const { q, scales } = quantizeInt8(w, dimsOf(tensor), 1); // per-channel along axis 1
 * ```
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;
export type Tensor = onnxProto.onnx.ITensorProto;

export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11 } as const;

/** Bytes per element of the ONNX data types (strings and unknowns count 0: they are not weights). */
const ELEMENT_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

export function dimsOf(t: Tensor): number[] {
  return (t.dims ?? []).map(Number);
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Size of a tensor's payload in bytes (what it costs in the file). */
export function tensorBytes(t: Tensor): number {
  if (t.rawData && t.rawData.length > 0) return t.rawData.length;
  const n = elementCount(dimsOf(t));
  if (t.dataType === DT.UINT8 || t.dataType === DT.INT8) return n;
  return n * (ELEMENT_BYTES[t.dataType ?? 0] ?? 0);
}

/** The values of an inline float32 tensor, or undefined (other type, external data, or a malformed payload). */
export function readFloat32(t: Tensor): Float32Array | undefined {
  if (t.dataType !== DT.FLOAT || t.dataLocation === 1 || (t.externalData ?? []).length > 0) return undefined;
  const n = elementCount(dimsOf(t));
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== n * 4) return undefined;
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  const data = t.floatData ?? [];
  return data.length === n ? Float32Array.from(data) : undefined;
}

export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): Tensor {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return onnx.TensorProto.create({ name, dims: [...dims], dataType: DT.FLOAT, rawData: raw });
}

export function int64Tensor(name: string, values: readonly number[]): Tensor {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return onnx.TensorProto.create({ name, dims: [values.length], dataType: DT.INT64, rawData: raw });
}

export function bytesTensor(name: string, dims: readonly number[], dataType: number, raw: Uint8Array): Tensor {
  return onnx.TensorProto.create({ name, dims: [...dims], dataType, rawData: raw });
}

/**
 * Symmetric int8 quantization (zero point 0, range [-127, 127] so that negation is exact). `axis` undefined: one scale
 * for the tensor; otherwise one scale per slice along `axis`. A slice of zeros gets scale 1 (DequantizeLinear needs a
 * non-zero scale and the values dequantize to 0 anyway).
 */
export function quantizeInt8(values: Float32Array, dims: readonly number[], axis: number | undefined): { q: Int8Array; scales: Float32Array } {
  const channels = axis === undefined ? 1 : dims[axis]!;
  const inner = axis === undefined ? values.length : elementCount(dims.slice(axis + 1));
  const channelOf = (i: number) => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
  const absMax = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = channelOf(i);
    absMax[c] = Math.max(absMax[c]!, Math.abs(values[i]!));
  }
  const scales = absMax.map((m) => (m > 0 ? m / 127 : 1));
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(values[i]! / scales[channelOf(i)]!)));
  return { q, scales };
}

/** What float16 storage did to the values: how many overflowed (clamped to ±65504) and how many became subnormal or 0. */
export interface Fp16Stats {
  clamped: number;
  underflowed: number;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** IEEE float32 → float16 bits, round to nearest even; finite values beyond the fp16 range clamp to ±65504. */
export function toFloat16Bits(value: number, stats?: Fp16Stats): number {
  F32[0] = value;
  const x = U32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0); // inf stays inf, NaN stays NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) {
    if (stats) stats.clamped++;
    return sign | 0x7bff;
  }
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit bit, rounding to nearest even.
    if (e < -10) {
      if (value !== 0 && stats) stats.underflowed++;
      return sign;
    }
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    if (stats && value !== 0 && half === 0) stats.underflowed++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  if ((half & 0x7c00) === 0x7c00) {
    // Rounding carried into the infinity exponent: the value is above 65504 + half an ulp.
    if (stats) stats.clamped++;
    return sign | 0x7bff;
  }
  return sign | half;
}

export function float16Bits(values: Float32Array, stats: Fp16Stats): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const h = toFloat16Bits(values[i]!, stats);
    out[i * 2] = h & 0xff;
    out[i * 2 + 1] = h >>> 8;
  }
  return out;
}

/**
 * 4-bit block quantization of B [K, N] for com.microsoft MatMulNBits (onnxruntime's `quantize_matmul_4bits` layout):
 * each column n is cut into ceil(K / blockSize) blocks along K (the last one zero-padded); asymmetric per block, with
 * the range widened to include 0; q = clamp(round(v / scale + zp), 0, 15). Packed B is [N, blocks, blockSize / 2]
 * with element 2i in the low nibble; scales are [N * blocks]; zero points are packed two per byte per column,
 * [N * ceil(blocks / 2)].
 */
export function quantizeBlocks4(
  b: Float32Array,
  k: number,
  n: number,
  blockSize: number,
): { packed: Uint8Array; scales: Float32Array; zeroPoints: Uint8Array; blocks: number } {
  const blocks = Math.ceil(k / blockSize);
  const blob = blockSize / 2;
  const zpPerColumn = Math.ceil(blocks / 2);
  const packed = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  const zeroPoints = new Uint8Array(n * zpPerColumn);
  for (let col = 0; col < n; col++) {
    for (let blk = 0; blk < blocks; blk++) {
      const start = blk * blockSize;
      const end = Math.min(k, start + blockSize);
      let lo = 0;
      let hi = 0;
      for (let r = start; r < end; r++) {
        const v = b[r * n + col]!;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const scale = hi - lo > 0 ? (hi - lo) / 15 : 1;
      const zp = Math.max(0, Math.min(15, Math.round(-lo / scale)));
      scales[col * blocks + blk] = scale;
      zeroPoints[col * zpPerColumn + (blk >> 1)]! |= zp << ((blk & 1) * 4);
      for (let i = 0; i < blockSize; i++) {
        const r = start + i;
        const v = r < k ? b[r * n + col]! : 0;
        const q = Math.max(0, Math.min(15, Math.round(v / scale + zp)));
        packed[(col * blocks + blk) * blob + (i >> 1)]! |= q << ((i & 1) * 4);
      }
    }
  }
  return { packed, scales, zeroPoints, blocks };
}

/** Transpose a row-major [rows, cols] matrix. */
export function transpose2d(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}
