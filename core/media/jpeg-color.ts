/**
 * JPEG colour as libjpeg-turbo (Pillow's decoder) makes it, on top of jpeg-js's planes.
 *
 * jpeg-js enlarges subsampled chroma (4:2:0, 4:2:2: nearly every photo) by repeating samples; libjpeg-turbo uses
 * "fancy" triangle upsampling and its own fixed-point YCbCr → RGB. On a 4:2:0 image with sharp colour edges the two
 * differed by up to 88 levels. So jpeg-js decodes the planes without its colour transform (its IDCT stays: the JPEG
 * standard allows small IDCT differences, ±3 levels measured) and this file upsamples and converts as jdsample.c and
 * jdcolor.c do.
 *
 * @example
 * ```ts
 * const layout = readLayout(bytes);
 * const ycc = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, colorTransform: false });
 * const rgb = libjpegColor(ycc.data, ycc.width, ycc.height, layout); // undefined: keep jpeg-js's own RGB
 * ```
 */

export interface Layout {
  /** Sampling factors [h, v] per component, in frame order. */
  factors: [number, number][];
  /** An Adobe APP14 segment decides the color transform itself (and jpeg-js honours it): leave those to jpeg-js. */
  adobe: boolean;
}

/**
 * Whether jpeg-js should skip its colour transform for this file: a plain 3-component YCbCr frame whose luma has the
 * largest sampling factors (everything else, and Adobe-marked files, stays with jpeg-js's own conversion).
 */
export function wantsLibjpegColor(layout: Layout | undefined): layout is Layout {
  if (layout === undefined || layout.adobe || layout.factors.length !== 3) return false;
  const maxH = Math.max(...layout.factors.map((f) => f[0]));
  const maxV = Math.max(...layout.factors.map((f) => f[1]));
  const y = layout.factors[0] as [number, number];
  return y[0] === maxH && y[1] === maxV;
}

/** Interleaved Y/Cb/Cr from jpeg-js (chroma repeated) to RGB as libjpeg-turbo produces it. */
export function libjpegColor(ycc: Uint8Array, width: number, height: number, layout: Layout): Uint8Array {
  const maxH = Math.max(...layout.factors.map((f) => f[0]));
  const maxV = Math.max(...layout.factors.map((f) => f[1]));
  const [, cb, cr] = layout.factors as [[number, number], [number, number], [number, number]];
  const planes = [cb, cr].map(([h, v], i) => upsample(ycc, i + 1, width, height, maxH / h, maxV / v));
  return yccToRgb(ycc, planes[0] as Uint8Array, planes[1] as Uint8Array, width * height);
}

/**
 * Channel `k` of jpeg-js's output holds each chroma sample repeated fx × fy times; take one of each and enlarge as
 * libjpeg-turbo does: fancy (triangle) for 2×1, 1×2 and 2×2, plain repetition for anything else (its int_upsample).
 */
function upsample(data: Uint8Array, k: number, width: number, height: number, fx: number, fy: number): Uint8Array {
  const cw = Math.ceil(width / fx);
  const ch = Math.ceil(height / fy);
  const plane = new Uint8Array(cw * ch);
  for (let r = 0, i = 0; r < ch; r++) {
    for (let j = 0, s = r * fy * width * 3 + k; j < cw; j++, s += fx * 3) plane[i++] = data[s] as number;
  }
  const out = new Uint8Array(width * height);
  const fancyX = fx === 2 && (fy === 1 || fy === 2) && cw > 2;
  const fancyY = fy === 2 && (fx === 1 || fancyX);
  const sums = new Int32Array(cw);
  for (let yy = 0; yy < height; yy++) {
    const row = Math.floor(yy / fy) * cw;
    if (fancyY) {
      // Nearer sample row weighs 3, the other 1; image edges repeat their row.
      const other = (yy % 2 === 0 ? Math.max(row / cw - 1, 0) : Math.min(row / cw + 1, ch - 1)) * cw;
      for (let j = 0; j < cw; j++) sums[j] = 3 * (plane[row + j] as number) + (plane[other + j] as number);
    } else {
      for (let j = 0; j < cw; j++) sums[j] = plane[row + j] as number;
    }
    const o = yy * width;
    if (fancyX) {
      // A 3:1 blend with the nearer horizontal neighbour (the sample itself at the ends), with libjpeg's rounding
      // biases; 2×2 sums already weigh 4, so they shift by 4 instead of 2.
      const [shift, even, odd] = fancyY ? [4, 8, 7] : [2, 1, 2];
      for (let j = 0, x = 0; j < cw; j++, x += 2) {
        const s3 = (sums[j] as number) * 3;
        out[o + x] = (s3 + (sums[j > 0 ? j - 1 : j] as number) + even) >> shift;
        if (x + 1 < width) out[o + x + 1] = (s3 + (sums[j < cw - 1 ? j + 1 : j] as number) + odd) >> shift;
      }
    } else if (fancyY) {
      const bias = yy % 2 === 0 ? 1 : 2;
      for (let x = 0; x < width; x++) out[o + x] = ((sums[x] as number) + bias) >> 2;
    } else {
      for (let x = 0; x < width; x++) out[o + x] = sums[Math.floor(x / fx)] as number;
    }
  }
  return out;
}

// jdcolor.c's tables: 16-bit fixed point, rounded, arithmetic shifts.
const FIX = (x: number) => Math.trunc(x * 65536 + 0.5);
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (FIX(1.402) * x + 32768) >> 16;
  CB_B[i] = (FIX(1.772) * x + 32768) >> 16;
  CR_G[i] = -FIX(0.71414) * x;
  CB_G[i] = -FIX(0.34414) * x + 32768;
}

/** Y from jpeg-js's channel 0 (full resolution), Cb/Cr from the upsampled planes, into interleaved RGB. */
function yccToRgb(ycc: Uint8Array, cb: Uint8Array, cr: Uint8Array, n: number): Uint8Array {
  const out = new Uint8ClampedArray(n * 3); // clamps to 0-255 on store, as libjpeg's range_limit table does
  for (let i = 0; i < n; i++) {
    const y = ycc[i * 3] as number;
    const b = cb[i] as number;
    const r = cr[i] as number;
    out[i * 3] = y + (CR_R[r] as number);
    out[i * 3 + 1] = y + (((CB_G[b] as number) + (CR_G[r] as number)) >> 16);
    out[i * 3 + 2] = y + (CB_B[b] as number);
  }
  return new Uint8Array(out.buffer);
}

/** Sampling factors from the first start-of-frame, and whether an Adobe APP14 segment comes before it. */
export function readLayout(bytes: Uint8Array): Layout | undefined {
  let adobe = false;
  let i = 2;
  while (i + 3 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1] as number;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const length = ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number);
    if (marker === 0xee && String.fromCharCode(...bytes.subarray(i + 4, i + 9)) === "Adobe") adobe = true;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const n = bytes[i + 9] ?? 0;
      const factors: [number, number][] = [];
      for (let c = 0; c < n; c++) {
        const hv = bytes[i + 11 + c * 3] ?? 0x11;
        factors.push([hv >> 4, hv & 15]);
      }
      return { factors, adobe };
    }
    i += 2 + length;
  }
  return undefined;
}
