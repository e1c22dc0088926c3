/** Decoded pixels as the image step takes them in-process, and the check that a value is such pixels (no schema library). */
/** Decoded pixels: `ImageData` has this shape (RGBA); decoders return 1-4 channels, interleaved, row-major. */
export interface RawImage {
  width: number;
  height: number;
  /** Interleaved channels per pixel; `ImageData` omits it (4). */
  channels?: 1 | 2 | 3 | 4;
  data: Uint8Array | Uint8ClampedArray;
}

/** Decoded pixels handed in-process (`ImageData` and the decoders' output have this shape). */
export function isRawImage(v: unknown): v is RawImage {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r["width"] === "number" && typeof r["height"] === "number" && (r["data"] instanceof Uint8Array || r["data"] instanceof Uint8ClampedArray);
}
