/**
 * Fitting an image to a model's input size, with the arithmetic of the Python functions training code calls:
 * `contain` = Pillow's `ImageOps.pad` (keep the aspect ratio, pad the rest with one value, centered), `cover` =
 * `ImageOps.fit` (keep the aspect ratio, resample only the centered region that fills the size), and `centerCrop` =
 * torchvision's `CenterCrop` (zero-padded when the crop is larger than the image).
 *
 * @example
 * ```ts
 * contain(pixels, [224, 224], "bilinear", 114); // letterbox, as YOLO-style preprocessing does
 * ```
 */
import type { Pixels } from "./pixels.ts";
import { type ResizeFilter, resize } from "./resize.ts";

/** [height, width], the order of tensor shapes (Pillow's own sizes are (width, height)). */
export type Size = readonly [number, number];

/** Python's `round()`: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Scale to fit inside `size` keeping the aspect ratio (`ImageOps.contain`), then pad to `size` with `padValue`. */
export function contain(image: Pixels, size: Size, filter: ResizeFilter, padValue: number): Pixels {
  const [height, width] = size;
  let [h, w] = [height, width];
  const imageRatio = image.width / image.height;
  const sizeRatio = width / height;
  // The same float expressions as Pillow (its height / width * size, not size * height / width), rounded the same way.
  // Pillow would fail on a 0-pixel side; one row or column keeps extreme aspect ratios usable.
  if (imageRatio > sizeRatio) h = Math.max(1, roundHalfEven((image.height / image.width) * width));
  else if (imageRatio < sizeRatio) w = Math.max(1, roundHalfEven((image.width / image.height) * height));
  const resized = resize(image, w, h, filter);
  if (w === width && h === height) return resized;
  const c = image.channels;
  const out = new Uint8Array(width * height * c).fill(padValue);
  const left = w !== width ? roundHalfEven((width - w) * 0.5) : 0;
  const top = w !== width ? 0 : roundHalfEven((height - h) * 0.5);
  for (let y = 0; y < h; y++) out.set(resized.data.subarray(y * w * c, (y + 1) * w * c), ((top + y) * width + left) * c);
  return { width, height, channels: c, data: out };
}

/** Resample the largest centered region with the aspect ratio of `size` to exactly `size` (`ImageOps.fit`). */
export function cover(image: Pixels, size: Size, filter: ResizeFilter): Pixels {
  const [height, width] = size;
  const imageRatio = image.width / image.height;
  const sizeRatio = width / height;
  let cropW = image.width;
  let cropH = image.height;
  if (imageRatio > sizeRatio) cropW = sizeRatio * image.height;
  else if (imageRatio < sizeRatio) cropH = image.width / sizeRatio;
  const left = (image.width - cropW) * 0.5;
  const top = (image.height - cropH) * 0.5;
  return resize(image, width, height, filter, [left, top, left + cropW, top + cropH]);
}

/** The centered `size` region (torchvision `CenterCrop`); where it reaches past the image, pixels are 0. */
export function centerCrop(image: Pixels, size: Size): Pixels {
  const [height, width] = size;
  if (height === image.height && width === image.width) return image;
  const c = image.channels;
  // torchvision pads a too-small side by floor(diff / 2) before, or crops from round((side - crop) / 2).
  const at = (side: number, crop: number) => (crop > side ? -Math.floor((crop - side) / 2) : roundHalfEven((side - crop) / 2));
  const top = at(image.height, height);
  const left = at(image.width, width);
  const out = new Uint8Array(width * height * c);
  const x0 = Math.max(0, -left);
  const x1 = Math.min(width, image.width - left);
  for (let y = 0; y < height; y++) {
    const sy = top + y;
    if (sy < 0 || sy >= image.height || x1 <= x0) continue;
    const from = (sy * image.width + left + x0) * c;
    out.set(image.data.subarray(from, from + (x1 - x0) * c), (y * width + x0) * c);
  }
  return { width, height, channels: c, data: out };
}
