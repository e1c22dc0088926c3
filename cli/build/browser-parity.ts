/**
 * The browser build's parity run, in one page of headless Chromium (launched with --enable-unsafe-webgpu, so WebGPU
 * runs on SwiftShader's software adapter on a machine without a GPU), on the version's first stored sample or a
 * deterministic random input, compared within 1e-4 abs + 1e-3 rel (targets/browser/device.ts): an ONNX model on
 * WebGPU against WASM (onnxruntime-web), a TF.js model on each TF.js backend the page has (WebGPU, WebGL, WASM) against
 * TF.js's CPU backend. The result goes into build.json and is baked into the bundle (esbuild `define`), so the page's
 * `auto` never picks a backend that failed here. Without Chromium or playwright-core the run is skipped with a note.
 *
 * @example
 * ```ts
 * const parity = await browserParity({ outDir, manifest, sample: samples?.[0] });
 * build({ ..., define: parityDefine(parity) });
 * ```
 */
import { build } from "esbuild";
import { existsSync } from "node:fs";
import type { Manifest } from "../../core/schema/manifest.ts";
import type { TypedArray } from "../../core/tensor-dtype.ts";
import type { ProbeFeeds } from "../../targets/browser/device.ts";
import type { BackendParity } from "../../targets/browser/runtime.ts";
import type { TfjsParity } from "../../targets/browser/tfjs.ts";
import { TFJS_NODE_REQUIRES } from "../../targets/types.ts";
import { runtimeModulePath } from "../project/project.ts";
import { serveLocal } from "./static-server.ts";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
/** WebGPU on any adapter (SwiftShader's on a machine without a GPU); WebGL on SwiftShader when there is no GPU. */
const FLAGS_GPU = ["--enable-unsafe-webgpu", "--enable-unsafe-swiftshader"];
const PAGE = `<!doctype html><meta charset="utf-8"><title>edge-ml parity</title>
<script type="module">import { compare } from "/.parity.js"; window.__edgeMlParity = compare;</script>`;
/** A software adapter compiles shaders slowly (Silero VAD: ~20 s for its first WebGPU run on SwiftShader). */
const TIMEOUT_MS = 120_000;
/** Samples up to this many numbers are baked into the bundle as the load-time probe input. */
const BAKE_MAX_NUMBERS = 4096;

/** One backend in build.json's `parity.backends`. */
export interface BackendReport {
  /** Null: not decided (the backend could not run here, `unavailable` says why). */
  agree: boolean | null;
  maxAbsDiff?: number;
  /** Relative to the reference where |reference| ≥ 1e-4. */
  maxRelDiff?: number;
  /** Where the largest abs diff is, e.g. "y[2989]". */
  output?: string;
  /** The adapter or renderer it ran on, e.g. "SwiftShader (software fallback)". */
  device?: string;
  unavailable?: string;
  readyMs?: number;
}

/** build.json's `parity`: per-backend agreement with the reference (WASM for ORT, CPU for TF.js). */
export interface BrowserParityReport {
  ran: boolean;
  /** Why it did not run, or what it could not decide. */
  note?: string;
  engine?: "ort" | "tfjs";
  reference?: "wasm" | "cpu";
  input?: "sample" | "random";
  adapter?: string;
  fallbackAdapter?: boolean;
  tolerance: string;
  backends?: Record<string, BackendReport>;
}

export interface BrowserParity {
  report: BrowserParityReport;
  /** What an ORT bundle is told: false only when WebGPU ran and disagreed. */
  webgpuParity: boolean | undefined;
  /** What a TF.js bundle is told: per backend, false only when it ran and disagreed with CPU. */
  tfjsParity?: Record<string, boolean>;
  probe: ProbeFeeds | undefined;
}

/** What targets/browser/device.ts's comparison accepts, as build.json states it. */
export const TOLERANCE = "1e-4 abs + 1e-3 rel";

/** A stored sample's feeds as plain numbers (int64 BigInts become numbers; float16 and strings are not probed). */
export function toProbe(sample: Record<string, { dtype: string; dims: number[]; data: TypedArray }> | undefined): ProbeFeeds | undefined {
  if (!sample) return undefined;
  const out: ProbeFeeds = {};
  for (const [name, t] of Object.entries(sample)) {
    if (t.dtype === "float16" || t.dtype === "string") return undefined;
    out[name] = { dtype: t.dtype, dims: [...t.dims], data: Array.from(t.data as ArrayLike<number | bigint>, Number) };
  }
  return out;
}

export async function browserParity(opts: {
  outDir: string;
  manifest: Manifest;
  /** Which runtime the bundle uses: onnxruntime-web (default) or TF.js. */
  engine?: "ort" | "tfjs";
  sample?: Record<string, { dtype: string; dims: number[]; data: TypedArray }> | undefined;
}): Promise<BrowserParity> {
  const engine = opts.engine ?? "ort";
  const probe = toProbe(opts.sample);
  const baked = probe && Object.values(probe).reduce((n, t) => n + t.data.length, 0) <= BAKE_MAX_NUMBERS ? probe : undefined;
  const skipped = (note: string): BrowserParity => ({ report: { ran: false, note, tolerance: TOLERANCE }, webgpuParity: undefined, probe: baked });
  if (!existsSync(CHROMIUM)) return skipped(`WebGPU parity not checked: Chromium is missing at ${CHROMIUM} (apt-get install -y chromium)`);
  let playwright: typeof import("playwright-core");
  try {
    playwright = await import("playwright-core");
  } catch {
    return skipped("WebGPU parity not checked: playwright-core is not installed (npm install -D playwright-core)");
  }
  const code = await bundleProbe(engine);
  const route = (path: string) =>
    path === "/"
      ? { type: "text/html; charset=utf-8", body: PAGE }
      : path === "/.parity.js"
        ? { type: "text/javascript; charset=utf-8", body: code }
        : undefined;
  const server = await serveLocal({ route, dir: opts.outDir });
  const browser = await playwright.chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, ...FLAGS_GPU] });
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForFunction("typeof window.__edgeMlParity === 'function'", undefined, { timeout: 30_000 });
    const args = { manifest: opts.manifest, baseUrl: server.url, ...(probe ? { probe } : {}) };
    // A string, not a function: code the host compiles (tsx, vitest) could be rewritten before it reaches the page.
    const run = page.evaluate(`window.__edgeMlParity(${JSON.stringify(args)})`) as Promise<BackendParity | TfjsParity>;
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS).unref());
    const r = await Promise.race([run, timeout]);
    const input = probe ? "sample" : "random";
    if (engine === "tfjs") return tfjsResult(r as TfjsParity, input, baked);
    const ort = r as BackendParity;
    return { report: reportOf(ort, input), webgpuParity: ort.result ? ort.result.agree : undefined, probe: baked };
  } catch (err) {
    return skipped(`WebGPU parity not checked: ${(err as Error).message.split("\n")[0]}`);
  } finally {
    await browser.close().catch(() => {});
    await server.close();
  }
}

function reportOf(r: BackendParity, input: "sample" | "random"): BrowserParityReport {
  const base = { ran: true, engine: "ort", reference: "wasm", input, adapter: r.adapter, fallbackAdapter: r.fallbackAdapter, tolerance: TOLERANCE } as const;
  const webgpu = r.result
    ? {
        agree: r.result.agree,
        maxAbsDiff: r.result.maxAbsDiff,
        maxRelDiff: r.result.maxRelDiff,
        output: r.result.output,
        readyMs: Math.round(r.readyMs.webgpu),
      }
    : { agree: null, readyMs: Math.round(r.readyMs.webgpu) };
  const note = r.error ?? (r.result ? undefined : "no probe input ran on WASM; WebGPU left undecided");
  return { ...base, ...(note ? { note } : {}), backends: { wasm: { agree: true, readyMs: Math.round(r.readyMs.wasm) }, webgpu } };
}

/** TF.js: every backend the page had, each against CPU; the bundle is told which ones disagreed or agreed. */
function tfjsResult(r: TfjsParity, input: "sample" | "random", probe: ProbeFeeds | undefined): BrowserParity {
  const base = { ran: true, engine: "tfjs", reference: "cpu", input, tolerance: TOLERANCE } as const;
  if (!r.backends) {
    const note = r.error ?? "no probe input ran on TF.js's CPU backend; nothing decided";
    return { report: { ...base, note }, webgpuParity: undefined, probe };
  }
  const backends: Record<string, BackendReport> = { cpu: { agree: true, readyMs: Math.round(r.cpuReadyMs) } };
  const tfjsParity: Record<string, boolean> = {};
  for (const [name, b] of Object.entries(r.backends)) {
    const diffs = b.result ? { maxAbsDiff: b.result.maxAbsDiff, maxRelDiff: b.result.maxRelDiff, output: b.result.output } : {};
    backends[name] = {
      agree: b.agree,
      ...diffs,
      ...(b.device === undefined ? {} : { device: b.device }),
      ...(b.unavailable === undefined ? {} : { unavailable: b.unavailable }),
      ...(b.readyMs === undefined ? {} : { readyMs: Math.round(b.readyMs) }),
    };
    if (b.agree !== null) tfjsParity[name] = b.agree;
  }
  return { report: { ...base, backends }, webgpuParity: undefined, tfjsParity, probe };
}

/** `define` for the browser bundle: what the runtime reads as `__EDGE_ML_BROWSER_BUILD__`. */
export function parityDefine(parity: BrowserParity | undefined): Record<string, string> {
  if (!parity || (parity.webgpuParity === undefined && parity.tfjsParity === undefined && parity.probe === undefined)) return {};
  const baked = {
    ...(parity.webgpuParity === undefined ? {} : { webgpuParity: parity.webgpuParity }),
    ...(parity.tfjsParity === undefined ? {} : { tfjsParity: parity.tfjsParity }),
    ...(parity.probe ? { probe: parity.probe } : {}),
  };
  return { __EDGE_ML_BROWSER_BUILD__: JSON.stringify(baked) };
}

/** The runtime's comparison as one ES module, exported as `compare` (lazy chunks inlined). */
async function bundleProbe(engine: "ort" | "tfjs"): Promise<string> {
  const [fn, module] = engine === "tfjs" ? ["compareTfjsBackends", "browser/tfjs.ts"] : ["compareBackends", "browser/runtime.ts"];
  const out = await build({
    stdin: { contents: `export { ${fn} as compare } from ${JSON.stringify(runtimeModulePath(module))};`, loader: "ts", resolveDir: process.cwd() },
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    conditions: ["browser"],
    mainFields: ["module", "main"],
    target: "es2022",
    // TF.js's Node-only requires, never reached in a page (as in the browser target's own bundle).
    external: TFJS_NODE_REQUIRES,
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}
