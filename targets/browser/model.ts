/**
 * A loaded in-page model around any engine session: the same predictor as the edge targets, and telemetry flushed
 * with `fetch(keepalive)` / `sendBeacon` when the page is hidden. The ORT loader (runtime.ts) and the compiled loader
 * (compiled.ts) both end here.
 *
 * The page API takes what page code has (page-api.ts): typed arrays, bigints for int64, named tensors for
 * multi-input models, scalars; and gives typed arrays back with their shapes. Errors name the page API, not routes.
 *
 * @example
 * ```ts
 * const model = await loadModel();
 * const out = await model.run({ input: samples, sr: 16000n, h, c }); // samples, h, c: Float32Array
 * out.output.data; // Float32Array [0.98...], out.output.dims: [1, 1]
 * ```
 */
import { MediaError } from "../../core/media/errors.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { createModelTelemetry, type TelemetrySettings } from "../../runtime/adapter.ts";
import { type ImageSource, toRawImage } from "../../runtime/browser-image.ts";
import type { EngineSession } from "../../runtime/engines/types.ts";
import { HttpError } from "../../runtime/http-error.ts";
import { lookupStatsOf } from "../../runtime/features/lookup-stats.ts";
import { createPredictor, type PredictorOptions, type PredictResult } from "../../runtime/predictor.ts";
import { sliceValues } from "../../runtime/telemetry-hook.ts";
import { DEFAULT_MAX_TENSOR_ELEMENTS } from "../../core/body-limit.ts";
import { DTYPE_TO_V2, parseV2Inputs } from "../../core/tensor-input.ts";
import { pageHint } from "./features.ts";
import { isNamedTensors, type OutputTensor, pageOutputs, parseNamedTensors, predictInBatches, stackTypedInstances } from "./page-api.ts";

export type { OutputTensor };

/** `model.infer`'s answer: the V2 response's layout, with each output's values as a typed array. */
export interface PageInferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: { name: string; shape: number[]; datatype: string; data: OutputTensor["data"] }[];
}

/**
 * `D`: what runs the model: onnxruntime-web's execution provider ("wasm" | "webgpu"), or "js" for the compiled
 * engine; TF.js's loader passes its backend ("webgpu" | "webgl" | "wasm" | "cpu").
 */
export interface BrowserModel<D extends string = "wasm" | "webgpu" | "js"> {
  readonly manifest: Manifest;
  /** What runs the model (see `D`); every telemetry batch of the model reports it. */
  readonly device: D;
  /**
   * Feature models: an array of instances. Tensor models: an array of examples (nested arrays or typed arrays), or
   * named tensors for a model with several inputs (`{ input: Float32Array, sr: 16000n, ... }`).
   */
  predict(input: unknown[] | Record<string, unknown>): Promise<PredictResult>;
  /** `predict` over a long list, `size` instances per call (default: the build's maxBatch). */
  predictBatches(instances: unknown[], size?: number): Promise<{ predictions: unknown[] }>;
  /** Tensor models: named tensors or a V2 body (`{inputs: [{name, shape, datatype, data}]}`, `data` may be typed). */
  infer(body: unknown): Promise<PageInferResponse>;
  /** Like `infer`, answering `{ [output]: { data, dims, dtype } }` with typed `data`. */
  run(feeds: unknown): Promise<Record<string, OutputTensor>>;
}

export interface BrowserModelParts<D extends string = BrowserModel["device"]> {
  manifest: Manifest;
  /** The feature views the model reads and the page's reader of them (features.ts): merged in before validation. */
  lookup?: PredictorOptions["lookup"];
  session: EngineSession;
  device: D;
  /** Why the loader chose `device` (its `model.deviceReason`): sent with `device` in every telemetry batch. */
  deviceReason?: string | undefined;
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

export function browserModel<D extends string>(opts: BrowserModelParts<D>): BrowserModel<D> {
  const { session, device } = opts;
  const maxBatch = opts.maxBatch ?? 1024;
  const predictor = createPredictor({ manifest: opts.manifest, session, maxBatch, surface: "page", ...(opts.lookup ? { lookup: opts.lookup } : {}) });
  const images = pageImages(opts.manifest);
  const specs = opts.manifest.io.inputs;
  const limits = { maxBatch, maxElements: DEFAULT_MAX_TENSOR_ELEMENTS };
  const tensorModel = opts.manifest.features === undefined;

  /** Page input for a tensor model → validated feeds (named tensors or a V2 body), or the page's 400. */
  const feedsOf = (body: unknown) => {
    const parsed = isNamedTensors(body, specs) ? parseNamedTensors(body, specs, limits) : parseV2Inputs(body, specs, limits);
    if (!parsed.ok) throw predictor.invalid(parsed.issues);
    return parsed.feeds;
  };
  /** Tensor-model `predict` input → feeds when it is not the JSON instances the shared predictor reads. */
  const predictFeeds = (input: unknown) => {
    if (!Array.isArray(input)) return feedsOf(input);
    if (specs.length !== 1) return undefined; // the predictor's USE_V2_INFER names the page API
    const stacked = stackTypedInstances(input, specs[0]!, limits);
    if (stacked !== undefined && !stacked.ok) throw predictor.invalid(stacked.issues);
    return stacked?.feeds;
  };
  const run = async (body: unknown) => {
    const wanted = requestedNames(body, session.outputNames, predictor.invalid);
    return pageOutputs(await predictor.run(feedsOf(body)), wanted);
  };

  // The same client as every other target (runtime/adapter.ts): baseline profiles and slices in every batch, and the
  // device with the loader's reason, so the monitor can tell how many pages fell back to WASM, and why.
  const backend = { device, ...(opts.deviceReason === undefined ? {} : { reason: opts.deviceReason }) };
  const telemetry = opts.telemetry ? createModelTelemetry(opts.manifest, "browser", opts.telemetry, backend) : undefined;
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
        const feeds = tensorModel ? predictFeeds(instances) : undefined;
        const result = feeds
          ? await predictor.predictFeeds(feeds)
          : await predictor.predict({ instances: images && Array.isArray(instances) ? images(instances) : instances });
        telemetry?.record({
          model,
          requestId,
          latencyMs: performance.now() - started,
          status: 200,
          features: result.instances,
          predictions: result.predictions,
          slices: sliceValues(opts.manifest.slices, result.instances),
          lookup: result.lookup,
        });
        if (telemetry?.shouldFlush()) void telemetry.flush();
        return result;
      } catch (err) {
        const status = (err as { status?: number }).status ?? 500;
        telemetry?.record({ model, requestId, latencyMs: performance.now() - started, status, lookup: lookupStatsOf(err) });
        throw inPageWords(err);
      }
    },
    predictBatches(instances, size = maxBatch) {
      return predictInBatches(instances, size, (batch) => this.predict(batch));
    },
    async infer(body) {
      const outputs = await run(body);
      const id = isRecord(body) && typeof body["id"] === "string" ? { id: body["id"] } : {};
      return {
        model_name: opts.manifest.name,
        model_version: opts.manifest.version,
        ...id,
        outputs: Object.entries(outputs).map(([name, t]) => ({ name, shape: t.dims, datatype: DTYPE_TO_V2[t.dtype], data: t.data })),
      };
    },
    run,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A lookup error with the hint a page can act on (the shared one names the CLI and the edge's bindings). */
function inPageWords(err: unknown): unknown {
  const hint = err instanceof HttpError ? pageHint(err.code) : undefined;
  if (!(err instanceof HttpError) || hint === undefined) return err;
  const out = new HttpError(err.status, err.code, err.message, { ...err.extra, hint });
  out.cause = err.cause;
  return out;
}

/** The outputs a V2 body names in `outputs: [{name}]` (all of them otherwise). */
function requestedNames(body: unknown, names: readonly string[], invalid: (issues: { path: string; message: string }[]) => Error): readonly string[] {
  const wanted = isRecord(body) && Array.isArray(body["inputs"]) ? body["outputs"] : undefined;
  if (wanted === undefined) return names;
  const asked = Array.isArray(wanted) ? wanted.map((o) => (isRecord(o) ? o["name"] : undefined)) : [];
  const bad = asked.findIndex((n) => typeof n !== "string" || !names.includes(n));
  if (!Array.isArray(wanted) || bad >= 0) {
    const path = Array.isArray(wanted) ? `outputs[${bad}].name` : "outputs";
    throw invalid([{ path, message: `expected the name of a model output (one of ${names.join(", ")})` }]);
  }
  return asked as string[];
}
