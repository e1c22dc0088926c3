// The pass-through paths of toRawImage, which run everywhere; drawing DOM sources needs a browser (the Chromium tests).
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { MediaError } from "../../core/media/errors.ts";
import { imageToTensor } from "../../core/media/image-tensor.ts";
import type { RawImage } from "../../core/media/raw-image.ts";
import { ImageStep } from "../../core/schema/preprocessing.ts";
import { toRawImage } from "../../runtime/browser-image.ts";

test("encoded bytes pass through as bytes, an ArrayBuffer without a copy", () => {
  const png = new Uint8Array(readFileSync(new URL("../fixtures/images/rgb.png", import.meta.url)));
  expect(toRawImage(png)).toBe(png);
  const view = toRawImage(png.buffer as ArrayBuffer) as Uint8Array;
  expect(view.buffer).toBe(png.buffer);
  const step = ImageStep.parse({ op: "image", feature: "photo", input: "x", size: [23, 37], scale: 1 });
  expect(imageToTensor(view, step)).toEqual(imageToTensor(png, step));
});

test("pixels (RawImage, or ImageData's shape) pass through untouched", () => {
  const rgba: RawImage = { width: 2, height: 1, data: new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 255]) };
  expect(toRawImage(rgba)).toBe(rgba);
  const gray: RawImage = { width: 1, height: 1, channels: 1, data: new Uint8Array([9]) };
  expect(toRawImage(gray)).toBe(gray);
});

test("a DOM source that has not loaded, or no canvas to draw on, is a MediaError with a way out", () => {
  const pending = { naturalWidth: 0, naturalHeight: 0, complete: false };
  expect(() => toRawImage(pending)).toThrow(/^the image source has no pixels yet \(0x0\)$/);
  // Node has neither OffscreenCanvas nor document.
  const loaded = { naturalWidth: 4, naturalHeight: 3, complete: true };
  let err: unknown;
  try {
    toRawImage(loaded);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(MediaError);
  expect((err as MediaError).message).toBe("no 2D canvas here to read the image source's pixels");
  expect((err as MediaError).hint).toMatch(/encoded bytes/);
});
