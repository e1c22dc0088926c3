/**
 * Benchmark build of the Worker: the real runtime plus a `POST /__bench` route that times, inside the same isolate
 * and the same run, (a) raw `session.run` on a prepared tensor and (b) the full Hono handler (validate ▶ preprocess ▶
 * infer ▶ postprocess ▶ JSON) invoked in-isolate, so Node↔workerd plumbing is not counted in either.
 * Local workerd advances its clock during computation (deployed Workers do not), so these timings are meaningful here.
 */
import * as ort from "onnxruntime-web/wasm";
import type { Manifest } from "../core/schema/manifest.ts";
import { createPreprocessor } from "../core/preprocess.ts";
import { createDeployment } from "../runtime/deployment.ts";
import { createOrtEngine, type OrtLike } from "../runtime/engines/ort.ts";
import { useCompiledWasm, type OrtWasmEnv } from "../runtime/engines/ort-wasm-module.ts";
import type { TensorData } from "../runtime/engines/types.ts";

interface BenchRequest {
  iterations: number;
  warmup: number;
  body: { instances: unknown[] };
  /** Prepared feeds for the raw run (tensor models): name → {dtype, data, dims}. */
  feeds?: Record<string, { dtype: "float32"; data: number[]; dims: number[] }>;
}

export function createWorker(opts: { manifest: Manifest; model: ArrayBuffer; wasm: WebAssembly.Module; settings?: Record<string, number> }) {
  const shim = useCompiledWasm(ort as unknown as OrtWasmEnv, opts.wasm);
  const engine = createOrtEngine(ort as unknown as OrtLike, { name: "ort-wasm", executionProviders: ["wasm"], aroundFirstCreate: shim.around });
  const modelBytes = new Uint8Array(opts.model);
  const deployment = createDeployment({ manifest: opts.manifest, engine, modelBytes, settings: opts.settings ?? {} });
  return {
    async fetch(request: Request, env: unknown, ctx: unknown): Promise<Response> {
      if (new URL(request.url).pathname !== "/__bench") return deployment.app.fetch(request, env, ctx as never);
      const req = (await request.json()) as BenchRequest;
      const session = await engine.createSession(modelBytes);
      await deployment.loadPredictor();
      let feeds: Record<string, TensorData>;
      if (opts.manifest.preprocessing) {
        feeds = Object.fromEntries(createPreprocessor(opts.manifest.preprocessing).transform(req.body.instances as never)) as Record<string, TensorData>;
      } else {
        feeds = Object.fromEntries(Object.entries(req.feeds ?? {}).map(([k, v]) => [k, { dtype: v.dtype, data: Float32Array.from(v.data), dims: v.dims }]));
      }
      const url = `http://bench/v1/models/${opts.manifest.name}:predict`;
      const bodyText = JSON.stringify(req.body);
      const raw: number[] = [];
      const handler: number[] = [];
      // Interleave the two so drift in the machine's load affects both alike.
      for (let i = 0; i < req.warmup + req.iterations; i++) {
        let t = performance.now();
        await session.run(feeds);
        const r = performance.now() - t;
        t = performance.now();
        const res = await deployment.app.fetch(new Request(url, { method: "POST", headers: { "content-type": "application/json" }, body: bodyText }), env, ctx as never);
        await res.text();
        const h = performance.now() - t;
        if (res.status !== 200) return new Response(`handler returned ${res.status}`, { status: 500 });
        if (i >= req.warmup) {
          raw.push(r);
          handler.push(h);
        }
      }
      await session.release();
      return Response.json({ raw, handler });
    },
  };
}
