/**
 * The monitor's SQL schema, as an ordered list of migrations applied by kysely's Migrator (recorded in
 * `kysely_migration`; never edit a shipped migration, add the next one). Written with kysely's schema builder so
 * the same list runs on SQLite and D1; Postgres would need only the `without rowid` modifiers dropped.
 *
 * Counter tables are keyed per minute: `/v1/metrics` and `/metrics` sum these pre-aggregated rows and never scan
 * samples. Latency buckets are stored by index into LATENCY_BUCKETS_MS (fixed in protocol v1).
 *
 * @example
 * ```ts
 * const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
 * await migrator.migrateToLatest();
 * ```
 */
import { sql, type Generated, type Kysely, type Migration } from "kysely";
import { ML_MONITORING } from "./migrations-ml.ts";

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
  /** Profiles added up per bucket (a minute by default); the overall profile has slice_key = slice_value = "". */
  bucket_profiles: {
    deployment: string;
    model: string;
    version: string;
    slice_key: string;
    slice_value: string;
    bucket: number;
    rows: number;
    profile: string;
  };
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
}

const withoutRowid = sql`without rowid`;
const key = ["deployment", "model", "version", "minute"] as const;

export const MIGRATIONS: Record<string, Migration> = {
  "0001_initial": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("deployments")
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("created_at", "integer", (c) => c.notNull())
        .addColumn("last_seen", "integer")
        .addColumn("target", "text")
        .execute();
      await db.schema
        .createTable("series")
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("deployment_id", "integer", (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addUniqueConstraint("series_key", ["deployment_id", "model", "version"])
        .execute();
      await db.schema
        .createTable("tokens")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("deployment", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull().unique())
        .addColumn("prefix", "text", (c) => c.notNull())
        .addColumn("created_at", "integer", (c) => c.notNull())
        .addColumn("revoked_at", "integer")
        .execute();
      await db.schema.createIndex("tokens_by_deployment").on("tokens").column("deployment").execute();
      await db.schema
        .createTable("batches")
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("batch_id", "text", (c) => c.notNull().unique()) // idempotency: a batchId is stored once
        .addColumn("deployment", "text", (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("target", "text", (c) => c.notNull())
        .addColumn("window_start", "integer", (c) => c.notNull())
        .addColumn("window_end", "integer", (c) => c.notNull())
        .addColumn("received_at", "integer", (c) => c.notNull())
        .addColumn("requests", "integer", (c) => c.notNull())
        .addColumn("samples", "integer", (c) => c.notNull())
        .addColumn("dropped", "integer", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("minute_counters")
        .addColumn("deployment", "text", (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("minute", "integer", (c) => c.notNull())
        .addColumn("requests", "integer", (c) => c.notNull())
        .addColumn("errors", "integer", (c) => c.notNull())
        .addColumn("dropped", "integer", (c) => c.notNull())
        .addColumn("latency_sum", "real", (c) => c.notNull())
        .addColumn("batches", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("minute_counters_pk", [...key])
        .modifyEnd(withoutRowid)
        .execute();
      await db.schema
        .createTable("minute_latency")
        .addColumn("deployment", "text", (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("minute", "integer", (c) => c.notNull())
        .addColumn("bucket", "integer", (c) => c.notNull())
        .addColumn("count", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("minute_latency_pk", [...key, "bucket"])
        .modifyEnd(withoutRowid)
        .execute();
      await db.schema
        .createTable("minute_errors")
        .addColumn("deployment", "text", (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("minute", "integer", (c) => c.notNull())
        .addColumn("class", "text", (c) => c.notNull())
        .addColumn("count", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("minute_errors_pk", [...key, "class"])
        .modifyEnd(withoutRowid)
        .execute();
      // Integer references instead of repeated strings: measured 0.85 → 0.49 ms per 100-sample batch.
      await db.schema
        .createTable("samples")
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("deployment_id", "integer", (c) => c.notNull())
        .addColumn("series_id", "integer", (c) => c.notNull())
        .addColumn("batch_ref", "integer", (c) => c.notNull())
        .addColumn("ts", "integer", (c) => c.notNull())
        .addColumn("request_id", "text", (c) => c.notNull())
        .addColumn("idx", "integer")
        .addColumn("latency_ms", "real", (c) => c.notNull())
        .addColumn("status", "integer", (c) => c.notNull())
        .addColumn("error", "text")
        .addColumn("features", "text")
        .addColumn("prediction", "text")
        .addColumn("slices", "text")
        .execute();
      // Recent samples of a deployment: newest stored first (rowid order is arrival order).
      await db.schema.createIndex("samples_by_deployment").on("samples").columns(["deployment_id", "id"]).execute();
      // Label joins (a later issue) look samples up by request id.
      await db.schema.createIndex("samples_by_request").on("samples").column("request_id").execute();
    },
  },
  "0002_ml_monitoring": ML_MONITORING,
};
