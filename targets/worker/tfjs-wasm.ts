/**
 * Cloudflare Workers with the TF.js engine on its WASM backend: what `edge-ml build --target worker` bundles for a TF.js
 * model when WASM agreed with CPU at build time (cli/build/tfjs-parity.ts; otherwise ./tfjs.ts's CPU backend).
 * tfjs-backend-wasm-simd.wasm arrives as a CompiledWasm module (workerd compiles no wasm from bytes), model.json and
 * the shards as Data modules, checked against the manifest's sha256s before the first prediction.
 *
 * @example
 * ```ts
 * import model from "./tfjs/model.json";
 * import shard0 from "./tfjs/blazeface.bin";
 * import wasm from "./tfjs-backend-wasm-simd.wasm";
 * export default createTfjsWasmWorker({ manifest, model, files: { "blazeface.bin": shard0 }, wasm });
 * ```
 */
import { createTfjsWasmEngine } from "../../runtime/engines/tfjs-wasm.ts";
import { createEdgeWorker, type EdgeWorker } from "./edge.ts";
import type { TfjsWorkerOptions } from "./tfjs.ts";

export interface TfjsWasmWorkerOptions extends TfjsWorkerOptions {
  /** tfjs-backend-wasm-simd.wasm, imported as a CompiledWasm module. */
  wasm: WebAssembly.Module;
}

export function createTfjsWasmWorker(opts: TfjsWasmWorkerOptions): EdgeWorker {
  const files = new Map(Object.entries(opts.files).map(([name, bytes]) => [name, new Uint8Array(bytes)]));
  const engine = createTfjsWasmEngine({ manifest: opts.manifest, read: (file) => files.get(file), wasm: opts.wasm });
  return createEdgeWorker({ manifest: opts.manifest, engine, modelBytes: new Uint8Array(opts.model), settings: opts.settings, lookup: opts.lookup });
}
