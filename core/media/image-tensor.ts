/**
 * One image into a model input, as `ImageStep` (core/schema/preprocessing.ts) describes: convert to the step's
 * channels (Pillow's convert), resize per `fit` (Pillow's resize; `contain` is `ImageOps.pad`; `cover` resizes the
 * binding side to the target and the other to int(target × other / binding) as torchvision's `Resize(int)` does),
 * center-crop (torchvision's `CenterCrop` offsets, round half to even), then (v × scale − mean[c]) / std[c] in `layout`.
 * With `fit: "cover"` and `crop`, the image is center-cropped once, straight to `crop`: two crops in a row can land one
 * pixel off, and `Resize(s)` + `CenterCrop(c)` crops once (so `{size: [s, s], fit: "cover", crop: [c, c]}` is that).
 *
 * @example
 * ```ts
 * const step = ImageStep.parse({ op: "image", feature: "photo", input: "pixel_values", size: [256, 256], fit: "cover",
 *   crop: [224, 224], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
 * const x = imageToTensor(pngBytes, step); // Float32Array of 3 × 224 × 224
 * ```
 */
import { EdgeMlError } from "../errors.ts";
import type { RawImage } from "./raw-image.ts";
import type { ImageStep } from "../schema/preprocessing.ts";
import { MediaError } from "./errors.ts";
import { type DecodeLimits, decodeImage } from "./image-decode.ts";
import { imageTensorDims, outputSize } from "./image-dims.ts";
import { resizeImage } from "./image-resize.ts";

/** Preprocess one image into `out` from `offset` (a batch writes instance i at i × the product of the dims). */
export function writeImageTensor(img: RawImage, step: ImageStep, out: Float32Array, offset: number): void {
  const [outH, outW] = outputSize(step);
  const c = step.channels === "gray" ? 1 : 3;
  const { src, top, left } = place(toChannels(checkImage(img), c), step);
  const lut = normalizeTable(step, c);
  const bgr = step.channels === "bgr";
  const rowLen = src.width * c;
  const data = src.data;
  let o = offset;
  if (step.layout === "nhwc") {
    for (let y = 0; y < outH; y++) {
      const row = (top + y) * rowLen + left * c;
      for (let x = 0; x < outW; x++) {
        for (let ch = 0; ch < c; ch++) out[o++] = lut[ch * 256 + (data[row + x * c + (bgr ? 2 - ch : ch)] as number)] as number;
      }
    }
    return;
  }
  for (let ch = 0; ch < c; ch++) {
    const from = bgr ? 2 - ch : ch;
    const table = ch * 256;
    for (let y = 0; y < outH; y++) {
      const row = (top + y) * rowLen + left * c + from;
      for (let x = 0; x < outW; x++) out[o++] = lut[table + (data[row + x * c] as number)] as number;
    }
  }
}

/** Decode (if bytes, within `limits`) and preprocess one image into a new tensor of `imageTensorDims(step)`. */
export function imageToTensor(bytesOrImage: Uint8Array | RawImage, step: ImageStep, limits?: DecodeLimits): Float32Array {
  const img = bytesOrImage instanceof Uint8Array ? decodeImage(bytesOrImage, limits) : bytesOrImage;
  const out = new Float32Array(imageTensorDims(step).reduce((a, b) => a * b, 1));
  writeImageTensor(img, step, out, 0);
  return out;
}

function checkImage(img: RawImage): RawImage {
  const c = img.channels ?? 4;
  const { width: w, height: h } = img;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) {
    throw new MediaError(`image has an invalid size ${w}x${h}`, "width and height must be positive integers");
  }
  if (img.data.length !== w * h * c) {
    throw new MediaError(
      `image data holds ${img.data.length} bytes, ${w}x${h} with ${c} channels needs ${w * h * c}`,
      "pass interleaved 8-bit pixels, row by row, with `channels` set (4, as ImageData, when absent)",
    );
  }
  return img;
}

/** Pillow's convert("RGB") (drops alpha, repeats gray) and convert("L") (ITU-R 601-2 luma in 16-bit fixed point). */
function toChannels(img: RawImage, target: 1 | 3): RawImage {
  const c = img.channels ?? 4;
  if (c === target) return img;
  const n = img.width * img.height;
  const src = img.data;
  const data = new Uint8Array(n * target);
  if (c <= 2 && target === 1) {
    for (let i = 0; i < n; i++) data[i] = src[i * c] as number;
  } else if (c <= 2) {
    for (let i = 0; i < n; i++) {
      const v = src[i * c] as number;
      data[i * 3] = v;
      data[i * 3 + 1] = v;
      data[i * 3 + 2] = v;
    }
  } else if (target === 1) {
    for (let i = 0, p = 0; i < n; i++, p += c) {
      data[i] = ((src[p] as number) * 19595 + (src[p + 1] as number) * 38470 + (src[p + 2] as number) * 7471 + 0x8000) >> 16;
    }
  } else {
    for (let i = 0, p = 0; i < n; i++, p += c) {
      data[i * 3] = src[p] as number;
      data[i * 3 + 1] = src[p + 1] as number;
      data[i * 3 + 2] = src[p + 2] as number;
    }
  }
  return { width: img.width, height: img.height, channels: target, data };
}

/** Python's round(): half to even, the rounding ImageOps.pad and torchvision's CenterCrop inherit. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const centerOffset = (from: number, to: number) => roundHalfEven((from - to) / 2);

/** Resize per `fit`; returns the pixels and the top-left of the output window in them. */
function place(img: RawImage, step: ImageStep): { src: RawImage; top: number; left: number } {
  const [H, W] = step.size;
  const [outH, outW] = outputSize(step);
  const { width: w, height: h } = img;
  if (step.fit === "cover") {
    const byWidth = W / w >= H / h;
    const nw = byWidth ? W : Math.max(W, Math.trunc((H * w) / h));
    const nh = byWidth ? Math.max(H, Math.trunc((W * h) / w)) : H;
    const src = resizeImage(img, nw, nh, step.resize);
    return { src, top: centerOffset(nh, outH), left: centerOffset(nw, outW) };
  }
  let src: RawImage;
  if (step.fit === "contain") src = contain(img, W, H, step);
  else src = resizeImage(img, W, H, step.resize);
  return { src, top: centerOffset(H, outH), left: centerOffset(W, outW) };
}

/** ImageOps.pad: ImageOps.contain's size (the other side rounded half to even), pasted centered on padValue. */
function contain(img: RawImage, W: number, H: number, step: ImageStep): RawImage {
  const { width: w, height: h } = img;
  let nw = W;
  let nh = H;
  if (w / h > W / H) nh = Math.max(1, roundHalfEven((h / w) * W));
  else if (w / h < W / H) nw = Math.max(1, roundHalfEven((w / h) * H));
  const resized = resizeImage(img, nw, nh, step.resize);
  if (nw === W && nh === H) return resized;
  const c = resized.channels ?? 4;
  const data = new Uint8Array(W * H * c).fill(step.padValue);
  const x0 = nw === W ? 0 : roundHalfEven((W - nw) * 0.5);
  const y0 = nw === W ? roundHalfEven((H - nh) * 0.5) : 0;
  for (let y = 0; y < nh; y++) {
    data.set(resized.data.subarray(y * nw * c, (y + 1) * nw * c), ((y0 + y) * W + x0) * c);
  }
  return { width: W, height: H, channels: resized.channels ?? 4, data };
}

/** (v × scale − mean[c]) / std[c] for every byte value, per output channel: one lookup per sample. */
function normalizeTable(step: ImageStep, c: number): Float32Array {
  const mean = perChannel(step, "mean", step.mean ?? [0], c);
  const std = perChannel(step, "std", step.std ?? [1], c);
  const lut = new Float32Array(c * 256);
  for (let ch = 0; ch < c; ch++) {
    for (let v = 0; v < 256; v++) lut[ch * 256 + v] = (v * step.scale - (mean[ch] as number)) / (std[ch] as number);
  }
  return lut;
}

function perChannel(step: ImageStep, key: "mean" | "std", values: number[], c: number): number[] {
  if (values.length === 1) return Array.from({ length: c }, () => values[0] as number);
  if (values.length === c) return values;
  throw new EdgeMlError("ERR_BAD_CONFIG", `image step "${step.feature}": ${key} has ${values.length} values, channels "${step.channels}" has ${c}`, {
    hint: `give one ${key} for all channels or one per channel (${c})`,
  });
}
