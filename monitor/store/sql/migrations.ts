/**
 * The monitor's SQL schema as an ordered list of migrations for kysely's Migrator (recorded in `kysely_migration`;
 * never edit a shipped migration, add the next one). Every SQL store runs the same list with its flavor
 * (./flavor.ts), so a new store shares the schema and its history.
 *
 * @example
 * ```ts
 * const migrator = new Migrator({ db, provider: { getMigrations: async () => monitorMigrations(SQLITE_FLAVOR) } });
 * await migrator.migrateToLatest();
 * ```
 */
import type { Migration } from "kysely";
import { initial } from "./0001-initial.ts";
import { mlMonitoring } from "./0002-ml-monitoring.ts";
import { refusals } from "./0003-refusals.ts";
import { backends } from "./0004-backends.ts";
import { rollouts } from "./0005-rollouts.ts";
import { profileCells } from "./0006-profile-cells.ts";
import { rollups } from "./0007-rollups.ts";
import { leases } from "./0008-leases.ts";
import { lookups } from "./0009-lookups.ts";
import { sampleIndexes } from "./0010-sample-indexes.ts";
import { rollupBucketIndexes } from "./0011-rollup-bucket-indexes.ts";
import type { SchemaFlavor } from "./flavor.ts";

export function monitorMigrations(flavor: SchemaFlavor): Record<string, Migration> {
  return {
    "0001_initial": initial(flavor),
    "0002_ml_monitoring": mlMonitoring(flavor),
    "0003_refusals": refusals(flavor),
    "0004_backends": backends(flavor),
    "0005_rollouts": rollouts(flavor),
    "0006_profile_cells": profileCells(flavor),
    "0007_rollups": rollups(flavor),
    "0008_leases": leases(flavor),
    "0009_lookups": lookups(flavor),
    "0010_sample_indexes": sampleIndexes(flavor),
    "0011_rollup_bucket_indexes": rollupBucketIndexes(),
  };
}
