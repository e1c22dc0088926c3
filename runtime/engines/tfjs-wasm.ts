/**
 * The TF.js engine on its WASM backend (tfjs-backend-wasm's SIMD build, one thread), for servers: Workers, Deno and
 * Node. On BlazeFace it answers 12-16x faster than the CPU backend (bench/tfjs-servers.ts), which on Workers is CPU time
 * billed and limited per request. The adapter hands over the wasm already compiled (`WebAssembly.Module`): workerd
 * compiles no wasm from bytes, so a Worker imports it as a CompiledWasm module; Node and Deno compile the file's
 * bytes. tfjs-backend-wasm only knows how to fetch its wasm by URL, so while the backend starts, TF.js's platform
 * fetch answers a placeholder and `WebAssembly.instantiate` of those bytes instantiates the given module instead; both
 * are restored as soon as the backend is up (or failed). Which backend a build uses is decided by `edge-ml build`,
 * which runs the model on both in Node and keeps CPU when WASM disagrees or cannot run it (cli/build/tfjs-parity.ts).
 *
 * @example
 * ```ts
 * import wasm from "./tfjs-backend-wasm-simd.wasm"; // a CompiledWasm module in workerd
 * const engine = createTfjsWasmEngine({ manifest, read: (file) => shards.get(file), wasm });
 * ```
 */
import * as tf from "@tensorflow/tfjs-core";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createTfjsEngine, type TfjsEngineOptions } from "./tfjs.ts";
import { TFJS_MODULES } from "./tfjs-modules.ts";
import type { Engine } from "./types.ts";

/** What tfjs-backend-wasm is told its wasm is called: a name no real fetch could resolve. */
const PLACEHOLDER = "edge-ml:tfjs-backend-wasm-simd.wasm";
/** The bytes the placeholder fetch answers: wasm's magic number, never compiled. */
const MARKER = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x65, 0x64, 0x67, 0x65);

type Instantiate = typeof WebAssembly.instantiate;

/** TF.js has one WASM backend per process: started once, on the first module handed over. */
let started: Promise<void> | undefined;

function startWasmBackend(wasm: WebAssembly.Module): Promise<void> {
  started ??= startOnce(wasm).catch((err: unknown) => {
    started = undefined; // the next session tries again
    throw err;
  });
  return started;
}

const isMarker = (source: unknown): boolean => {
  if (!(source instanceof ArrayBuffer || ArrayBuffer.isView(source)) || source.byteLength !== MARKER.byteLength) return false;
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  return bytes.every((b, i) => b === MARKER[i]);
};

async function startOnce(wasm: WebAssembly.Module): Promise<void> {
  tf.env().set("WASM_HAS_SIMD_SUPPORT", true);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  setWasmPaths(
    { "tfjs-backend-wasm.wasm": PLACEHOLDER, "tfjs-backend-wasm-simd.wasm": PLACEHOLDER, "tfjs-backend-wasm-threaded-simd.wasm": PLACEHOLDER },
    true,
  );
  const platform = tf.env().platform;
  const fetch = platform.fetch;
  const instantiate = WebAssembly.instantiate;
  platform.fetch = async (path, init) => (path === PLACEHOLDER ? new Response(MARKER) : fetch.call(platform, path, init));
  WebAssembly.instantiate = ((source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) =>
    isMarker(source)
      ? instantiate(wasm, imports).then((instance) => ({ instance, module: wasm }))
      : instantiate(source as BufferSource, imports)) as Instantiate;
  try {
    if (!(await tf.setBackend("wasm"))) throw new Error("TF.js could not start its wasm backend");
    await tf.ready();
  } finally {
    WebAssembly.instantiate = instantiate;
    platform.fetch = fetch;
  }
}

export interface TfjsWasmEngineOptions extends Omit<TfjsEngineOptions, "backend" | "prepare"> {
  /** tfjs-backend-wasm-simd.wasm, compiled (a CompiledWasm module in workerd; `WebAssembly.compile(bytes)` elsewhere). */
  wasm: WebAssembly.Module | Promise<WebAssembly.Module>;
}

/** The TF.js engine on WASM (name `tfjs-wasm`). */
export function createTfjsWasmEngine(opts: TfjsWasmEngineOptions): Engine {
  const { wasm, ...rest } = opts;
  const module = Promise.resolve(wasm);
  module.catch(() => {}); // a wasm that fails to compile fails the first session, not the process
  return createTfjsEngine(TFJS_MODULES, { ...rest, backend: "wasm", prepare: async () => startWasmBackend(await module) });
}
