import { describe, expect, it } from "vitest";
import { EdgeMlError } from "../../../core/errors.ts";
import { base64ToBytes } from "../../../core/image/base64.ts";
import { toChannels } from "../../../core/image/channels.ts";
import { decodeImage } from "../../../core/image/decode.ts";
import { checkImageOptions, type ImageOptions, imageTensorShape, imageToTensor } from "../../../core/image/pipeline.ts";
import { bytes, diff, expected, floats, sourceBytes } from "./fixtures.ts";

describe("toChannels('gray') equals Pillow's convert('L')", () => {
  for (const c of expected.gray) {
    it(c.source, () => expect(diff(toChannels(decodeImage(sourceBytes(c.source)), "gray").data, bytes(c.gray))).toEqual({ count: 0, max: 0 }));
  }
});

describe("imageToTensor equals the torchvision transform it stands for", () => {
  for (const c of expected.pipeline) {
    const { source: name, shape, tensor, ...options } = c;
    it(`${name} ${JSON.stringify(options)}`, () => {
      const step = options as unknown as ImageOptions;
      expect(imageTensorShape(step)).toEqual(shape);
      const out = imageToTensor({ b64: Buffer.from(sourceBytes(name)).toString("base64") }, step);
      const ref = floats(tensor);
      // PNG pixels are exact, so only float rounding remains (one float32 step of a value up to ~2.6 ≈ 2.4e-7). A JPEG's
      // pixels may differ by the IDCT (≤ 3 levels), which the scale and std turn into ≤ 3 / 255 / 0.225 ≈ 0.053.
      const { max } = diff(out, ref);
      expect(out.length).toBe(ref.length);
      expect(max).toBeLessThanOrEqual(name.endsWith(".jpg") ? 0.06 : 1e-6);
    });
  }
});

describe("imageToTensor", () => {
  const step: ImageOptions = { size: [8, 6], mean: [0.5], std: [0.25] };

  it("takes bytes, an ArrayBuffer, {b64} and ImageData-like pixels alike", () => {
    const png = sourceBytes("rgba.png");
    const fromBytes = imageToTensor(png, step);
    const rgba = decodeImage(png);
    const imageData = { width: rgba.width, height: rgba.height, data: new Uint8ClampedArray(rgba.data) };
    for (const value of [png.slice().buffer, { b64: Buffer.from(png).toString("base64") }, imageData]) {
      expect(imageToTensor(value, step)).toEqual(fromBytes);
    }
  });

  it("writes one example of a batch at its offset and leaves the rest", () => {
    const out = new Float32Array(2 * 3 * 8 * 6).fill(7);
    imageToTensor(sourceBytes("rgb.png"), step, { out, offset: 3 * 8 * 6 });
    expect(out.subarray(0, 144).every((v) => v === 7)).toBe(true);
    expect(out.subarray(144)).toEqual(imageToTensor(sourceBytes("rgb.png"), step));
  });

  it("puts channels last for nhwc", () => {
    const nchw = imageToTensor(sourceBytes("rgb.png"), step);
    const nhwc = imageToTensor(sourceBytes("rgb.png"), { ...step, layout: "nhwc" });
    expect(imageTensorShape({ ...step, layout: "nhwc" })).toEqual([8, 6, 3]);
    for (const [c, y, x] of [
      [0, 0, 0],
      [2, 7, 5],
      [1, 3, 2],
    ] as const)
      expect(nhwc[(y * 6 + x) * 3 + c]).toBe(nchw[c * 48 + y * 6 + x]);
  });

  it("reverses the channels for bgr", () => {
    const rgb = imageToTensor(sourceBytes("rgb.png"), step);
    const bgr = imageToTensor(sourceBytes("rgb.png"), { ...step, channels: "bgr" });
    expect(bgr.subarray(0, 48)).toEqual(rgb.subarray(96, 144));
    expect(bgr.subarray(48, 96)).toEqual(rgb.subarray(48, 96));
  });

  it("says what it got instead of an image", () => {
    let caught: unknown;
    try {
      imageToTensor({ url: "https://example.com/cat.png" } as never, step, { path: "instances[0].photo" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EdgeMlError);
    expect((caught as EdgeMlError).message).toMatchInlineSnapshot(`"instances[0].photo: expected an image, got an object with keys url"`);
  });

  it("refuses an output array that is too small", () => {
    expect(() => imageToTensor(sourceBytes("rgb.png"), step, { out: new Float32Array(100) })).toThrow(/room for 100 values/);
  });

  it("checkImageOptions flags mean/std lengths that fit neither 1 nor the channel count", () => {
    expect(checkImageOptions({ size: [4, 4], mean: [0.5, 0.5], std: [1, 1, 1] }, "preprocessing.steps[0]")).toEqual([
      { path: "preprocessing.steps[0].mean", message: "has 2 values; rgb images have 3 channel(s): give 1 or 3" },
    ]);
    expect(checkImageOptions({ size: [4, 4], channels: "gray", mean: [0.5], std: [0.5] })).toEqual([]);
  });
});

describe("base64ToBytes", () => {
  const random = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919 + (i >> 3) * 31) & 255);

  it("decodes what Node's Buffer encodes, at every length mod 3, padded or not, URL-safe or not", () => {
    for (const n of [0, 1, 2, 3, 998, 999, 1000]) {
      const bytes = random.subarray(0, n);
      const std = Buffer.from(bytes).toString("base64");
      expect(base64ToBytes(std)).toEqual(bytes);
      expect(base64ToBytes(std.replace(/=+$/, ""))).toEqual(bytes);
      expect(base64ToBytes(Buffer.from(bytes).toString("base64url"))).toEqual(bytes);
    }
  });

  it("skips line breaks and spaces, as wrapped base64 output has them", () => {
    const b64 = Buffer.from(random).toString("base64");
    expect(base64ToBytes(`${b64.replace(/(.{76})/g, "$1\r\n")} \n`)).toEqual(random);
  });

  it("accepts a data: URL", () => {
    const png = sourceBytes("gray.png");
    expect(base64ToBytes(`data:image/png;base64,${Buffer.from(png).toString("base64")}`)).toEqual(png);
  });

  it("names the bad character and where it is", () => {
    expect(() => base64ToBytes("iVBO*Rw0K", "instances[0].photo.b64")).toThrow(`instances[0].photo.b64: character "*" at offset 4 is not base64`);
    expect(() => base64ToBytes("iVBOR")).toThrow(/5 base64 characters cannot encode whole bytes/);
  });
});
