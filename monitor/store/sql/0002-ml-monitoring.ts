/**
 * Migration 0002 (issue 4): the tables of ML monitoring: per-bucket profiles, registered baselines, delayed labels,
 * alert rules and events, and the webhook outbox with its attempt log.
 *
 * @example
 * ```ts
 * const migration = mlMonitoring(SQLITE_FLAVOR); // "0002_ml_monitoring"
 * ```
 */
import type { Kysely, Migration } from "kysely";
import type { SchemaFlavor } from "./flavor.ts";

export function mlMonitoring(f: SchemaFlavor): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Slice before bucket in the key: drift reads the overall rows of a version over a time range as one range scan.
      await db.schema
        .createTable("bucket_profiles")
        .addColumn("deployment", "text", (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("slice_key", "text", (c) => c.notNull())
        .addColumn("slice_value", "text", (c) => c.notNull())
        .addColumn("bucket", f.int, (c) => c.notNull())
        .addColumn("rows", f.int, (c) => c.notNull())
        .addColumn("profile", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("bucket_profiles_pk", ["deployment", "model", "version", "slice_key", "slice_value", "bucket"])
        .$call(f.clustered)
        .execute();
      await db.schema
        .createTable("baselines")
        .addColumn("deployment", "text", (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("baseline", "text", (c) => c.notNull())
        .addColumn("config", "text", (c) => c.notNull())
        .addColumn("registered_at", f.int, (c) => c.notNull())
        .addPrimaryKeyConstraint("baselines_pk", ["deployment", "model", "version"])
        .execute();
      await db.schema
        .createTable("labels")
        .addColumn("deployment_id", f.int, (c) => c.notNull())
        .addColumn("request_id", "text", (c) => c.notNull())
        .addColumn("idx", f.int, (c) => c.notNull())
        .addColumn("label", "text", (c) => c.notNull())
        .addColumn("received_at", f.int, (c) => c.notNull())
        .addPrimaryKeyConstraint("labels_pk", ["deployment_id", "request_id", "idx"])
        .$call(f.clustered)
        .execute();
      await db.schema
        .createTable("alert_rules")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("deployment", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("params", "text", (c) => c.notNull())
        .addColumn("webhook", "text")
        .addColumn("enabled", f.int, (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("created_at", f.int, (c) => c.notNull())
        .addColumn("updated_at", f.int, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("alert_events")
        .addColumn("id", f.id, (c) => f.autoId(c))
        .addColumn("rule_id", "text", (c) => c.notNull())
        .addColumn("deployment", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("opened_at", f.int, (c) => c.notNull())
        .addColumn("resolved_at", f.int)
        .addColumn("value", f.real)
        .addColumn("threshold", f.real)
        .addColumn("message", "text", (c) => c.notNull())
        .addColumn("details", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("alert_events_by_state").on("alert_events").columns(["state", "rule_id"]).execute();
      await db.schema
        .createTable("webhook_deliveries")
        .addColumn("id", f.id, (c) => f.autoId(c))
        .addColumn("event_id", f.int, (c) => c.notNull())
        .addColumn("rule_id", "text", (c) => c.notNull())
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("attempts", f.int, (c) => c.notNull())
        .addColumn("next_attempt_at", f.int, (c) => c.notNull())
        .addColumn("last_status", f.int)
        .addColumn("last_error", "text")
        .addColumn("created_at", f.int, (c) => c.notNull())
        .addColumn("delivered_at", f.int)
        .execute();
      await db.schema.createIndex("webhook_deliveries_due").on("webhook_deliveries").columns(["status", "next_attempt_at"]).execute();
      await db.schema
        .createTable("webhook_attempts")
        .addColumn("delivery_id", f.int, (c) => c.notNull())
        .addColumn("attempt", f.int, (c) => c.notNull())
        .addColumn("at", f.int, (c) => c.notNull())
        .addColumn("status", f.int)
        .addColumn("error", "text")
        .addColumn("duration_ms", f.real, (c) => c.notNull())
        .addPrimaryKeyConstraint("webhook_attempts_pk", ["delivery_id", "attempt"])
        .$call(f.clustered)
        .execute();
    },
  };
}
