/**
 * The monitor's tables as kysely types: one schema for every SQL store (SQLite, D1, Postgres), created by the
 * migrations in this folder. Epoch milliseconds and counters are 64-bit integers everywhere.
 *
 * @example
 * ```ts
 * const db = new Kysely<MonitorDb>({ dialect });
 * ```
 */
import type { Generated } from "kysely";

type LatencyBucket = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14;
type AgeBucket = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** The table types kysely checks queries against. */
export interface MonitorDb {
  deployments: { id: Generated<number>; name: string; created_at: number; last_seen: number | null; target: string | null };
  /** One row per deployment × model × version: samples refer to it by integer id, which keeps their rows small. */
  series: { id: Generated<number>; deployment_id: number; model: string; version: string };
  tokens: { id: string; deployment: string; hash: string; prefix: string; created_at: number; revoked_at: number | null };
  batches: {
    id: Generated<number>;
    batch_id: string;
    deployment: string;
    model: string;
    version: string;
    target: string;
    window_start: number;
    window_end: number;
    received_at: number;
    requests: number;
    samples: number;
    dropped: number;
    /** The attempt that stored the batch, while its ingest plan runs (migration 0006); null afterwards. */
    nonce: string | null;
  };
  minute_counters: {
    deployment: string;
    model: string;
    version: string;
    minute: number;
    requests: number;
    errors: number;
    dropped: number;
    latency_sum: number;
    batches: number;
  };
  minute_latency: { deployment: string; model: string; version: string; minute: number; bucket: number; count: number };
  minute_errors: { deployment: string; model: string; version: string; minute: number; class: string; count: number };
  samples: {
    id: Generated<number>;
    deployment_id: number;
    series_id: number;
    batch_ref: number;
    ts: number;
    request_id: string;
    idx: number | null;
    latency_ms: number;
    status: number;
    error: string | null;
    features: string | null;
    prediction: string | null;
    slices: string | null;
  };
  /**
   * Profiles added up per bucket (a minute by default) as additive cells (migration 0006, ./profile-cells.ts); the
   * overall profile has slice_key = slice_value = "".
   */
  profile_cells: {
    deployment: string;
    model: string;
    version: string;
    slice_key: string;
    slice_value: string;
    bucket: number;
    feature: string;
    cell: string;
    value: number;
  };
  /** Profiles of one ingest plan (by its nonce) whose bins differ from the stored ones: not merged (migration 0006). */
  profile_conflicts: { nonce: string; slice_key: string; slice_value: string };
  baselines: { deployment: string; model: string; version: string; baseline: string; config: string; registered_at: number };
  /** Delayed labels by request id (idx: the instance's position, 0 for single-instance requests). */
  labels: { deployment_id: number; request_id: string; idx: number; label: string; received_at: number };
  alert_rules: {
    id: string;
    deployment: string;
    kind: string;
    name: string;
    params: string;
    webhook: string | null;
    enabled: number;
    source: string;
    created_at: number;
    updated_at: number;
  };
  alert_events: {
    id: Generated<number>;
    rule_id: string;
    deployment: string;
    kind: string;
    subject: string;
    model: string;
    version: string;
    state: string;
    opened_at: number;
    resolved_at: number | null;
    value: number | null;
    threshold: number | null;
    message: string;
    details: string;
  };
  /** The webhook outbox: one row per event notification, retried until delivered or out of attempts. */
  webhook_deliveries: {
    id: Generated<number>;
    event_id: number;
    rule_id: string;
    url: string;
    type: string;
    payload: string;
    status: string;
    attempts: number;
    next_attempt_at: number;
    last_status: number | null;
    last_error: string | null;
    created_at: number;
    delivered_at: number | null;
  };
  webhook_attempts: { delivery_id: number; attempt: number; at: number; status: number | null; error: string | null; duration_ms: number };
  /** The last refusal per deployment (migration 0003). */
  refusals: { deployment: string; at: number; status: number; code: string; reason: string; token_id: string | null };
  leases: { name: string; holder: string; expires_at: number };
  /** Requests per device per minute (migration 0004), from batches that name their backend. */
  minute_backends: { deployment: string; model: string; version: string; minute: number; device: string; requests: number };
  /** The last engine and reason seen per device of a model version (migration 0004). */
  backends: { deployment: string; model: string; version: string; device: string; engine: string | null; reason: string | null; last_seen: number };
  /** Requests and errors per minute of a version with the arm and mode its batches named (migration 0005). */
  minute_rollouts: { deployment: string; model: string; version: string; minute: number; arm: string; mode: string; requests: number; errors: number };
  /**
   * Feature lookups per minute, version and view (migration 0009): counts, the store read's latency and the served
   * values' age, with one column per bucket of LATENCY_BUCKETS_MS (`lat_i`) and AGE_BUCKETS_MS (`age_i`), + overflow.
   */
  minute_lookups: {
    deployment: string;
    model: string;
    version: string;
    minute: number;
    view: string;
    requests: number;
    keys: number;
    misses: number;
    expired: number;
    latency_sum: number;
    age_sum: number;
    age_max: number;
  } & Record<`lat_${LatencyBucket}`, number> &
    Record<`age_${AgeBucket}`, number>;
}
