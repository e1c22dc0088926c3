/**
 * A loaded in-page model around any engine session: the same predictor as the edge targets, and telemetry flushed
 * with `fetch(keepalive)` / `sendBeacon` when the page is hidden. The ORT loader (runtime.ts) and the compiled loader
 * (compiled.ts) both end here.
 */
import type { Manifest } from "../../core/schema/manifest.ts";
import { createModelTelemetry, type TelemetrySettings } from "../../runtime/adapter.ts";
import type { EngineSession } from "../../runtime/engines/types.ts";
import { createPredictor, type PredictResult, type Predictor } from "../../runtime/predictor.ts";
import { sliceValues } from "../../runtime/telemetry-hook.ts";

export interface BrowserModel {
  readonly manifest: Manifest;
  /** What runs the model: onnxruntime-web's execution provider, or "js" for the compiled engine. */
  readonly device: "wasm" | "webgpu" | "js";
  predict(instances: unknown[]): Promise<PredictResult>;
  infer(body: unknown): ReturnType<Predictor["infer"]>;
}

export interface BrowserModelParts {
  manifest: Manifest;
  session: EngineSession;
  device: BrowserModel["device"];
  maxBatch?: number | undefined;
  telemetry?: TelemetrySettings | undefined;
}

export function browserModel(opts: BrowserModelParts): BrowserModel {
  const { session, device } = opts;
  const predictor = createPredictor({ manifest: opts.manifest, session, maxBatch: opts.maxBatch ?? 1024 });

  // The same client as every other target (runtime/adapter.ts): baseline profiles and slices in every batch.
  const telemetry = opts.telemetry ? createModelTelemetry(opts.manifest, "browser", opts.telemetry) : undefined;
  if (telemetry && typeof addEventListener === "function") {
    // pagehide fires on navigation and bfcache; visibilitychange covers tabs closed from the switcher (mobile).
    addEventListener("pagehide", () => telemetry.flushBeacon());
    addEventListener("visibilitychange", () => {
      if ((globalThis as unknown as { document?: { visibilityState?: string } }).document?.visibilityState === "hidden") telemetry.flushBeacon();
    });
  }
  const model = { name: opts.manifest.name, version: opts.manifest.version };
  return {
    manifest: opts.manifest,
    device,
    async predict(instances) {
      const started = performance.now();
      const requestId = crypto.randomUUID();
      try {
        const result = await predictor.predict({ instances });
        telemetry?.record({
          model,
          requestId,
          latencyMs: performance.now() - started,
          status: 200,
          features: result.instances,
          predictions: result.predictions,
          slices: sliceValues(opts.manifest.slices, result.instances),
        });
        if (telemetry?.shouldFlush()) void telemetry.flush();
        return result;
      } catch (err) {
        const status = (err as { status?: number }).status ?? 500;
        telemetry?.record({ model, requestId, latencyMs: performance.now() - started, status });
        throw err;
      }
    },
    infer: (body) => predictor.infer(body),
  };
}
