/**
 * PNG and JPEG bytes to 8-bit pixels, in pure JavaScript (fast-png, jpeg-js) so it runs in workerd, Deno, browsers
 * and Node alike. Pixels match Pillow's: PNG exactly (every color type and bit depth, palette with tRNS, Adam7 at 8
 * and 16 bits); JPEG within 3 levels (jpeg-js's IDCT; chroma upsampling and colour as libjpeg-turbo, jpeg-color.ts).
 *
 * Untrusted input is the normal case here, so the declared size is read from the header (PNG IHDR, JPEG SOF) and
 * checked against `maxPixels` before a decoder allocates anything, and every decoder failure becomes a `MediaError`.
 *
 * @example
 * ```ts
 * const img = decodeImage(bytes); // { width, height, channels: 1 | 2 | 3 | 4, data: Uint8Array }
 * ```
 */
import { decode as decodePng } from "fast-png";
import jpeg from "jpeg-js";
import { libjpegColor, readLayout, wantsLibjpegColor } from "./jpeg-color.ts";
import type { RawImage } from "./raw-image.ts";
import { MediaError } from "./errors.ts";

const DEFAULT_MAX_PIXELS = 40_000_000;

export interface DecodeLimits {
  /** Largest width × height accepted, checked on the header before decoding (default 40 MP). */
  maxPixels?: number;
}

const HINT = "send PNG or JPEG bytes (base64 in JSON as {b64}); other formats need converting first";

/** Decode PNG or JPEG bytes (detected by their magic bytes) into interleaved 8-bit pixels. */
export function decodeImage(bytes: Uint8Array, limits: DecodeLimits = {}): RawImage {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (isPng(bytes)) return decodePngImage(bytes, maxPixels);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpegImage(bytes, maxPixels);
  throw new MediaError(`not a PNG or JPEG (${describeStart(bytes)})`, HINT);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (b: Uint8Array) => PNG_SIGNATURE.every((v, i) => b[i] === v);

const SIGNATURES: [number[], string][] = [
  [[0x47, 0x49, 0x46, 0x38], "a GIF?"],
  [[0x52, 0x49, 0x46, 0x46], "a RIFF file: WebP or WAV?"],
  [[0x42, 0x4d], "a BMP?"],
  [[0x49, 0x49, 0x2a, 0x00], "a TIFF?"],
  [[0x4d, 0x4d, 0x00, 0x2a], "a TIFF?"],
  [[0x00, 0x00, 0x00], "an ISO-BMFF file: HEIC or AVIF?"],
  [[0x89, 0x50, 0x4e, 0x47], "a damaged PNG signature?"],
  [[0x69, 0x56, 0x42, 0x4f], "PNG bytes still in base64?"],
  [[0x2f, 0x39, 0x6a], "JPEG bytes still in base64?"],
];

function describeStart(b: Uint8Array): string {
  if (b.length === 0) return "no bytes at all";
  const hex = Array.from(b.subarray(0, 4), (v) => v.toString(16).padStart(2, "0")).join(" ");
  const guess = SIGNATURES.find(([sig]) => sig.every((v, i) => b[i] === v))?.[1];
  return `first bytes ${hex}${guess === undefined ? "" : `: ${guess}`}`;
}

function checkPixels(kind: string, width: number, height: number, maxPixels: number): void {
  if (width * height <= maxPixels) return;
  const mp = (n: number) => `${Math.round(n / 1e5) / 10} MP`;
  throw new MediaError(
    `${kind} image is ${width}x${height} = ${mp(width * height)}, over the limit of ${mp(maxPixels)}`,
    "downscale the image before sending it, or raise maxPixels if the deployment can afford the memory",
  );
}

const be32 = (b: Uint8Array, o: number) => (((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number)) >>> 0;
const be16 = (b: Uint8Array, o: number) => ((b[o] as number) << 8) | (b[o + 1] as number);
const chunkName = (b: Uint8Array, o: number) => String.fromCharCode(...b.subarray(o, o + 4));

// Valid bit depths per PNG color type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA).
const PNG_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

function decodePngImage(bytes: Uint8Array, maxPixels: number): RawImage {
  if (bytes.length < 33 || chunkName(bytes, 12) !== "IHDR") {
    throw new MediaError(`truncated PNG: ${bytes.length} bytes, too short for the IHDR header`, HINT);
  }
  const width = be32(bytes, 16);
  const height = be32(bytes, 20);
  const depth = bytes[24] as number;
  const colorType = bytes[25] as number;
  const interlaced = bytes[28] === 1;
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new MediaError(`corrupt PNG: IHDR declares a ${width}x${height} image`, HINT);
  }
  if (!PNG_DEPTHS[colorType]?.includes(depth)) {
    throw new MediaError(`corrupt PNG: bit depth ${depth} is not valid for color type ${colorType}`, HINT);
  }
  checkPixels("PNG", width, height, maxPixels);
  if (interlaced && depth < 8) {
    // fast-png 8 de-interlaces 1/2/4-bit rows as if each pixel were a whole byte: refuse rather than return noise.
    throw new MediaError(`interlaced (Adam7) PNG with ${depth}-bit samples is not supported`, "re-save the PNG without interlacing, or with 8-bit samples");
  }
  checkPngChunks(bytes);
  let png: ReturnType<typeof decodePng>;
  try {
    png = decodePng(bytes, { checkCrc: true });
  } catch (err) {
    throw new MediaError(`corrupt PNG: ${(err as Error).message}`, HINT, err);
  }
  const channels = png.channels;
  const count = width * height;
  if (colorType === 3) return expandPalette(png.data, png.palette ?? [], width, height, depth);
  if (png.data.length !== count * channels && depth >= 8) {
    throw new MediaError(`corrupt PNG: image data holds ${png.data.length} samples, the header needs ${count * channels}`, HINT);
  }
  const out = { width, height, channels: channels as 1 | 2 | 3 | 4 };
  if (depth === 8) return { ...out, data: png.data as Uint8Array };
  if (depth === 16) {
    // Pillow keeps the high byte of 16-bit RGB, RGBA and LA samples; we do the same for 16-bit gray (which Pillow
    // opens as mode "I" and would clip at 255 on conversion, saturating nearly every pixel).
    const src = png.data;
    const data = new Uint8Array(src.length);
    for (let i = 0; i < src.length; i++) data[i] = (src[i] as number) >> 8;
    return { ...out, data };
  }
  return { ...out, data: unpackGray(png.data, width, height, depth) };
}

/** Walk the chunk list so a cut file is named as truncated (fast-png may otherwise decode missing rows as zeros). */
function checkPngChunks(bytes: Uint8Array): void {
  let o = 8;
  while (o + 8 <= bytes.length) {
    const length = be32(bytes, o);
    const name = chunkName(bytes, o + 4);
    if (o + 12 + length > bytes.length) {
      throw new MediaError(`truncated PNG: chunk ${name} at byte ${o} needs ${12 + length} bytes, the file has ${bytes.length - o} left`, HINT);
    }
    if (name === "IEND") return;
    o += 12 + length;
  }
  throw new MediaError(`truncated PNG: the file ends at byte ${bytes.length} without an IEND chunk`, HINT);
}

/** 1/2/4-bit gray rows (padded to whole bytes) to 8-bit, scaled to 0-255 as Pillow's L;1/L;2/L;4 unpackers do. */
function unpackGray(src: ArrayLike<number>, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  const factor = 255 / mask;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = src[y * rowBytes + (bit >> 3)] as number;
      out[y * width + x] = ((byte >> (8 - depth - (bit & 7))) & mask) * factor;
    }
  }
  return out;
}

/** Palette indices to RGB, or RGBA when tRNS gave the palette alpha; indices past the palette read black. */
function expandPalette(src: ArrayLike<number>, palette: number[][], width: number, height: number, depth: number): RawImage {
  const channels = palette[0]?.length === 4 ? 4 : 3;
  const table = new Uint8Array(256 * channels);
  palette.forEach((entry, i) => table.set(entry.slice(0, channels), i * channels));
  const data = new Uint8Array(width * height * channels);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const index = ((src[y * rowBytes + (bit >> 3)] as number) >> (8 - depth - (bit & 7))) & mask;
      const o = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) data[o + c] = table[index * channels + c] as number;
    }
  }
  return { width, height, channels, data };
}

/** Frame header (SOF) markers: C0-CF except DHT (C4), JPG (C8) and DAC (CC). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** Scan the marker segments up to the frame header and return its declared size, without decoding anything. */
function jpegSize(bytes: Uint8Array): { width: number; height: number } {
  let o = 2;
  while (o + 4 <= bytes.length) {
    if (bytes[o] !== 0xff) throw new MediaError(`corrupt JPEG: expected a marker at byte ${o}, found 0x${bytes[o]?.toString(16)}`, HINT);
    const marker = bytes[o + 1] as number;
    if (marker === 0xff) {
      o++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      o += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break;
    const length = be16(bytes, o + 2);
    if (isSof(marker)) {
      if (o + 9 > bytes.length) break;
      return { height: be16(bytes, o + 5), width: be16(bytes, o + 7) };
    }
    o += 2 + length;
  }
  throw new MediaError(`truncated JPEG: no frame header (SOF) in ${bytes.length} bytes`, HINT);
}

function decodeJpegImage(bytes: Uint8Array, maxPixels: number): RawImage {
  const { width, height } = jpegSize(bytes);
  if (width === 0 || height === 0) {
    throw new MediaError(`unsupported JPEG: the frame header declares ${width}x${height} (a DNL-sized or damaged frame)`, HINT);
  }
  checkPixels("JPEG", width, height, maxPixels);
  try {
    const layout = readLayout(bytes);
    const ycc = wantsLibjpegColor(layout);
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      // Planes as decoded; chroma upsampling and colour conversion then follow libjpeg-turbo (jpeg-color.ts).
      ...(ycc ? { colorTransform: false } : {}),
      // Strict: a damaged or cut scan is an error (as in Pillow), not an image with gray blocks.
      tolerantDecoding: false,
      maxResolutionInMP: Math.max(1, maxPixels / 1e6),
      maxMemoryUsageInMB: Math.max(512, Math.ceil((maxPixels * 16) / 2 ** 20)),
    });
    const data = ycc ? libjpegColor(img.data, img.width, img.height, layout) : img.data;
    return { width: img.width, height: img.height, channels: 3, data };
  } catch (err) {
    throw new MediaError(`corrupt or truncated JPEG: ${(err as Error).message}`, HINT, err);
  }
}
