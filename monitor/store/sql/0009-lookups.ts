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
import { createRolledTable, type RolledTable } from "./rollup.ts";

/**
 * `minute_lookups` and its twins as 0009 created them, frozen (./0007-rollups.ts says why): 15 latency columns (the
 * 14 LATENCY_BUCKETS_MS buckets + overflow) and 8 age columns (7 AGE_BUCKETS_MS buckets + older), fixed by protocol v1.
 */
const AT_0009: RolledTable = {
  source: "minute_lookups",
  hour: "hour_lookups",
  day: "day_lookups",
  columns: [
    ["deployment", "key", "text"],
    ["model", "key", "text"],
    ["version", "key", "text"],
    ["minute", "time", "int"],
    ["view", "key", "text"],
    ["requests", "sum", "int"],
    ["keys", "sum", "int"],
    ["misses", "sum", "int"],
    ["expired", "sum", "int"],
    ["latency_sum", "sum", "real"],
    ...Array.from({ length: 15 }, (_, i) => [`lat_${i}`, "sum", "int"] as const),
    ["age_sum", "sum", "real"],
    ["age_max", "max", "real"],
    ...Array.from({ length: 8 }, (_, i) => [`age_${i}`, "sum", "int"] as const),
  ],
  key: ["deployment", "model", "version", "minute", "view"],
};

export function lookups(f: SchemaFlavor): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const name of [AT_0009.source, AT_0009.hour, AT_0009.day]) await createRolledTable(db, f, AT_0009, name);
    },
  };
}
