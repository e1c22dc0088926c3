/**
 * Types of the portable telemetry client: its options, the per-request event, and its stats.
 *
 * @example
 * ```ts
 * import type { TelemetryOptions } from "./types.ts";
 * const opts: TelemetryOptions = { endpoint: "https://monitor.example", token, deployment: "prod", target: "worker" };
 * ```
 */
import type { Baseline } from "../../core/schema/baseline.ts";
import type { Target, TelemetryBackend, TelemetryRollout } from "../../core/schema/telemetry-constants.ts";
import type { LookupStats } from "../features/types.ts";
import type { Refusal } from "./refusal.ts";

export interface TelemetryOptions {
  /** Monitor base URL; batches go to `${endpoint}/v1/ingest`. */
  endpoint: string;
  /** Ingest token of this deployment (`edge-ml monitor token create <deployment>`). */
  token: string;
  deployment: string;
  target: Target;
  /**
   * What runs the model, sent in every batch so the monitor can split traffic by device: a page's `model.device` and
   * `model.deviceReason` (`{device: "wasm", reason: "WebGPU disagreed with WASM on the parity probe ..."}`), a
   * server target's engine (`{device: "wasm", engine: "ort-wasm"}`). Fitted to the protocol's bounds (a long reason is cut).
   */
  backend?: TelemetryBackend | undefined;
  /**
   * The served model's baseline (`manifest.baseline`): every served instance and prediction is then counted in its
   * bins and shipped as the batch's `profile`, for drift on the monitor. Applies to every model the client records
   * (an edge-ml deployment serves one model).
   */
  baseline?: Pick<Baseline, "features" | "prediction" | "predictionLabel"> | undefined;
  /** Features to profile per value as well (`manifest.slices`); needs `baseline`. */
  slices?: readonly string[] | undefined;
  /** Values kept per slice feature and window (default 20); the rest are profiled as `__other__`. */
  maxSliceValues?: number | undefined;
  /**
   * Fraction of successful requests whose rows are kept as samples (0..1, default 0.01). Errors are always sampled.
   * The decision is a hash of the request id (./sampling.ts): every client of a build samples the same requests.
   */
  sampleRate?: number;
  /** Feature names removed from samples before they leave the process. */
  redact?: readonly string[];
  /** Feature names replaced by the SHA-256 hex of `hashSalt + String(value)` (crypto.subtle). */
  hash?: readonly string[];
  /** Prefix of hashed values, so that low-entropy values cannot be looked up in a table of hashes. */
  hashSalt?: string;
  /** Most samples held in memory, unsent and pending together (default 1000). */
  maxBufferedSamples?: number;
  /** Most samples in one batch (default 500, at most 1000: the protocol limit). */
  maxBatchSamples?: number;
  /** Most instances of one sampled request kept as samples (default 16). */
  maxSamplesPerRequest?: number;
  /** Pending batches beyond this are merged (counters added) into a not-yet-sent one (default 10). */
  maxPendingBatches?: number;
  /** Age of the oldest unsent counters that makes `shouldFlush()` true (default 10 000 ms). */
  flushIntervalMs?: number;
  /** POST attempts per batch per `flush()` call (default 4). */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt, with jitter (default 250 ms, capped at 5 s). */
  retryBaseMs?: number;
  /** Per-request timeout (default 5000 ms). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Uniform [0,1) source for retry jitter (Math.random by default); sampling follows the request id instead. */
  random?: () => number;
  /** Epoch milliseconds (Date.now by default). */
  now?: () => number;
  /** Waits between retries (setTimeout by default); tests pass a fake. */
  sleep?: (ms: number) => Promise<void>;
  /** Told about failed deliveries and rejected batches; must not throw. */
  onError?: (error: Error) => void;
  /**
   * Where a refusal (401/403: wrong or revoked token, another deployment's token) is reported, once per isolate
   * (default console.error, which `wrangler tail` and `edge-ml dev` show).
   */
  log?: (line: string) => void;
  /** After a refusal, nothing is sent for this long (default 10 min); what is sealed meanwhile is dropped and counted. */
  refusalPauseMs?: number;
}

/** One served request, as the edge app reports it. */
export interface TelemetryEvent {
  model: { name: string; version: string };
  requestId: string;
  latencyMs: number;
  /** HTTP status of the response; >= 400 counts as an error. */
  status: number;
  /** One of ERROR_CLASSES; derived from the status when absent or unknown. */
  errorClass?: string | undefined;
  /** The request's instances (feature objects). */
  features?: readonly Record<string, unknown>[] | undefined;
  /** One prediction per instance. */
  predictions?: readonly unknown[] | undefined;
  slices?: Readonly<Record<string, string>> | undefined;
  /** Builds with a challenger: the version's arm and the rollout's mode, sent with its batches (fixed per version). */
  rollout?: TelemetryRollout | undefined;
  /** Models with looked-up features: the request's lookups per view (latency, misses, value ages), added up per window. */
  lookup?: LookupStats | undefined;
}

export interface TelemetryStats {
  /** Batches sealed and not yet acknowledged by the monitor. */
  pendingBatches: number;
  /** Samples inside those batches. */
  pendingSamples: number;
  /** Samples recorded since the last seal. */
  bufferedSamples: number;
  /** Samples dropped since the client started (memory bound, trimming). */
  dropped: number;
  /** Batches acknowledged by the monitor (including duplicates it already had). */
  sentBatches: number;
  /** Batches the monitor refused as invalid (400/413/415/422): a bug, so they are not retried. */
  rejectedBatches: number;
  lastError: string | undefined;
  /** The last refusal of the credentials (401/403) and what was dropped because of refusals; undefined if none. */
  refused: Refusal | undefined;
}

export interface Telemetry {
  /**
   * Count one request (exact counters) and maybe keep its rows as samples. Synchronous, never throws, and cheap: the
   * event is queued and counted by `drain()` (or by the next call that reads the counters).
   */
  record(event: TelemetryEvent): void;
  /** Count every queued event now; call it off the request's critical path (after the response). */
  drain(): void;
  /** True when counters are older than the flush interval or a batch worth of samples is waiting. */
  shouldFlush(): boolean;
  /** Seal what was recorded into batches and send every pending batch, retrying with backoff. Never rejects. */
  flush(): Promise<void>;
  /**
   * For pages being hidden or closed: seal and hand every pending batch to `fetch(..., {keepalive: true})`, or to
   * `navigator.sendBeacon` where keepalive is missing. Returns false when nothing could be handed off.
   */
  flushBeacon(): boolean;
  stats(): TelemetryStats;
}
