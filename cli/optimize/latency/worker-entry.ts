/**
 * The latency harness as a Worker, bundled by run-worker.ts and run in workerd through miniflare. One POST carries the
 * models and feeds (wire.ts); the response streams progress lines and then the result, so the host can report
 * progress and no HTTP timeout cuts a long measurement. onnxruntime-web's wasm arrives precompiled as a CompiledWasm
 * module (workerd cannot compile wasm from bytes) and starts through the same shim the worker target uses.
 */
import * as ort from "onnxruntime-web/wasm";
import { type OrtWasmEnv, useCompiledWasm } from "../../../runtime/engines/ort-wasm-module.ts";
import { type OrtWebLike, runHarness } from "./harness.ts";
import { decodeRequest, encodeEvent, errorEvent, type HarnessEvent } from "./wire.ts";

export function createLatencyWorker(wasm: WebAssembly.Module) {
  const shim = useCompiledWasm(ort as unknown as OrtWasmEnv, wasm);
  return {
    async fetch(request: Request, _env: unknown, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<Response> {
      const input = decodeRequest(new Uint8Array(await request.arrayBuffer()));
      const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
      const writer = writable.getWriter();
      const encoder = new TextEncoder();
      const send = (e: HarnessEvent) => writer.write(encoder.encode(encodeEvent(e))).catch(() => {});
      const work = (async () => {
        try {
          const result = await runHarness(ort as unknown as OrtWebLike, input, {
            aroundFirstCreate: shim.around,
            onProgress: (done, total) => void send({ type: "progress", done, total }),
          });
          await send({ type: "result", result });
        } catch (e) {
          await send(errorEvent(e));
        } finally {
          await writer.close().catch(() => {});
        }
      })();
      ctx.waitUntil(work);
      return new Response(readable, { headers: { "content-type": "text/plain; charset=utf-8" } });
    },
  };
}
