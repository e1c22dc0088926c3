/**
 * One image feature value to one example of a model input: decode → channels → resize (stretch / contain / cover) →
 * center crop → scale and normalize → NCHW or NHWC. The options are the manifest's `image` preprocessing step, so the
 * same JSON that describes the training transform drives every target.
 *
 * @example
 * ```ts
 * const step = { size: [224, 224], crop: [200, 200], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
 * const shape = imageTensorShape(step); // [3, 200, 200]
 * const out = new Float32Array(batch * 3 * 200 * 200);
 * instances.forEach((row, i) => imageToTensor(row.photo, step, { out, offset: i * 3 * 200 * 200, path: `instances[${i}].photo` }));
 * ```
 */
import { EdgeMlError, type Issue } from "../errors.ts";
import { base64ToBytes } from "./base64.ts";
import { type ChannelMode, toChannels } from "./channels.ts";
import { decodeImage } from "./decode.ts";
import { centerCrop, contain, cover, type Size } from "./fit.ts";
import { asPixels, isPixelsLike, type Pixels, type PixelsLike } from "./pixels.ts";
import { type ResizeFilter, resize } from "./resize.ts";
import { type ImageLayout, writeImageTensor } from "./tensor.ts";

/** What an image feature may hold: `{b64}` from JSON; bytes or decoded pixels (`ImageData`) in-process. */
export type ImageValue = { b64: string } | Uint8Array | ArrayBuffer | PixelsLike;

/** The manifest's `image` step without its column names; every field but `size` has the schema's default. */
export interface ImageOptions {
  /** [height, width] after resizing. */
  size: Size;
  resize?: ResizeFilter | undefined;
  fit?: "stretch" | "contain" | "cover" | undefined;
  padValue?: number | undefined;
  /** [height, width] of the centered crop taken after resizing. */
  crop?: Size | undefined;
  channels?: ChannelMode | undefined;
  scale?: number | undefined;
  mean?: readonly number[] | undefined;
  std?: readonly number[] | undefined;
  layout?: ImageLayout | undefined;
}

export interface ImageTarget {
  /** Where to write; a new array of the example's size when absent. */
  out?: Float32Array;
  offset?: number;
  /** Field path for errors, e.g. `instances[3].photo`. */
  path?: string;
  /** Passed to the decoder: images with more pixels are refused before decoding. */
  maxPixels?: number;
}

/** The shape of one example: [C, H, W] for NCHW, [H, W, C] for NHWC (prepend the batch). */
export function imageTensorShape(options: ImageOptions): [number, number, number] {
  const [h, w] = options.crop ?? options.size;
  const c = options.channels === "gray" ? 1 : 3;
  return options.layout === "nhwc" ? [h, w, c] : [c, h, w];
}

/** Problems in the options themselves (for config validation): mean/std must have one value or one per channel. */
export function checkImageOptions(options: ImageOptions, path = "image"): Issue[] {
  const c = options.channels === "gray" ? 1 : 3;
  const issues: Issue[] = [];
  for (const key of ["mean", "std"] as const) {
    const values = options[key];
    if (values !== undefined && values.length !== 1 && values.length !== c) {
      issues.push({ path: `${path}.${key}`, message: `has ${values.length} values; ${options.channels ?? "rgb"} images have ${c} channel(s): give 1 or ${c}` });
    }
  }
  return issues;
}

/** Preprocess one image value into `target.out` at `target.offset` (or a new array); returns the array written. */
export function imageToTensor(value: ImageValue, options: ImageOptions, target: ImageTarget = {}): Float32Array {
  const path = target.path ?? "(image)";
  const [c, h, w] = ((s) => (options.layout === "nhwc" ? [s[2], s[0], s[1]] : s))(imageTensorShape(options));
  const out = target.out ?? new Float32Array(c * h * w);
  const offset = target.offset ?? 0;
  if (offset + c * h * w > out.length) {
    throw new EdgeMlError("ERR_INTERNAL", `${path}: the tensor has room for ${out.length - offset} values from offset ${offset}, the image needs ${c * h * w}`);
  }
  const decoded = toPixels(value, path, target.maxPixels);
  const pixels = fitted(toChannels(decoded, options.channels ?? "rgb"), options);
  writeImageTensor(pixels, { scale: options.scale ?? 1 / 255, mean: options.mean, std: options.std, layout: options.layout ?? "nchw" }, out, offset);
  return out;
}

function fitted(image: Pixels, options: ImageOptions): Pixels {
  const filter = options.resize ?? "bilinear";
  const [h, w] = options.size;
  const fit = options.fit ?? "stretch";
  let out =
    fit === "contain"
      ? contain(image, options.size, filter, options.padValue ?? 0)
      : fit === "cover"
        ? cover(image, options.size, filter)
        : resize(image, w, h, filter);
  if (options.crop !== undefined) out = centerCrop(out, options.crop);
  return out;
}

function toPixels(value: ImageValue, path: string, maxPixels: number | undefined): Pixels {
  const limit = maxPixels === undefined ? {} : { maxPixels };
  if (value instanceof Uint8Array) return decodeImage(value, { path, ...limit });
  if (value instanceof ArrayBuffer) return decodeImage(new Uint8Array(value), { path, ...limit });
  if (isPixelsLike(value)) return asPixels(value, path);
  if (typeof value === "object" && value !== null && "b64" in value && typeof value.b64 === "string") {
    return decodeImage(base64ToBytes(value.b64, `${path}.b64`), { path, ...limit });
  }
  throw new EdgeMlError("ERR_BAD_INPUT", `${path}: expected an image, got ${describe(value)}`, {
    issues: [{ path, message: `expected {"b64": "<base64 of PNG or JPEG bytes>"}, got ${describe(value)}` }],
    hint: 'send images in JSON as {"b64": "..."} (TF Serving\'s convention); in-process, pass the bytes or an ImageData',
  });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object with keys ${Object.keys(value).slice(0, 5).join(", ") || "(none)"}`;
  return `a ${typeof value}`;
}
