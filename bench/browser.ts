/**
 * Browser benchmark (issue 13), in headless Chromium: per model and backend, the time from `loadModel()` to a loaded
 * model (median of fresh page loads, each in a new browser context so nothing is cached), predict time (median and
 * p90 after warm-ups) and the bytes the page fetched before it was ready, split into edge-ml JS, engine JS, wasm and
 * model files; for onnxruntime-web rows, edge-ml's predict beside a raw `session.run` on the same page, runtime and
 * input. Builds are the real `edge-ml build --target browser` output (`buildTarget`), served from 127.0.0.1.
 * Reported, never asserted. `BENCH_ONLY=browser npm run bench` writes bench/results/browser.{json,md}.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { buildTarget } from "../cli/build/bundle.ts";
import { addModel } from "../cli/registry/add-model.ts";
import { prepareAudio } from "../core/media/audio-tensor.ts";
import { createPreprocessor } from "../core/preprocess.ts";
import { Manifest } from "../core/schema/manifest.ts";
import type { AudioStep } from "../core/schema/preprocessing.ts";
import { inPage, launchChromium, openPage } from "../test/helpers/chromium.ts";
import { serveStatic } from "../test/helpers/static-server.ts";
import { type ByteKind, byteKind, LOAD, PREDICT } from "./browser-page.ts";
import { quantile, round } from "./stats.ts";

const ROOT = join(import.meta.dirname, "..");
const LOADS = 3;
const SAMPLES = 30;
const manifestOf = (name: string) => Manifest.parse(JSON.parse(readFileSync(join(ROOT, "models", name, "1.0.0", "manifest.json"), "utf8")));

export interface BrowserBenchRow {
  model: string;
  engine: string;
  /** The backend asked for, as labelled in the table. */
  backend: string;
  /** What the model reported it runs on, and why. */
  device?: string;
  reason?: string;
  /** Set when the backend could not start in this Chromium: the row has no timings. */
  unavailable?: string;
  readyMs?: { median: number; runs: number[] };
  predictMs?: { p50: number; p90: number; samples: number; callsPerSample: number };
  /** Bytes fetched before ready (as served, uncompressed; gzip of the same files beside), by kind. */
  bytes?: Record<ByteKind | "total", { raw: number; gzip: number }>;
  /** edge-ml's predict ÷ a raw onnxruntime-web `session.run` on the same page and input (median of per-round ratios). */
  vsRawOrt?: { ratio: number; rawP50Ms: number; callsPerSample: number } | { skipped: string };
}

export interface BrowserBench {
  chromium: string;
  /** The machine's 1-minute load average before and after the run (other work on it slows every row alike). */
  loadAverage: [number, number];
  rows: BrowserBenchRow[];
}

interface Site {
  dir: string;
  url: string;
}

interface Case {
  model: string;
  engine: string;
  backend: string;
  site: Site;
  webgpu: boolean;
  options: Record<string, unknown>;
  /** Page code defining `call` (one prediction) from `model` and `args.input`. */
  call: string;
  input: unknown;
  /** The raw ORT counterpart: the model input's name and its tensor after preprocessing. */
  raw?: { device: "wasm" | "webgpu"; name: string; data: number[]; dims: number[] };
  skipRaw?: string;
}

/** A build served from 127.0.0.1 with a blank page to run from (the demo page would load the model itself). */
async function site(outDir: string, closers: (() => Promise<void>)[]): Promise<Site> {
  writeFileSync(join(outDir, "bench.html"), '<!doctype html><meta charset="utf-8"><title>edge-ml browser bench</title>\n');
  const server = await serveStatic(outDir);
  closers.push(server.close);
  return { dir: outDir, url: `${server.url}bench.html` };
}

/** The build's own lazily loaded onnxruntime-web chunk for the device, as the page imports it. */
function ortChunk(dir: string, device: "wasm" | "webgpu"): string {
  const entry = readFileSync(join(dir, "edge-ml-model.js"), "utf8");
  const found = entry.match(new RegExp(`import\\("\\./(chunks/ort\\.${device}\\.bundle[^"]*\\.js)"\\)`));
  if (!found) throw new Error(`no onnxruntime-web ${device} chunk in ${dir}/edge-ml-model.js`);
  return `/${found[1]}`;
}

async function cases(tmp: string, closers: (() => Promise<void>)[]): Promise<Case[]> {
  const build = async (root: string, ref: string, engine: "auto" | "ort" | "compiled", name: string) =>
    site((await buildTarget({ root, ref, target: "browser", engine, parity: false, outDir: join(tmp, name) })).outDir, closers);
  const [compiled, ort, kws] = await Promise.all([
    build(ROOT, "titanic@1.0.0", "compiled", "titanic-compiled"),
    build(ROOT, "titanic@1.0.0", "ort", "titanic-ort"),
    build(ROOT, "kws@1.0.0", "ort", "kws-ort"),
  ]);
  const registry = join(tmp, "registry");
  await addModel(registry, { model: join(ROOT, "test", "fixtures", "tfjs", "blazeface", "model.json"), name: "face", version: "1.0.0", slices: [] });
  const face = await build(registry, "face@1.0.0", "auto", "face-tfjs");

  const row = { sex: "female", age: 29, passengerClass: "1st" };
  const features = createPreprocessor(manifestOf("titanic").preprocessing!).transform([row]).get("features")!;
  const titanicRaw = { name: "features", data: Array.from(features.data as Float32Array), dims: [...features.dims] };
  const rows = "const call = () => model.predict(args.input);";
  const wav = readFileSync(join(ROOT, "examples", "keyword-spotting", "samples", "sweep_down.wav"));
  const samples = Array.from(prepareAudio(wav, manifestOf("kws").preprocessing!.steps[0] as AudioStep));
  const image = Array.from({ length: 256 * 256 * 3 }, (_, i) => ((i * 7919) % 1000) / 1000);
  const tfjs = (device: string, backend = device): Case => ({
    model: "blazeface (TF.js graph)",
    engine: "tfjs",
    backend,
    site: face,
    webgpu: device === "webgpu",
    options: { device },
    call: `const x = Float32Array.from(args.input); const call = () => model.run({ "input:0": x });`,
    input: image,
    skipRaw: "TF.js model: no onnxruntime-web session to compare with",
  });
  return [
    {
      model: "titanic (batch 1)",
      engine: "compiled",
      backend: "js",
      site: compiled,
      webgpu: false,
      options: {},
      call: rows,
      input: [row],
      skipRaw: "compiled engine: the page has no onnxruntime-web",
    },
    {
      model: "titanic (batch 1)",
      engine: "ort",
      backend: "wasm",
      site: ort,
      webgpu: false,
      options: { device: "wasm" },
      call: rows,
      input: [row],
      raw: { device: "wasm", ...titanicRaw },
    },
    {
      model: "titanic (batch 1)",
      engine: "ort",
      backend: "webgpu (software adapter)",
      site: ort,
      webgpu: true,
      options: { device: "webgpu" },
      call: rows,
      input: [row],
      raw: { device: "webgpu", ...titanicRaw },
    },
    {
      model: "kws (1 s of 16 kHz audio)",
      engine: "ort",
      backend: "wasm",
      site: kws,
      webgpu: false,
      options: { device: "wasm" },
      call: "const audio = Float32Array.from(args.input); const call = () => model.predict([{ audio }]);",
      input: samples,
      raw: { device: "wasm", name: "audio", data: samples, dims: [1, samples.length] },
    },
    tfjs("webgpu", "webgpu (software adapter)"),
    tfjs("webgl"),
    tfjs("wasm"),
    tfjs("cpu"),
  ];
}

interface Loaded {
  readyMs?: number;
  device?: string;
  reason?: string;
  resources?: { path: string; bytes: number }[];
  error?: string;
  webgl?: string;
}

interface Timings {
  k: number;
  kRaw: number;
  edge: number[];
  raw: number[];
  rawError?: string;
}

/** Bytes fetched before ready by kind, with the gzip size of the same files (the static server does not compress). */
function bytesOf(resources: { path: string; bytes: number }[], dir: string, gzipCache: Map<string, number>): NonNullable<BrowserBenchRow["bytes"]> {
  const zero = () => ({ raw: 0, gzip: 0 });
  const out = { edgeMlJs: zero(), engineJs: zero(), wasm: zero(), model: zero(), other: zero(), total: zero() };
  for (const r of resources) {
    const file = join(dir, decodeURIComponent(r.path));
    let gzip = gzipCache.get(file);
    if (gzip === undefined) {
      gzip = gzipSync(readFileSync(file)).byteLength;
      gzipCache.set(file, gzip);
    }
    for (const kind of [byteKind(r.path), "total"] as const) {
      out[kind].raw += r.bytes;
      out[kind].gzip += gzip;
    }
  }
  return out;
}

async function measure(c: Case, browser: Browser, gzipCache: Map<string, number>): Promise<BrowserBenchRow> {
  const row: BrowserBenchRow = { model: c.model, engine: c.engine, backend: c.backend };
  const ready: number[] = [];
  let last: Loaded = {};
  let page: Page | undefined;
  for (let i = 0; i < LOADS; i++) {
    await page?.context().close();
    page = await openPage(browser, c.site.url);
    last = await inPage<Loaded>(page, LOAD, { options: c.options });
    if (last.error !== undefined) {
      await page.context().close();
      return { ...row, unavailable: `${last.error}${c.backend === "webgl" ? ` (${last.webgl})` : ""}` };
    }
    ready.push(last.readyMs!);
  }
  if (!page) throw new Error("no page loaded");
  const raw = c.raw ? { ...c.raw, chunk: ortChunk(c.site.dir, c.raw.device) } : undefined;
  const t = await inPage<Timings>(page, PREDICT(c.call), { input: c.input, samples: SAMPLES, ...(raw ? { raw } : {}) });
  await page.context().close();
  const ratios = t.raw.map((r, i) => t.edge[i]! / r);
  const ms = (x: number) => round(x, x < 1 ? 4 : 2);
  let vsRawOrt: BrowserBenchRow["vsRawOrt"] = { skipped: c.skipRaw ?? "" };
  if (raw)
    vsRawOrt =
      t.rawError !== undefined
        ? { skipped: `raw session failed: ${t.rawError}` }
        : { ratio: round(quantile(ratios, 0.5), 2), rawP50Ms: ms(quantile(t.raw, 0.5)), callsPerSample: t.kRaw };
  return {
    ...row,
    device: last.device!,
    reason: last.reason!,
    readyMs: { median: round(quantile(ready, 0.5), 1), runs: ready.map((r) => round(r, 1)) },
    predictMs: { p50: ms(quantile(t.edge, 0.5)), p90: ms(quantile(t.edge, 0.9)), samples: t.edge.length, callsPerSample: t.k },
    bytes: bytesOf(last.resources!, c.site.dir, gzipCache),
    vsRawOrt,
  };
}

/** Build the models, serve them, and measure every row (one browser per WebGPU flag, launched once). */
export async function benchBrowser(tmp: string): Promise<BrowserBench> {
  const closers: (() => Promise<void>)[] = [];
  const browsers = new Map<boolean, Browser>();
  const loadBefore = round(loadavg()[0]!, 1);
  try {
    const all = await cases(tmp, closers);
    const gzipCache = new Map<string, number>();
    const rows: BrowserBenchRow[] = [];
    for (const c of all) {
      let browser = browsers.get(c.webgpu);
      if (!browser) {
        browser = await launchChromium({ webgpu: c.webgpu });
        browsers.set(c.webgpu, browser);
      }
      const r = await measure(c, browser, gzipCache);
      console.error(`browser bench: ${r.model} ${r.engine} ${r.backend}: ${r.unavailable ?? `ready ${r.readyMs?.median} ms, predict ${r.predictMs?.p50} ms`}`);
      rows.push(r);
    }
    return { chromium: [...browsers.values()][0]?.version() ?? "unknown", loadAverage: [loadBefore, round(loadavg()[0]!, 1)], rows };
  } finally {
    await Promise.all([...browsers.values()].map((b) => b.close()));
    await Promise.all(closers.map((close) => close()));
  }
}

const kib = (b: number) => (b < 1024 * 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 1024 / 1024).toFixed(2)} MiB`);
const size = (x: { raw: number; gzip: number }) => (x.raw === 0 ? "–" : `${kib(x.raw)} (${kib(x.gzip)})`);

export function renderBrowser(r: BrowserBench): string {
  const rows = r.rows.map((x) => {
    if (x.unavailable) return `| ${x.model} | ${x.engine} | ${x.backend} | unavailable: ${x.unavailable.replaceAll("|", "/")} | | | | | | | | |`;
    const b = x.bytes!;
    const vs = x.vsRawOrt && "ratio" in x.vsRawOrt ? `**${x.vsRawOrt.ratio}x** (raw ${x.vsRawOrt.rawP50Ms} ms)` : "–";
    return `| ${x.model} | ${x.engine} | ${x.backend} | ${x.readyMs!.median} | ${x.predictMs!.p50} | ${x.predictMs!.p90} | ${vs} | ${size(b.total)} | ${size(b.edgeMlJs)} | ${size(b.engineJs)} | ${size(b.wasm)} | ${size(b.model)} |`;
  });
  const skipped = r.rows
    .filter((x) => x.vsRawOrt && "skipped" in x.vsRawOrt)
    .map((x) => `- ${x.model}, ${x.backend}: ${(x.vsRawOrt as { skipped: string }).skipped}`);
  const devices = r.rows.filter((x) => x.reason !== undefined).map((x) => `- ${x.model}, ${x.backend}: \`${x.device}\` (${x.reason})`);
  return [
    "## Browser: ready, predict and bytes per backend (headless Chromium, one run)",
    "",
    `Chromium ${r.chromium}, headless, no GPU (WebGPU is SwiftShader's software adapter: functional, not a GPU timing); the machine's load average went ${r.loadAverage.join(" → ")} over the run (other jobs share it). Ready = \`loadModel()\` call → resolved, median of ${LOADS} fresh page loads (each a new browser context: nothing cached; the entry module already imported). Predict = median and p90 of ${SAMPLES} samples after 3 warm-ups on the last loaded page; the page is not cross-origin isolated (its clock steps by 0.1 ms, one WASM thread), so a sample is the mean of a block of calls lasting ≥ 5 ms. Bytes = every file the page fetched before ready, as served (uncompressed) and gzip of the same files in brackets; edge-ml JS is the entry module (for TF.js builds it bundles tfjs-core), engine JS the lazy chunks. Ready includes the default load-time parity probe where it runs (ORT WebGPU: a WASM session and one run on both; TF.js: a CPU session and one run on both), and the device column is what the model ended on. The raw-ORT ratio is the median of per-round ratios (edge-ml and raw blocks run back to back, so load that hits both cancels); the p50 columns are each over all samples, so on a busy machine they can tell a different story than the ratio. One run: ratios are within the run, never asserted.`,
    "",
    "| model | engine | backend | ready (ms) | predict p50 (ms) | predict p90 (ms) | edge-ml predict ÷ raw ORT session.run | bytes before ready | edge-ml JS | engine JS | wasm | model files |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "Devices, as the model reports them:",
    "",
    ...devices,
    "",
    "No raw-ORT ratio:",
    "",
    ...skipped,
    "",
  ].join("\n");
}
