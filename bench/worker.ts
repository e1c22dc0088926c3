/**
 * Worker benchmark ("fit the edge"), per model × engine × batch, all in one run:
 * - inside workerd, in alternating blocks: raw engine call, the full edge-ml handler, a minimal hand-written Hono
 *   route + raw engine call (bench/worker-app.ts), and the handler with telemetry on;
 * - cold start (workerd process spawn ▶ first answer) of the real build beside a hello-world Worker started in the
 *   same run, alternating (cli/build/measure.ts, what `edge-ml build` reports), and workerd's memory growth over it;
 * - onnxruntime-node single-thread on the same input, as the native reference;
 * - bundle sizes of the real build (what `wrangler deploy` uploads).
 * Models: titanic (MLP + preprocessing), a tiny tensor MLP, a 1.3 M-parameter MLP, the Titanic random forest (tree
 * ensemble) and a ~10 MB conv net that only ORT runs.
 */
import { parse } from "csv-parse/sync";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import { buildTarget } from "../cli/build/bundle.ts";
import { measureWorker, type WorkerMeasurement } from "../cli/build/measure.ts";
import { findProjectRoot } from "../cli/project/project.ts";
import { addModel } from "../cli/registry/add-model.ts";
import { loadModel } from "../cli/registry/registry.ts";
import { createPreprocessor } from "../core/preprocess.ts";
import type { EngineKind } from "../targets/types.ts";
import { serveWorker } from "../targets/worker/serve.ts";
import { convNetModel } from "../test/fixtures/convnet-builder.ts";
import { mlpModel } from "../test/fixtures/onnx-builder.ts";
import { quantile, round } from "./stats.ts";

const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 40);
const ITERATIONS = 2000;
const WARMUP = 200;
const ENTRIES: Record<EngineKind, string> = {
  ort: join(import.meta.dirname, "worker-entry.ts"),
  compiled: join(import.meta.dirname, "worker-entry-compiled.ts"),
};

export interface WorkerBenchRow {
  model: string;
  engine: EngineKind;
  /** Why `auto` would pick (or not pick) the compiled engine for this model. */
  engineReason: string;
  batch: number;
  rawP50Us: number;
  rawP99Us: number;
  handlerP50Us: number;
  handlerP99Us: number;
  /** A minimal hand-written Hono route + raw engine call, same isolate, alternating blocks. */
  minimalRouteP50Us: number;
  handlerVsMinimalP50: number;
  handlerVsRawP50: number;
  /** Full handler with telemetry on (exact counters + 1% samples, flushed to a stub network), and its ratio to off. */
  telemetryOnP50Us: number;
  telemetryOverheadP50: number;
  ortNodeP50Us: number;
  engineVsNativeP50: number;
  /** Spawn ▶ first answer of the real build, and of a hello-world Worker in the same run (medians). */
  coldStartMs: number;
  helloColdStartMs: number;
  coldVsHello: number;
  /** What the script adds to an empty Worker's start (compared with Cloudflare's 1 s). */
  scriptStartupMs: number;
  firstPredictionMs: number;
  /** workerd's resident memory growth over the hello-world Worker after the first prediction (null off Linux). */
  memoryGrowthBytes: number | null;
  bundleRawBytes: number;
  bundleGzipBytes: number;
  runsPerBlock: number;
  blocks: number;
  breakdownUs: Record<string, number>;
}

interface BenchModel {
  root: string;
  ref: string;
  engines: EngineKind[];
  instances: (batch: number) => unknown[];
}

export async function benchWorker(tmp: string): Promise<WorkerBenchRow[]> {
  const repo = findProjectRoot(join(import.meta.dirname, ".."));
  await addModel(tmp, { model: join(repo, "test", "fixtures", "models", "mlp-tensor.onnx"), name: "mlp", version: "1.0.0", slices: [] });
  // A model where inference dominates (1.3 M parameters, ~5 MB), generated here rather than committed.
  const large = join(tmp, "mlp-large.onnx");
  writeFileSync(large, mlpModel([256, 1024, 1024, 10], 7));
  await addModel(tmp, { model: large, name: "mlp-large", version: "1.0.0", slices: [] });
  const conv = join(tmp, "convnet.onnx");
  writeFileSync(conv, convNetModel(10));
  await addModel(tmp, { model: conv, name: "convnet", version: "1.0.0", slices: [] });

  const evalRows = parse(readFileSync(join(repo, "examples", "titanic", "data", "eval.csv")), { columns: true, bom: true }) as Record<string, string>[];
  const titanicRows = evalRows.map((r) => ({ sex: r["sex"], age: r["age"] === "" ? null : Number(r["age"]), passengerClass: r["passengerClass"] }));
  const vectors = (batch: number, width: number) => Array.from({ length: batch }, (_, i) => Array.from({ length: width }, (_, j) => Math.sin(i * 31 + j)));
  const images = (batch: number) =>
    Array.from({ length: batch }, (_, i) =>
      Array.from({ length: 3 }, (_, c) => Array.from({ length: 32 }, (_, y) => Array.from({ length: 32 }, (_, x) => Math.sin(i + c * 7 + y * 0.3 + x * 0.11)))),
    );
  const models: BenchModel[] = [
    { root: repo, ref: "titanic@1.0.0", engines: ["ort", "compiled"], instances: (b) => titanicRows.slice(0, b) },
    { root: tmp, ref: "mlp@1.0.0", engines: ["ort", "compiled"], instances: (b) => vectors(b, 4) },
    { root: tmp, ref: "mlp-large@1.0.0", engines: ["ort", "compiled"], instances: (b) => vectors(b, 256) },
    { root: tmp, ref: "convnet@1.0.0", engines: ["ort"], instances: images },
  ];
  if (existsSync(join(repo, "models", "titanic-forest"))) {
    models.splice(1, 0, { root: repo, ref: "titanic-forest@1.0.0", engines: ["ort", "compiled"], instances: (b) => titanicRows.slice(0, b) });
  }
  const only = process.env["BENCH_MODELS"]?.split(",");

  const rows: WorkerBenchRow[] = [];
  for (const m of models) {
    if (only && !only.includes(m.ref.split("@")[0]!)) continue;
    const { manifest, dir } = loadModel(m.root, m.ref);
    // Why auto picks what it picks (the convnet's first unsupported op, or the compiled engine's check).
    const auto = await buildTarget({ root: m.root, ref: m.ref, target: "worker", engine: "auto", outDir: join(tmp, "dist", `${manifest.name}-auto`) });
    for (const engine of m.engines) {
      const real =
        (engine === "compiled") === (auto.engine.name === "compiled")
          ? auto
          : await buildTarget({ root: m.root, ref: m.ref, target: "worker", engine, outDir: join(tmp, "dist", `${manifest.name}-${engine}`) });
      const measured: WorkerMeasurement = await measureWorker(real.outDir, { runs: 3 });
      const benchBuild = await buildTarget({
        root: m.root,
        ref: m.ref,
        target: "worker",
        engine,
        outDir: join(tmp, "dist", `${manifest.name}-${engine}-bench`),
        runtimeEntry: ENTRIES[engine],
        // 64 images of 3x32x32 as JSON are ~4 MB: above the 1 MiB default body limit.
        settings: { maxBodyBytes: 16 * 1024 * 1024 },
      });
      const server = await serveWorker(benchBuild.outDir);
      try {
        for (const batch of [1, 64]) {
          const instances = m.instances(batch);
          const feeds = manifest.preprocessing
            ? Object.fromEntries(
                [...createPreprocessor(manifest.preprocessing).transform(instances as never)].map(([k, v]) => [
                  k,
                  { dtype: "float32" as const, data: Array.from(v.data as Float32Array), dims: [...v.dims] },
                ]),
              )
            : {
                [manifest.io.inputs[0]!.name]: {
                  dtype: "float32" as const,
                  data: (instances as number[][]).flat(Infinity as 1) as number[],
                  dims: shapeOf(instances),
                },
              };
          const res = await fetch(new URL("__bench", server.url), {
            method: "POST",
            body: JSON.stringify({ rounds: ROUNDS, warmup: 4, blockMs: 50, body: { instances }, feeds }),
          });
          if (res.status !== 200) throw new Error(`bench route failed for ${m.ref} (${engine}, batch ${batch}): ${await res.text()}`);
          const r = (await res.json()) as {
            raw: number[];
            handler: number[];
            minimalRoute: number[];
            telemetryOn: number[];
            perBlock: number;
            breakdown: Record<string, number>;
          };
          const native = await nativeTimes(join(dir, manifest.artifact.file), feeds);
          const us = (ms: number) => round(ms * 1000, 1);
          const p50 = (xs: number[]) => quantile(xs, 0.5);
          rows.push({
            model: m.ref,
            engine,
            engineReason: auto.engine.reason,
            batch,
            rawP50Us: us(p50(r.raw)),
            rawP99Us: us(quantile(r.raw, 0.99)),
            handlerP50Us: us(p50(r.handler)),
            handlerP99Us: us(quantile(r.handler, 0.99)),
            minimalRouteP50Us: us(p50(r.minimalRoute)),
            handlerVsMinimalP50: round(pairedRatio(r.handler, r.minimalRoute), 2),
            handlerVsRawP50: round(pairedRatio(r.handler, r.raw), 2),
            telemetryOnP50Us: us(p50(r.telemetryOn)),
            telemetryOverheadP50: round(pairedRatio(r.telemetryOn, r.handler), 3),
            ortNodeP50Us: us(p50(native)),
            engineVsNativeP50: round(p50(r.raw) / p50(native), 2),
            coldStartMs: round(measured.coldStartMs, 0),
            helloColdStartMs: round(measured.hello.coldStartMs, 0),
            coldVsHello: round(measured.coldStartMs / measured.hello.coldStartMs, 2),
            scriptStartupMs: round(measured.scriptStartupMs, 0),
            firstPredictionMs: round(measured.firstPredictionMs, 1),
            memoryGrowthBytes: measured.memoryGrowthBytes,
            bundleRawBytes: real.totalBytes,
            bundleGzipBytes: real.totalGzipBytes,
            runsPerBlock: r.perBlock,
            blocks: r.raw.length,
            breakdownUs: Object.fromEntries(Object.entries(r.breakdown).map(([k, v]) => [k.replace(/Ms$/, ""), us(v)])),
          });
          console.error(`bench: ${m.ref} ${engine} batch ${batch} done`);
        }
      } finally {
        await server.close();
      }
    }
  }
  return rows;
}

/** Median of per-round ratios: blocks of the two kinds ran back to back, so each pair saw the same machine state. */
function pairedRatio(a: number[], b: number[]): number {
  return quantile(
    a.map((x, i) => x / b[i]!),
    0.5,
  );
}

function shapeOf(x: unknown): number[] {
  const dims: number[] = [];
  let v = x;
  while (Array.isArray(v)) {
    dims.push(v.length);
    v = v[0];
  }
  return dims;
}

async function nativeTimes(model: string, feeds: Record<string, { data: number[]; dims: number[] }>): Promise<number[]> {
  const session = await ortNode.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const nodeFeeds = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ortNode.Tensor("float32", Float32Array.from(v.data), v.dims)]));
  const times: number[] = [];
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    const t = performance.now();
    await session.run(nodeFeeds);
    if (i >= WARMUP) times.push(performance.now() - t);
  }
  await session.release();
  return times;
}
