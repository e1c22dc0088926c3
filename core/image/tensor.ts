/**
 * 8-bit pixels to a float32 model input: value · scale, then (value − mean) / std per channel, in NCHW or NHWC order.
 * With the defaults (scale 1/255) this is torchvision's `ToTensor()` followed by `Normalize(mean, std)`.
 *
 * Each channel's 256 possible results are computed once, so writing a tensor is one table look-up per value.
 *
 * @example
 * ```ts
 * const out = new Float32Array(3 * 224 * 224);
 * writeImageTensor(pixels, { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], layout: "nchw" }, out);
 * ```
 */
import type { Pixels } from "./pixels.ts";

export type ImageLayout = "nchw" | "nhwc";

export interface TensorOptions {
  scale: number;
  /** One value for every channel, or one per channel. */
  mean?: readonly number[] | undefined;
  std?: readonly number[] | undefined;
  layout: ImageLayout;
}

/** Write `image` into `out` from `offset` (one example of a batch); returns the number of values written. */
export function writeImageTensor(image: Pixels, options: TensorOptions, out: Float32Array, offset = 0): number {
  const { width, height, channels: c, data } = image;
  const plane = width * height;
  const tables = channelTables(c, options);
  if (options.layout === "nhwc") {
    for (let i = 0, n = plane * c; i < n; i++) out[offset + i] = (tables[i % c] as Float32Array)[data[i] as number] as number;
  } else {
    for (let ch = 0; ch < c; ch++) {
      const table = tables[ch] as Float32Array;
      const base = offset + ch * plane;
      for (let p = 0, j = ch; p < plane; p++, j += c) out[base + p] = table[data[j] as number] as number;
    }
  }
  return plane * c;
}

function channelTables(channels: number, { scale, mean, std }: TensorOptions): Float32Array[] {
  const tables: Float32Array[] = [];
  for (let ch = 0; ch < channels; ch++) {
    const m = mean === undefined ? 0 : ((mean.length === 1 ? mean[0] : mean[ch]) ?? 0);
    const s = std === undefined ? 1 : ((std.length === 1 ? std[0] : std[ch]) ?? 1);
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = (v * scale - m) / s;
    tables.push(table);
  }
  return tables;
}
