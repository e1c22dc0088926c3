/**
 * Worker benchmark, all in one run: inside workerd, raw `session.run` vs the full handler (p50/p99 and their ratio);
 * cold start (workerd process start ▶ first correct prediction) split into its parts; onnxruntime-node single-thread as
 * the native reference on the same input; bundle sizes.
 */
import { parse } from "csv-parse/sync";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import { addModel } from "../cli/registry/add-model.ts";
import { buildTarget } from "../cli/build/bundle.ts";
import type { BuildResult } from "../targets/types.ts";
import { findProjectRoot } from "../cli/project/project.ts";
import { serveWorker } from "../targets/worker/serve.ts";
import { createPreprocessor } from "../core/preprocess.ts";
import { loadModel } from "../cli/registry/registry.ts";
import { mlpModel } from "../test/fixtures/onnx-builder.ts";
import { quantile, round } from "./stats.ts";

const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 60);
const ITERATIONS = 3000;
const WARMUP = 300;

export interface WorkerBenchRow {
  model: string;
  batch: number;
  rawP50Us: number;
  rawP99Us: number;
  handlerP50Us: number;
  handlerP99Us: number;
  ratioP50: number;
  ratioP99: number;
  /** Full handler with telemetry on (exact counters + 1% samples, flushed to a stub network), and its ratio to off. */
  telemetryOnP50Us: number;
  telemetryOverheadP50: number;
  telemetryBatchesSent: number;
  ortNodeP50Us: number;
  ortNodeP99Us: number;
  wasmVsNativeP50: number;
  coldStartMs: number;
  coldWorkerdReadyMs: number;
  coldFirstRequestMs: number;
  /** workerd start to ready for a Worker without wasm: the process's own share of the cold start. */
  helloWorldReadyMs: number;
  httpRoundTripP50Ms: number;
  httpRoundTripP99Ms: number;
  runsPerBlock: number;
  blocks: number;
  workerdClockResolutionMs: number;
  /** Medians inside workerd (µs): Request creation + body read, Response.json + read, predictor alone, raw run. */
  breakdownUs: Record<string, number>;
  bundleRawBytes: number;
  bundleGzipBytes: number;
}

export async function benchWorker(tmp: string): Promise<WorkerBenchRow[]> {
  const repo = findProjectRoot(join(import.meta.dirname, ".."));
  await addModel(tmp, { model: join(repo, "test", "fixtures", "models", "mlp-tensor.onnx"), name: "mlp", version: "1.0.0", slices: [] });
  // A model where inference dominates (1.3 M parameters, ~5 MB), generated here rather than committed.
  const large = join(tmp, "mlp-large.onnx");
  writeFileSync(large, mlpModel([256, 1024, 1024, 10], 7));
  await addModel(tmp, { model: large, name: "mlp-large", version: "1.0.0", slices: [] });
  const evalRows = parse(readFileSync(join(repo, "examples", "titanic", "data", "eval.csv")), { columns: true, bom: true }) as Record<string, string>[];
  const titanicRows = evalRows.map((r) => ({ sex: r["sex"], age: r["age"] === "" ? null : Number(r["age"]), passengerClass: r["passengerClass"] }));
  const cases: { root: string; ref: string; batch: number; instances: unknown[] }[] = [];
  const vectors = (batch: number, width: number) => Array.from({ length: batch }, (_, i) => Array.from({ length: width }, (_, j) => Math.sin(i * 31 + j)));
  for (const batch of [1, 64]) {
    cases.push({ root: repo, ref: "titanic@1.0.0", batch, instances: titanicRows.slice(0, batch) });
    cases.push({ root: tmp, ref: "mlp@1.0.0", batch, instances: vectors(batch, 4) });
    cases.push({ root: tmp, ref: "mlp-large@1.0.0", batch, instances: vectors(batch, 256) });
  }
  const rows: WorkerBenchRow[] = [];
  const helloReadyMs = await helloWorldReady(tmp);
  const builds = new Map<string, BuildResult>();
  for (const c of cases) {
    const { manifest, dir } = loadModel(c.root, c.ref);
    const outDir = join(tmp, "dist", c.ref.replace("@", "-"));
    let build = builds.get(c.ref);
    if (!build) {
      build = await buildTarget({ root: c.root, ref: c.ref, target: "worker", outDir, runtimeEntry: join(import.meta.dirname, "worker-entry.ts") });
      builds.set(c.ref, build);
    }
    // Feeds for the raw run and the native reference: the same tensor the handler will compute.
    const feeds = manifest.preprocessing
      ? Object.fromEntries(
          [...createPreprocessor(manifest.preprocessing).transform(c.instances as never)].map(([k, v]) => [
            k,
            { dtype: "float32" as const, data: Array.from(v.data as Float32Array), dims: [...v.dims] },
          ]),
        )
      : {
          [manifest.io.inputs[0]!.name]: {
            dtype: "float32" as const,
            data: (c.instances as number[][]).flat(),
            dims: [c.batch, (c.instances as number[][])[0]!.length],
          },
        };

    const t0 = performance.now();
    const server = await serveWorker(build.outDir);
    const tReady = performance.now();
    const predictUrl = new URL(`v1/models/${manifest.name}:predict`, server.url);
    const body = JSON.stringify({ instances: c.instances });
    const first = await fetch(predictUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
    if (first.status !== 200) throw new Error(`first request failed: ${first.status} ${await first.text()}`);
    await first.json();
    const tFirst = performance.now();

    const http: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t = performance.now();
      await (await fetch(predictUrl, { method: "POST", headers: { "content-type": "application/json" }, body })).text();
      http.push(performance.now() - t);
    }
    const res = await fetch(new URL("__bench", server.url), {
      method: "POST",
      body: JSON.stringify({ rounds: ROUNDS, warmup: 5, blockMs: 50, body: { instances: c.instances }, feeds }),
    });
    if (res.status !== 200) throw new Error(`bench route failed: ${await res.text()}`);
    const { raw, handler, telemetryOn, telemetryStats, perBlock, clockResolutionMs, breakdown } = (await res.json()) as {
      raw: number[];
      handler: number[];
      telemetryOn: number[];
      telemetryStats: { sentBatches: number; dropped: number };
      perBlock: number;
      clockResolutionMs: number;
      breakdown: Record<string, number>;
    };
    await server.close();

    const session = await ortNode.InferenceSession.create(join(dir, manifest.artifact.file), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const nodeFeeds = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ortNode.Tensor("float32", Float32Array.from(v.data), v.dims)]));
    const native: number[] = [];
    for (let i = 0; i < WARMUP + ITERATIONS; i++) {
      const t = performance.now();
      await session.run(nodeFeeds);
      if (i >= WARMUP) native.push(performance.now() - t);
    }
    await session.release();

    const us = (ms: number) => round(ms * 1000, 1);
    const rawP50 = quantile(raw, 0.5);
    const handlerP50 = quantile(handler, 0.5);
    rows.push({
      model: c.ref,
      batch: c.batch,
      rawP50Us: us(rawP50),
      rawP99Us: us(quantile(raw, 0.99)),
      handlerP50Us: us(handlerP50),
      handlerP99Us: us(quantile(handler, 0.99)),
      ratioP50: round(handlerP50 / rawP50, 2),
      ratioP99: round(quantile(handler, 0.99) / quantile(raw, 0.99), 2),
      telemetryOnP50Us: us(quantile(telemetryOn, 0.5)),
      telemetryOverheadP50: round(quantile(telemetryOn, 0.5) / handlerP50, 3),
      telemetryBatchesSent: telemetryStats.sentBatches,
      ortNodeP50Us: us(quantile(native, 0.5)),
      ortNodeP99Us: us(quantile(native, 0.99)),
      wasmVsNativeP50: round(rawP50 / quantile(native, 0.5), 2),
      coldStartMs: round(tFirst - t0, 0),
      coldWorkerdReadyMs: round(tReady - t0, 0),
      coldFirstRequestMs: round(tFirst - tReady, 0),
      helloWorldReadyMs: helloReadyMs,
      httpRoundTripP50Ms: round(quantile(http, 0.5), 2),
      httpRoundTripP99Ms: round(quantile(http, 0.99), 2),
      runsPerBlock: perBlock,
      blocks: raw.length,
      workerdClockResolutionMs: clockResolutionMs,
      breakdownUs: Object.fromEntries(Object.entries(breakdown).map(([k, v]) => [k.replace(/Ms$/, ""), us(v)])),
      bundleRawBytes: build.totalBytes,
      bundleGzipBytes: build.totalGzipBytes,
    });
    console.error(`bench: ${c.ref} batch ${c.batch} done`);
  }
  return rows;
}

/** Start-to-ready of a hello-world Worker (median of 3): what workerd costs before our 14 MB wasm is compiled. */
async function helloWorldReady(tmp: string): Promise<number> {
  const dir = join(tmp, "hello");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "worker.js"), `export default { fetch() { return new Response("ok"); } };`);
  writeFileSync(join(dir, "build.json"), JSON.stringify({ files: [{ path: "worker.js", type: "ESModule" }] }));
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const server = await serveWorker(dir);
    await (await fetch(server.url)).text();
    times.push(performance.now() - t);
    await server.close();
  }
  return round(quantile(times, 0.5), 0);
}
