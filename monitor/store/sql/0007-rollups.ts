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
import { createRolledTable, ROLLED_TABLES, type RolledTable } from "./rollup.ts";

const ROLLED_BY_0007: readonly string[] = ["minute_counters", "minute_latency", "minute_errors", "minute_backends", "minute_rollouts", "profile_cells"];

export function rollups(f: SchemaFlavor): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // The tables that existed when 0007 shipped: later per-window tables create their twins in their own migration.
      const specs: readonly RolledTable[] = ROLLED_TABLES.filter((t) => ROLLED_BY_0007.includes(t.source));
      for (const spec of specs) {
        for (const name of [spec.hour, spec.day]) await createRolledTable(db, f, spec, name);
      }
      await db.schema.createIndex("samples_by_ts").on("samples").column("ts").execute();
    },
  };
}
