/**
 * Migration 0009 (issue 16, online feature lookup): per minute, model version and feature view, what the edge's
 * lookups cost and found (`minute_lookups`): requests that read the view, keys asked for, misses and expired values,
 * the store read's latency (sum and one column per LATENCY_BUCKETS_MS bucket) and the age of the values served (sum,
 * max, one column per AGE_BUCKETS_MS bucket); with its hourly and daily twins for retention (./rollup.ts). Batches
 * without lookups (models that look nothing up, older edges) add nothing here.
 *
 * @example
 * ```ts
 * const migration = lookups(SQLITE_FLAVOR); // "0009_lookups"
 * ```
 */
import type { Kysely, Migration } from "kysely";
import type { SchemaFlavor } from "./flavor.ts";
import { createRolledTable, ROLLED_TABLES } from "./rollup.ts";

export function lookups(f: SchemaFlavor): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const spec = ROLLED_TABLES.find((t) => t.source === "minute_lookups")!;
      for (const name of [spec.source, spec.hour, spec.day]) await createRolledTable(db, f, spec, name);
    },
  };
}
