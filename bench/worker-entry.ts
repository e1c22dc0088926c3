/** Benchmark build of the ORT Worker (`createWorker`, as targets/worker/runtime.ts) around bench/worker-app.ts. */
import * as ort from "onnxruntime-web/wasm";
import type { Manifest } from "../core/schema/manifest.ts";
import { createOrtEngine, type OrtLike } from "../runtime/engines/ort.ts";
import { useCompiledWasm, type OrtWasmEnv } from "../runtime/engines/ort-wasm-module.ts";
import { createBenchWorker } from "./worker-app.ts";

export function createWorker(opts: { manifest: Manifest; model: ArrayBuffer; wasm: WebAssembly.Module; settings?: Record<string, number> }) {
  const shim = useCompiledWasm(ort as unknown as OrtWasmEnv, opts.wasm);
  const engine = createOrtEngine(ort as unknown as OrtLike, { name: "ort-wasm", executionProviders: ["wasm"], aroundFirstCreate: shim.around });
  return createBenchWorker({ manifest: opts.manifest, engine, modelBytes: new Uint8Array(opts.model), settings: opts.settings });
}
