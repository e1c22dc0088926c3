/**
 * The monitor's storage contract. SQLite (monitor/store/sqlite/) is the default; D1 or Postgres implement the
 * same interface, in a folder of their own, and pass the same suite (test/monitor/store-contract.test.ts: one line per
 * store). SQL stores share the schema and its migrations (./sql/). Reads return pre-aggregated per-minute rows; raw
 * samples are only read by `recentSamples`. This file and ./contract-ml.ts import only core/ and monitor/schema/.
 *
 * @example
 * ```ts
 * const store: MonitorStore = await openSqliteStore({ file: ".edge-ml/monitor.db" });
 * const { duplicate } = await store.ingest(batch, Date.now()); // resolves after the transaction commits
 * ```
 */
import type { TelemetryBatch } from "../../core/schema/telemetry.ts";
import type { MlStore } from "./contract-ml.ts";

export type * from "./contract-ml.ts";

/** Counter rows are kept per minute: the finest `step` the metrics API can answer. */
export const MINUTE_MS = 60_000;

export interface TokenRecord {
  id: string;
  deployment: string;
  /** The first characters of the token, to recognise it in `token list` (the rest is never stored). */
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
}

interface DeploymentVersion {
  model: string;
  version: string;
  requests: number;
  errors: number;
  lastSeen: number;
}

/**
 * The last time the monitor refused a deployment's telemetry: a revoked token (401), or a token of another
 * deployment (403, recorded under both deployments). Rate-limited by the monitor, so `at` may lag by a minute.
 */
interface RefusalRecord {
  deployment: string;
  at: number;
  status: number;
  code: string;
  /** What the monitor answered, e.g. `token is for deployment "a", batch says "b"`. */
  reason: string;
  /** Id of the token presented, when the monitor knows it. */
  tokenId: string | null;
}

export interface DeploymentSummary {
  name: string;
  createdAt: number;
  target: string | null;
  lastSeen: number | null;
  activeTokens: number;
  dropped: number;
  versions: DeploymentVersion[];
  /** Why telemetry may be missing: the last refusal, or null when none was recorded. */
  lastRefusal: Omit<RefusalRecord, "deployment"> | null;
}

/** Counters of one model version summed over one window of the requested step. */
export interface WindowRow {
  /** Start of the window (epoch ms). */
  t: number;
  model: string;
  version: string;
  requests: number;
  errors: number;
  dropped: number;
  latencySum: number;
  /** Latency histogram counts, indexed like LATENCY_BUCKETS_MS (+ overflow). */
  latency: number[];
  errorsByClass: Record<string, number>;
}

/** All-time totals of one model version of one deployment (for `/metrics`). */
export interface TotalsRow {
  deployment: string;
  model: string;
  version: string;
  requests: number;
  latencySum: number;
  latency: number[];
  errorsByClass: Record<string, number>;
}

/** Requests one device served for one model version, with the last engine and reason seen for it (issue 13). */
export interface BackendRow {
  model: string;
  version: string;
  /** e.g. "wasm", "webgpu", "webgl", "cpu", "js" (compiled engine), "native" (onnxruntime-node). */
  device: string;
  requests: number;
  /** The last engine seen on this device ("ort-wasm", "tfjs-cpu"), or null when the clients do not say. */
  engine: string | null;
  /** The last reason a client gave for this device (a page's `model.deviceReason`), or null. */
  reason: string | null;
  /** When a batch last named this device (epoch ms, the monitor's clock). */
  lastSeen: number;
}

/** All-time requests per device of one model version of one deployment (for `/metrics`). */
export interface BackendTotalsRow {
  deployment: string;
  model: string;
  version: string;
  device: string;
  requests: number;
}

/**
 * One feature view's lookups by one model version, summed over a range (issue 16; batches that carried `lookups`):
 * the histograms are indexed like LATENCY_BUCKETS_MS and AGE_BUCKETS_MS (+ overflow).
 */
export interface LookupRow {
  model: string;
  version: string;
  view: string;
  /** Requests that read the view. */
  requests: number;
  keys: number;
  misses: number;
  /** Of the misses, values past the view's ttl. */
  expired: number;
  /** The store read's wall time per request (ms): sum and histogram. */
  latencySum: number;
  latency: number[];
  /** Age of each served value (ms): sum, histogram and the oldest (0 when nothing was served). */
  ageSum: number;
  age: number[];
  ageMax: number;
}

/** All-time lookups of one view by one model version of one deployment (for `/metrics`). */
export type LookupTotalsRow = LookupRow & { deployment: string };

export interface SampleRow {
  ts: number;
  deployment: string;
  model: string;
  version: string;
  batchId: string;
  requestId: string;
  index: number | null;
  latencyMs: number;
  status: number;
  error: string | null;
  features: Record<string, unknown> | null;
  prediction: unknown;
  slices: Record<string, string> | null;
}

/** Requests and errors of one version with the arm and mode its batches named, summed over a range (issue 14). */
export interface RolloutRow {
  version: string;
  arm: "champion" | "challenger";
  /** null when the batches did not say (a champion's client cannot tell canary from shadow). */
  mode: "canary" | "shadow" | null;
  /** Challenger rows in shadow mode count shadow runs, not requests clients made. */
  requests: number;
  errors: number;
}

/** A sampled row of one version, for pairing with the other version's row of the same request. */
export interface VersionSampleRow {
  ts: number;
  requestId: string;
  /** Position of the instance in its request (0 for single-instance requests). */
  index: number;
  status: number;
  latencyMs: number;
  prediction: unknown;
}

export interface WindowQuery {
  deployment: string;
  /** Inclusive start, aligned to MINUTE_MS. */
  from: number;
  /** Exclusive end. */
  to: number;
  /** Window length, a multiple of MINUTE_MS. */
  stepMs: number;
}

/**
 * How long each level of stored data is kept (ms; null keeps it forever), parsed from `--retention` by
 * monitor/retention.ts: samples and labels expire; per-minute rows roll into hours, hours into days; days expire.
 */
export interface CompactionPolicy {
  samples: number | null;
  labels: number | null;
  minutes: number | null;
  hours: number | null;
  days: number | null;
}

/** What one compaction did: rows changed per step (e.g. "minute_counters → hour_counters"), as the database said. */
export interface CompactionReport {
  steps: { step: string; rows: number }[];
}

export interface MonitorStore extends MlStore {
  /**
   * Store a validated batch atomically (counters, profiles and samples); a batchId seen before stores nothing and
   * returns duplicate: true.
   */
  ingest(batch: TelemetryBatch, receivedAt: number): Promise<{ duplicate: boolean }>;
  /** Register a deployment (no-op when it exists). */
  ensureDeployment(name: string, at: number): Promise<void>;
  insertToken(token: TokenRecord & { hash: string }): Promise<void>;
  tokenByHash(hash: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<TokenRecord[]>;
  /** Revoke the token with this id, or every active token of this deployment; returns how many were revoked. */
  revokeTokens(deploymentOrId: string, at: number): Promise<number>;
  listDeployments(): Promise<DeploymentSummary[]>;
  /** Keep the last refusal of a deployment (replaces the one before). The deployment need not exist yet. */
  recordRefusal(refusal: RefusalRecord): Promise<void>;
  /**
   * Take or renew the lease `name` for `holder` until `now + ttlMs`; true when `holder` holds it now. Another holder
   * gets it only once it expired, so of several monitors on one database one runs each periodic job.
   */
  acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean>;
  windows(query: WindowQuery): Promise<WindowRow[]>;
  /**
   * Requests per device of every model version of the deployment in [from, to) (from the batches that name their
   * backend), with the last engine and reason seen per device; sorted by model, version, then most requests first.
   */
  backends(query: Omit<WindowQuery, "stepMs">): Promise<BackendRow[]>;
  /** Per model version and feature view, lookups of the deployment in [from, to); sorted by model, version, view. */
  lookups(query: Omit<WindowQuery, "stepMs">): Promise<LookupRow[]>;
  totals(): Promise<{
    rows: TotalsRow[];
    dropped: Record<string, number>;
    batches: Record<string, number>;
    backends: BackendTotalsRow[];
    lookups: LookupTotalsRow[];
  }>;
  recentSamples(query: { deployment: string; limit: number }): Promise<SampleRow[]>;
  /** Per version of a model, requests and errors by arm and mode over [from, to) (batches that named a rollout). */
  rollouts(query: { deployment: string; model: string; from: number; to: number }): Promise<RolloutRow[]>;
  /** The newest `limit` sampled rows of one version in [from, to). */
  versionSamples(query: { deployment: string; model: string; version: string; from: number; to: number; limit: number }): Promise<VersionSampleRow[]>;
  /**
   * Roll closed per-minute rows older than the policy's horizons into hours and days, and delete expired samples,
   * labels and days, atomically: safe to run twice or at once from two processes (nothing is counted twice), and
   * reads give the same sums before and after for windows that span whole stored periods.
   */
  compact(now: number, policy: CompactionPolicy): Promise<CompactionReport>;
  close(): Promise<void>;
}
