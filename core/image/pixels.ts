/**
 * Decoded pixels as every image step passes them on: interleaved 8-bit channels, row-major, no padding between rows.
 *
 * `ImageData` (browsers, OffscreenCanvas) fits the input shape as is: it has no `channels` and is RGBA.
 *
 * @example
 * ```ts
 * const px = asPixels({ width: 2, height: 1, data: new Uint8ClampedArray(8) }); // channels 4, like ImageData
 * ```
 */
import { EdgeMlError } from "../errors.ts";

export type ChannelCount = 1 | 2 | 3 | 4;

/** Pixels as this module produces them. 1 = gray, 2 = gray + alpha, 3 = RGB (or BGR), 4 = RGBA. */
export interface Pixels {
  width: number;
  height: number;
  channels: ChannelCount;
  data: Uint8Array;
}

/** Pixels as callers may hand them in: `ImageData` omits `channels` (4) and holds a Uint8ClampedArray. */
export interface PixelsLike {
  width: number;
  height: number;
  channels?: ChannelCount | undefined;
  data: Uint8Array | Uint8ClampedArray;
}

/** Check the geometry of caller-supplied pixels and view them as {@link Pixels} (no copy). */
export function asPixels(image: PixelsLike, path = "(image)"): Pixels {
  const { width, height } = image;
  const channels = image.channels ?? 4;
  const ok = Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0 && [1, 2, 3, 4].includes(channels);
  if (!ok || image.data.length !== width * height * channels) {
    throw new EdgeMlError("ERR_BAD_INPUT", `${path}: pixels do not match their size`, {
      issues: [{ path, message: `expected ${width}×${height}×${channels} = ${width * height * channels} bytes, got ${image.data.length}` }],
      hint: "pass { width, height, channels (1-4, default 4 as in ImageData), data } with interleaved 8-bit channels, row-major",
    });
  }
  const data = image.data instanceof Uint8Array ? image.data : new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length);
  return { width, height, channels, data };
}

export const isPixelsLike = (value: unknown): value is PixelsLike =>
  typeof value === "object" &&
  value !== null &&
  "width" in value &&
  "height" in value &&
  "data" in value &&
  (value.data instanceof Uint8Array || value.data instanceof Uint8ClampedArray);
