/**
 * Benchmark build of the Worker: the real runtime plus a `POST /__bench` route that times, inside the same isolate
 * and the same run, (a) raw `session.run` on a prepared tensor and (b) the full Hono handler (validate ▶ preprocess ▶
 * infer ▶ postprocess ▶ JSON) invoked in-isolate, so Node↔workerd plumbing is not counted in either.
 * Local workerd advances its clock during computation (deployed Workers do not), so these timings are meaningful here.
 */
import { Hono } from "hono";
import * as ort from "onnxruntime-web/wasm";
import type { Manifest } from "../core/schema/manifest.ts";
import { createPreprocessor } from "../core/preprocess.ts";
import { createDeployment } from "../runtime/deployment.ts";
import { createOrtEngine, type OrtLike } from "../runtime/engines/ort.ts";
import { useCompiledWasm, type OrtWasmEnv } from "../runtime/engines/ort-wasm-module.ts";
import type { TensorData } from "../runtime/engines/types.ts";
import { createTelemetry } from "../runtime/telemetry/index.ts";
import { createTelemetryHook } from "../runtime/telemetry-hook.ts";

interface BenchRequest {
  /** Number of timed block pairs (raw, handler). */
  rounds: number;
  warmup: number;
  /** Target duration of one raw+handler block in ms. */
  blockMs: number;
  body: { instances: unknown[] };
  /** Prepared feeds for the raw run (tensor models): name → {dtype, data, dims}. */
  feeds?: Record<string, { dtype: "float32"; data: number[]; dims: number[] }>;
}

export function createWorker(opts: { manifest: Manifest; model: ArrayBuffer; wasm: WebAssembly.Module; settings?: Record<string, number> }) {
  const shim = useCompiledWasm(ort as unknown as OrtWasmEnv, opts.wasm);
  const engine = createOrtEngine(ort as unknown as OrtLike, { name: "ort-wasm", executionProviders: ["wasm"], aroundFirstCreate: shim.around });
  const modelBytes = new Uint8Array(opts.model);
  const deployment = createDeployment({ manifest: opts.manifest, engine, modelBytes, settings: opts.settings ?? {} });
  // The same app with telemetry on: counters for every request and 1% sampled rows. Only the network to the monitor
  // is replaced (a fetch that acknowledges at once), so everything the edge does per request is measured.
  const telemetry = createTelemetry({
    endpoint: "http://monitor.invalid",
    token: "bench",
    deployment: "bench",
    target: "worker",
    sampleRate: 0.01,
    fetch: async () => new Response(JSON.stringify({ ok: true }), { status: 200, headers: { "content-type": "application/json" } }),
  });
  const withTelemetry = createDeployment({
    manifest: opts.manifest,
    engine,
    modelBytes,
    settings: opts.settings ?? {},
    onRequest: createTelemetryHook(telemetry, opts.manifest, { flushDelayMs: 1000 }),
  });
  return {
    async fetch(request: Request, env: unknown, ctx: unknown): Promise<Response> {
      if (new URL(request.url).pathname !== "/__bench") return deployment.app.fetch(request, env, ctx as never);
      const req = (await request.json()) as BenchRequest;
      const session = await engine.createSession(modelBytes);
      await deployment.loadPredictor();
      await withTelemetry.loadPredictor();
      let feeds: Record<string, TensorData>;
      if (opts.manifest.preprocessing) {
        feeds = Object.fromEntries(createPreprocessor(opts.manifest.preprocessing).transform(req.body.instances as never)) as Record<string, TensorData>;
      } else {
        feeds = Object.fromEntries(Object.entries(req.feeds ?? {}).map(([k, v]) => [k, { dtype: v.dtype, data: Float32Array.from(v.data), dims: v.dims }]));
      }
      const url = `http://bench/v1/models/${opts.manifest.name}:predict`;
      const bodyText = JSON.stringify(req.body);
      const bodyBytes = new TextEncoder().encode(bodyText);
      // Like a request off the network: the body has a declared length.
      const makeRequest = () =>
        new Request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": String(bodyBytes.byteLength) }, body: bodyBytes });
      const runRaw = () => session.run(feeds);
      const handlerOf = (app: typeof deployment.app) => async () => {
        const res = await app.fetch(makeRequest(), env, ctx as never);
        await res.text();
        if (res.status !== 200) throw new Error(`handler returned ${res.status}`);
      };
      const runHandler = handlerOf(deployment.app);
      const telemetryHandler = handlerOf(withTelemetry.app);
      // Request handling here never yields to timers, so the client's scheduled flushes would not run inside a block:
      // flush once per block instead (far more often than the 10 s default, so this overstates the flush's share).
      let calls = 0;
      let perBlockRef = 1;
      const runWithTelemetry = async () => {
        await telemetryHandler();
        if (++calls % perBlockRef === 0) await telemetry.flush();
      };
      // workerd's clock has millisecond resolution (a Spectre mitigation), so single runs of ~20 µs cannot be timed.
      // Time blocks long enough (~blockMs) for ±2% and report per-run means of blocks; raw and handler blocks alternate.
      const block = async (fn: () => Promise<unknown>, n: number) => {
        const t = Date.now();
        for (let i = 0; i < n; i++) await fn();
        return (Date.now() - t) / n;
      };
      let n = 0;
      const t0 = Date.now();
      while (Date.now() - t0 < 20) {
        await runHandler();
        await runRaw();
        n++;
      }
      const perBlock = Math.max(10, Math.round((n * req.blockMs) / 20));
      perBlockRef = perBlock;
      const raw: number[] = [];
      const handler: number[] = [];
      const telemetryOn: number[] = [];
      for (let r = 0; r < req.warmup + req.rounds; r++) {
        const a = await block(runRaw, perBlock);
        const b = await block(runHandler, perBlock);
        const c = await block(runWithTelemetry, perBlock);
        if (r >= req.warmup) {
          raw.push(a);
          handler.push(b);
          telemetryOn.push(c);
        }
      }
      // Where the handler's time goes: the platform's Request/body/Response work vs edge-ml's predictor.
      const predictor = await deployment.loadPredictor();
      const plain = new Hono();
      plain.post("*", async (c) => c.json({ echo: JSON.parse(await c.req.text()) }));
      const withRun = new Hono();
      withRun.post("*", async (c) => {
        const body = JSON.parse(await c.req.text());
        await session.run(feeds);
        return c.json({ echo: body });
      });
      const withPredict = new Hono();
      withPredict.post("*", async (c) => c.json(await predictor.predict(JSON.parse(await c.req.text()))));
      const big = perBlock * 5; // light steps need longer blocks to rise above the clock's 1 ms step
      const breakdown = {
        honoWithRunMs: await median(() => block(async () => await (await withRun.fetch(makeRequest())).text(), big)),
        honoWithPredictMs: await median(() => block(async () => await (await withPredict.fetch(makeRequest())).text(), big)),
        honoPlainMs: await median(() => block(async () => await (await plain.fetch(makeRequest())).text(), big)),
        requestAndBodyMs: await median(() => block(async () => await makeRequest().text(), big)),
        responseJsonMs: await median(() => block(async () => await Response.json({ predictions: [{ label: "yes", score: 0.5 }] }).text(), big)),
        predictorMs: await median(() => block(() => predictor.predict(JSON.parse(bodyText)), perBlock)),
        rawMs: await median(() => block(runRaw, perBlock)),
      };
      const resolution = clockResolution();
      await session.release();
      return Response.json({ raw, handler, telemetryOn, telemetryStats: telemetry.stats(), perBlock, clockResolutionMs: resolution, breakdown });
    },
  };
}

/** Smallest step of Date.now() observed in a busy loop (1 ms in workerd). */
function clockResolution(): number {
  let steps = 0;
  let min = Infinity;
  let last = Date.now();
  while (steps < 5) {
    const now = Date.now();
    if (now !== last) {
      min = Math.min(min, now - last);
      last = now;
      steps++;
    }
  }
  return min;
}

async function median(fn: () => Promise<number>, n = 5): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(await fn());
  xs.sort((a, b) => a - b);
  return xs[Math.floor(n / 2)]!;
}
