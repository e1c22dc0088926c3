/**
 * What the in-page predictor accepts for an image feature, turned into what `core/media` reads: encoded bytes pass
 * through (decoded later by `decodeImage`, pixel-identical to Pillow for PNG), pixels pass through, and DOM sources
 * (`<img>`, `<canvas>`, `ImageBitmap`, `OffscreenCanvas`, `VideoFrame`) are drawn to a canvas and read back as RGBA.
 *
 * Canvas pixels are the browser's rendering: color management may change them, and alpha is premultiplied on the way
 * through, so they can differ from a decoder's by a few levels. For training parity, pass the file's bytes.
 * Every DOM check goes through `globalThis`, so this module imports (and its byte paths work) in Workers and Node.
 *
 * @example
 * ```ts
 * const input = toRawImage(document.querySelector("img")!); // { width, height, channels: 4, data }
 * const bytes = toRawImage(await file.arrayBuffer()); // Uint8Array, decoded by the preprocessing step
 * ```
 */
import type { RawImage } from "../core/media/raw-image.ts";
import { MediaError } from "../core/media/errors.ts";

/** The parts of `HTMLImageElement` read here (runtime/ is type-checked without the DOM lib). */
export interface ImageElementLike {
  readonly naturalWidth: number;
  readonly naturalHeight: number;
  readonly complete: boolean;
}

/** The parts of `HTMLCanvasElement` read here. */
export interface CanvasElementLike {
  readonly width: number;
  readonly height: number;
  readonly nodeName: string;
}

export type ImageSource = ImageData | ImageBitmap | OffscreenCanvas | VideoFrame | ImageElementLike | CanvasElementLike | RawImage | Uint8Array | ArrayBuffer;

/** Bytes and pixels pass through; DOM image sources become RGBA pixels (channels 4). */
export function toRawImage(source: ImageSource): RawImage | Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  // RawImage, and ImageData (which has its shape: RGBA, `channels` absent).
  if ("data" in source) return source;
  const { width, height } = sizeOf(source);
  if (width === 0 || height === 0) {
    throw new MediaError(
      `the image source has no pixels yet (${width}x${height})`,
      "wait for it to load first (`await img.decode()`, or the video's `loadeddata` event)",
    );
  }
  const ctx = context2d(width, height);
  try {
    ctx.drawImage(source as CanvasImageSource, 0, 0, width, height);
    return { width, height, channels: 4, data: ctx.getImageData(0, 0, width, height).data };
  } catch (err) {
    throw new MediaError(
      `could not read the pixels of the image source: ${(err as Error).message}`,
      "a cross-origin image taints the canvas: serve it with CORS and set img.crossOrigin = 'anonymous', or pass its bytes",
      err,
    );
  }
}

function sizeOf(source: Exclude<ImageSource, RawImage | ImageData | Uint8Array | ArrayBuffer>): { width: number; height: number } {
  if ("naturalWidth" in source) return { width: source.naturalWidth, height: source.naturalHeight };
  if ("displayWidth" in source) return { width: source.displayWidth, height: source.displayHeight };
  return { width: source.width, height: source.height };
}

interface Context2d {
  drawImage(image: CanvasImageSource, dx: number, dy: number, dw: number, dh: number): void;
  getImageData(sx: number, sy: number, sw: number, sh: number): ImageData;
}

interface DocumentLike {
  createElement(tag: "canvas"): { width: number; height: number; getContext(id: "2d", options?: object): Context2d | null };
}

/** An OffscreenCanvas where there is one (workers, modern browsers), else a detached `<canvas>`. */
function context2d(width: number, height: number): Context2d {
  // willReadFrequently keeps the canvas in CPU memory: one getImageData after a draw, no GPU readback stall.
  const options = { willReadFrequently: true };
  let ctx: Context2d | null = null;
  if (typeof globalThis.OffscreenCanvas === "function") {
    ctx = new OffscreenCanvas(width, height).getContext("2d", options);
  } else {
    const doc = (globalThis as { document?: DocumentLike }).document;
    if (doc !== undefined) {
      const canvas = doc.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      ctx = canvas.getContext("2d", options);
    }
  }
  if (ctx === null) {
    throw new MediaError(
      "no 2D canvas here to read the image source's pixels",
      "pass the image's encoded bytes (PNG or JPEG) or its pixels ({width, height, data}) instead",
    );
  }
  return ctx;
}
