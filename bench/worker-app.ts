/**
 * The benchmark Worker around any engine (worker-entry.ts: onnxruntime-web; worker-entry-compiled.ts: the compiled
 * engine): the real edge app plus a `POST /__bench` route that times, inside the same isolate and the same run, in
 * alternating blocks:
 * - raw `session.run` on a prepared tensor;
 * - the full edge-ml handler (validate ▶ preprocess ▶ infer ▶ postprocess ▶ JSON) invoked in-isolate;
 * - a minimal hand-written Hono route + raw engine call: parse the JSON body, run the engine (tensor models: a
 *   Float32Array built from `instances`; feature models: the prepared tensor, as a hand-written route would have to
 *   preprocess by hand and we do not count that), answer `c.json` with the output values. The target compares
 *   the handler with this route;
 * - the handler with telemetry on.
 * Node↔workerd plumbing is not counted in any of them. Local workerd advances its clock during computation (deployed
 * Workers do not), so these timings are meaningful here.
 */
import { Hono } from "hono";
import type { Manifest } from "../core/schema/manifest.ts";
import { createPreprocessor } from "../core/preprocess.ts";
import { createDeployment } from "../runtime/deployment.ts";
import type { Engine, TensorData } from "../runtime/engines/types.ts";
import { createTelemetry } from "../runtime/telemetry/index.ts";
import { createTelemetryHook } from "../runtime/telemetry-hook.ts";

interface BenchRequest {
  /** Number of timed block rounds (raw, handler, minimal route, telemetry on). */
  rounds: number;
  warmup: number;
  /** Target duration of one block in ms. */
  blockMs: number;
  body: { instances: unknown[] };
  /** Prepared feeds for the raw run (tensor models): name → {dtype, data, dims}. */
  feeds?: Record<string, { dtype: "float32"; data: number[]; dims: number[] }>;
}

export interface BenchWorkerParts {
  manifest: Manifest;
  engine: Engine;
  modelBytes: Uint8Array;
  modelSha256?: string;
  settings?: Record<string, number> | undefined;
}

export function createBenchWorker(opts: BenchWorkerParts) {
  const { engine, modelBytes, manifest } = opts;
  const base = { manifest, engine, modelBytes, ...(opts.modelSha256 ? { modelSha256: opts.modelSha256 } : {}), settings: opts.settings ?? {} };
  const deployment = createDeployment(base);
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
  const withTelemetry = createDeployment({ ...base, onRequest: createTelemetryHook(telemetry, manifest, { flushDelayMs: 1000 }) });
  return {
    async fetch(request: Request, env: unknown, ctx: unknown): Promise<Response> {
      if (new URL(request.url).pathname !== "/__bench") return deployment.app.fetch(request, env, ctx as never);
      const req = (await request.json()) as BenchRequest;
      const session = await engine.createSession(modelBytes);
      await deployment.loadPredictor();
      await withTelemetry.loadPredictor();
      let feeds: Record<string, TensorData>;
      if (manifest.preprocessing) {
        feeds = Object.fromEntries(createPreprocessor(manifest.preprocessing).transform(req.body.instances as never)) as Record<string, TensorData>;
      } else {
        feeds = Object.fromEntries(Object.entries(req.feeds ?? {}).map(([k, v]) => [k, { dtype: v.dtype, data: Float32Array.from(v.data), dims: v.dims }]));
      }
      const url = `http://bench/v1/models/${manifest.name}:predict`;
      const bodyText = JSON.stringify(req.body);
      const bodyBytes = new TextEncoder().encode(bodyText);
      // Like a request off the network: the body has a declared length.
      const makeRequest = () =>
        new Request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": String(bodyBytes.byteLength) }, body: bodyBytes });
      const runRaw = () => session.run(feeds);
      const handlerOf = (app: { fetch: (r: Request, e: unknown, c: never) => Response | Promise<Response> }) => async () => {
        const res = await app.fetch(makeRequest(), env, ctx as never);
        await res.text();
        if (res.status !== 200) throw new Error(`handler returned ${res.status}`);
      };
      const runHandler = handlerOf(deployment.app);
      const telemetryHandler = handlerOf(withTelemetry.app);

      // The minimal hand-written route: what a developer would write around the engine with no toolkit.
      const input = manifest.io.inputs[0]!;
      // The output the model's answer comes from (a forest's probabilities, not its int64 labels).
      const outputName = manifest.postprocessing?.output ?? session.outputNames[0]!;
      const minimal = new Hono();
      minimal.post("*", async (c) => {
        const body = (await c.req.json()) as { instances: unknown[] };
        let run = feeds;
        if (!manifest.preprocessing) {
          const dims: number[] = [];
          for (let v: unknown = body.instances; Array.isArray(v); v = v[0]) dims.push(v.length);
          run = { [input.name]: { dtype: "float32", data: Float32Array.from(body.instances.flat(Number.POSITIVE_INFINITY) as number[]), dims } };
        }
        const out = await session.run(run);
        return c.json({ predictions: Array.from(out[outputName]!.data as ArrayLike<number | bigint>, Number) });
      });
      const runMinimal = handlerOf(minimal);

      // Request handling here never yields to timers, so the client's scheduled flushes would not run inside a block:
      // flush once per block instead (far more often than the 10 s default, so this overstates the flush's share).
      let calls = 0;
      let perBlockRef = 1;
      const runWithTelemetry = async () => {
        await telemetryHandler();
        if (++calls % perBlockRef === 0) await telemetry.flush();
      };
      // workerd's clock has millisecond resolution (a Spectre mitigation), so single runs of ~20 µs cannot be timed.
      // Time blocks long enough (~blockMs) for ±2% and report per-run means of blocks; the kinds alternate.
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
      const minimalRoute: number[] = [];
      const telemetryOn: number[] = [];
      // Slow rows (a conv net at batch 64) stop after 60 s of rounds, so a request never outlives the client's timeout.
      const deadline = Date.now() + 60_000;
      for (let r = 0; r < req.warmup + req.rounds; r++) {
        if (r >= req.warmup + 3 && Date.now() > deadline) break;
        const a = await block(runRaw, perBlock);
        const b = await block(runHandler, perBlock);
        const m = await block(runMinimal, perBlock);
        const c = await block(runWithTelemetry, perBlock);
        if (r >= req.warmup) {
          raw.push(a);
          handler.push(b);
          minimalRoute.push(m);
          telemetryOn.push(c);
        }
      }
      // Where the handler's time goes: the platform's Request/body/Response work vs edge-ml's predictor.
      const predictor = await deployment.loadPredictor();
      const plain = new Hono();
      plain.post("*", async (c) => c.json({ echo: JSON.parse(await c.req.text()) }));
      const withPredict = new Hono();
      withPredict.post("*", async (c) => c.json(await predictor.predict(JSON.parse(await c.req.text()))));
      const big = perBlock * 5; // light steps need longer blocks to rise above the clock's 1 ms step
      const breakdown = {
        honoWithPredictMs: await median(() => block(async () => await (await withPredict.fetch(makeRequest())).text(), big)),
        honoPlainMs: await median(() => block(async () => await (await plain.fetch(makeRequest())).text(), big)),
        requestAndBodyMs: await median(() => block(async () => await makeRequest().text(), big)),
        responseJsonMs: await median(() => block(async () => await Response.json({ predictions: [{ label: "yes", score: 0.5 }] }).text(), big)),
        predictorMs: await median(() => block(() => predictor.predict(JSON.parse(bodyText)), perBlock)),
      };
      const resolution = clockResolution();
      await session.release();
      return Response.json({
        engine: engine.name,
        raw,
        handler,
        minimalRoute,
        telemetryOn,
        telemetryStats: telemetry.stats(),
        perBlock,
        clockResolutionMs: resolution,
        breakdown,
      });
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
