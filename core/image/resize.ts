/**
 * Pillow's `Image.resize` (9.x, `reducing_gap=None`) reproduced to the bit on 8-bit images, so a model sees at the
 * edge the pixels it was trained on.
 *
 * - `bilinear`: Pillow's separable convolution, whose triangle filter widens by the shrink factor (this is the
 *   antialiasing torchvision's `Resize` gets on PIL images), with 22-bit fixed-point weights; horizontal pass first,
 *   over the rows the vertical pass needs, each pass rounding to 8 bits.
 * - `nearest`: Pillow's affine nearest neighbour, source coordinate = floor((x + 0.5) · scale), accumulated in
 *   doubles as Pillow does (so ties fall the same way).
 *
 * `box` selects a source region in fractional pixels, as `resize(size, box=...)` (what `ImageOps.fit` uses). Channels
 * are resampled independently: convert RGBA to RGB first (Pillow premultiplies alpha, this does not).
 *
 * @example
 * ```ts
 * resize(pixels, 224, 224, "bilinear"); // Image.resize((224, 224), Image.BILINEAR)
 * ```
 */
import type { Pixels } from "./pixels.ts";

export type ResizeFilter = "bilinear" | "nearest";

/** Source region [left, top, right, bottom] in pixels; fractional values allowed. */
export type Box = readonly [number, number, number, number];

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);

export function resize(image: Pixels, width: number, height: number, filter: ResizeFilter, box?: Box): Pixels {
  // Pillow passes the box to C as floats: round it the same way so fractional boxes pick the same taps.
  const [x0, y0, x1, y1] = (box ?? [0, 0, image.width, image.height]).map(Math.fround) as [number, number, number, number];
  if (width === image.width && height === image.height && x0 === 0 && y0 === 0 && x1 === width && y1 === height) return image;
  return filter === "nearest" ? nearest(image, width, height, x0, y0, x1, y1) : bilinear(image, width, height, x0, y0, x1, y1);
}

function nearest(image: Pixels, width: number, height: number, x0: number, y0: number, x1: number, y1: number): Pixels {
  const { channels: c, data } = image;
  const ax = Math.fround(x1 - x0) / width;
  const ay = Math.fround(y1 - y0) / height;
  const xs = new Int32Array(width);
  let xo = x0 + ax * 0.5;
  for (let x = 0; x < width; x++, xo += ax) xs[x] = Math.min(Math.max(coord(xo), 0), image.width - 1) * c;
  const out = new Uint8Array(width * height * c);
  let yo = y0 + ay * 0.5;
  for (let y = 0, o = 0; y < height; y++, yo += ay) {
    const row = Math.min(Math.max(coord(yo), 0), image.height - 1) * image.width * c;
    for (let x = 0; x < width; x++) {
      const s = row + (xs[x] as number);
      for (let k = 0; k < c; k++) out[o++] = data[s + k] as number;
    }
  }
  return { width, height, channels: c, data: out };
}

const coord = (v: number) => (v < 0 ? -1 : Math.trunc(v));

interface Taps {
  /** First source index per output index. */
  start: Int32Array;
  /** Number of source pixels per output index. */
  count: Int32Array;
  /** Fixed-point weights, `ksize` per output index. */
  weights: Int32Array;
  ksize: number;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the triangle (bilinear) filter, support 1. */
function taps(inSize: number, in0: number, in1: number, outSize: number): Taps {
  const scale = Math.fround(in1 - in0) / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const ss = 1 / filterScale; // Pillow multiplies by the reciprocal; dividing would round differently
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const n = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < n; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      w[x] = t < 1 ? 1 - t : 0;
      sum += w[x] as number;
    }
    for (let x = 0; x < n; x++) {
      const v = sum === 0 ? (w[x] as number) : (w[x] as number) / sum;
      weights[xx * ksize + x] = Math.trunc(v < 0 ? v * (1 << PRECISION_BITS) - 0.5 : v * (1 << PRECISION_BITS) + 0.5);
    }
    start[xx] = xmin;
    count[xx] = n;
  }
  return { start, count, weights, ksize };
}

const clip8 = (acc: number) => {
  const v = acc >> PRECISION_BITS;
  return Math.max(0, Math.min(v, 255));
};

function bilinear(image: Pixels, width: number, height: number, x0: number, y0: number, x1: number, y1: number): Pixels {
  const c = image.channels;
  const needH = width !== image.width || x0 !== 0 || x1 !== width;
  const needV = height !== image.height || y0 !== 0 || y1 !== height;
  const v = taps(image.height, y0, y1, height);
  let src = image;
  let rowOffset = 0;
  if (needH) {
    // Only the source rows the vertical pass reads: [first, last).
    const first = v.start[0] as number;
    const last = (v.start[height - 1] as number) + (v.count[height - 1] as number);
    const h = taps(image.width, x0, x1, width);
    const out = new Uint8Array(width * (last - first) * c);
    const data = image.data;
    for (let y = first, o = 0; y < last; y++) {
      const row = y * image.width * c;
      for (let xx = 0; xx < width; xx++) {
        const s = row + (h.start[xx] as number) * c;
        const n = h.count[xx] as number;
        const k = xx * h.ksize;
        if (c === 3) {
          // RGB, the common case: the three channels in one pass over the taps.
          let r = HALF;
          let g = HALF;
          let b = HALF;
          for (let x = 0, p = s; x < n; x++, p += 3) {
            const wgt = h.weights[k + x] as number;
            r += (data[p] as number) * wgt;
            g += (data[p + 1] as number) * wgt;
            b += (data[p + 2] as number) * wgt;
          }
          out[o++] = clip8(r);
          out[o++] = clip8(g);
          out[o++] = clip8(b);
          continue;
        }
        for (let ch = 0; ch < c; ch++) {
          let acc = HALF;
          for (let x = 0; x < n; x++) acc += (data[s + x * c + ch] as number) * (h.weights[k + x] as number);
          out[o++] = clip8(acc);
        }
      }
    }
    src = { width, height: last - first, channels: c, data: out };
    rowOffset = first;
  }
  if (!needV) return src;
  const stride = src.width * c;
  const out = new Uint8Array(src.width * height * c);
  const data = src.data;
  // Row by row (each tap adds a whole source row to the accumulators): sequential reads instead of a column walk.
  const acc = new Int32Array(stride);
  for (let yy = 0; yy < height; yy++) {
    const s = ((v.start[yy] as number) - rowOffset) * stride;
    const n = v.count[yy] as number;
    const k = yy * v.ksize;
    acc.fill(HALF);
    for (let y = 0; y < n; y++) {
      const wgt = v.weights[k + y] as number;
      for (let i = 0, p = s + y * stride; i < stride; i++, p++) acc[i] = (acc[i] as number) + (data[p] as number) * wgt;
    }
    const o = yy * stride;
    for (let i = 0; i < stride; i++) out[o + i] = clip8(acc[i] as number);
  }
  return { width: src.width, height, channels: c, data: out };
}
