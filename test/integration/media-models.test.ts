/**
 * Real inputs on every server target (issue 12): the example registry's image, audio and date models built by
 * `buildTarget` with `--engine auto` and served in workerd (miniflare), the deno binary and a Node process, then hit
 * with Node's fetch as a client would:
 * - text-detect takes `{"image": {"b64": <PNG or JPEG>}}` and answers what onnxruntime-node computes on the tensor the
 *   client would build itself (`imageToTensor`, which test/core/media checks against Pillow/torchvision), and the
 *   same numbers as a V2 binary request carrying that tensor;
 * - kws takes a WAV (16-bit 44.1 kHz stereo for one sample: mixdown and resampling at the edge) and answers
 *   onnxruntime-node's numbers on `prepareAudio`'s samples, with the labels and (within torch-vs-ORT float noise)
 *   the probabilities the training script recorded;
 * - bike-rentals derives year/month/weekday from its date column at the edge: its eval set equals onnxruntime-node on
 *   the TypeScript preprocessor (held to the Python helper by test/core/preprocess-parity.test.ts);
 * - broken inputs (truncated PNG, a GIF, non-WAV bytes, impossible dates) are 400s naming the field, never 5xx, and
 *   the server still answers afterwards.
 */
import { parse } from "csv-parse/sync";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { prepareAudio } from "../../core/media/audio-tensor.ts";
import { imageToTensor } from "../../core/media/image-tensor.ts";
import { createPreprocessor } from "../../core/preprocess.ts";
import { Manifest } from "../../core/schema/manifest.ts";
import type { AudioStep, ImageStep } from "../../core/schema/preprocessing.ts";
import { encodeBinaryRequest, HEADER_LENGTH } from "../../core/v2-binary.ts";
import { getTarget, type TargetName } from "../../targets/index.ts";
import type { LocalServer } from "../../targets/types.ts";
import { maxAbsDiff, referenceRun } from "../helpers/reference.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const MODELS = join(REPO_ROOT, "models");
const manifestOf = (name: string) => Manifest.parse(JSON.parse(readFileSync(join(MODELS, name, "1.0.0", "manifest.json"), "utf8")));
const onnx = (name: string) => join(MODELS, name, "1.0.0", "model.onnx");
const b64 = (file: string) => readFileSync(file).toString("base64");

const TEXT = manifestOf("text-detect");
const KWS = manifestOf("kws");
const BIKES = manifestOf("bike-rentals");
const imageStep = TEXT.preprocessing!.steps[0] as ImageStep;
const audioStep = KWS.preprocessing!.steps[0] as AudioStep;

const IMAGES = ["receipt.png", "receipt.jpg"].map((f) => join(REPO_ROOT, "examples", "text-detect", "samples", f));
const KWS_DIR = join(REPO_ROOT, "examples", "keyword-spotting");
const kwsExpected = JSON.parse(readFileSync(join(KWS_DIR, "expected.json"), "utf8")) as {
  samples: { file: string; label: string; probabilities: number[] }[];
};
const bikeRows = parse(readFileSync(join(REPO_ROOT, "examples", "bike-rentals", "data", "eval.csv")), { columns: true }) as Record<string, string>[];
const bikeInstances = bikeRows.map((r) => ({
  date: r["date"]!,
  temperature: Number(r["temperature"]),
  humidity: Number(r["humidity"]),
  holiday: r["holiday"] === "true",
  station: r["station"]!,
}));

/** What each model's reference gives, computed once with onnxruntime-node on the client-side preprocessing. */
const expected: { image: Float32Array[]; audio: Float32Array[]; bikes: number[] } = { image: [], audio: [], bikes: [] };

beforeAll(async () => {
  for (const file of IMAGES) {
    const x = imageToTensor(readFileSync(file), imageStep);
    const out = await referenceRun(onnx("text-detect"), { image: { dtype: "float32", data: x, dims: [1, 3, 320, 320] } });
    expected.image.push(out["probability"]!.data as Float32Array);
  }
  for (const s of kwsExpected.samples) {
    const x = prepareAudio(readFileSync(join(KWS_DIR, s.file)), audioStep);
    const out = await referenceRun(onnx("kws"), { audio: { dtype: "float32", data: x, dims: [1, x.length] } });
    expected.audio.push(out["logits"]!.data as Float32Array);
  }
  const x = createPreprocessor(BIKES.preprocessing!).transform(bikeInstances).get("input")!;
  const out = await referenceRun(onnx("bike-rentals"), { input: { dtype: "float32", data: x.data as Float32Array, dims: [...x.dims] } });
  const probs = out["probabilities"]!.data as Float32Array;
  expected.bikes = bikeInstances.map((_, i) => probs[i * 2 + 1]!);
}, 120_000);

const softmax = (z: ArrayLike<number>) => {
  const m = Math.max(...Array.from(z));
  const e = Array.from(z, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

interface ErrorBody {
  error: { code: string; issues: { path: string; message: string }[] };
}

describe.each(["worker", "deno", "node"] as TargetName[])("%s target", (name) => {
  const servers: Record<"text" | "kws" | "bikes", LocalServer> = {} as never;
  const post = (server: LocalServer, path: string, body: unknown) =>
    fetch(new URL(path, server.url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  beforeAll(async () => {
    const serve = await getTarget(name, "dev").serve!.load();
    const out = join(tempDir(), name);
    const [t, k, b] = await Promise.all(
      ["text-detect", "kws", "bike-rentals"].map((m) =>
        buildTarget({ root: REPO_ROOT, ref: `${m}@1.0.0`, target: name, engine: "auto", outDir: join(out, m) }),
      ),
    );
    // Conv nets stay on onnxruntime-web; the date model's MLP compiles (and was checked against onnxruntime at build).
    expect([t!.engine.name, k!.engine.name, b!.engine.name]).toEqual(["ort-wasm", "ort-wasm", "compiled"]);
    [servers.text, servers.kws, servers.bikes] = await Promise.all([
      serve(t!.outDir, { port: 0 }),
      serve(k!.outDir, { port: 0 }),
      serve(b!.outDir, { port: 0 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s?.close()));
  });

  it("text-detect: PNG and JPEG in, the outputs of the client-side tensor out (≤ 1e-5), and the V2 binary path agrees", async () => {
    const res = await post(servers.text, "v1/models/text-detect:predict", { instances: IMAGES.map((f) => ({ image: { b64: b64(f) } })) });
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: number[][][][] };
    expect(predictions).toHaveLength(2);
    predictions.forEach((p, i) => expect(maxAbsDiff(p.flat(3), expected.image[i]!)).toBeLessThanOrEqual(1e-5));
    // A real map: text rows and background differ.
    const flat = predictions[0]!.flat(3);
    expect(Math.max(...flat) - Math.min(...flat)).toBeGreaterThan(0.01);

    // The client doing the preprocessing itself and sending the tensor (V2 binary): the same numbers.
    const x = imageToTensor(readFileSync(IMAGES[0]!), imageStep);
    const req = encodeBinaryRequest({ inputs: [{ name: "image", shape: [1, 3, 320, 320], datatype: "FP32" }] }, [x]);
    const v2 = await fetch(new URL("v2/models/text-detect/infer", servers.text.url), {
      method: "POST",
      headers: { "content-type": "application/octet-stream", [HEADER_LENGTH]: String(req.headerLength) },
      body: req.body,
    });
    expect(v2.status).toBe(200);
    const out = ((await v2.json()) as { outputs: { data: number[] }[] }).outputs[0]!.data;
    expect(maxAbsDiff(out, flat)).toBeLessThanOrEqual(1e-6);
  });

  it("text-detect: broken images are 400s naming the instance, and the server keeps answering", async () => {
    const png = readFileSync(IMAGES[0]!);
    // The request's shape first (what the OpenAPI document promises), then every image that cannot be decoded.
    const shape = await post(servers.text, "v1/models/text-detect:predict", { instances: [{ image: "cat.png" }] });
    expect(shape.status).toBe(400);
    expect(((await shape.json()) as ErrorBody).error.issues).toEqual([{ path: "instances[0].image", message: expect.stringMatching(/expected \{"b64"/) }]);
    const res = await post(servers.text, "v1/models/text-detect:predict", {
      instances: [{ image: { b64: png.subarray(0, 500).toString("base64") } }, { image: { b64: "R0lGODlhAQABAAAAACw=" } }, { image: { b64: "***" } }],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.issues.map((i) => i.path)).toEqual(["instances[0].image", "instances[1].image", "instances[2].image"]);
    expect(body.error.issues[0]!.message).toMatch(/truncated PNG/);
    expect(body.error.issues[1]!.message).toMatch(/GIF/);
    expect(body.error.issues[2]!.message).toMatch(/base64/);
    const again = await post(servers.text, "v1/models/text-detect:predict", { instances: [{ image: { b64: png.toString("base64") } }] });
    expect(again.status).toBe(200);
  });

  it("kws: WAVs in (one 44.1 kHz stereo), onnxruntime-node's numbers out, the recorded labels", async () => {
    const res = await post(servers.kws, "v1/models/kws:predict", {
      instances: kwsExpected.samples.map((s) => ({ audio: { b64: b64(join(KWS_DIR, s.file)) } })),
    });
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: { label: string; probabilities: Record<string, number> }[] };
    expect(predictions.map((p) => p.label)).toEqual(kwsExpected.samples.map((s) => s.label));
    predictions.forEach((p, i) => {
      const probs = Object.values(p.probabilities);
      expect(maxAbsDiff(probs, softmax(expected.audio[i]!))).toBeLessThanOrEqual(1e-5);
      // torch (training side) vs onnxruntime: float32 kernels differ in the last bits.
      expect(maxAbsDiff(probs, kwsExpected.samples[i]!.probabilities)).toBeLessThanOrEqual(1e-4);
    });
    const bad = await post(servers.kws, "v1/models/kws:predict", {
      instances: [{ audio: { b64: Buffer.from("ID3\u0004 an mp3, not a wav").toString("base64") } }],
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as ErrorBody;
    expect(body.error.issues).toEqual([{ path: "instances[0].audio", message: expect.stringMatching(/not a WAV file/) }]);
  });

  it("bike-rentals: dates become year/month/weekday at the edge, equal to onnxruntime-node (≤ 1e-5)", async () => {
    const scores: number[] = [];
    for (let i = 0; i < bikeInstances.length; i += 100) {
      const res = await post(servers.bikes, "v1/models/bike-rentals:predict", { instances: bikeInstances.slice(i, i + 100) });
      expect(res.status).toBe(200);
      for (const p of ((await res.json()) as { predictions: { score: number }[] }).predictions) scores.push(p.score);
    }
    expect(maxAbsDiff(scores, expected.bikes)).toBeLessThanOrEqual(1e-5);
    // Epoch milliseconds and an instant with an offset name the same day as the ISO date.
    const day = { temperature: 20, humidity: 50, holiday: false, station: "st-03" };
    const res = await post(servers.bikes, "v1/models/bike-rentals:predict", {
      instances: [
        { ...day, date: "2024-07-08" },
        { ...day, date: Date.UTC(2024, 6, 8) },
        { ...day, date: "2024-07-08T09:00:00+02:00" },
      ],
    });
    const same = ((await res.json()) as { predictions: { score: number }[] }).predictions.map((p) => p.score);
    expect(new Set(same).size).toBe(1);
    const bad = await post(servers.bikes, "v1/models/bike-rentals:predict", {
      instances: [
        { ...day, date: "2024-02-30" },
        { ...day, date: "31/01/2024" },
      ],
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as ErrorBody;
    expect(body.error.issues.map((i) => i.path)).toEqual(["instances[0].date", "instances[1].date"]);
    expect(body.error.issues[0]!.message).toMatch(/February 2024 has 29 days/);
  });
});
