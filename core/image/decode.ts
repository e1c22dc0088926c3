/**
 * PNG and JPEG bytes to {@link Pixels}, in pure JavaScript (fast-png, jpeg-js): no wasm to compile, no `node:`
 * imports, so the same code decodes in workerd, Deno, browsers and Node.
 *
 * Pixel values follow Pillow's `Image.open(f).convert("RGB")` where a training script reads its images with Pillow:
 * PNG exactly (palette, 1/2/4-bit gray scaled to 0-255, 16-bit channels to their high byte, alpha kept for the
 * caller to drop). JPEG: chroma upsampling and color conversion as libjpeg-turbo does them (`jpeg.ts`); only the IDCT
 * differs, which the JPEG standard allows (a few levels on some pixels, measured in the tests). EXIF orientation is
 * not applied, as Pillow does not apply it on open either.
 *
 * @example
 * ```ts
 * const px = decodeImage(bytes, { path: "instances[0].photo" }); // { width, height, channels: 1-4, data }
 * ```
 */
import { convertIndexedToRgb, decode as decodePng } from "fast-png";
import { EdgeMlError } from "../errors.ts";
import { decodeJpeg } from "./jpeg.ts";
import type { ChannelCount, Pixels } from "./pixels.ts";

export type ImageFormat = "png" | "jpeg";

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/**
 * The default pixel limit: 4096 × 4096. Decoding needs about 4 bytes a pixel (RGBA plus the decoder's buffers), and a
 * Worker isolate has 128 MB for everything, so a larger default would let one request exhaust it.
 */
const DEFAULT_MAX_PIXELS = 4096 * 4096;

export interface DecodeImageOptions {
  /** Refuse images with more pixels than this (checked from the header, before decoding). */
  maxPixels?: number;
  /** Field path for errors, e.g. `instances[0].photo`. */
  path?: string;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format and size from the first bytes, without decoding; `undefined` when the bytes are neither PNG nor JPEG. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  if (bytes.length >= 24 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    return { format: "png", width: u32(bytes, 16), height: u32(bytes, 20) };
  }
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  // Walk the marker segments to the first start-of-frame (SOF0-SOF15 except DHT C4, JPG C8, DAC CC).
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1] as number;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { format: "jpeg", width: u16(bytes, i + 7), height: u16(bytes, i + 5) };
    }
    const standalone = marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
    i += standalone ? 2 : 2 + u16(bytes, i + 2);
  }
  return { format: "jpeg", width: 0, height: 0 };
}

/** Decode PNG or JPEG bytes. Throws an `ERR_BAD_INPUT` {@link EdgeMlError} naming `path` for anything else. */
export function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): Pixels {
  const path = options.path ?? "(image)";
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const header = readImageHeader(bytes);
  if (header === undefined) {
    const start = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw bad(path, `not a PNG or JPEG image (${bytes.length} bytes starting ${start || "(empty)"})`, "convert it to PNG or JPEG first");
  }
  if (header.width * header.height > maxPixels) {
    const count = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MP` : `${n} pixels`);
    throw bad(
      path,
      `the image is ${header.width}×${header.height} (${count(header.width * header.height)}), over the limit of ${count(maxPixels)}`,
      "downscale it before sending; decoding it would take most of an edge isolate's memory",
    );
  }
  try {
    return header.format === "png" ? fromPng(bytes) : decodeJpeg(bytes, maxPixels);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw bad(path, `the ${header.format.toUpperCase()} could not be decoded: ${reason}`, "check that the file is complete and not corrupt", error);
  }
}

function fromPng(bytes: Uint8Array): Pixels {
  const png = decodePng(bytes);
  const { width, height } = png;
  if (png.palette !== undefined) {
    const channels = (png.palette[0]?.length ?? 3) as ChannelCount;
    return { width, height, channels, data: convertIndexedToRgb(png) };
  }
  const channels = png.channels as ChannelCount;
  const n = width * height * channels;
  const data = new Uint8Array(n);
  if (png.depth === 16) {
    // Pillow keeps the high byte of 16-bit RGB(A) ("RGB;16B"); the low byte is below what an 8-bit model sees.
    for (let i = 0; i < n; i++) data[i] = (png.data[i] as number) >> 8;
  } else if (png.depth === 8) {
    data.set(png.data);
  } else {
    unpackLowDepth(png.data as Uint8Array, width, height, png.depth, data);
  }
  return { width, height, channels, data };
}

/** 1/2/4-bit gray rows are packed and byte-aligned; scale to 0-255 as Pillow's "1", "L;2" and "L;4" readers do. */
function unpackLowDepth(packed: Uint8Array, width: number, height: number, depth: number, out: Uint8Array): void {
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  const scale = 255 / mask;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = packed[y * rowBytes + (bit >> 3)] as number;
      out[y * width + x] = ((byte >> (8 - depth - (bit & 7))) & mask) * scale;
    }
  }
}

function bad(path: string, message: string, hint: string, cause?: unknown): EdgeMlError {
  return new EdgeMlError("ERR_BAD_INPUT", `${path}: ${message}`, { issues: [{ path, message }], hint, cause });
}

const u16 = (b: Uint8Array, i: number) => ((b[i] as number) << 8) | (b[i + 1] as number);
const u32 = (b: Uint8Array, i: number) =>
  (((b[i] as number) << 24) >>> 0) + (((b[i + 1] as number) << 16) | ((b[i + 2] as number) << 8) | (b[i + 3] as number));
