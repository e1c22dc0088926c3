/**
 * The browser build's parity run: the model on WebGPU and on WASM in one page of headless Chromium (launched with
 * --enable-unsafe-webgpu), on the version's first stored sample or a deterministic random input, compared within
 * 1e-4 abs + 1e-3 rel (targets/browser/device.ts). The result goes into build.json and is baked into the bundle
 * (esbuild `define`), so the page's `auto` never picks a backend that failed here. Without Chromium or
 * playwright-core the run is skipped with a note.
 *
 * @example
 * ```ts
 * const parity = await browserParity({ outDir, manifest, sample: samples?.[0] });
 * build({ ..., define: parityDefine(parity) });
 * ```
 */
import { build } from "esbuild";
import { createReadStream, existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";
import type { Manifest } from "../../core/schema/manifest.ts";
import type { TypedArray } from "../../core/tensor-dtype.ts";
import type { ProbeFeeds } from "../../targets/browser/device.ts";
import type { BackendParity } from "../../targets/browser/runtime.ts";
import { runtimeModulePath } from "../project/project.ts";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const FLAG_WEBGPU = "--enable-unsafe-webgpu";
const PAGE = `<!doctype html><meta charset="utf-8"><title>edge-ml parity</title>
<script type="module">import { compareBackends } from "/.parity.js"; window.__edgeMlParity = compareBackends;</script>`;
/** A software adapter compiles shaders slowly (Silero VAD: ~20 s for its first WebGPU run on SwiftShader). */
const TIMEOUT_MS = 120_000;
/** Samples up to this many numbers are baked into the bundle as the load-time probe input. */
const BAKE_MAX_NUMBERS = 4096;

/** build.json's `parity`: per-backend agreement with WASM (WASM is the reference). */
export interface BrowserParityReport {
  ran: boolean;
  /** Why it did not run, or what it could not decide. */
  note?: string;
  input?: "sample" | "random";
  adapter?: string;
  fallbackAdapter?: boolean;
  tolerance: string;
  backends?: {
    wasm: { agree: true; readyMs: number };
    webgpu: { agree: boolean | null; maxAbsDiff?: number; output?: string; readyMs: number };
  };
}

export interface BrowserParity {
  report: BrowserParityReport;
  /** What the bundle is told: false only when WebGPU ran and disagreed. */
  webgpuParity: boolean | undefined;
  probe: ProbeFeeds | undefined;
}

const TOLERANCE = "1e-4 abs + 1e-3 rel";

/** A stored sample's feeds as plain numbers (int64 BigInts become numbers; float16 and strings are not probed). */
function toProbe(sample: Record<string, { dtype: string; dims: number[]; data: TypedArray }> | undefined): ProbeFeeds | undefined {
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
  sample?: Record<string, { dtype: string; dims: number[]; data: TypedArray }> | undefined;
}): Promise<BrowserParity> {
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
  const code = await bundleProbe();
  const server = await serve(opts.outDir, code);
  const browser = await playwright.chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, FLAG_WEBGPU] });
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForFunction("typeof window.__edgeMlParity === 'function'", undefined, { timeout: 30_000 });
    const args = { manifest: opts.manifest, baseUrl: server.url, ...(probe ? { probe } : {}) };
    // A string, not a function: code the host compiles (tsx, vitest) could be rewritten before it reaches the page.
    const run = page.evaluate(`window.__edgeMlParity(${JSON.stringify(args)})`) as Promise<BackendParity>;
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS).unref());
    const r = await Promise.race([run, timeout]);
    return { report: reportOf(r, probe ? "sample" : "random"), webgpuParity: r.result ? r.result.agree : undefined, probe: baked };
  } catch (err) {
    return skipped(`WebGPU parity not checked: ${(err as Error).message.split("\n")[0]}`);
  } finally {
    await browser.close().catch(() => {});
    await server.close();
  }
}

function reportOf(r: BackendParity, input: "sample" | "random"): BrowserParityReport {
  const base = { ran: true, input, adapter: r.adapter, fallbackAdapter: r.fallbackAdapter, tolerance: TOLERANCE };
  const webgpu = r.result
    ? { agree: r.result.agree, maxAbsDiff: r.result.maxAbsDiff, output: r.result.output, readyMs: Math.round(r.readyMs.webgpu) }
    : { agree: null, readyMs: Math.round(r.readyMs.webgpu) };
  const note = r.error ?? (r.result ? undefined : "no probe input ran on WASM; WebGPU left undecided");
  return { ...base, ...(note ? { note } : {}), backends: { wasm: { agree: true, readyMs: Math.round(r.readyMs.wasm) }, webgpu } };
}

/** `define` for the browser bundle: what the runtime reads as `__EDGE_ML_BROWSER_BUILD__`. */
export function parityDefine(parity: BrowserParity | undefined): Record<string, string> {
  if (!parity || (parity.webgpuParity === undefined && parity.probe === undefined)) return {};
  const baked = { ...(parity.webgpuParity === undefined ? {} : { webgpuParity: parity.webgpuParity }), ...(parity.probe ? { probe: parity.probe } : {}) };
  return { __EDGE_ML_BROWSER_BUILD__: JSON.stringify(baked) };
}

/** The runtime's compareBackends as one ES module (ORT's WebGPU build inlined). */
async function bundleProbe(): Promise<string> {
  const out = await build({
    stdin: { contents: `export { compareBackends } from ${JSON.stringify(runtimeModulePath("browser/runtime.ts"))};`, loader: "ts", resolveDir: process.cwd() },
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    conditions: ["browser"],
    mainFields: ["module", "main"],
    target: "es2022",
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}

/** The build folder over HTTP on 127.0.0.1, plus the page and the probe module. */
async function serve(dir: string, code: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = normalize(new URL(req.url ?? "/", "http://x").pathname);
    if (path === "/") return void res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    if (path === "/.parity.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(code);
    const file = join(dir, path);
    if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": file.endsWith(".wasm") ? "application/wasm" : "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
