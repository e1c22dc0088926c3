/**
 * Migration 0007 (issue 15, retention): an hourly and a daily twin of every per-window table (./rollup.ts), with the
 * same columns and primary key, and an index on the sample time so expired samples are deleted by a range, not a
 * scan. Compaction (./retention.ts) fills the twins; reads add the three resolutions up.
 *
 * @example
 * ```ts
 * const migration = rollups(SQLITE_FLAVOR); // "0007_rollups"
 * ```
 */
import type { Kysely, Migration } from "kysely";
import type { SchemaFlavor } from "./flavor.ts";
import { createRolledTable, type RolledTable } from "./rollup.ts";

const series = [
  ["deployment", "key", "text"],
  ["model", "key", "text"],
  ["version", "key", "text"],
] as const;

/**
 * The tables 0007 rolls up, as they were when it shipped: a migration is frozen, so a later change to ./rollup.ts's
 * live ROLLED_TABLES (a new column, with the migration that adds it) leaves what 0007 creates unchanged. Later
 * per-window tables create their twins in their own migration.
 */
const AT_0007: readonly RolledTable[] = [
  {
    source: "minute_counters",
    hour: "hour_counters",
    day: "day_counters",
    columns: [
      ...series,
      ["minute", "time", "int"],
      ["requests", "sum", "int"],
      ["errors", "sum", "int"],
      ["dropped", "sum", "int"],
      ["latency_sum", "sum", "real"],
      ["batches", "sum", "int"],
    ],
    key: ["deployment", "model", "version", "minute"],
  },
  {
    source: "minute_latency",
    hour: "hour_latency",
    day: "day_latency",
    columns: [...series, ["minute", "time", "int"], ["bucket", "key", "int"], ["count", "sum", "int"]],
    key: ["deployment", "model", "version", "minute", "bucket"],
  },
  {
    source: "minute_errors",
    hour: "hour_errors",
    day: "day_errors",
    columns: [...series, ["minute", "time", "int"], ["class", "key", "text"], ["count", "sum", "int"]],
    key: ["deployment", "model", "version", "minute", "class"],
  },
  {
    source: "minute_backends",
    hour: "hour_backends",
    day: "day_backends",
    columns: [...series, ["minute", "time", "int"], ["device", "key", "text"], ["requests", "sum", "int"]],
    key: ["deployment", "model", "version", "minute", "device"],
  },
  {
    source: "minute_rollouts",
    hour: "hour_rollouts",
    day: "day_rollouts",
    columns: [...series, ["minute", "time", "int"], ["arm", "key", "text"], ["mode", "key", "text"], ["requests", "sum", "int"], ["errors", "sum", "int"]],
    key: ["deployment", "model", "minute", "version", "arm", "mode"],
  },
  {
    source: "profile_cells",
    hour: "hour_profile_cells",
    day: "day_profile_cells",
    columns: [
      ...series,
      ["slice_key", "key", "text"],
      ["slice_value", "key", "text"],
      ["bucket", "time", "int"],
      ["feature", "key", "text"],
      ["cell", "key", "text"],
      ["value", "cell", "real"],
    ],
    key: ["deployment", "model", "version", "slice_key", "slice_value", "bucket", "feature", "cell"],
  },
];

export function rollups(f: SchemaFlavor): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const spec of AT_0007) {
        for (const name of [spec.hour, spec.day]) await createRolledTable(db, f, spec, name);
      }
      await db.schema.createIndex("samples_by_ts").on("samples").column("ts").execute();
    },
  };
}
