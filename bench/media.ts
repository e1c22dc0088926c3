/**
 * What real inputs cost at the edge (issue 12), measured in one run in Node: decoding and preprocessing an image, a
 * WAV and a batch of date rows, beside the model call they feed (onnxruntime-node, one thread) so the ratio says
 * whether preprocessing or the model dominates; and the request bytes of one 320x320 image sent as base64 PNG/JPEG,
 * as a V2 binary tensor and as a JSON tensor.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { encode as encodePng } from "fast-png";
import jpeg from "jpeg-js";
import * as ort from "onnxruntime-node";
import { prepareAudio } from "../core/media/audio-tensor.ts";
import { decodeBase64 } from "../core/media/base64.ts";
import { decodeImage } from "../core/media/image-decode.ts";
import { imageToTensor } from "../core/media/image-tensor.ts";
import { createPreprocessor } from "../core/preprocess.ts";
import { Manifest } from "../core/schema/manifest.ts";
import type { AudioStep, ImageStep } from "../core/schema/preprocessing.ts";
import { quantile, round } from "./stats.ts";

const ROOT = join(import.meta.dirname, "..");
const manifestOf = (name: string) => Manifest.parse(JSON.parse(readFileSync(join(ROOT, "models", name, "1.0.0", "manifest.json"), "utf8")));

export interface MediaBenchRow {
  input: string;
  what: string;
  preprocessMs: number;
  modelMs: number;
  preprocessVsModel: number;
}

export interface MediaBench {
  rows: MediaBenchRow[];
  /** Bytes on the wire for one 320x320 RGB image, by encoding. */
  requestBytes: Record<string, number>;
}

/** One table row: preprocessing beside the model call it feeds, and their ratio. */
function row(input: string, what: string, preprocessMs: number, modelMs: number, digits = 2): MediaBenchRow {
  return { input, what, preprocessMs: round(preprocessMs, digits), modelMs: round(modelMs, digits), preprocessVsModel: round(preprocessMs / modelMs, 2) };
}

/** Median of `runs` timings after `warmup` calls, in ms. */
function time(fn: () => unknown, runs: number, warmup = 3): number {
  for (let i = 0; i < warmup; i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  return quantile(ms, 0.5);
}

/** Medians of two functions timed in alternation (after warming both), so JIT and machine load hit them alike. */
function alternating(a: () => unknown, b: () => unknown, runs: number, warmup = 5): [number, number] {
  for (let i = 0; i < warmup; i++) {
    a();
    b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    a();
    ta.push(performance.now() - t);
    t = performance.now();
    b();
    tb.push(performance.now() - t);
  }
  return [quantile(ta, 0.5), quantile(tb, 0.5)];
}

async function timeAsync(fn: () => Promise<unknown>, runs: number, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return quantile(ms, 0.5);
}

/** A photo-like RGB image: smooth gradients, a few edges and mild noise (what phone JPEGs look like to a decoder). */
function photo(w: number, h: number): Uint8Array {
  const data = new Uint8Array(w * h * 3);
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 9) - 4;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const edge = (x / 64) % 2 < 1 && (y / 48) % 2 < 1 ? 40 : 0;
      const i = (y * w + x) * 3;
      data[i] = Math.min(255, Math.max(0, (x * 200) / w + edge + noise()));
      data[i + 1] = Math.min(255, Math.max(0, (y * 180) / h + noise()));
      data[i + 2] = Math.min(255, Math.max(0, 120 + edge + noise()));
    }
  }
  return data;
}

export async function benchMedia(): Promise<MediaBench> {
  const rows: MediaBenchRow[] = [];
  const text = manifestOf("text-detect");
  const step = text.preprocessing?.steps[0] as ImageStep;
  const textSession = await ort.InferenceSession.create(join(ROOT, "models", "text-detect", "1.0.0", "model.onnx"), { intraOpNumThreads: 1 });
  const x = imageToTensor(readFileSync(join(ROOT, "examples", "text-detect", "samples", "receipt.png")), step);
  const feeds = { image: new ort.Tensor("float32", x, [1, 3, 320, 320]) };
  const textModelMs = await timeAsync(() => textSession.run(feeds), 15);

  const big = photo(1280, 960);
  const images: [string, Uint8Array][] = [
    ["receipt.png 480x360", readFileSync(join(ROOT, "examples", "text-detect", "samples", "receipt.png"))],
    ["receipt.jpg 480x360", readFileSync(join(ROOT, "examples", "text-detect", "samples", "receipt.jpg"))],
    ["photo.jpg 1280x960 q85", jpeg.encode({ data: rgba(big, 1280, 960), width: 1280, height: 960 }, 85).data],
    ["photo.png 1280x960", encodePng({ width: 1280, height: 960, data: big, channels: 3, depth: 8 })],
  ];
  for (const [name, bytes] of images) {
    const b64 = Buffer.from(bytes).toString("base64");
    const [decodeMs, fullMs] = alternating(
      () => decodeImage(bytes),
      () => imageToTensor(decodeBase64(b64), step),
      12,
    );
    rows.push(row(name, "decode only", decodeMs, textModelMs), row(name, "base64 ▶ decode ▶ letterbox 320x320 ▶ normalize", fullMs, textModelMs));
  }
  await textSession.release();

  const kws = manifestOf("kws");
  const audioStep = kws.preprocessing?.steps[0] as AudioStep;
  const kwsSession = await ort.InferenceSession.create(join(ROOT, "models", "kws", "1.0.0", "model.onnx"), { intraOpNumThreads: 1 });
  const samplesDir = join(ROOT, "examples", "keyword-spotting", "samples");
  for (const file of ["silence.wav", "sweep_up.wav"]) {
    const wav = readFileSync(join(samplesDir, file));
    const audio = prepareAudio(wav, audioStep);
    const kwsFeeds = { audio: new ort.Tensor("float32", audio, [1, audio.length]) };
    const modelMs = await timeAsync(() => kwsSession.run(kwsFeeds), 15);
    const ms = time(() => prepareAudio(wav, audioStep), 15);
    const header = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
    const label = `${file} ${header.getUint32(24, true)} Hz, ${header.getUint16(22, true)} ch`;
    rows.push(row(label, "WAV ▶ mono ▶ resample 16 kHz ▶ pad 16000", ms, modelMs, 3));
  }
  await kwsSession.release();

  const bikes = manifestOf("bike-rentals");
  const csv = readFileSync(join(ROOT, "examples", "bike-rentals", "data", "eval.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1, 257);
  const instances = csv.map((line) => {
    const [date, temperature, humidity, holiday, station] = line.split(",");
    return { date: date ?? "", temperature: Number(temperature), humidity: Number(humidity), holiday: holiday === "true", station: station ?? "" };
  });
  const pre = createPreprocessor(bikes.preprocessing!);
  const bikeSession = await ort.InferenceSession.create(join(ROOT, "models", "bike-rentals", "1.0.0", "model.onnx"), { intraOpNumThreads: 1 });
  const t = pre.transform(instances).get("input")!;
  const bikeFeeds = { input: new ort.Tensor("float32", t.data as Float32Array, t.dims) };
  const bikeModelMs = await timeAsync(() => bikeSession.run(bikeFeeds), 30);
  const preMs = time(() => pre.transform(instances), 30);
  rows.push(row("bike-rentals eval, 256 rows", "date_part ×3, bucketize, hash_bucket, one-hot, standardize", preMs, bikeModelMs, 3));
  await bikeSession.release();

  const png = images[0]![1];
  const jpg = images[1]![1];
  const requestBytes = {
    "JSON {b64} PNG (480x360 receipt)": JSON.stringify({ instances: [{ image: { b64: Buffer.from(png).toString("base64") } }] }).length,
    "JSON {b64} JPEG (480x360 receipt)": JSON.stringify({ instances: [{ image: { b64: Buffer.from(jpg).toString("base64") } }] }).length,
    "V2 binary tensor 1x3x320x320 FP32": x.byteLength + 120,
    "V2 JSON tensor 1x3x320x320": JSON.stringify({ inputs: [{ name: "image", shape: [1, 3, 320, 320], datatype: "FP32", data: Array.from(x) }] }).length,
  };
  return { rows, requestBytes };
}

function rgba(rgb: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    out[j] = rgb[i]!;
    out[j + 1] = rgb[i + 1]!;
    out[j + 2] = rgb[i + 2]!;
    out[j + 3] = 255;
  }
  return out;
}

export function renderMedia(m: MediaBench): string {
  const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
  return [
    "## Real inputs: preprocessing beside the model it feeds (Node, one run; medians)",
    "",
    "Model calls are onnxruntime-node on one thread (text-detect for images, kws for audio, bike-rentals for dates); preprocessing is edge-ml's portable code, the same that runs in workerd, Deno and the page.",
    "",
    "| input | preprocessing | preprocess (ms) | model run (ms) | preprocess ÷ model |",
    "|---|---|---|---|---|",
    ...m.rows.map((r) => `| ${r.input} | ${r.what} | ${r.preprocessMs} | ${r.modelMs} | **${r.preprocessVsModel}x** |`),
    "",
    "| one text-detect request | bytes |",
    "|---|---|",
    ...Object.entries(m.requestBytes).map(([k, v]) => `| ${k} | ${kib(v)} |`),
    "",
  ].join("\n");
}
