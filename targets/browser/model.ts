/**
 * A loaded in-page model around any engine session: the same predictor as the edge targets, and telemetry flushed
 * with `fetch(keepalive)` / `sendBeacon` when the page is hidden. The ORT loader (runtime.ts) and the compiled loader
 * (compiled.ts) both end here.
 */
import { MediaError } from "../../core/media/errors.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { createModelTelemetry, type TelemetrySettings } from "../../runtime/adapter.ts";
import { type ImageSource, toRawImage } from "../../runtime/browser-image.ts";
import type { EngineSession } from "../../runtime/engines/types.ts";
import { HttpError } from "../../runtime/http-error.ts";
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

/**
 * Image features may be DOM sources in the page (`<img>`, `<canvas>`, `ImageBitmap`, `VideoFrame`, ...): read their
 * pixels here, where the DOM is, so the shared predictor only ever sees bytes or pixels. `{b64}` passes untouched.
 */
function pageImages(manifest: Manifest): ((instances: unknown[]) => unknown[]) | undefined {
  const names = (manifest.features ?? []).filter((f) => f.type === "image").map((f) => f.name);
  if (names.length === 0) return undefined;
  return (instances) =>
    instances.map((instance, i) => {
      if (typeof instance !== "object" || instance === null) return instance;
      const out = { ...(instance as Record<string, unknown>) };
      for (const name of names) {
        const v = out[name];
        if (typeof v !== "object" || v === null || "b64" in v) continue;
        try {
          out[name] = toRawImage(v as ImageSource);
        } catch (err) {
          if (!(err instanceof MediaError)) throw err;
          throw new HttpError(400, "INVALID_INPUT", `instances[${i}].${name}: ${err.message}`, {
            issues: [{ path: `instances[${i}].${name}`, message: err.message }],
            ...(err.hint === undefined ? {} : { hint: err.hint }),
          });
        }
      }
      return out;
    });
}

export function browserModel(opts: BrowserModelParts): BrowserModel {
  const { session, device } = opts;
  const predictor = createPredictor({ manifest: opts.manifest, session, maxBatch: opts.maxBatch ?? 1024 });
  const images = pageImages(opts.manifest);

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
        const result = await predictor.predict({ instances: images ? images(instances) : instances });
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
