/**
 * Pillow's `Image.resize` (9.4, src/libImaging/Resample.c and Geometry.c), ported so a model sees at the edge the
 * pixels its training script saw. BILINEAR is Pillow's separable convolution: a triangle filter whose support widens
 * with the downscale factor (antialiasing, unlike OpenCV or canvas), normalized coefficients in 22-bit fixed point,
 * horizontal pass then vertical, 8-bit rounded and clipped in between. NEAREST is Pillow's affine scale: source
 * coordinate = trunc(scale * (x + 0.5)), accumulated in doubles as Pillow does.
 *
 * Matches Pillow on modes L (1 channel) and RGB (3). Other channel counts are resampled channel by channel, which is
 * not Pillow's LA/RGBA path (that premultiplies alpha); the tensor pipeline converts to L or RGB first.
 *
 * @example
 * ```ts
 * const small = resizeImage({ width: 640, height: 480, channels: 3, data }, 224, 168, "bilinear");
 * ```
 */
import type { RawImage } from "./raw-image.ts";

export type ResizeFilter = "bilinear" | "nearest";

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);

/** Resize to width × height; an image already that size is returned as is (no resampling, like Pillow). */
export function resizeImage(img: RawImage, width: number, height: number, filter: ResizeFilter): RawImage {
  if (img.width === width && img.height === height) return img;
  const channels = img.channels ?? 4;
  const data = filter === "nearest" ? nearest(img, channels, width, height) : bilinear(img, channels, width, height);
  return { width, height, channels, data };
}

interface Coeffs {
  /** Per output index: first input index and tap count. */
  bounds: Int32Array;
  /** Fixed-point weights, `ksize` slots per output index. */
  k: Int32Array;
  ksize: number;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the bilinear (triangle, support 1) filter. */
function coefficients(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const inv = 1 / filterscale;
  const bounds = new Int32Array(outSize * 2);
  const k = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const n = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < n; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * inv);
      w[x] = t < 1 ? 1 - t : 0;
      ww += w[x] as number;
    }
    for (let x = 0; x < n; x++) {
      const v = ww === 0 ? (w[x] as number) : (w[x] as number) / ww;
      k[xx * ksize + x] = Math.trunc(v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = n;
  }
  return { bounds, k, ksize };
}

/**
 * Pillow's clip8: drop PRECISION_BITS of fraction (HALF made it round). Triangle weights are never negative, so only
 * the top can overflow (coefficients rounded up can sum past 1).
 */
const clip8 = (ss: number) => Math.min(ss >> PRECISION_BITS, 255);

function bilinear(img: RawImage, c: number, outW: number, outH: number): Uint8Array {
  const inW = img.width;
  const inH = img.height;
  const vert = coefficients(inH, outH);
  // Only the source rows the vertical pass reads go through the horizontal pass (Pillow's ybox).
  const yFirst = vert.bounds[0] as number;
  const yLast = (vert.bounds[outH * 2 - 2] as number) + (vert.bounds[outH * 2 - 1] as number);
  let src: ArrayLike<number> = img.data;
  let rowOffset = 0;
  if (outW !== inW) {
    const { bounds, k, ksize } = coefficients(inW, outW);
    const rows = yLast - yFirst;
    const tmp = new Uint8Array(rows * outW * c);
    const data = img.data;
    for (let y = 0; y < rows; y++) {
      const rowIn = (y + yFirst) * inW * c;
      const rowOut = y * outW * c;
      for (let xx = 0; xx < outW; xx++) {
        const xmin = bounds[xx * 2] as number;
        const n = bounds[xx * 2 + 1] as number;
        const kOff = xx * ksize;
        for (let ch = 0; ch < c; ch++) {
          let ss = HALF;
          let p = rowIn + xmin * c + ch;
          for (let x = 0; x < n; x++, p += c) ss += (data[p] as number) * (k[kOff + x] as number);
          tmp[rowOut + xx * c + ch] = clip8(ss);
        }
      }
    }
    src = tmp;
    rowOffset = yFirst;
  }
  const rowLen = outW * c;
  if (outH === inH) return src instanceof Uint8Array ? src : Uint8Array.from(src);
  const out = new Uint8Array(outH * rowLen);
  const acc = new Int32Array(rowLen);
  const { bounds, k, ksize } = vert;
  for (let yy = 0; yy < outH; yy++) {
    acc.fill(HALF);
    const ymin = (bounds[yy * 2] as number) - rowOffset;
    const n = bounds[yy * 2 + 1] as number;
    // Row by row rather than column by column: same sums, contiguous reads.
    for (let y = 0; y < n; y++) {
      const kv = k[yy * ksize + y] as number;
      const base = (ymin + y) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] = (acc[i] as number) + (src[base + i] as number) * kv;
    }
    const o = yy * rowLen;
    for (let i = 0; i < rowLen; i++) out[o + i] = clip8(acc[i] as number);
  }
  return out;
}

/** Pillow's ImagingScaleAffine: positions accumulate `scale` per step from scale / 2, then truncate. */
function nearestTable(inSize: number, outSize: number): Int32Array {
  const a = inSize / outSize;
  const t = new Int32Array(outSize);
  let pos = a * 0.5;
  for (let x = 0; x < outSize; x++, pos += a) t[x] = Math.min(inSize - 1, Math.trunc(pos));
  return t;
}

function nearest(img: RawImage, c: number, outW: number, outH: number): Uint8Array {
  const xs = nearestTable(img.width, outW);
  const ys = nearestTable(img.height, outH);
  const out = new Uint8Array(outW * outH * c);
  const data = img.data;
  for (let y = 0; y < outH; y++) {
    const rowIn = (ys[y] as number) * img.width * c;
    let o = y * outW * c;
    for (let x = 0; x < outW; x++) {
      const p = rowIn + (xs[x] as number) * c;
      for (let ch = 0; ch < c; ch++) out[o++] = data[p + ch] as number;
    }
  }
  return out;
}
