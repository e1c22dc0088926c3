/**
 * Migration 0010 (issue 15, ingest speed on Postgres): the samples table keeps two B-trees instead of four where the
 * flavor asks for it (`leanSampleIndexes`, Postgres). Every sample row is inserted into each index of the table, and
 * profiling the ingest bench showed B-tree inserts at ~30% of the server's time; all four grew at their right-most
 * page, which concurrent batches also wait on. So:
 *
 * - the primary key becomes `(deployment_id, id)`: it still identifies a row, and it is what `samples_by_deployment`
 *   was for (a deployment's newest samples), which is dropped;
 * - `samples_by_ts` (retention's range delete, 0007) becomes a block-range (BRIN) index: sample times grow with
 *   arrival, so a few pages of per-range min/max find the expired rows without a B-tree entry per row.
 *
 * Measured with two monitors (bench/monitor-ingest.ts): 38-42k → 48-55k events/s. In SQLite the row id is the table's
 * own key and costs no index, so its flavor leaves the 0001 and 0007 indexes as they are.
 *
 * @example
 * ```ts
 * const migration = sampleIndexes(POSTGRES_FLAVOR); // "0010_sample_indexes"
 * ```
 */
import { type Kysely, type Migration, sql } from "kysely";
import type { SchemaFlavor } from "./flavor.ts";

export function sampleIndexes(f: SchemaFlavor): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (!f.leanSampleIndexes) return;
      await sql`alter table samples drop constraint samples_pkey`.execute(db);
      await sql`alter table samples add constraint samples_pkey primary key (deployment_id, id)`.execute(db);
      await db.schema.dropIndex("samples_by_deployment").execute();
      await db.schema.dropIndex("samples_by_ts").execute();
      // autosummarize: a block range is summarized once it fills, not only at the next vacuum.
      await sql`create index samples_by_ts on samples using brin (ts) with (autosummarize = on)`.execute(db);
    },
  };
}
