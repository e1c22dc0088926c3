// Image preprocessing against Pillow 9.4 / torchvision: test/fixtures/images/make_fixtures.py wrote the images and
// reference.json (decoded pixels, Image.resize outputs, full ImageStep tensors); CI has no Python, so they are committed.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { EdgeMlError } from "../../../core/errors.ts";
import { decodeBase64 } from "../../../core/media/base64.ts";
import { MediaError } from "../../../core/media/errors.ts";
import { decodeImage } from "../../../core/media/image-decode.ts";
import { type ResizeFilter, resizeImage } from "../../../core/media/image-resize.ts";
import { imageTensorDims } from "../../../core/media/image-dims.ts";
import { imageToTensor, writeImageTensor } from "../../../core/media/image-tensor.ts";
import type { RawImage } from "../../../core/media/raw-image.ts";
import { ImageStep } from "../../../core/schema/preprocessing.ts";

const DIR = new URL("../../fixtures/images/", import.meta.url);
const file = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));
interface DecodeRef {
  width: number;
  height: number;
  channels: number;
  data?: string;
  sha256?: string;
}
const ref = JSON.parse(readFileSync(new URL("reference.json", DIR), "utf8")) as {
  decode: Record<string, DecodeRef>;
  resize: { src: string; width: number; height: number; filter: ResizeFilter; data?: string; sha256?: string }[];
  tensor: { image: string; step: Record<string, unknown>; dims: number[]; data: string; torchvision?: boolean }[];
};
const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"));
const floats = (b64: string) => new Float32Array(bytes(b64).buffer);
const sha256 = (data: Uint8Array | Uint8ClampedArray) => createHash("sha256").update(data).digest("hex");
const step = (s: Record<string, unknown>) => ImageStep.parse({ op: "image", feature: "photo", input: "pixels", ...s });

function diffStats(a: ArrayLike<number>, b: ArrayLike<number>) {
  expect(a.length).toBe(b.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.length };
}

function badInput(fn: () => unknown): MediaError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).code).toBe("ERR_BAD_INPUT");
    expect((err as MediaError).hint).toBeTruthy();
    return err as MediaError;
  }
  throw new Error("expected a MediaError");
}

describe("decodeImage", () => {
  const pngs = Object.entries(ref.decode).filter(([name]) => name.endsWith(".png"));
  test.each(pngs)("%s decodes to Pillow's exact pixels", (name, r) => {
    const img = decodeImage(file(name));
    expect({ width: img.width, height: img.height, channels: img.channels }).toEqual({ width: r.width, height: r.height, channels: r.channels });
    if (r.data !== undefined) expect(Buffer.from(img.data).equals(Buffer.from(bytes(r.data)))).toBe(true);
    else expect(sha256(img.data)).toBe(r.sha256);
  });

  // Chroma upsampling and YCbCr → RGB follow libjpeg-turbo (core/media/jpeg-color.ts); only jpeg-js's IDCT rounding
  // remains. Measured: 4:2:0 baseline max 3 / mean 0.125, progressive 3 / 0.157, 4:4:4 3 / 0.159, gray 1 / 0.073
  // (jpeg-js's own chroma repetition was 26 / 4.64 on the 4:2:0 image).
  test.each([
    ["baseline.jpg", 3, 0.15],
    ["progressive.jpg", 3, 0.18],
    ["nosubsample.jpg", 3, 0.18],
    ["gray.jpg", 1, 0.08],
  ] as const)("%s is within max %i / mean %f of Pillow's decode", (name, max, mean) => {
    const r = ref.decode[name] as DecodeRef;
    const img = decodeImage(file(name));
    expect([img.width, img.height, img.channels]).toEqual([r.width, r.height, 3]);
    const d = diffStats(img.data, bytes(r.data as string));
    expect(d.max).toBeLessThanOrEqual(max);
    expect(d.mean).toBeLessThanOrEqual(mean);
  });

  test("refuses what it cannot decode, saying what the bytes are", () => {
    expect(badInput(() => decodeImage(new TextEncoder().encode("GIF89a\x01\x00"))).message).toBe("not a PNG or JPEG (first bytes 47 49 46 38: a GIF?)");
    expect(badInput(() => decodeImage(new Uint8Array())).message).toBe("not a PNG or JPEG (no bytes at all)");
    expect(badInput(() => decodeImage(new TextEncoder().encode("iVBORw0KGgo"))).message).toMatch(/still in base64/);
    expect(badInput(() => decodeImage(file("gray2-interlaced.png"))).hint).toMatch(/without interlacing/);
  });

  test("refuses truncated and corrupt files", () => {
    const png = file("rgb.png");
    expect(badInput(() => decodeImage(png.subarray(0, 20))).message).toBe("truncated PNG: 20 bytes, too short for the IHDR header");
    expect(badInput(() => decodeImage(png.subarray(0, 500))).message).toBe("truncated PNG: chunk IDAT at byte 33 needs 2403 bytes, the file has 467 left");
    expect(badInput(() => decodeImage(png.subarray(0, png.length - 12))).message).toMatch(/without an IEND chunk/);
    const flipped = png.slice();
    flipped[300] = (flipped[300] as number) ^ 0xff;
    expect(badInput(() => decodeImage(flipped)).message).toMatch(/^corrupt PNG: CRC mismatch for chunk IDAT/);

    const jpg = file("baseline.jpg");
    expect(badInput(() => decodeImage(jpg.subarray(0, 100))).message).toMatch(/^truncated JPEG: no frame header/);
    expect(badInput(() => decodeImage(jpg.subarray(0, 1000))).message).toMatch(/^corrupt or truncated JPEG: /);
    const broken = jpg.slice();
    broken.fill(0, 400, 420);
    expect(badInput(() => decodeImage(broken)).message).toMatch(/^corrupt or truncated JPEG: /);
  });

  test("refuses a header declaring 60000x60000 before decoding anything", () => {
    for (const name of ["bomb.png", "bomb.jpg"]) {
      const kind = name.endsWith("png") ? "PNG" : "JPEG";
      expect(badInput(() => decodeImage(file(name))).message).toBe(`${kind} image is 60000x60000 = 3600 MP, over the limit of 40 MP`);
    }
    // The limit is the caller's: a small one refuses a small image.
    expect(badInput(() => decodeImage(file("rgb.png"), { maxPixels: 800 })).message).toBe("PNG image is 37x23 = 0 MP, over the limit of 0 MP");
    expect(decodeImage(file("rgb.png"), { maxPixels: 851 }).width).toBe(37);
  });
});

describe("resizeImage", () => {
  const sources: Record<string, RawImage> = {
    "rgb.png": decodeImage(file("rgb.png")),
    "rgb.png:L": decodeImage(file("gray.png")), // gray.png is Pillow's convert("L") of rgb.png
    "big.png": decodeImage(file("big.png")),
  };
  const cases = ref.resize.map((r) => [`${r.src} ${r.filter} to ${r.width}x${r.height}`, r] as const);

  test.each(cases)("%s matches Pillow", (_, r) => {
    const out = resizeImage(sources[r.src] as RawImage, r.width, r.height, r.filter);
    expect([out.width, out.height]).toEqual([r.width, r.height]);
    if (r.sha256 !== undefined) {
      expect(sha256(out.data)).toBe(r.sha256);
      return;
    }
    const d = diffStats(out.data, bytes(r.data as string));
    // Measured: every bilinear case is bit-exact (the integer pipeline is ported as is); 1 is the contract.
    expect(d.max).toBe(0);
  });

  test("an image already at the size is returned untouched", () => {
    const img = sources["rgb.png"] as RawImage;
    expect(resizeImage(img, 37, 23, "bilinear")).toBe(img);
    expect(resizeImage(img, 37, 23, "nearest")).toBe(img);
  });
});

describe("image tensors", () => {
  test.each(ref.tensor.map((r) => [`${r.image} ${r.torchvision ? "torchvision" : "PIL+numpy"} ${JSON.stringify(r.step)}`, r] as const))("%s", (_, r) => {
    const s = step(r.step);
    expect(imageTensorDims(s)).toEqual(r.dims);
    const got = imageToTensor(file(r.image), s);
    // float64 arithmetic stored as float32 against numpy's (or torch's float32): a few ULP apart at most.
    expect(diffStats(got, floats(r.data)).max).toBeLessThan(1e-6);
  });

  test("an image already at the size passes through unresampled", () => {
    const img = decodeImage(file("rgb.png"));
    const got = imageToTensor(img, step({ size: [23, 37], layout: "nhwc", scale: 1 }));
    expect(Array.from(got)).toEqual(Array.from(img.data));
  });

  test("writes instance i of a batch at its offset, leaving the rest alone", () => {
    const s = step({ size: [4, 5], channels: "gray", scale: 1 });
    const img: RawImage = { width: 5, height: 4, data: new Uint8ClampedArray(80).fill(200) }; // RGBA, as ImageData
    const out = new Float32Array(60).fill(-1);
    writeImageTensor(img, s, out, 20);
    expect(Array.from(out.subarray(0, 20))).toEqual(Array(20).fill(-1));
    expect(Array.from(out.subarray(20, 40))).toEqual(Array(20).fill(200));
    expect(Array.from(out.subarray(40))).toEqual(Array(20).fill(-1));
  });

  test("refuses pixels that do not match their size, and steps that cannot apply", () => {
    const s = step({ size: [4, 4] });
    expect(badInput(() => imageToTensor({ width: 4, height: 4, channels: 3, data: new Uint8Array(47) }, s)).message).toBe(
      "image data holds 47 bytes, 4x4 with 3 channels needs 48",
    );
    const img: RawImage = { width: 4, height: 4, channels: 1, data: new Uint8Array(16) };
    expect(() => imageToTensor(img, step({ size: [4, 4], mean: [0.5, 0.5], std: [1] }))).toThrow(
      new EdgeMlError("ERR_BAD_CONFIG", 'image step "photo": mean has 2 values, channels "rgb" has 3', {
        hint: "give one mean for all channels or one per channel (3)",
      }),
    );
    expect(() => imageTensorDims(step({ size: [4, 4], crop: [5, 4] }))).toThrow(/crop \[5, 4\] is larger than size \[4, 4\]/);
  });
});

describe("decodeBase64", () => {
  const png = file("rgb.png");
  const b64 = Buffer.from(png).toString("base64");

  test("standard, URL-safe, unpadded and line-wrapped base64", () => {
    expect(Buffer.from(decodeBase64(b64)).equals(Buffer.from(png))).toBe(true);
    const url = Buffer.from(png).toString("base64url");
    expect(url).toMatch(/[-_]/);
    expect(Buffer.from(decodeBase64(url)).equals(Buffer.from(png))).toBe(true);
    const wrapped = (b64.match(/.{1,76}/g) as string[]).join("\r\n");
    expect(Buffer.from(decodeBase64(` ${wrapped}\n`)).equals(Buffer.from(png))).toBe(true);
    for (let n = 0; n < 6; n++) {
      const part = png.subarray(0, n);
      expect(Array.from(decodeBase64(Buffer.from(part).toString("base64").replace(/=+$/, "")))).toEqual(Array.from(part));
    }
  });

  test("names the offset of the first bad character", () => {
    expect(badInput(() => decodeBase64("iVBO%w0K")).message).toBe('invalid base64: character "%" (U+0025) at offset 4');
    expect(badInput(() => decodeBase64("iVBOé")).message).toBe('invalid base64: character "é" (U+00E9) at offset 4');
    expect(badInput(() => decodeBase64("iV==BO")).message).toBe('invalid base64: data after the padding "=" at offset 2');
    expect(badInput(() => decodeBase64("iVBOR")).message).toBe("invalid base64: 5 symbols, one too many for whole bytes (truncated?)");
  });
});
