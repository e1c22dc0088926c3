/**
 * Images and audio in the page (issue 12), in headless Chromium: the text-detect example's browser build takes an
 * `ImageBitmap`, a `<canvas>`, an `<img>` and `{b64}` PNG bytes and gives onnxruntime-node's numbers on the tensor
 * the client-side preprocessing makes (≤ 1e-5); the keyword spotter takes a `Float32Array` of 16 kHz samples and a
 * WAV's bytes. An image that has not loaded yet is a 400 naming the field.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../cli/build/bundle.ts";
import { prepareAudio } from "../../core/media/audio-tensor.ts";
import { imageToTensor } from "../../core/media/image-tensor.ts";
import { Manifest } from "../../core/schema/manifest.ts";
import type { AudioStep, ImageStep } from "../../core/schema/preprocessing.ts";
import { inPage, launchChromium, openDemo } from "../helpers/chromium.ts";
import { maxAbsDiff, referenceRun } from "../helpers/reference.ts";
import { serveStatic } from "../helpers/static-server.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const model = (name: string) => join(REPO_ROOT, "models", name, "1.0.0");
const manifestOf = (name: string) => Manifest.parse(JSON.parse(readFileSync(join(model(name), "manifest.json"), "utf8")));
const PNG = readFileSync(join(REPO_ROOT, "examples", "text-detect", "samples", "receipt.png"));
const WAV = readFileSync(join(REPO_ROOT, "examples", "keyword-spotting", "samples", "sweep_down.wav"));

let browser: Browser;
const sites: Awaited<ReturnType<typeof serveStatic>>[] = [];
let imageExpected: Float32Array;
let samples: Float32Array;
let audioExpected: Float32Array;

beforeAll(async () => {
  const out = tempDir();
  const [text, kws] = await Promise.all(
    ["text-detect", "kws"].map((m) =>
      buildTarget({ root: REPO_ROOT, ref: `${m}@1.0.0`, target: "browser", engine: "auto", parity: false, outDir: join(out, m) }),
    ),
  );
  sites.push(await serveStatic(text!.outDir), await serveStatic(kws!.outDir));
  browser = await launchChromium();
  const x = imageToTensor(PNG, manifestOf("text-detect").preprocessing!.steps[0] as ImageStep);
  imageExpected = (await referenceRun(join(model("text-detect"), "model.onnx"), { image: { dtype: "float32", data: x, dims: [1, 3, 320, 320] } }))[
    "probability"
  ]!.data as Float32Array;
  samples = prepareAudio(WAV, manifestOf("kws").preprocessing!.steps[0] as AudioStep);
  audioExpected = (await referenceRun(join(model("kws"), "model.onnx"), { audio: { dtype: "float32", data: samples, dims: [1, samples.length] } }))["logits"]!
    .data as Float32Array;
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all(sites.map((s) => s.close()));
});

const open = (site: (typeof sites)[number]) => openDemo(browser, `${site.url}index.html?device=wasm`);

describe("images and audio in the page (Chromium)", () => {
  it("an ImageBitmap, a <canvas>, an <img> and {b64} give onnxruntime-node's map within 1e-5", async () => {
    const page = await open(sites[0]!);
    const r = await inPage<{ maps: number[][]; device: string }>(
      page,
      `const bytes = Uint8Array.from(atob(args.png), (c) => c.charCodeAt(0));
       const blob = new Blob([bytes], { type: "image/png" });
       const bitmap = await createImageBitmap(blob);
       const canvas = document.createElement("canvas");
       canvas.width = bitmap.width; canvas.height = bitmap.height;
       canvas.getContext("2d").drawImage(bitmap, 0, 0);
       const img = new Image(); img.src = URL.createObjectURL(blob); await img.decode();
       const model = await mod.loadModel({ device: "wasm" });
       const inputs = [bitmap, canvas, img, { b64: args.png }];
       const { predictions } = await model.predict(inputs.map((image) => ({ image })));
       return { device: model.device, maps: predictions.map((p) => p.flat(3)) };`,
      { png: PNG.toString("base64") },
    );
    expect(r.device).toBe("wasm");
    expect(r.maps).toHaveLength(4);
    for (const map of r.maps) expect(maxAbsDiff(map, imageExpected)).toBeLessThanOrEqual(1e-5);
  });

  it("an <img> that has not loaded is a 400 naming the field, with a hint", async () => {
    const page = await open(sites[0]!);
    const r = await inPage<{ status: number; path: string; hint: string }>(
      page,
      `const model = await mod.loadModel({ device: "wasm" });
       try { await model.predict([{ image: new Image() }]); return { status: 200 }; }
       catch (err) { const e = err.toJSON().error; return { status: err.status, path: e.issues[0].path, hint: e.hint }; }`,
    );
    expect(r).toEqual({ status: 400, path: "instances[0].image", hint: expect.stringMatching(/load/) });
  });

  it("a Float32Array of 16 kHz samples and a WAV's bytes give onnxruntime-node's probabilities", async () => {
    const page = await open(sites[1]!);
    const r = await inPage<{ probs: number[][]; labels: string[] }>(
      page,
      `const model = await mod.loadModel({ device: "wasm" });
       const wav = Uint8Array.from(atob(args.wav), (c) => c.charCodeAt(0));
       const { predictions } = await model.predict([{ audio: new Float32Array(args.samples) }, { audio: wav }]);
       return { probs: predictions.map((p) => Object.values(p.probabilities)), labels: predictions.map((p) => p.label) };`,
      { samples: Array.from(samples), wav: WAV.toString("base64") },
    );
    const z = Array.from(audioExpected);
    const e = z.map((v) => Math.exp(v - Math.max(...z)));
    const expected = e.map((v) => v / e.reduce((a, b) => a + b, 0));
    for (const p of r.probs) expect(maxAbsDiff(p, expected)).toBeLessThanOrEqual(1e-5);
    expect(r.labels).toEqual(["sweep_down", "sweep_down"]);
  });
});
