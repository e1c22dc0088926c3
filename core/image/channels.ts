/**
 * Channel conversion before resizing, as Pillow's `convert("RGB")` / `convert("L")`: alpha is dropped, not composited
 * (a transparent pixel keeps its stored color), and gray is ITU-R 601-2 luma in Pillow's fixed point.
 *
 * @example
 * ```ts
 * toChannels(rgbaPixels, "gray"); // { channels: 1, ... }
 * ```
 */
import type { Pixels } from "./pixels.ts";

export type ChannelMode = "rgb" | "bgr" | "gray";

/** Convert to 3 channels (RGB or BGR order) or 1 (gray). Returns the input itself when it already matches. */
export function toChannels(image: Pixels, mode: ChannelMode): Pixels {
  const { width, height, channels: from, data } = image;
  const n = width * height;
  if (mode === "gray") {
    if (from === 1) return image;
    const out = new Uint8Array(n);
    if (from === 2) {
      for (let i = 0; i < n; i++) out[i] = data[i * 2] as number;
    } else {
      for (let i = 0, j = 0; i < n; i++, j += from) {
        // Pillow's L24: R*0.299 + G*0.587 + B*0.114 in 16.16 fixed point, rounded.
        out[i] = ((data[j] as number) * 19595 + (data[j + 1] as number) * 38470 + (data[j + 2] as number) * 7471 + 0x8000) >> 16;
      }
    }
    return { width, height, channels: 1, data: out };
  }
  if (from === 3 && mode === "rgb") return image;
  const out = new Uint8Array(n * 3);
  const [r, b] = mode === "rgb" ? [0, 2] : [2, 0];
  if (from <= 2) {
    for (let i = 0; i < n; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = data[i * from] as number;
  } else {
    for (let i = 0, j = 0, o = 0; i < n; i++, j += from, o += 3) {
      out[o + r] = data[j] as number;
      out[o + 1] = data[j + 1] as number;
      out[o + b] = data[j + 2] as number;
    }
  }
  return { width, height, channels: 3, data: out };
}
