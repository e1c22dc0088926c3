/**
 * Cloudflare Workers adapter (`edge-ml/worker`): the only file that knows it runs in workerd. The model arrives as a
 * Data module (ArrayBuffer) and onnxruntime-web's wasm as a CompiledWasm module (a precompiled `WebAssembly.Module`).
 * Settings and telemetry come from the Worker's vars (EDGE_ML_MONITOR_URL, the secret EDGE_ML_MONITOR_TOKEN, ...) on
 * the first request, through the shared adapter (runtime/adapter.ts); telemetry is flushed through `ctx.waitUntil`,
 * so it never delays or fails a response.
 *
 * @example
 * ```ts
 * // As the whole Worker (what `edge-ml build --target worker` writes):
 * import model from "./model.onnx";
 * import wasm from "./ort-wasm-simd-threaded.wasm";
 * export default createWorker({ manifest, model, wasm });
 *
 * // Both versions of a rollout in one Worker (what a build with a challenger writes):
 * export default createWorker({ manifest, model, wasm, challenger: { manifest: next, model: nextModel, rollout: { mode: "canary", share: 0.1 } } });
 *
 * // Or mounted in your own Hono Worker:
 * const edge = createWorker({ manifest, model, wasm });
 * const app = new Hono().get("/", (c) => c.text("hi")).route("/ml", edge.app); // POST /ml/v1/models/<name>:predict
 * export default app;
 * ```
 */
import * as ort from "onnxruntime-web/wasm";
import type { Manifest } from "../../core/schema/manifest.ts";
import { createOrtEngine, type OrtLike } from "../../runtime/engines/ort.ts";
import { useCompiledWasm, type OrtWasmEnv } from "../../runtime/engines/ort-wasm-module.ts";
import type { LookupPlan } from "../../runtime/features/types.ts";
import type { RolloutSettings } from "../../runtime/rollout.ts";
import type { EdgeSettings } from "../../runtime/settings.ts";
import { createEdgeWorker, type EdgeWorker } from "./edge.ts";

export type { EdgeWorker };

export interface WorkerOptions {
  manifest: Manifest;
  model: ArrayBuffer;
  wasm: WebAssembly.Module;
  settings?: Partial<EdgeSettings>;
  /** Another version of the model sharing the traffic: its manifest, its model (a Data module) and the rollout. */
  challenger?: { manifest: Manifest; model: ArrayBuffer; rollout: RolloutSettings; lookup?: LookupPlan | undefined } | undefined;
  /** The feature views the model reads (baked in by `edge-ml build`), from the EDGE_ML_FEATURES_KV / _D1 bindings. */
  lookup?: LookupPlan | undefined;
}

export function createWorker(opts: WorkerOptions): EdgeWorker {
  const shim = useCompiledWasm(ort as unknown as OrtWasmEnv, opts.wasm);
  const engine = createOrtEngine(ort as unknown as OrtLike, { name: "ort-wasm", executionProviders: ["wasm"], aroundFirstCreate: shim.around });
  const c = opts.challenger;
  return createEdgeWorker({
    manifest: opts.manifest,
    engine,
    modelBytes: new Uint8Array(opts.model),
    settings: opts.settings,
    lookup: opts.lookup,
    challenger: c ? { manifest: c.manifest, modelBytes: new Uint8Array(c.model), rollout: c.rollout, lookup: c.lookup } : undefined,
  });
}
