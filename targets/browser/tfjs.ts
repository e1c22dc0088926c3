/**
 * In-page inference with the TF.js engine: a TF.js model.json and its weight shards (`tfjs/` in an `edge-ml build
 * --target browser` folder) are fetched, checked against the manifest's sha256s, and run on the first TF.js backend
 * that starts and agrees with CPU: WebGPU (a hardware adapter only, as for ORT: device.ts's adapter check), WebGL (a
 * hardware renderer only), WASM (its wasm fetched from beside the bundle), CPU. The trust rules are ORT's with TF.js's
 * CPU backend as the reference: a backend that disagreed with CPU in the build's parity run (baked in) is skipped, and
 * a model up to 16 MB is probed at load (device.ts firstAgreeing), moving on when the chosen backend disagrees. Each
 * backend is its own lazily imported chunk, and `model.deviceReason` says why the backend was chosen. The predictor
 * and page API are the ORT path's (model.ts). `compareTfjsBackends` is the build's parity run (browser-parity.ts).
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
import { createTfjsEngine } from "../../runtime/engines/tfjs.ts";
import { TFJS_MODULES } from "../../runtime/engines/tfjs-modules.ts";
import { TFJS_DIR, TFJS_WASM_FILES } from "../types.ts";
import type { EngineSession } from "../../runtime/engines/types.ts";
import { compareOn, firstAgreeing, type ParityResult, type ProbeFeeds, probeAdapter, probeCase } from "./device.ts";
import { openPageFeatures, type PageFeatureOptions } from "./features.ts";
import { type BrowserModel as BaseModel, browserModel } from "./model.ts";

export const TFJS_DEVICES = ["auto", "webgpu", "webgl", "wasm", "cpu"] as const;
export type TfjsDevice = (typeof TFJS_DEVICES)[number];
type Backend = Exclude<TfjsDevice, "auto">;

export interface TfjsBrowserModel extends Omit<BaseModel, "device"> {
  /** The TF.js backend the model runs on. */
  readonly device: Backend;
  /** Why `device`: e.g. "WebGPU adapter is a software fallback (SwiftShader); WebGL renderer is software (SwiftShader); using WASM". */
  readonly deviceReason: string;
  /** The load-time parity probe's result for `device` (or the last disagreement when CPU serves), when it ran. */
  readonly parity?: ParityResult;
}

export interface TfjsBrowserModelOptions extends PageFeatureOptions {
  manifest: Manifest;
  /** Folder URL of an `edge-ml build --target browser` output (`tfjs/` and the wasm files sit there). */
  baseUrl: string;
  device?: TfjsDevice;
  /** Let `auto` use a software WebGPU adapter or WebGL renderer (SwiftShader and the like; usually slower than WASM). */
  allowFallbackAdapter?: boolean;
  /**
   * Compare the chosen backend with CPU on one input at load, and move on to the next backend when they disagree.
   * Default: on for models up to 16 MB (model.json and shards; the probe costs a CPU session and two runs).
   */
  parityProbe?: boolean;
  /** The build's parity run per backend (baked into the generated entry): false keeps `auto` off that backend. */
  backendParity?: Partial<Record<Backend, boolean>>;
  /** The probe input (the build bakes a small stored sample); else random inputs shaped by the manifest. */
  probe?: ProbeFeeds;
  maxBatch?: number;
  telemetry?: TelemetrySettings;
}

/** Models up to this size (model.json + shards) are probed at load by default. */
const PROBE_MAX_BYTES = 16 * 1024 * 1024;
const LABELS: Record<Backend, string> = { webgpu: "WebGPU", webgl: "WebGL", wasm: "WASM", cpu: "CPU" };

/** What `edge-ml build` bakes in with esbuild's `define` (cli/build/browser-parity.ts); absent in the npm package. */
declare const __EDGE_ML_BROWSER_BUILD__: { tfjsParity?: Partial<Record<Backend, boolean>>; probe?: ProbeFeeds } | undefined;
const BAKED = typeof __EDGE_ML_BROWSER_BUILD__ === "object" ? __EDGE_ML_BROWSER_BUILD__ : undefined;

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
  const built = opts.backendParity ?? BAKED?.tfjsParity ?? {};
  if (wanted !== "auto") {
    const note = built[wanted] === false ? `; ${LABELS[wanted]} disagreed with CPU when this model was built` : "";
    return { order: [wanted], skipped: [`device "${wanted}" asked for${note}`] };
  }
  const skipped: string[] = [];
  const order: Backend[] = [];
  const atBuild = (b: Backend) => `${LABELS[b]} disagreed with CPU when this model was built (build.json parity)`;
  const adapter = await probeAdapter();
  if (built.webgpu === false) skipped.push(atBuild("webgpu"));
  else if (!adapter.available) skipped.push("no WebGPU adapter in this browser");
  else if (adapter.fallback && !opts.allowFallbackAdapter) skipped.push(`WebGPU adapter is a software fallback (${adapter.name})`);
  else order.push("webgpu");
  const renderer = webglRenderer();
  if (built.webgl === false) skipped.push(atBuild("webgl"));
  else if (renderer === undefined) skipped.push("no WebGL2 in this browser");
  else if (isSoftware(renderer) && !opts.allowFallbackAdapter) skipped.push(`WebGL renderer is software (${rendererName(renderer)})`);
  else order.push("webgl");
  if (built.wasm === false) skipped.push(atBuild("wasm"));
  else order.push("wasm");
  order.push("cpu");
  return { order, skipped };
}

const isSoftware = (renderer: string) => /swiftshader|llvmpipe|software/i.test(renderer);
const rendererName = (renderer: string) => renderer.replace(/.*swiftshader.*/i, "SwiftShader");

async function fetchBytes(url: URL): Promise<Uint8Array | undefined> {
  const response = await fetch(url);
  return response.ok ? new Uint8Array(await response.arrayBuffer()) : undefined;
}

/** The model's files from `tfjs/` of the build folder, each fetched once, and a session opener per backend. */
async function modelFiles(opts: { manifest: Manifest; baseUrl: string }) {
  const page = (globalThis as unknown as { location?: { href: string } }).location?.href;
  const base = new URL(opts.baseUrl, page);
  const dir = new URL(`${TFJS_DIR}/`, base);
  const { manifest } = opts;
  const json = await fetchBytes(new URL(manifest.artifact.file, dir));
  if (json === undefined) throw new Error(`cannot fetch the model from ${new URL(manifest.artifact.file, dir).href}`);
  const fetched = new Map<string, Promise<Uint8Array | undefined>>();
  const read = (file: string) => {
    let bytes = fetched.get(file);
    if (bytes === undefined) fetched.set(file, (bytes = fetchBytes(new URL(file, dir))));
    return bytes;
  };
  /** Starts the backend (false: it cannot start here) and loads the model on it; integrity errors propagate. */
  const open = async (backend: Backend): Promise<EngineSession | undefined> => {
    if (!(await START[backend](base).catch(() => false))) return undefined;
    try {
      return await createTfjsEngine(TFJS_MODULES, { backend, manifest, read }).createSession(json);
    } catch (err) {
      // The integrity check names the file; say which model and where it was fetched from, with the hint.
      const { code, hint } = err as { code?: string; hint?: string };
      if (code !== "ERR_INTEGRITY") throw err;
      const where = `${manifest.name}@${manifest.version} from ${dir.href}`;
      throw new Error(`TF.js model ${where}: ${(err as Error).message}${hint ? `; ${hint}` : ""}`, { cause: err });
    }
  };
  return { base, open };
}

export async function loadTfjsModel(opts: TfjsBrowserModelOptions): Promise<TfjsBrowserModel> {
  const lookup = openPageFeatures(opts);
  lookup.catch(() => {});
  const { order, skipped } = await candidates(opts);
  const { manifest } = opts;
  const { open } = await modelFiles(opts);
  const explicit = opts.device !== undefined && opts.device !== "auto";
  const bytes = manifest.artifact.bytes + (manifest.artifact.tfjs?.weightBytes ?? 0);
  const chain = await firstAgreeing<Backend>({
    order,
    reference: "cpu",
    open: async (backend) => {
      const session = await open(backend);
      if (!session && explicit)
        throw new Error(`device "${backend}" was asked for, but TF.js's ${backend} backend did not start in this page; use device "auto"`);
      return session;
    },
    probing: opts.parityProbe ?? bytes <= PROBE_MAX_BYTES,
    manifest,
    probe: opts.probe ?? BAKED?.probe,
    label: (b) => LABELS[b],
  });
  const reason = [...skipped, ...chain.notes, ...(explicit && chain.backend === opts.device ? [] : [`using ${LABELS[chain.backend]}`])].join("; ");
  const model = browserModel({
    manifest,
    lookup: await lookup,
    session: chain.session,
    device: chain.backend,
    deviceReason: reason,
    maxBatch: opts.maxBatch,
    telemetry: opts.telemetry,
  });
  return { ...model, device: chain.backend, deviceReason: reason, ...(chain.parity ? { parity: chain.parity } : {}) };
}

/** One backend's agreement with CPU in the build's parity run. */
export interface TfjsBackendCheck {
  /** Null when the backend could not run here (`unavailable` says why). */
  agree: boolean | null;
  result?: ParityResult;
  unavailable?: string;
  /** e.g. "SwiftShader (software fallback)" */
  device?: string;
  readyMs?: number;
}

/** What the build's parity run reports (cli/build/browser-parity.ts calls this in headless Chromium). */
export interface TfjsParity {
  /** Undefined when no probe input runs on CPU. */
  backends?: Record<Exclude<Backend, "cpu">, TfjsBackendCheck>;
  cpuReadyMs: number;
  error?: string;
}

/**
 * Run the model on every TF.js backend this page has (WebGPU on any adapter, a software one included; WebGL on any
 * renderer; WASM) and compare each with CPU on one input (the build's parity check).
 */
export async function compareTfjsBackends(opts: { manifest: Manifest; baseUrl: string; probe?: ProbeFeeds }): Promise<TfjsParity> {
  const { open } = await modelFiles(opts);
  let t = performance.now();
  const cpu = await open("cpu");
  if (!cpu) return { cpuReadyMs: 0, error: "the CPU backend did not start" };
  const cpuReadyMs = performance.now() - t;
  const c = await probeCase(cpu, opts.manifest, opts.probe);
  if (!c) return { cpuReadyMs };
  const adapter = await probeAdapter();
  const renderer = webglRenderer();
  const devices: Record<Exclude<Backend, "cpu">, string | undefined> = {
    webgpu: adapter.available ? `${adapter.name}${adapter.fallback ? " (software fallback)" : ""}` : undefined,
    webgl: renderer === undefined ? undefined : `${rendererName(renderer)}${isSoftware(renderer) ? " (software)" : ""}`,
    wasm: "wasm",
  };
  const missing = { webgpu: "no WebGPU adapter in this browser", webgl: "no WebGL2 in this browser", wasm: "" };
  const backends = {} as Record<Exclude<Backend, "cpu">, TfjsBackendCheck>;
  for (const b of ["webgpu", "webgl", "wasm"] as const) {
    const device = devices[b];
    if (device === undefined) {
      backends[b] = { agree: null, unavailable: missing[b] };
      continue;
    }
    const on = b === "wasm" ? {} : { device };
    t = performance.now();
    let session: EngineSession | undefined;
    try {
      session = await open(b);
    } catch (err) {
      backends[b] = { agree: false, unavailable: `the model did not load: ${(err as Error).message}`, ...on };
      continue;
    }
    if (!session) {
      backends[b] = { agree: null, unavailable: `the ${b} backend did not start`, ...on };
      continue;
    }
    const readyMs = performance.now() - t;
    const result = await compareOn(session, c, LABELS[b]);
    await session.release();
    backends[b] = { agree: result.agree, result, readyMs, ...on };
  }
  await cpu.release();
  return { backends, cpuReadyMs };
}
