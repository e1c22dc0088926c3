import { describe, expect, it } from "vitest";
import { centerCrop, contain, cover } from "../../../core/image/fit.ts";
import { resize } from "../../../core/image/resize.ts";
import { bytes, diff, expected, source } from "./fixtures.ts";

describe("resize equals Pillow's Image.resize to the bit", () => {
  for (const c of expected.resize) {
    const [h, w] = c.size;
    it(`${c.source} (${c.mode}) → ${w}×${h} ${c.filter}${c.box ? ` box ${c.box.join(",")}` : ""}`, () => {
      const out = resize(source(c.source, c.mode), w, h, c.filter, c.box ?? undefined);
      expect([out.width, out.height]).toEqual([w, h]);
      expect(diff(out.data, bytes(c.pixels))).toEqual({ count: 0, max: 0 });
    });
  }
});

describe("contain and cover equal ImageOps.pad and ImageOps.fit", () => {
  for (const c of expected.fit) {
    it(`${c.source} (${c.mode}) ${c.fit} ${c.size[1]}×${c.size[0]} ${c.filter}`, () => {
      const image = source(c.source, c.mode);
      const out = c.fit === "contain" ? contain(image, c.size, c.filter, c.padValue) : cover(image, c.size, c.filter);
      expect([out.height, out.width]).toEqual(c.size);
      expect(diff(out.data, bytes(c.pixels))).toEqual({ count: 0, max: 0 });
    });
  }
});

describe("centerCrop equals torchvision's center_crop", () => {
  for (const c of expected.crop) {
    it(`${c.source} → ${c.size.join("×")}`, () => {
      const out = centerCrop(source(c.source), c.size);
      expect(diff(out.data, bytes(c.pixels))).toEqual({ count: 0, max: 0 });
    });
  }
});

describe("resize", () => {
  it("returns the image itself at its own size (Pillow copies without resampling)", () => {
    const image = source("rgb.png");
    expect(resize(image, image.width, image.height, "bilinear")).toBe(image);
  });

  it("keeps a flat image flat at any scale (weights sum to one in fixed point)", () => {
    const flat = { width: 7, height: 5, channels: 3 as const, data: new Uint8Array(7 * 5 * 3).fill(200) };
    for (const [w, h] of [
      [3, 2],
      [19, 23],
      [1, 1],
      [100, 3],
    ] as const) {
      expect(new Set(resize(flat, w, h, "bilinear").data)).toEqual(new Set([200]));
    }
  });
});
