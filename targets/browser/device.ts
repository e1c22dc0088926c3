/**
 * Which backend a page runs a model on, and why. `auto` takes WebGPU only from a hardware adapter (a software fallback
 * such as SwiftShader is ~100x slower than WASM and costs a 12 MB wasm more), never when the build's parity run saw
 * WebGPU disagree, and `wasm` never touches `navigator.gpu` (asking for an adapter prints "No available adapters."
 * in the console). The parity probe compares a backend's session with a reference's (WASM for ORT, CPU for TF.js) on
 * the same input with the tolerance every target uses; `firstAgreeing` walks a list of backends until one agrees.
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
  /** Largest |tested - reference| and where. */
  maxAbsDiff: number;
  /** Largest |tested - reference| / |reference| where |reference| ≥ 1e-4 (smaller values are judged by the abs part). */
  maxRelDiff: number;
  output: string;
  /** The tested session threw on the probe input: its message (`output` says so too). */
  error?: string;
}

/** Outputs agree when |a - b| ≤ 1e-4 + 1e-3·|b| everywhere (b: the reference side: WASM for ORT, CPU for TF.js). */
function compareOutputs(got: Record<string, TensorData>, want: Record<string, TensorData>): ParityResult {
  let maxAbsDiff = 0;
  let maxRelDiff = 0;
  let output = "";
  let agree = true;
  for (const [name, ref] of Object.entries(want)) {
    const tested = got[name];
    if (!tested || tested.data.length !== ref.data.length)
      return { agree: false, maxAbsDiff: Number.POSITIVE_INFINITY, maxRelDiff: Number.POSITIVE_INFINITY, output: name };
    for (let i = 0; i < ref.data.length; i++) {
      const b = Number(ref.data[i]);
      const d = Math.abs(Number(tested.data[i]) - b);
      if (Number.isNaN(d)) return { agree: false, maxAbsDiff: Number.NaN, maxRelDiff: Number.NaN, output: `${name}[${i}]` };
      agree &&= d <= 1e-4 + 1e-3 * Math.abs(b);
      if (Math.abs(b) >= 1e-4) maxRelDiff = Math.max(maxRelDiff, d / Math.abs(b));
      if (d > maxAbsDiff) [maxAbsDiff, output] = [d, `${name}[${i}]`];
    }
  }
  return { agree, maxAbsDiff, maxRelDiff, output };
}

/** One probe input and the reference's outputs on it. */
export interface ProbeCase {
  feeds: Record<string, TensorData>;
  expected: Record<string, TensorData>;
}

/**
 * The probe input, run on the reference: the stored sample when there is one, else random inputs (symbolic dims 1,
 * then longer until the reference accepts them). Undefined when no input runs there (nothing to compare).
 */
export async function probeCase(reference: EngineSession, manifest: Manifest, probe?: ProbeFeeds): Promise<ProbeCase | undefined> {
  const candidates = probe ? [() => feedsFrom(probe)] : [1, 512, 1536].map((size) => () => randomFeeds(manifest.io.inputs, size));
  for (const make of candidates) {
    const feeds = make();
    if (!feeds) return undefined;
    try {
      return { feeds, expected: await reference.run(feeds) };
    } catch {}
  }
  return undefined;
}

/** The tested session on the probe input against the reference's outputs; a run that throws disagrees. */
export async function compareOn(session: EngineSession, c: ProbeCase, label: string): Promise<ParityResult> {
  try {
    return compareOutputs(await session.run(c.feeds), c.expected);
  } catch (err) {
    const error = (err as Error).message;
    return { agree: false, maxAbsDiff: Number.NaN, maxRelDiff: Number.NaN, output: `(${label} failed: ${error})`, error };
  }
}

/** One probe on both sessions (WebGPU against WASM for ORT); undefined when no input runs on the reference. */
export async function runParity(gpu: EngineSession, cpu: EngineSession, manifest: Manifest, probe?: ProbeFeeds): Promise<ParityResult | undefined> {
  const c = await probeCase(cpu, manifest, probe);
  return c && compareOn(gpu, c, "WebGPU");
}

/** "max abs diff 1.9 on output y[128]" */
export const describeParity = (p: ParityResult) =>
  `max abs diff ${Number.isFinite(p.maxAbsDiff) ? p.maxAbsDiff.toPrecision(2) : String(p.maxAbsDiff)} on output ${p.output}`;

export interface ProbeChainOptions<B extends string> {
  /** Backends to try, best first; the reference may close the list (it serves when nothing before it agrees). */
  order: readonly B[];
  /** The backend every other one is compared with (WASM for ORT, CPU for TF.js). */
  reference: B;
  /** A session on the backend, or undefined when the backend cannot start in this page. */
  open(backend: B): Promise<EngineSession | undefined>;
  /** Whether to run the probe at all (off: the first backend that starts serves). */
  probing: boolean;
  manifest: Manifest;
  probe?: ProbeFeeds | undefined;
  /** "WebGPU", "WASM" */
  label(backend: B): string;
}

export interface ProbeChainResult<B extends string> {
  backend: B;
  session: EngineSession;
  /** The probe's result for the serving backend (or the last disagreement, when the reference serves). */
  parity?: ParityResult;
  /** What happened on the way, one clause each: "WebGPU disagreed with CPU on the parity probe (...)". */
  notes: string[];
}

/**
 * The load-time parity probe over a list of backends: each is opened in order and compared with the reference on one
 * input; the first that agrees serves, one that disagrees is released and noted, and the reference serves when none
 * before it agrees. The reference session is opened once, only when needed, and released unless it serves.
 */
export async function firstAgreeing<B extends string>(opts: ProbeChainOptions<B>): Promise<ProbeChainResult<B>> {
  const notes: string[] = [];
  let ref: EngineSession | undefined;
  let c: ProbeCase | undefined | null;
  let last: ParityResult | undefined;
  const openReference = async () => {
    ref ??= await opts.open(opts.reference);
    if (!ref) throw new Error(`the ${opts.label(opts.reference)} backend did not start: ${notes.join("; ")}`);
    return ref;
  };
  for (const backend of opts.order) {
    if (backend === opts.reference) break;
    const session = await opts.open(backend);
    if (!session) {
      notes.push(`the ${opts.label(backend)} backend did not start`);
      continue;
    }
    if (!opts.probing) return { backend, session, notes };
    c ??= (await probeCase(await openReference(), opts.manifest, opts.probe)) ?? null;
    if (c === null) {
      await ref?.release();
      return { backend, session, notes: [...notes, `the parity probe found no input that runs on ${opts.label(opts.reference)}`] };
    }
    const parity = await compareOn(session, c, opts.label(backend));
    if (parity.agree) {
      await ref?.release();
      return { backend, session, parity, notes: [...notes, `the parity probe agreed (${describeParity(parity)})`] };
    }
    last = parity;
    await session.release();
    notes.push(`${opts.label(backend)} disagreed with ${opts.label(opts.reference)} on the parity probe (${describeParity(parity)})`);
  }
  return { backend: opts.reference, session: await openReference(), notes, ...(last ? { parity: last } : {}) };
}
