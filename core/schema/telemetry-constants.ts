/**
 * The telemetry contract's constants (version, latency buckets, error classes, targets, bounds, slice values), apart
 * from its zod schemas (./telemetry.ts) so that the edge and page clients carry no schema library.
 */
export const TELEMETRY_VERSION = 1;

/**
 * Upper bounds (ms, inclusive) of the latency histogram buckets; one more bucket counts everything above the last
 * bound. Fixed for v1 so that histograms from every edge add up bucket by bucket on the monitor.
 */
export const LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]);

/** Error classes, one per kind of failed request (the edge app's `HttpError.errorClass`). */
export const ERROR_CLASSES = ["bad_request", "too_large", "unsupported_media", "unprocessable", "not_found", "unavailable", "internal"] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export const TARGETS = ["worker", "deno", "browser", "node"] as const;
export type Target = (typeof TARGETS)[number];

/** Bounds that keep one batch (and the monitor's rows) small whatever a buggy or hostile client sends. */
export const TELEMETRY_LIMITS = Object.freeze({
  maxSamples: 1000,
  maxName: 128,
  maxId: 128,
  maxError: 1024,
  maxFeatureKeys: 512,
  maxSlices: 32,
  maxSliceValue: 256,
  /** A window longer than 31 days is a clock bug, not a batch. */
  maxWindowMs: 31 * 24 * 3600 * 1000,
  /** Slice features profiled per batch, and values kept per slice feature (the client folds the rest into `__other__`). */
  maxProfileSlices: 16,
  maxSliceValues: 64,
  /** `backend.device` and `backend.engine`: short tokens, since they become Prometheus labels and monitor row keys. */
  maxDevice: 32,
  /** `backend.reason`: one sentence such as "WebGPU disagreed with WASM on the parity probe (...); using WASM". */
  maxReason: 512,
  /** Feature views reported in one batch's `lookups` (issue 16); a model reads a handful. */
  maxLookupViews: 32,
});

/**
 * Upper bounds (ms, inclusive) of the age buckets of looked-up feature values (issue 16): 1 min, 10 min, 1 h, 6 h,
 * 1 d, 7 d, 30 d; one more bucket counts older values. Fixed for v1, like LATENCY_BUCKETS_MS, so edges' histograms add
 * up bucket by bucket.
 */
export const AGE_BUCKETS_MS: readonly number[] = Object.freeze([60_000, 600_000, 3_600_000, 21_600_000, 86_400_000, 604_800_000, 2_592_000_000]);

/**
 * What ran the model: `device` is the backend ("wasm", "webgpu", "webgl", "cpu" for TF.js's CPU backend, "js" for the
 * compiled engine, "native" for onnxruntime-node; any short lowercase token validates, so a new backend needs no new
 * protocol version), `engine` the engine that drove it ("ort-wasm", "compiled", "tfjs-cpu"), and `reason` why a page
 * chose it (`model.deviceReason`). Optional in v1: older clients send no backend and still validate.
 */
export interface TelemetryBackend {
  device: string;
  engine?: string | undefined;
  reason?: string | undefined;
}

/** Slice value of the instances whose value is not among the values a profile kept (the cardinality bound). */
export const SLICE_OTHER = "__other__";
/** Slice value of the instances where the slice feature is null or absent. */
export const SLICE_MISSING = "__missing__";

/** The two versions of a rollout build (issue 14): the champion (the model's alias) and the challenger beside it. */
export const ARMS = ["champion", "challenger"] as const;
export type RolloutArm = (typeof ARMS)[number];
/** How the challenger shares traffic: it answers a share of users (canary), or runs after the champion answered (shadow). */
export const ROLLOUT_MODES = ["canary", "shadow"] as const;
export type RolloutMode = (typeof ROLLOUT_MODES)[number];

/**
 * The rollout a batch's version belongs to: its arm, and the mode. Both are fixed for a build. A challenger's batch in
 * shadow mode counts shadow runs (the challenger ran on a body after the champion answered it), not client requests.
 * `mode` is optional because a champion's client cannot tell the modes apart (its requests look the same in both);
 * the challenger's batches always name it. Optional in v1: batches of builds without a challenger carry no rollout.
 */
export interface TelemetryRollout {
  arm: RolloutArm;
  mode?: RolloutMode | undefined;
}
