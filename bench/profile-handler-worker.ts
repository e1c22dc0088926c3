/**
 * Worker build for bench/profile-handler.ts: the served model plus `POST /__profile`, which runs handler-timing.ts
 * inside workerd (same isolate, alternating blocks) on the instances in the request body.
 */
import * as ort from "onnxruntime-web/wasm";
import type { Manifest } from "../core/schema/manifest.ts";
import { createCompiledEngine } from "../runtime/engines/compiled/engine.ts";
import { createOrtEngine, type OrtLike } from "../runtime/engines/ort.ts";
import { useCompiledWasm, type OrtWasmEnv } from "../runtime/engines/ort-wasm-module.ts";
import { createDeployment as createBase } from "./base-deployment.ts";
import { timeHandler, type HandlerTimingOptions } from "./handler-timing.ts";

/** `graph` + `graphSha256`: time the compiled engine on that graph instead of onnxruntime-web on the model. */
export function createWorker(opts: { manifest: Manifest; model: ArrayBuffer; wasm: WebAssembly.Module; graph?: ArrayBuffer; graphSha256?: string }) {
  const shim = useCompiledWasm(ort as unknown as OrtWasmEnv, opts.wasm);
  const engine = opts.graph
    ? createCompiledEngine()
    : createOrtEngine(ort as unknown as OrtLike, { name: "ort-wasm", executionProviders: ["wasm"], aroundFirstCreate: shim.around });
  const modelBytes = new Uint8Array(opts.graph ?? opts.model);
  const sha = opts.graphSha256 ? { modelSha256: opts.graphSha256 } : {};
  return {
    async fetch(request: Request): Promise<Response> {
      const req = (await request.json()) as Pick<HandlerTimingOptions, "cases" | "rounds" | "blockMs" | "steps"> & { base?: boolean };
      const rows = await timeHandler({ ...req, manifest: opts.manifest, engine, modelBytes, ...sha, ...(req.base ? { createBase } : {}) });
      return Response.json(rows);
    },
  };
}
