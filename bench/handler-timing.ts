/**
 * Portable timing of edge-ml's own layer (used inside workerd by profile-handler-worker.ts and in Node by
 * profile-handler.ts): the full `:predict` handler against the minimal hand-written route the issue compares it with
 * (Hono, one body parse, raw `session.run` on a prepared tensor, one `c.json`), in the same isolate, in alternating
 * blocks long enough for workerd's 1 ms clock.
 *
 * @example
 * ```ts
 * const rows = await timeHandler({ manifest, engine, modelBytes, cases: [{ batch: 1, instances }], rounds: 20, blockMs: 40 });
 * ```
 */
import { Hono } from "hono";
import type { Manifest } from "../core/schema/manifest.ts";
import { createPreprocessor } from "../core/preprocess.ts";
import { createDeployment } from "../runtime/deployment.ts";
import type { Engine, TensorData } from "../runtime/engines/types.ts";
import { createTelemetry } from "../runtime/telemetry/index.ts";
import { createTelemetryHook } from "../runtime/telemetry-hook.ts";

export interface HandlerTimingOptions {
  manifest: Manifest;
  engine: Engine;
  modelBytes: Uint8Array;
  /** The sha256 of modelBytes when they are not the manifest's artifact (a compiled graph). */
  modelSha256?: string;
  cases: { batch: number; instances: unknown[] }[];
  rounds: number;
  blockMs: number;
  /** Extra in-isolate steps to time (predictor alone, body read, ...). */
  steps?: boolean;
  /** Clock in ms (default performance.now); Node passes its process CPU time, which other processes cannot inflate. */
  clock?: () => number;
  /** An earlier build of createDeployment (profile-handler.ts BASE=<commit>), timed in the same rounds for A/B. */
  createBase?: typeof createDeployment;
}

export interface HandlerTimingRow {
  batch: number;
  minimalUs: number;
  handlerUs: number;
  telemetryUs: number;
  ratio: number;
  telemetryRatio: number;
  /** p10 of handler ÷ p10 of minimal. */
  ratioP10: number;
  baseUs?: number;
  /** Median of per-round handler ÷ base handler. */
  vsBase?: number;
  /** p10 of handler ÷ p10 of base: other processes only ever add time, so the fast blocks show the code's own cost. */
  vsBaseP10?: number;
  perBlock: number;
  steps?: Record<string, number>;
}

export async function timeHandler(opts: HandlerTimingOptions): Promise<HandlerTimingRow[]> {
  const { manifest, engine } = opts;
  const modelBytes = opts.modelBytes;
  const sha = opts.modelSha256 ? { modelSha256: opts.modelSha256 } : {};
  const clock = opts.clock ?? (() => performance.now());
  const deployment = createDeployment({ manifest, engine, modelBytes, ...sha });
  const telemetry = createTelemetry({
    endpoint: "http://monitor.invalid",
    token: "bench",
    deployment: "bench",
    target: "worker",
    sampleRate: 0.01,
    ...(manifest.baseline ? { baseline: manifest.baseline } : {}),
    slices: manifest.slices,
    fetch: async () => new Response(JSON.stringify({ ok: true }), { status: 200, headers: { "content-type": "application/json" } }),
  });
  const withTelemetry = createDeployment({ manifest, engine, modelBytes, ...sha, onRequest: createTelemetryHook(telemetry, manifest, { flushDelayMs: 1000 }) });
  const predictor = await deployment.loadPredictor();
  await withTelemetry.loadPredictor();
  // A base from before modelSha256 existed checks the model bytes against the manifest: give it the graph's sha256 there.
  const baseManifest = opts.modelSha256 ? { ...manifest, artifact: { ...manifest.artifact, sha256: opts.modelSha256 } } : manifest;
  const base = opts.createBase?.({ manifest: baseManifest, engine, modelBytes, ...sha });
  await base?.loadPredictor();
  const session = await engine.createSession(modelBytes);
  const rows: HandlerTimingRow[] = [];
  for (const c of opts.cases) {
    const feeds = manifest.preprocessing
      ? (Object.fromEntries(createPreprocessor(manifest.preprocessing).transform(c.instances as never)) as Record<string, TensorData>)
      : {
          [manifest.io.inputs[0]!.name]: {
            dtype: "float32" as const,
            data: Float32Array.from((c.instances as number[][]).flat()),
            dims: [c.batch, (c.instances as number[][])[0]!.length],
          },
        };
    const url = `http://bench/v1/models/${manifest.name}:predict`;
    const bodyText = JSON.stringify({ instances: c.instances });
    const bodyBytes = new TextEncoder().encode(bodyText);
    const makeRequest = () =>
      new Request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": String(bodyBytes.byteLength) }, body: bodyBytes });
    const minimalApp = new Hono();
    minimalApp.post("*", async (ctx) => {
      const body: unknown = JSON.parse(await ctx.req.text());
      await session.run(feeds);
      return ctx.json({ echo: body });
    });
    const call = (app: { fetch: (r: Request) => Response | Promise<Response> }) => async () => {
      const res = await app.fetch(makeRequest());
      await res.text();
      if (res.status !== 200) throw new Error(`status ${res.status}`);
    };
    const minimal = call(minimalApp);
    const handler = call(deployment.app);
    const telemetryHandler = call(withTelemetry.app);
    const baseHandler = base ? call(base.app) : undefined;
    let calls = 0;
    let perBlock = 1;
    const withTel = async () => {
      await telemetryHandler();
      if (++calls % perBlock === 0) await telemetry.flush();
    };
    const block = async (fn: () => Promise<unknown>, n: number) => {
      const t = clock();
      for (let i = 0; i < n; i++) await fn();
      return (clock() - t) / n;
    };
    for (let i = 0; i < 200; i++) {
      await handler();
      await minimal();
    }
    // Size blocks from a timed block of handler calls (the slower of the two routes).
    const probe = await block(handler, 200);
    perBlock = Math.max(400, Math.round(opts.blockMs / probe));
    const a: number[] = [];
    const b: number[] = [];
    const t: number[] = [];
    const o: number[] = [];
    for (let r = 0; r < opts.rounds + 2; r++) {
      const x = await block(minimal, perBlock);
      // Base and handler swap places every round, so neither always follows the other's garbage.
      let w = 0;
      let y: number;
      if (baseHandler && r % 2 === 1) {
        y = await block(handler, perBlock);
        w = await block(baseHandler, perBlock);
      } else {
        w = baseHandler ? await block(baseHandler, perBlock) : 0;
        y = await block(handler, perBlock);
      }
      const z = await block(withTel, perBlock);
      if (r >= 2) {
        a.push(x);
        b.push(y);
        t.push(z);
        o.push(w);
      }
    }
    const row: HandlerTimingRow = {
      batch: c.batch,
      minimalUs: us(median(a)),
      handlerUs: us(median(b)),
      telemetryUs: us(median(t)),
      // Median of per-round ratios: each pair ran back to back, so slow phases of the machine cancel.
      ratio: round(median(a.map((v, i) => b[i]! / v)), 3),
      ratioP10: round(p10(b) / p10(a), 3),
      telemetryRatio: round(median(b.map((v, i) => t[i]! / v)), 3),
      perBlock,
      ...(baseHandler ? { baseUs: us(median(o)), vsBase: round(median(o.map((v, i) => b[i]! / v)), 3), vsBaseP10: round(p10(b) / p10(o), 3) } : {}),
    };
    if (opts.steps) {
      const big = perBlock * 3;
      const blocks = async (fn: () => Promise<unknown>, m = big) => {
        const xs: number[] = [];
        for (let i = 0; i < 5; i++) xs.push(await block(fn, m));
        return us(median(xs));
      };
      row.steps = {
        requestAndBody: await blocks(async () => await makeRequest().text()),
        responseJson: await blocks(async () => await Response.json({ predictions: [{ label: "yes", score: 0.5 }] }).text()),
        predictor: await blocks(() => predictor.predict(JSON.parse(bodyText)), perBlock),
        rawRun: await blocks(() => session.run(feeds), perBlock),
        parse: await blocks(async () => JSON.parse(bodyText)),
      };
    }
    rows.push(row);
  }
  await session.release();
  return rows;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}
function p10(xs: readonly number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s[Math.floor(s.length / 10)] ?? Number.NaN;
}
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
const us = (ms: number) => round(ms * 1000, 1);
