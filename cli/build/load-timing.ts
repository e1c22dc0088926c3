/**
 * Lazy or eager model load in a Worker, measured and picked by the start-up limit. In workerd onnxruntime-web's wasm
 * is compiled by workerd at script load (a CompiledWasm module; it cannot be compiled from bytes at run time), so
 * what can move is ORT's start + the integrity check + session creation: on the first request (the worker target
 * today) or at module load (eager-worker-entry.ts). This builds both from one model, measures both in the same way
 * (`measureWorker`) and picks eager only when its script start-up stays below the warning share of the limit.
 *
 * @example
 * ```ts
 * const r = await measureLoading({ root, ref: "titanic@1.0.0", outDir: "/tmp/loading" });
 * r.pick; // "lazy"
 * r.lazy.firstPredictionMs; r.eager.firstPredictionMs;
 * ```
 */
import { join } from "node:path";
import { CLOUDFLARE_WORKERS_LIMITS, type PlatformLimits, WARN_AT } from "../../core/platform-limits.ts";
import { type BuildOptions, buildTarget } from "./bundle.ts";
import { startupOf } from "./limits-report.ts";
import { type MeasureOptions, measureWorker, type WorkerMeasurement } from "./measure.ts";

/** The worker runtime that loads the model at module load (a `BuildOptions.runtimeEntry`). */
const EAGER_WORKER_ENTRY = join(import.meta.dirname, "eager-worker-entry.ts");

export interface LoadingComparison {
  lazy: WorkerMeasurement;
  eager: WorkerMeasurement;
  pick: "lazy" | "eager";
  why: string;
}

export async function measureLoading(
  opts: Pick<BuildOptions, "root" | "ref" | "settings" | "variant"> & MeasureOptions & { outDir: string; limits?: PlatformLimits },
): Promise<LoadingComparison> {
  const { outDir, limits = CLOUDFLARE_WORKERS_LIMITS, runs, onProgress, ...build } = opts;
  const measure: MeasureOptions = { ...(runs ? { runs } : {}), ...(onProgress ? { onProgress } : {}) };
  // Both builds bundle ORT (the only engine with a start-up worth deferring).
  const lazyBuild = await buildTarget({ ...build, target: "worker", engine: "ort", outDir: join(outDir, "lazy") });
  const eagerBuild = await buildTarget({ ...build, target: "worker", engine: "ort", outDir: join(outDir, "eager"), runtimeEntry: EAGER_WORKER_ENTRY });
  const lazy = await measureWorker(lazyBuild.outDir, measure);
  const eager = await measureWorker(eagerBuild.outDir, measure);
  const startup = startupOf(eager);
  const budget = WARN_AT * limits.startupMs.value;
  const saved = Math.round(lazy.firstPredictionMs - eager.firstPredictionMs);
  const pick = startup.ms < budget && saved > 0 ? "eager" : "lazy";
  const why =
    pick === "eager"
      ? `eager start-up ${Math.round(startup.ms)} ms (${startup.basis}) stays under ${budget} ms and the first prediction is ${saved} ms faster`
      : `eager start-up ${Math.round(startup.ms)} ms (${startup.basis}) ${startup.ms >= budget ? `reaches ${budget} ms (${WARN_AT * 100}% of the ${limits.startupMs.shown} limit)` : "saves nothing on the first prediction"}; lazy start-up ${Math.round(startupOf(lazy).ms)} ms`;
  return { lazy, eager, pick, why };
}
