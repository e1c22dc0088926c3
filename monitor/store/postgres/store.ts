/**
 * The Postgres store: the monitor's data in an existing Postgres, so several monitor processes (behind one address)
 * share it. kysely's PostgresDialect over a pooled `pg` connection (./pool.ts), the shared schema and migrations
 * (./migrations.ts), the shared reads of ../sql/, and ingest as one transaction per batch (./ingest.ts): a batchId is
 * stored once even when two processes receive it at the same moment, and counters and profiles are added by the
 * database. `ingest()` resolves after COMMIT, so with Postgres's default `synchronous_commit = on` an acknowledged
 * batch survives a crash of the monitor and of the database server.
 *
 * @example
 * ```ts
 * const store = await openPostgresStore({ url: "postgres://monitor@127.0.0.1:5432/monitor" });
 * await store.ingest(batch, Date.now());
 * await store.close();
 * ```
 */
import { Kysely, PostgresDialect } from "kysely";
import { MINUTE_MS, type MonitorStore } from "../contract.ts";
import { createSqlAdmin } from "../sql/admin.ts";
import { createSqlAlerts } from "../sql/alerts.ts";
import { PORTABLE_FLAVOR } from "../sql/flavor.ts";
import { createSqlLabels } from "../sql/labels.ts";
import { createProfileReads } from "../sql/profiles.ts";
import { createSqlReads } from "../sql/reads.ts";
import { compactKysely } from "../sql/retention-run.ts";
import { createRolloutReads } from "../sql/rollouts.ts";
import type { MonitorDb } from "../sql/tables.ts";
import { createPostgresIngest } from "./ingest.ts";
import { migratePostgres } from "./migrations.ts";
import { connectPool, type PoolOptions } from "./pool.ts";

export interface PostgresStoreOptions extends PoolOptions {
  /** `postgres://user[:password]@host[:port]/database`; the database must exist (the tables are created). */
  url: string;
  /** Length of a profile bucket (default a minute): the finest drift step; it must divide a minute. */
  profileBucketMs?: number;
}

export async function openPostgresStore(opts: PostgresStoreOptions): Promise<MonitorStore> {
  const bucketMs = opts.profileBucketMs ?? MINUTE_MS;
  if (!(Number.isInteger(bucketMs) && bucketMs >= 1000 && MINUTE_MS % bucketMs === 0)) {
    throw new RangeError(`profileBucketMs must divide a minute into whole seconds (e.g. 5000, 10000, 60000), got ${bucketMs}`);
  }
  const pool = await connectPool(opts.url, opts);
  const db = new Kysely<MonitorDb>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migratePostgres(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const ingest = createPostgresIngest(db, pool, bucketMs);
  return {
    ingest,
    ...createSqlReads(db, PORTABLE_FLAVOR),
    ...createProfileReads(db, bucketMs),
    ...createSqlLabels(db),
    ...createSqlAlerts(db),
    ...createRolloutReads(db),
    ...createSqlAdmin(db),
    compact: (now, policy) => compactKysely(db, now, policy),
    async close() {
      await db.destroy(); // ends the pool: waits for checked-out connections to be released
    },
  };
}
