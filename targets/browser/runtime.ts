/**
 * Browser adapter: in-page inference, no server. onnxruntime-web runs on WebGPU when the page has a GPU adapter and
 * on WASM otherwise; each build is loaded only when chosen (a separate chunk), and its wasm is fetched from beside the
 * bundle. The model is fetched, integrity-checked with web crypto, and served through the same predictor (schema
 * validation ▶ preprocessing ▶ ONNX ▶ postprocessing) as the edge targets. Telemetry, when configured, is flushed
 * with `fetch(keepalive)` / `sendBeacon` when the page is hidden.
 *
 * @example
 * ```ts
 * import { loadModel } from "./edge-ml-model.js"; // written by `edge-ml build --target browser`
 * const model = await loadModel({ device: "auto" });
 * const { predictions } = await model.predict([{ sex: "female", age: 29, passengerClass: "1st" }]);
 * ```
 */
import type { Manifest } from "../../core/schema/manifest.ts";
import { foldsWeightDequantize } from "../../core/session-hints.ts";
import type { OrtLike } from "../../runtime/engines/ort.ts";
import { createOrtEngine } from "../../runtime/engines/ort.ts";
import { verifySha256 } from "../../runtime/integrity.ts";
import type { TelemetrySettings } from "../../runtime/adapter.ts";
import { type BrowserModel, browserModel } from "./model.ts";

export type { BrowserModel };

export const DEVICES = ["auto", "wasm", "webgpu"] as const;
export type Device = (typeof DEVICES)[number];

export interface BrowserModelOptions {
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
  maxBatch?: number;
  /** Monitor to send telemetry to (counters, profiles per slice, sampled rows), flushed when the page is hidden. */
  telemetry?: TelemetrySettings;
}

interface OrtModule extends OrtLike {
  env: { wasm: { numThreads?: number; proxy?: boolean; wasmPaths?: string | { wasm?: string; mjs?: string } } };
}

/** The wasm each onnxruntime-web build fetches (its JS glue is bundled; only the binary comes from the server). */
const WASM_FILES = { wasm: "ort-wasm-simd-threaded.wasm", webgpu: "ort-wasm-simd-threaded.asyncify.wasm" } as const;

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

/** Capabilities, computed once: is there a WebGPU adapter (and not only the API)? */
let webgpu: Promise<boolean> | undefined;
export function hasWebGpu(): Promise<boolean> {
  webgpu ??= (async () => {
    const gpu = (globalThis.navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
    if (!gpu) return false;
    try {
      return (await gpu.requestAdapter()) !== null;
    } catch {
      return false;
    }
  })();
  return webgpu;
}

export async function loadModel(opts: BrowserModelOptions): Promise<BrowserModel> {
  const wanted = opts.device ?? "auto";
  if (!(DEVICES as readonly string[]).includes(wanted)) throw new Error(`device "${wanted}" is not supported. Should be one of: ${DEVICES.join(", ")}`);
  const gpu = await hasWebGpu();
  if (wanted === "webgpu" && !gpu) throw new Error('device "webgpu" was asked for, but this browser has no WebGPU adapter; use device "auto" or "wasm"');
  const device = wanted === "webgpu" || (wanted === "auto" && gpu) ? "webgpu" : "wasm";
  const ort = (device === "webgpu" ? await import("onnxruntime-web/webgpu") : await import("onnxruntime-web/wasm")) as unknown as OrtModule;
  const { modelUrl, wasmUrl } = locateFiles(opts, device);
  // Only the binary's URL: a string prefix would make ORT fetch its JS glue too, instead of using the bundled one.
  if (wasmUrl !== undefined) ort.env.wasm.wasmPaths = { wasm: wasmUrl };
  ort.env.wasm.proxy = false;
  // Threads need SharedArrayBuffer, which needs a cross-origin-isolated page.
  const isolated = (globalThis as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  ort.env.wasm.numThreads = isolated ? Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1) : 1;

  const response = await fetch(modelUrl);
  if (!response.ok) throw new Error(`cannot fetch the model from ${modelUrl}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  await verifySha256(bytes, opts.manifest.artifact.sha256, `model ${opts.manifest.name}@${opts.manifest.version}`);
  const engine = createOrtEngine(ort, { name: `ort-${device}`, executionProviders: [device] });
  const session = await engine.createSession(bytes, { foldWeightDequantize: foldsWeightDequantize(opts.manifest) });
  return browserModel({ manifest: opts.manifest, session, device, maxBatch: opts.maxBatch, telemetry: opts.telemetry });
}
