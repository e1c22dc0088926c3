/**
 * The worker target's runtime with the model loaded eagerly, at module load, instead of on the first request: the
 * alternative that `measureLoading` (load-timing.ts) builds through `BuildOptions.runtimeEntry` and measures beside the
 * default. It is targets/worker/runtime.ts's `createWorker` plus one line that starts `loadPredictor()` in the global
 * scope (ORT start + integrity check + session creation), so the cost moves from the first request into start-up.
 *
 * @example
 * ```ts
 * await buildTarget({ root, ref, target: "worker", outDir, runtimeEntry: EAGER_WORKER_ENTRY });
 * ```
 */
import * as ort from "onnxruntime-web/wasm";
import { createEdgeRuntime } from "../../runtime/adapter.ts";
import { createOrtEngine, type OrtLike } from "../../runtime/engines/ort.ts";
import { type OrtWasmEnv, useCompiledWasm } from "../../runtime/engines/ort-wasm-module.ts";
import type { EdgeWorker, WorkerOptions } from "../../targets/worker/runtime.ts";

export function createWorker(opts: WorkerOptions): EdgeWorker {
  const shim = useCompiledWasm(ort as unknown as OrtWasmEnv, opts.wasm);
  const engine = createOrtEngine(ort as unknown as OrtLike, { name: "ort-wasm", executionProviders: ["wasm"], aroundFirstCreate: shim.around });
  const edge = createEdgeRuntime({
    manifest: opts.manifest,
    engine,
    modelBytes: new Uint8Array(opts.model),
    target: "worker",
    ...(opts.settings ? { settings: opts.settings } : {}),
    schedule: (c, work) => c.executionCtx.waitUntil(work),
  });
  // A failure here is not cached (loadPredictor retries), so the first request reports it as it would lazily.
  edge.loadPredictor().catch(() => {});
  return { app: edge.app, fetch: (request, env, ctx) => edge.app.fetch(request, env, ctx) };
}
