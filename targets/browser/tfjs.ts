/**
 * In-page inference with the TF.js engine: a TF.js model.json and its weight shards (`tfjs/` in an `edge-ml build
 * --target browser` folder) are fetched, checked against the manifest's sha256s, and run on the first TF.js backend
 * that starts: WebGPU (a hardware adapter only, as for ORT: device.ts's adapter check), WebGL (a hardware renderer
 * only), WASM (its wasm fetched from beside the bundle), CPU. Each backend is its own lazily imported chunk, and
 * `model.deviceReason` says why the backend was chosen. The predictor and page API are the ORT path's (model.ts).
 *
 * @example
 * ```ts
 * import { loadModel } from "./edge-ml-model.js"; // written by `edge-ml build --target browser` for a TF.js model
 * const model = await loadModel({ device: "auto" });
 * console.log(model.device, model.deviceReason); // "wasm", "WebGPU adapter is a software fallback (SwiftShader); ..."
 * const out = await model.run({ "input:0": pixels }); // Float32Array of 1x256x256x3, NHWC
 * ```
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Manifest } from "../../core/schema/manifest.ts";
import type { TelemetrySettings } from "../../runtime/adapter.ts";
import { createTfjsEngine, type TfjsModules } from "../../runtime/engines/tfjs.ts";
import { TFJS_DIR, TFJS_WASM_FILES } from "../types.ts";
import { probeAdapter } from "./device.ts";
import { type BrowserModel as BaseModel, browserModel } from "./model.ts";

export const TFJS_DEVICES = ["auto", "webgpu", "webgl", "wasm", "cpu"] as const;
export type TfjsDevice = (typeof TFJS_DEVICES)[number];
type Backend = Exclude<TfjsDevice, "auto">;

export interface TfjsBrowserModel extends Omit<BaseModel, "device"> {
  /** The TF.js backend the model runs on. */
  readonly device: Backend;
  /** Why `device`: e.g. "WebGPU adapter is a software fallback (SwiftShader); WebGL renderer is software (SwiftShader); using WASM". */
  readonly deviceReason: string;
}

export interface TfjsBrowserModelOptions {
  manifest: Manifest;
  /** Folder URL of an `edge-ml build --target browser` output (`tfjs/` and the wasm files sit there). */
  baseUrl: string;
  device?: TfjsDevice;
  /** Let `auto` use a software WebGPU adapter or WebGL renderer (SwiftShader and the like; usually slower than WASM). */
  allowFallbackAdapter?: boolean;
  maxBatch?: number;
  telemetry?: TelemetrySettings;
}

const MODULES: TfjsModules = {
  tf,
  graph: async () => (await import("@tensorflow/tfjs-converter")).loadGraphModel,
  layers: async () => (await import("@tensorflow/tfjs-layers")).loadLayersModel,
};

/** Imports a backend's chunk (which registers it) and readies it; false when it cannot start in this page. */
const START: Record<Backend, (base: URL) => Promise<boolean>> = {
  webgpu: async () => {
    await import("@tensorflow/tfjs-backend-webgpu");
    return tf.setBackend("webgpu");
  },
  webgl: async () => {
    await import("@tensorflow/tfjs-backend-webgl");
    return tf.setBackend("webgl");
  },
  wasm: async (base) => {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    wasm.setWasmPaths(Object.fromEntries(TFJS_WASM_FILES.map((f) => [f, new URL(f, base).href])));
    return tf.setBackend("wasm");
  },
  cpu: async () => {
    await import("@tensorflow/tfjs-backend-cpu");
    return tf.setBackend("cpu");
  },
};

/** The page's WebGL renderer, when a context can be made (UNMASKED_RENDERER names SwiftShader for a software one). */
function webglRenderer(): string | undefined {
  const doc = (globalThis as unknown as { document?: { createElement(tag: "canvas"): HTMLCanvasElement } }).document;
  const gl = doc?.createElement("canvas").getContext("webgl2");
  if (!gl) return undefined;
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

/** Backends to try in order, with the reason each earlier one was skipped. */
async function candidates(opts: TfjsBrowserModelOptions): Promise<{ order: Backend[]; skipped: string[] }> {
  const wanted = opts.device ?? "auto";
  if (!(TFJS_DEVICES as readonly string[]).includes(wanted))
    throw new Error(`device "${wanted}" is not supported. Should be one of: ${TFJS_DEVICES.join(", ")}`);
  if (wanted !== "auto") return { order: [wanted], skipped: [`device "${wanted}" asked for`] };
  const skipped: string[] = [];
  const order: Backend[] = [];
  const adapter = await probeAdapter();
  if (!adapter.available) skipped.push("no WebGPU adapter in this browser");
  else if (adapter.fallback && !opts.allowFallbackAdapter) skipped.push(`WebGPU adapter is a software fallback (${adapter.name})`);
  else order.push("webgpu");
  const renderer = webglRenderer();
  if (renderer === undefined) skipped.push("no WebGL2 in this browser");
  else if (/swiftshader|llvmpipe|software/i.test(renderer) && !opts.allowFallbackAdapter)
    skipped.push(`WebGL renderer is software (${renderer.replace(/.*swiftshader.*/i, "SwiftShader")})`);
  else order.push("webgl");
  order.push("wasm", "cpu");
  return { order, skipped };
}

async function fetchBytes(url: URL): Promise<Uint8Array | undefined> {
  const response = await fetch(url);
  return response.ok ? new Uint8Array(await response.arrayBuffer()) : undefined;
}

export async function loadTfjsModel(opts: TfjsBrowserModelOptions): Promise<TfjsBrowserModel> {
  const page = (globalThis as unknown as { location?: { href: string } }).location?.href;
  const base = new URL(opts.baseUrl, page);
  const dir = new URL(`${TFJS_DIR}/`, base);
  const { order, skipped } = await candidates(opts);
  let backend: Backend | undefined;
  for (const name of order) {
    const started = await START[name](base).catch(() => false);
    if (started) {
      backend = name;
      break;
    }
    skipped.push(`the ${name} backend did not start`);
  }
  if (backend === undefined) throw new Error(`no TF.js backend started in this page: ${skipped.join("; ")}`);
  const { manifest } = opts;
  const json = await fetchBytes(new URL(manifest.artifact.file, dir));
  if (json === undefined) throw new Error(`cannot fetch the model from ${new URL(manifest.artifact.file, dir).href}`);
  const engine = createTfjsEngine(MODULES, { backend, manifest, read: (file) => fetchBytes(new URL(file, dir)) });
  const session = await engine.createSession(json);
  // model.ts knows ORT's devices; the TF.js backend is reported here instead.
  const model = browserModel({ manifest, session, device: "js", maxBatch: opts.maxBatch, telemetry: opts.telemetry });
  const reason = opts.device !== undefined && opts.device !== "auto" ? skipped.join("; ") : [...skipped, `using ${backend.toUpperCase()}`].join("; ");
  return { ...model, device: backend, deviceReason: reason };
}
