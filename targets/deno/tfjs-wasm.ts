/**
 * Deno with the TF.js engine on its WASM backend: what `edge-ml build --target deno` bundles for a TF.js model when
 * WASM agreed with CPU at build time (cli/build/tfjs-parity.ts; otherwise ./tfjs.ts's CPU backend). model.json, the
 * shards and tfjs-backend-wasm-simd.wasm are read from beside the bundle; served with `Deno.serve`.
 *
 * @example
 * ```ts
 * await startTfjsWasmDenoServer({ manifest, dirUrl: new URL("./tfjs/", import.meta.url), wasmUrl: new URL("./tfjs-backend-wasm-simd.wasm", import.meta.url) });
 * ```
 */
import "../tfjs-node-require.ts";
import { createTfjsWasmEngine } from "../../runtime/engines/tfjs-wasm.ts";
import { denoGlobal, serveDenoEdge } from "./edge.ts";
import type { TfjsDenoServerOptions } from "./tfjs.ts";

export interface TfjsWasmDenoServerOptions extends TfjsDenoServerOptions {
  /** tfjs-backend-wasm-simd.wasm (Deno compiles it from its bytes). */
  wasmUrl: URL;
}

export async function startTfjsWasmDenoServer(opts: TfjsWasmDenoServerOptions): Promise<void> {
  const deno = denoGlobal();
  // A missing file is reported by the integrity check, naming it.
  const read = (file: string) => deno.readFile(new URL(file, opts.dirUrl)).catch(() => undefined);
  const [modelBytes, wasmBytes] = await Promise.all([deno.readFile(new URL(opts.manifest.artifact.file, opts.dirUrl)), deno.readFile(opts.wasmUrl)]);
  await serveDenoEdge({
    manifest: opts.manifest,
    engine: createTfjsWasmEngine({ manifest: opts.manifest, read, wasm: WebAssembly.compile(wasmBytes as Uint8Array<ArrayBuffer>) }),
    modelBytes,
    settings: opts.settings,
    lookup: opts.lookup,
    featureReader: opts.featureReader,
  });
}
