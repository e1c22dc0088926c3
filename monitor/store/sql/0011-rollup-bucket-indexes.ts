/**
 * Migration 0011 (issue 15, query time flat in stored history): the hourly and daily profile cells get an index on
 * (deployment, model, version, bucket). Their key puts the slice before the bucket, so a drift query over the last
 * day (all slices) could not seek to its range in them and read every rolled row of the version: on Postgres the
 * "drift, last 24 h" query took 1.6-1.8x as long over 90 days of history as over 9, though it returns the same cells.
 * With the index a range outside the roll-ups costs a probe. Compaction is the only writer of these tables, so ingest
 * pays nothing for it.
 *
 * @example
 * ```ts
 * const migration = rollupBucketIndexes(SQLITE_FLAVOR); // "0011_rollup_bucket_indexes"
 * ```
 */
import type { Kysely, Migration } from "kysely";

export function rollupBucketIndexes(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const table of ["hour_profile_cells", "day_profile_cells"]) {
        await db.schema.createIndex(`${table}_by_bucket`).on(table).columns(["deployment", "model", "version", "bucket"]).execute();
      }
    },
  };
}
