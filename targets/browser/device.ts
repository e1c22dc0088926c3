/**
 * Which backend a page runs a model on, and why. `auto` takes WebGPU only from a hardware adapter (a software fallback
 * such as SwiftShader is ~100x slower than WASM and costs a 12 MB wasm more), never when the build's parity run saw
 * WebGPU disagree, and `wasm` never touches `navigator.gpu` (asking for an adapter prints "No available adapters."
 * in the console). The parity probe compares two sessions on the same input with the tolerance every target uses.
 *
 * @example
 * ```ts
 * const { device, reason } = await chooseDevice({ wanted: "auto" }); // "wasm", "WebGPU adapter is a software fallback (SwiftShader); using WASM"
 * ```
 */
import type { Manifest, TensorSpec } from "../../core/schema/manifest.ts";
import type { EngineSession, TensorData } from "../../runtime/engines/types.ts";

export const DEVICES = ["auto", "wasm", "webgpu"] as const;
export type Device = (typeof DEVICES)[number];

export interface DeviceChoice {
  device: "wasm" | "webgpu";
  /** One sentence a developer can read: why this device. */
  reason: string;
}

export interface ChooseOptions {
  wanted: Device;
  /** Let `auto` take a software (fallback) adapter. */
  allowFallbackAdapter?: boolean | undefined;
  /** The build's parity run: false when WebGPU disagreed with WASM in headless Chromium at build time. */
  webgpuParity?: boolean | undefined;
}

interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: { isFallbackAdapter?: boolean; vendor?: string; architecture?: string; description?: string };
}

interface Adapter {
  available: boolean;
  fallback: boolean;
  /** e.g. "SwiftShader", "nvidia ampere" */
  name: string;
}

let adapter: Promise<Adapter> | undefined;
/** The page's WebGPU adapter, asked for once (older Chromium has `adapter.isFallbackAdapter`, newer `adapter.info`). */
export function probeAdapter(): Promise<Adapter> {
  adapter ??= (async () => {
    const gpu = (globalThis.navigator as unknown as { gpu?: { requestAdapter(): Promise<AdapterLike | null> } } | undefined)?.gpu;
    const none = { available: false, fallback: false, name: "" };
    if (!gpu) return none;
    try {
      const a = await gpu.requestAdapter();
      if (a === null) return none;
      const info = a.info ?? {};
      const name = info.architecture || info.vendor || info.description || "unknown";
      return { available: true, fallback: (info.isFallbackAdapter ?? a.isFallbackAdapter) === true, name: name.replace(/swiftshader/i, "SwiftShader") };
    } catch {
      return none;
    }
  })();
  return adapter;
}

/** The device to load on, with its reason; throws when `webgpu` is asked for and there is no adapter. */
export async function chooseDevice(opts: ChooseOptions): Promise<DeviceChoice> {
  if (!(DEVICES as readonly string[]).includes(opts.wanted))
    throw new Error(`device "${opts.wanted}" is not supported. Should be one of: ${DEVICES.join(", ")}`);
  if (opts.wanted === "wasm") return { device: "wasm", reason: 'device "wasm" asked for' };
  if (opts.wanted === "auto" && opts.webgpuParity === false)
    return { device: "wasm", reason: "WebGPU disagreed with WASM when this model was built (build.json parity); using WASM" };
  const a = await probeAdapter();
  if (opts.wanted === "webgpu") {
    if (!a.available) throw new Error('device "webgpu" was asked for, but this browser has no WebGPU adapter; use device "auto" or "wasm"');
    const notes = [
      a.fallback ? `the adapter is a software fallback (${a.name})` : "",
      opts.webgpuParity === false ? "WebGPU disagreed with WASM at build time" : "",
    ];
    return { device: "webgpu", reason: ['device "webgpu" asked for', ...notes.filter(Boolean)].join("; ") };
  }
  if (!a.available) return { device: "wasm", reason: "no WebGPU adapter in this browser; using WASM" };
  if (a.fallback && opts.allowFallbackAdapter !== true) return { device: "wasm", reason: `WebGPU adapter is a software fallback (${a.name}); using WASM` };
  return { device: "webgpu", reason: `WebGPU adapter ${a.name}${a.fallback ? " (a software fallback, allowed)" : ""}` };
}

/** A recorded input for the probe, as the build bakes it: plain numbers (int64 too). */
export type ProbeFeeds = Record<string, { dtype: string; dims: number[]; data: number[] }>;

const ARRAYS: Record<string, (n: number[]) => TensorData["data"]> = {
  float32: (n) => Float32Array.from(n),
  float64: (n) => Float64Array.from(n),
  int8: (n) => Int8Array.from(n),
  int16: (n) => Int16Array.from(n),
  int32: (n) => Int32Array.from(n),
  int64: (n) => BigInt64Array.from(n, (v) => BigInt(Math.trunc(v))),
  uint8: (n) => Uint8Array.from(n),
  uint16: (n) => Uint16Array.from(n),
  uint32: (n) => Uint32Array.from(n),
  bool: (n) => Uint8Array.from(n, (v) => (v ? 1 : 0)),
};

/** Baked feeds as typed arrays, or undefined when a dtype has no plain-number form (strings, float16). */
function feedsFrom(probe: ProbeFeeds): Record<string, TensorData> | undefined {
  const out: Record<string, TensorData> = {};
  for (const [name, t] of Object.entries(probe)) {
    const make = ARRAYS[t.dtype];
    if (!make) return undefined;
    out[name] = { dtype: t.dtype as TensorData["dtype"], dims: t.dims, data: make(t.data) };
  }
  return out;
}

/**
 * Deterministic random inputs shaped by the manifest, symbolic dims = `size` (batch-like dims always 1): a model with
 * a minimum length (an STFT's kernel) is tried again with a longer size by the caller.
 */
function randomFeeds(inputs: readonly TensorSpec[], size: number): Record<string, TensorData> | undefined {
  let seed = 0x2545f491;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const probe: ProbeFeeds = {};
  for (const spec of inputs) {
    const dims = spec.shape.map((d) => (typeof d === "number" ? d : d === null || /batch/i.test(d) ? 1 : size));
    const n = dims.reduce((a, d) => a * d, 1);
    const float = spec.dtype.startsWith("float");
    probe[spec.name] = { dtype: spec.dtype, dims, data: Array.from({ length: n }, () => (float ? next() * 2 - 1 : Math.floor(next() * 4))) };
  }
  return feedsFrom(probe);
}

export interface ParityResult {
  agree: boolean;
  /** Largest |webgpu - wasm| and where. */
  maxAbsDiff: number;
  output: string;
}

/** Outputs agree when |a - b| ≤ 1e-4 + 1e-3·|b| everywhere (b: the WASM side). */
function compareOutputs(gpu: Record<string, TensorData>, cpu: Record<string, TensorData>): ParityResult {
  let maxAbsDiff = 0;
  let output = "";
  let agree = true;
  for (const [name, ref] of Object.entries(cpu)) {
    const got = gpu[name];
    if (!got || got.data.length !== ref.data.length) return { agree: false, maxAbsDiff: Number.POSITIVE_INFINITY, output: name };
    for (let i = 0; i < ref.data.length; i++) {
      const b = Number(ref.data[i]);
      const d = Math.abs(Number(got.data[i]) - b);
      if (Number.isNaN(d)) return { agree: false, maxAbsDiff: Number.NaN, output: `${name}[${i}]` };
      agree &&= d <= 1e-4 + 1e-3 * Math.abs(b);
      if (d > maxAbsDiff) [maxAbsDiff, output] = [d, `${name}[${i}]`];
    }
  }
  return { agree, maxAbsDiff, output };
}

/**
 * Run one probe on both sessions: the stored sample when there is one, else random inputs (symbolic dims 1, then
 * longer until WASM accepts them). Returns undefined when no input runs on WASM (nothing to compare).
 */
export async function runParity(gpu: EngineSession, cpu: EngineSession, manifest: Manifest, probe?: ProbeFeeds): Promise<ParityResult | undefined> {
  const candidates = probe ? [() => feedsFrom(probe)] : [1, 512, 1536].map((size) => () => randomFeeds(manifest.io.inputs, size));
  for (const make of candidates) {
    const feeds = make();
    if (!feeds) return undefined;
    let expected: Record<string, TensorData>;
    try {
      expected = await cpu.run(feeds);
    } catch {
      continue;
    }
    try {
      return compareOutputs(await gpu.run(feeds), expected);
    } catch (err) {
      return { agree: false, maxAbsDiff: Number.NaN, output: `(WebGPU failed: ${(err as Error).message})` };
    }
  }
  return undefined;
}

/** "max abs diff 1.9 on output y[128]" */
export const describeParity = (p: ParityResult) =>
  `max abs diff ${Number.isFinite(p.maxAbsDiff) ? p.maxAbsDiff.toPrecision(2) : String(p.maxAbsDiff)} on output ${p.output}`;
