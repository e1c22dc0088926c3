/**
 * The preprocessing contract of issue 12 as the predictor sees it: column ops on dates, buckets and hashes, int64
 * inputs, and image/audio steps that write model inputs directly, stacked into the batch, with every bad instance
 * named by its path. The media primitives themselves are checked against Pillow and scipy in test/core/media/.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { encode as encodePng } from "fast-png";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { EdgeMlError } from "../../core/errors.ts";
import { imageToTensor } from "../../core/media/image-tensor.ts";
import { createPreprocessor, validatePreprocessing } from "../../core/preprocess.ts";
import { MEDIA_STEPS } from "../../core/preprocess-media.ts";
import { FeatureSpec, type Instance } from "../../core/schema/features.ts";
import { Manifest, requiredSchemaVersion, type TensorSpec } from "../../core/schema/manifest.ts";
import { ImageStep, Preprocessing, type PreprocessingInput } from "../../core/schema/preprocessing.ts";
import { writeWav } from "../fixtures/audio/wav-writer.ts";
import { REPO_ROOT } from "../helpers/tmp.ts";

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** A w×h RGB PNG whose pixels follow a gradient, so resizing and channel order show in the numbers. */
function png(w: number, h: number): Uint8Array {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([(x * 255) / (w - 1), (y * 255) / (h - 1), 128], (y * w + x) * 3);
  return encodePng({ width: w, height: h, data, channels: 3, depth: 8 });
}

function badInput(run: () => unknown): EdgeMlError {
  try {
    run();
  } catch (err) {
    if (err instanceof EdgeMlError) return err;
    throw err;
  }
  throw new Error("expected ERR_BAD_INPUT");
}

describe("date_part, bucketize, hash_bucket into an int64 and a float input", () => {
  const pre = createPreprocessor(
    Preprocessing.parse({
      steps: [
        { op: "date_part", feature: "day", part: "year", output: "year" },
        { op: "date_part", feature: "day", part: "month", output: "month" },
        { op: "date_part", feature: "day", part: "hour", output: "hour_berlin", timeZone: "Europe/Berlin" },
        { op: "bucketize", feature: "humidity", boundaries: [30, 60, 90] },
        { op: "hash_bucket", feature: "station", buckets: 1000 },
      ],
      inputs: [
        { name: "x", columns: ["year", "month", "hour_berlin", "humidity"] },
        { name: "ids", dtype: "int64", columns: ["station"] },
      ],
    }),
  );

  it("derives calendar parts in the step's zone and writes whole numbers as BigInt64", () => {
    const feeds = pre.transform([
      { day: "2024-02-29T23:30:00Z", humidity: 60, station: "Alexanderplatz" },
      { day: Date.UTC(1999, 11, 31, 12), humidity: 29.9, station: "42" },
    ]);
    const x = feeds.get("x");
    // 23:30 UTC on Feb 29 is 00:30 on Mar 1 in Berlin: the hour is Berlin's, the year/month are UTC's.
    expect(Array.from(x?.data as Float32Array)).toEqual([2024, 2, 0, 2, 1999, 12, 13, 0]);
    const ids = feeds.get("ids");
    if (ids === undefined) throw new Error("no ids input");
    expect(ids.dtype).toBe("int64");
    expect(ids.data).toBeInstanceOf(BigInt64Array);
    expect(ids.dims).toEqual([2, 1]);
    // The integer 42 and the string "42" hash alike: integers hash by their decimal spelling.
    const again = pre.transform([{ day: "2024-01-01", humidity: 1, station: 42 }]).get("ids")?.data as BigInt64Array;
    expect(again[0]).toBe((ids.data as BigInt64Array)[1]);
    for (const v of ids.data as BigInt64Array) expect(v >= 0n && v < 1000n).toBe(true);
  });

  it("names every unparseable date by its instance and field", () => {
    const err = badInput(() =>
      pre.transform([
        { day: "2024-01-01", humidity: 1, station: "a" },
        { day: "2023-02-29", humidity: 1, station: "a" },
        { day: "yesterday", humidity: 1, station: true },
      ]),
    );
    expect(err.code).toBe("ERR_BAD_INPUT");
    const paths = err.issues?.map((i) => i.path);
    expect(paths).toEqual(["instances[1].day", "instances[2].day", "instances[2].station"]);
    expect(err.issues?.[0]?.message).toMatch(/2023-02-29/);
    expect(err.issues?.[0]?.message).toMatch(/ISO-8601/);
  });

  it("refuses a fraction for an int64 input", () => {
    const p = createPreprocessor(Preprocessing.parse({ inputs: [{ name: "ids", dtype: "int64", columns: ["id"] }] }));
    const err = badInput(() => p.transform([{ id: 2.5 }]));
    expect(err.issues?.[0]).toMatchObject({ path: "instances[0].id" });
    expect(err.issues?.[0]?.message).toMatch(/int64 and needs a whole number/);
  });
});

describe("image steps", () => {
  const step = ImageStep.parse({ op: "image", feature: "photo", input: "pixels", size: [8, 8], mean: [0.5], std: [0.5] });
  const pre = createPreprocessor(Preprocessing.parse({ steps: [step] }), MEDIA_STEPS);

  it("stacks one decoded, resized, normalized image per instance into [batch, 3, H, W]", () => {
    const a = png(16, 12);
    const b = png(8, 8);
    const out = pre.transform([{ photo: { b64: b64(a) } }, { photo: b }]).get("pixels");
    expect(out?.dims).toEqual([2, 3, 8, 8]);
    const data = out?.data as Float32Array;
    expect(Array.from(data.subarray(0, 192))).toEqual(Array.from(imageToTensor(a, step)));
    expect(Array.from(data.subarray(192))).toEqual(Array.from(imageToTensor(b, step)));
    // An 8×8 image is not resampled: the red channel of its first row is the gradient itself, normalized.
    const row = Array.from(data.subarray(192, 200), (v) => Math.round(((v * 0.5 + 0.5) * 255) as number));
    expect(row).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((x) => Math.floor((x * 255) / 7)));
  });

  it("accepts decoded pixels (ImageData's shape) as the browser passes them", () => {
    const rgba = new Uint8ClampedArray(8 * 8 * 4).fill(255);
    const out = pre.transform([{ photo: { width: 8, height: 8, data: rgba } as unknown as Instance[string] }]).get("pixels");
    expect(Array.from(new Set(out?.data as Float32Array))).toEqual([1]);
  });

  it("names each bad image and why, and keeps going through the batch", () => {
    const good = png(8, 8);
    const err = badInput(() =>
      pre.transform([
        { photo: { b64: b64(good) } },
        { photo: { b64: b64(good.subarray(0, 60)) } },
        { photo: { b64: "R0lGODlhAQABAAAAACw=" } },
        { photo: null },
      ]),
    );
    expect(err.issues?.map((i) => i.path)).toEqual(["instances[1].photo", "instances[2].photo", "instances[3].photo"]);
    expect(err.issues?.[1]?.message).toMatch(/GIF|not a PNG or JPEG/i);
    expect(err.issues?.[2]?.message).toMatch(/missing image/);
  });
});

describe("audio steps", () => {
  it("pads every clip to `length` and stacks [batch, samples]", () => {
    const pre = createPreprocessor(
      Preprocessing.parse({ steps: [{ op: "audio", feature: "clip", input: "audio", sampleRate: 8000, length: 6 }] }),
      MEDIA_STEPS,
    );
    const out = pre
      .transform([
        { clip: { b64: b64(writeWav({ sampleRate: 8000, channels: [[0.5, -0.5, 0.25]], encoding: "pcm16" })) } },
        { clip: new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]) },
      ])
      .get("audio");
    expect(out?.dims).toEqual([2, 6]);
    const data = Array.from(out?.data as Float32Array);
    // int16 / 32768, as scipy and soundfile read PCM; zero-padded at the end.
    expect(data.slice(0, 6)).toEqual([0.5, -0.5, 0.25, 0, 0, 0]);
    expect(data.slice(6)).toEqual(Array.from(new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])));
  });

  it("without a length, clips of different lengths are a 400 naming the odd one", () => {
    const pre = createPreprocessor(Preprocessing.parse({ steps: [{ op: "audio", feature: "clip", input: "audio", sampleRate: 8000 }] }), MEDIA_STEPS);
    const err = badInput(() => pre.transform([{ clip: new Float32Array(4) }, { clip: new Float32Array(5) }, { clip: { b64: btoa("not a wav file at all") } }]));
    expect(err.issues?.map((i) => i.path)).toEqual(["instances[2].clip", "instances[1].clip"]);
    expect(err.issues?.[0]?.message).toMatch(/WAV/);
    expect(err.issues?.[1]?.message).toMatch(/5 samples .* instances\[0\] has 4/);
  });
});

describe("the contract", () => {
  const features = z.array(FeatureSpec).parse([{ name: "photo", type: "image" }]);
  const io: TensorSpec[] = [{ name: "pixels", dtype: "float32", shape: ["batch", 3, 224, 224] }];
  const imageOnly: PreprocessingInput = { steps: [{ op: "image", feature: "photo", input: "pixels", size: [256, 256], crop: [224, 224] }] };

  it("an image-only model needs no inputs list, but preprocessing must feed something", () => {
    expect(validatePreprocessing(Preprocessing.parse(imageOnly), features, io)).toEqual([]);
    const r = Preprocessing.safeParse({ steps: [{ op: "log1p", feature: "a" }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/feeds no model input/);
  });

  it("checks an image step's output shape against the graph input and its feature's type", () => {
    const issues = validatePreprocessing(
      Preprocessing.parse({ steps: [{ op: "image", feature: "photo", input: "pixels", size: [256, 256], layout: "nhwc" }] }),
      z.array(FeatureSpec).parse([{ name: "photo", type: "audio" }]),
      io,
    );
    expect(issues.map((i) => i.path)).toEqual(["preprocessing.steps[0].feature", "preprocessing.steps[0].size"]);
    expect(issues[1]?.message).toBe(
      'the step makes [batch, 256, 256, 3], but the model input "pixels" has shape [batch, 3, 224, 224] (check size, crop and layout)',
    );
  });

  it("a manifest using the new features or steps needs schemaVersion 4", () => {
    const preprocessing = Preprocessing.parse(imageOnly);
    expect(requiredSchemaVersion({ features, preprocessing })).toBe(4);
    expect(requiredSchemaVersion({ preprocessing: Preprocessing.parse({ inputs: [{ name: "x", columns: ["a"] }] }) })).toBe(1);
    const titanic = JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8")) as Record<string, unknown>;
    const r = Manifest.safeParse({ ...titanic, schemaVersion: 3, features, preprocessing });
    expect(r.success).toBe(false);
    expect(r.error?.issues.some((i) => i.message === "needs schemaVersion 4 (this manifest says 3)")).toBe(true);
  });
});
