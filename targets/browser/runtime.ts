/**
 * Browser adapter: in-page inference, no server. onnxruntime-web runs on WebGPU when the page has a hardware GPU
 * adapter whose outputs agree with WASM (device.ts: a software adapter is skipped, a build whose parity run failed
 * never picks WebGPU, and small models are probed at load), and on WASM otherwise; `model.deviceReason` says why; each build is loaded only when chosen (a separate chunk), and its wasm is fetched from beside the
 * bundle. The model is fetched, integrity-checked with web crypto, and served through the same predictor (schema
 * validation ▶ preprocessing ▶ ONNX ▶ postprocessing) as the edge targets. Telemetry, when configured, is flushed
 * with `fetch(keepalive)` / `sendBeacon` when the page is hidden. WASM runs on `model.threads` threads: several when
 * the page is cross-origin isolated (COOP/COEP headers), one otherwise.
 *
 * @example
 * ```ts
 * import { loadModel } from "./edge-ml-model.js"; // written by `edge-ml build --target browser`
 * const model = await loadModel({ device: "auto" });
 * console.log(model.device, model.deviceReason); // "wasm", "WebGPU adapter is a software fallback (SwiftShader); using WASM"
 * const { predictions } = await model.predict([{ sex: "female", age: 29, passengerClass: "1st" }]);
 * // A model whose features come from feature views: say where the page reads each view, then send the key.
 * const scored = await loadModel({ features: { passenger: { url: "/api/features" } } });
 * await scored.predict([{ passenger_id: "7", age: 29 }]);
 * ```
 */
import type { Manifest } from "../../core/schema/manifest.ts";
import { foldsWeightDequantize } from "../../core/session-hints.ts";
import type { TelemetrySettings } from "../../runtime/adapter.ts";
import type { OrtLike } from "../../runtime/engines/ort.ts";
import { createOrtEngine } from "../../runtime/engines/ort.ts";
import type { EngineSession } from "../../runtime/engines/types.ts";
import { verifySha256 } from "../../runtime/integrity.ts";
import { chooseDevice, type Device, type DeviceChoice, describeParity, type ParityResult, type ProbeFeeds, probeAdapter, runParity } from "./device.ts";
import { openPageFeatures, type PageFeatureOptions } from "./features.ts";
import { type BrowserModel as BaseModel, browserModel } from "./model.ts";

export { DEVICES, type Device } from "./device.ts";
export type { PageFeatureOptions, PageFeatureRecord, PageFeatureStore, PageFeatureStores } from "./features.ts";

/** A loaded model, with the reason for its device. */
export interface BrowserModel extends BaseModel {
  /** Why `device`: e.g. "WebGPU adapter is a software fallback (SwiftShader); using WASM". */
  readonly deviceReason: string;
  /** The load-time parity probe's result, when it ran. */
  readonly parity?: ParityResult;
  /**
   * Threads onnxruntime-web's WASM runtime runs on (on WebGPU, the ops left on the CPU): as ORT was started, after
   * its own checks. Above 1 only in a cross-origin-isolated page (`Cross-Origin-Opener-Policy: same-origin` +
   * `Cross-Origin-Embedder-Policy: require-corp`); the runtime starts once per page, so the first model's count holds.
   */
  readonly threads: number;
}

export interface BrowserModelOptions extends PageFeatureOptions {
  manifest: Manifest;
  /** Folder URL of an `edge-ml build --target browser` output (model.onnx and the wasm files sit there). */
  baseUrl?: string;
  /**
   * The model file's URL, when it does not sit in `baseUrl` (with a bundler: `import modelUrl from "./model.onnx?url"`).
   * Without `baseUrl`, onnxruntime-web locates its own wasm through `new URL(..., import.meta.url)`, which bundlers
   * (Vite, webpack 5, esbuild with a loader) turn into an emitted asset, unless `wasmUrls` names it.
   */
  modelUrl?: string | URL;
  /** onnxruntime-web's wasm binary per device, overriding `baseUrl` and the bundler's asset. */
  wasmUrls?: Partial<Record<"wasm" | "webgpu", string | URL>>;
  device?: Device;
  /** Let `auto` use a software WebGPU adapter (SwiftShader and the like; usually far slower than WASM). */
  allowFallbackAdapter?: boolean;
  /**
   * Compare WebGPU with WASM on one input at load and use WASM when they disagree. Default: on for model files up to
   * 16 MB (the probe costs a second session and two runs).
   */
  parityProbe?: boolean;
  /** The build's parity run (baked into the generated entry): false keeps `auto` off WebGPU. */
  webgpuParity?: boolean;
  /** The probe input (the build bakes a small stored sample); else random inputs shaped by the manifest. */
  probe?: ProbeFeeds;
  /**
   * WASM threads when the page is cross-origin isolated (default: hardwareConcurrency, at most 4); ignored otherwise
   * (1) and once the runtime has started in this page.
   */
  threads?: number;
  /** onnxruntime-web's log level (default "error": its warnings would otherwise show up as console errors). */
  logLevel?: "verbose" | "info" | "warning" | "error" | "fatal";
  maxBatch?: number;
  /** Monitor to send telemetry to (counters, profiles per slice, sampled rows), flushed when the page is hidden. */
  telemetry?: TelemetrySettings;
}

interface OrtModule extends OrtLike {
  env: {
    logLevel?: string;
    wasm: { numThreads?: number; proxy?: boolean; wasmPaths?: string | { wasm?: string; mjs?: string } };
  };
}

/** onnxruntime-web builds whose runtime has started: it reads `env.wasm` once, at the first session. */
const started = new WeakSet<OrtModule>();

/** The wasm each onnxruntime-web build fetches (its JS glue is bundled; only the binary comes from the server). */
const WASM_FILES = { wasm: "ort-wasm-simd-threaded.wasm", webgpu: "ort-wasm-simd-threaded.asyncify.wasm" } as const;
/** Models up to this size are probed at load by default. */
const PROBE_MAX_BYTES = 16 * 1024 * 1024;

/** What `edge-ml build` bakes in with esbuild's `define` (cli/build/browser-parity.ts); absent in the npm package. */
declare const __EDGE_ML_BROWSER_BUILD__: { webgpuParity?: boolean; probe?: ProbeFeeds } | undefined;
const BAKED = typeof __EDGE_ML_BROWSER_BUILD__ === "object" ? __EDGE_ML_BROWSER_BUILD__ : undefined;

/**
 * Where the model and the wasm come from: explicit URLs first, then `baseUrl` (an edge-ml build folder); no wasm URL
 * leaves ORT's own `import.meta.url` lookup, which a bundler rewrites to its emitted asset. Relative URLs are relative
 * to the page.
 */
function locateFiles(opts: BrowserModelOptions, device: "wasm" | "webgpu"): { modelUrl: string; wasmUrl: string | undefined } {
  const page = (globalThis as unknown as { location?: { href: string } }).location?.href;
  const base = opts.baseUrl === undefined ? undefined : new URL(opts.baseUrl, page);
  const model = opts.modelUrl ?? (base ? new URL("model.onnx", base) : undefined);
  if (model === undefined) throw new Error("loadModel needs modelUrl (the model file's URL) or baseUrl (a folder written by `edge-ml build --target browser`)");
  const wasm = opts.wasmUrls?.[device] ?? (base ? new URL(WASM_FILES[device], base) : undefined);
  return { modelUrl: new URL(model, page).href, wasmUrl: wasm === undefined ? undefined : new URL(wasm, page).href };
}

/** Is there a WebGPU adapter (hardware or software; `auto` takes only hardware ones)? Asked once per page. */
export async function hasWebGpu(): Promise<boolean> {
  return (await probeAdapter()).available;
}

/** onnxruntime-web's build for the device, configured; the WebGPU build also runs the WASM execution provider. */
async function loadOrt(opts: BrowserModelOptions, device: "wasm" | "webgpu"): Promise<{ ort: OrtModule; modelUrl: string }> {
  const ort = (device === "webgpu" ? await import("onnxruntime-web/webgpu") : await import("onnxruntime-web/wasm")) as unknown as OrtModule;
  const { modelUrl, wasmUrl } = locateFiles(opts, device);
  ort.env.logLevel = opts.logLevel ?? "error";
  // Only the binary's URL: a string prefix would make ORT fetch its JS glue too, instead of using the bundled one.
  if (wasmUrl !== undefined) ort.env.wasm.wasmPaths = { wasm: wasmUrl };
  ort.env.wasm.proxy = false;
  if (!started.has(ort)) ort.env.wasm.numThreads = wantedThreads(opts.threads);
  return { ort, modelUrl };
}

/**
 * Threads need SharedArrayBuffer, which needs a cross-origin-isolated page. ORT starts its pthread workers from the
 * URL of its own module (a chunk beside this one), and a worker must be same-origin: from another origin ORT would
 * fetch its separate `ort-wasm-simd-threaded.mjs` glue instead, which builds do not ship, so that case gets 1 thread.
 */
function wantedThreads(threads: number | undefined): number {
  const page = globalThis as unknown as { crossOriginIsolated?: boolean; location?: { origin: string } };
  if (page.crossOriginIsolated !== true || !sameOrigin(import.meta.url, page.location?.origin)) return 1;
  return Math.max(1, Math.floor(threads ?? Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1)));
}

function sameOrigin(url: string, origin: string | undefined): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

async function fetchModel(opts: BrowserModelOptions, modelUrl: string): Promise<Uint8Array> {
  const response = await fetch(modelUrl);
  if (!response.ok) throw new Error(`cannot fetch the model from ${modelUrl}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  await verifySha256(bytes, opts.manifest.artifact.sha256, `model ${opts.manifest.name}@${opts.manifest.version}`);
  return bytes;
}

const sessionOn = (ort: OrtModule, device: "wasm" | "webgpu", bytes: Uint8Array, manifest: Manifest) => {
  started.add(ort); // from here on ORT may have read env.wasm; later loads must not pretend to change it
  return createOrtEngine(ort, { name: `ort-${device}`, executionProviders: [device] }).createSession(bytes, {
    foldWeightDequantize: foldsWeightDequantize(manifest),
  });
};

/**
 * The load-time probe: a WASM session beside the WebGPU one, one input on both. On disagreement the WASM session
 * serves; otherwise it is released.
 */
async function probeParity(ort: OrtModule, gpu: EngineSession, bytes: Uint8Array, opts: BrowserModelOptions, choice: DeviceChoice) {
  const cpu = await sessionOn(ort, "wasm", bytes, opts.manifest);
  const parity = await runParity(gpu, cpu, opts.manifest, opts.probe ?? BAKED?.probe);
  if (parity && !parity.agree) {
    await gpu.release();
    return {
      session: cpu,
      parity,
      choice: { device: "wasm", reason: `WebGPU disagreed with WASM on the parity probe (${describeParity(parity)}); using WASM` } as const,
    };
  }
  await cpu.release();
  const note = parity ? `the parity probe agreed (${describeParity(parity)})` : "the parity probe found no input that runs on WASM";
  return { session: gpu, parity, choice: { device: "webgpu", reason: `${choice.reason}; ${note}` } as const };
}

export async function loadModel(opts: BrowserModelOptions): Promise<BrowserModel> {
  // The feature stores open (a snapshot is fetched) while the model loads; a bad option fails the load.
  const lookup = openPageFeatures(opts);
  lookup.catch(() => {});
  let choice = await chooseDevice({
    wanted: opts.device ?? "auto",
    allowFallbackAdapter: opts.allowFallbackAdapter,
    webgpuParity: opts.webgpuParity ?? BAKED?.webgpuParity,
  });
  const { ort, modelUrl } = await loadOrt(opts, choice.device);
  const bytes = await fetchModel(opts, modelUrl);
  let session = await sessionOn(ort, choice.device, bytes, opts.manifest);
  let parity: ParityResult | undefined;
  if (choice.device === "webgpu" && (opts.parityProbe ?? bytes.byteLength <= PROBE_MAX_BYTES)) {
    ({ session, parity, choice } = await probeParity(ort, session, bytes, opts, choice));
  }
  const model = browserModel({
    manifest: opts.manifest,
    lookup: await lookup,
    session,
    device: choice.device,
    deviceReason: choice.reason,
    maxBatch: opts.maxBatch,
    telemetry: opts.telemetry,
  });
  // ORT writes its fallback (1 when SharedArrayBuffer or shared wasm memory is missing) back into env.wasm.
  const threads = ort.env.wasm.numThreads ?? 1;
  return { ...model, deviceReason: choice.reason, threads, ...(parity ? { parity } : {}) };
}

/** What the build's parity run reports per backend (cli/build/browser-parity.ts calls this in headless Chromium). */
export interface BackendParity {
  adapter: string;
  fallbackAdapter: boolean;
  /** Undefined when no probe input runs on WASM. */
  result?: ParityResult;
  error?: string;
  readyMs: Record<"wasm" | "webgpu", number>;
}

/** Run the model on WebGPU and on WASM in this page and compare (the build's parity check). */
export async function compareBackends(opts: BrowserModelOptions): Promise<BackendParity> {
  const a = await probeAdapter();
  const readyMs = { wasm: 0, webgpu: 0 };
  const base = { adapter: a.name, fallbackAdapter: a.fallback, readyMs };
  if (!a.available) return { ...base, error: "no WebGPU adapter" };
  const { ort, modelUrl } = await loadOrt(opts, "webgpu");
  const bytes = await fetchModel(opts, modelUrl);
  let t = performance.now();
  const gpu = await sessionOn(ort, "webgpu", bytes, opts.manifest);
  readyMs.webgpu = performance.now() - t;
  t = performance.now();
  const cpu = await sessionOn(ort, "wasm", bytes, opts.manifest);
  readyMs.wasm = performance.now() - t;
  try {
    const result = await runParity(gpu, cpu, opts.manifest, opts.probe);
    return result ? { ...base, result } : base;
  } catch (err) {
    return { ...base, error: (err as Error).message };
  } finally {
    await Promise.all([gpu.release(), cpu.release()]);
  }
}
