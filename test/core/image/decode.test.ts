import { decode as jpegJs } from "jpeg-js";
import { describe, expect, it } from "vitest";
import { toChannels } from "../../../core/image/channels.ts";
import { decodeImage, readImageHeader } from "../../../core/image/decode.ts";
import { EdgeMlError } from "../../../core/errors.ts";
import { bytes, diff, expected, source, sourceBytes } from "./fixtures.ts";

const meanAbs = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - (b[i] as number)), 0) / a.length;

describe("decodeImage matches Pillow's Image.open(...).convert('RGB')", () => {
  for (const c of expected.decode) {
    const png = c.source.endsWith(".png");
    it(`${c.source} (Pillow mode ${c.mode})${png ? " exactly" : " within the JPEG IDCT tolerance"}`, () => {
      const decoded = decodeImage(sourceBytes(c.source));
      expect([decoded.width, decoded.height]).toEqual([c.width, c.height]);
      const rgb = toChannels(decoded, "rgb").data;
      const ref = bytes(c.rgb);
      if (png) {
        expect(diff(rgb, ref)).toEqual({ count: 0, max: 0 });
      } else {
        // Chroma upsampling and color conversion follow libjpeg-turbo; only jpeg-js's IDCT differs (measured: ≤ 3
        // levels, mean ≤ 0.18 on these images; jpeg-js alone on the 4:2:0 ones: up to 86 levels, mean 14.6).
        expect(diff(rgb, ref).max).toBeLessThanOrEqual(3);
        expect(meanAbs(rgb, ref)).toBeLessThan(0.25);
      }
    });
  }

  it("needs the libjpeg-style upsampling: jpeg-js's own 4:2:0 output is far from Pillow's", () => {
    const ref = bytes(expected.decode.find((c) => c.source === "photo-420.jpg")?.rgb ?? "");
    const own = jpegJs(sourceBytes("photo-420.jpg"), { useTArray: true, formatAsRGBA: false }).data;
    expect(diff(own, ref).max).toBeGreaterThan(30);
  });

  it("keeps alpha and gray as decoded, for the caller to convert", () => {
    expect(decodeImage(sourceBytes("rgba.png")).channels).toBe(4);
    expect(decodeImage(sourceBytes("gray-alpha.png")).channels).toBe(2);
    expect(decodeImage(sourceBytes("gray4.png")).channels).toBe(1);
    expect(source("palette.png").channels).toBe(3);
  });
});

describe("readImageHeader", () => {
  it("reads format and size without decoding", () => {
    for (const c of expected.decode) {
      const format = c.source.endsWith(".png") ? "png" : "jpeg";
      expect(readImageHeader(sourceBytes(c.source))).toEqual({ format, width: c.width, height: c.height });
    }
  });

  it("returns undefined for other formats", () => {
    expect(readImageHeader(new TextEncoder().encode("GIF89a........................"))).toBeUndefined();
    expect(readImageHeader(new Uint8Array(0))).toBeUndefined();
  });
});

describe("decodeImage errors", () => {
  const error = (f: () => unknown): EdgeMlError => {
    try {
      f();
    } catch (e) {
      if (e instanceof EdgeMlError) return e;
      throw e;
    }
    throw new Error("did not throw");
  };

  it("names the field and the format it saw", () => {
    const e = error(() => decodeImage(new TextEncoder().encode("GIF89a\x01\x00\x01\x00"), { path: "instances[2].photo" }));
    expect(e.code).toBe("ERR_BAD_INPUT");
    expect(e.message).toMatchInlineSnapshot(`"instances[2].photo: not a PNG or JPEG image (10 bytes starting 47 49 46 38 39 61 01 00)"`);
    expect(e.issues).toEqual([{ path: "instances[2].photo", message: expect.stringContaining("not a PNG or JPEG") }]);
    expect(e.hint).toMatchInlineSnapshot(`"convert it to PNG or JPEG first"`);
  });

  it("refuses an image over the pixel limit from its header, before decoding", () => {
    const e = error(() => decodeImage(sourceBytes("rgb.png"), { maxPixels: 100, path: "photo" }));
    expect(e.message).toMatchInlineSnapshot(`"photo: the image is 37×23 (851 pixels), over the limit of 100 pixels"`);
  });

  it("reports a truncated file as corrupt, not as a crash", () => {
    for (const name of ["rgb.png", "photo-420.jpg"]) {
      const whole = sourceBytes(name);
      const e = error(() => decodeImage(whole.subarray(0, Math.floor(whole.length / 2)), { path: "x" }));
      expect(e.code).toBe("ERR_BAD_INPUT");
      expect(e.message).toMatch(/^x: the (PNG|JPEG) could not be decoded: /);
    }
  });
});
