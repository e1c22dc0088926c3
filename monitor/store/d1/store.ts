/**
 * The MonitorStore on Cloudflare D1 (SQLite at the edge), portable: no `node:` imports, it is bundled into the
 * monitor Worker (monitor/worker/) and driven from Node in tests through miniflare's `getD1Database()` proxy.
 *
 * - schema: the shared migrations in SQLite's flavor, applied at first use (./migrations.ts);
 * - reads: the shared SQL layer (monitor/store/sql/) over a kysely D1 dialect (./driver.ts);
 * - ingest: the shared `ingestPlan` run as ONE `d1.batch()`: D1 has no interactive transactions, and a batch is
 *   atomic. The plan's nonce guard makes it idempotent across isolates (a batchId stored by another attempt makes
 *   every statement of this one write nothing); its first statement says which happened;
 * - compaction: the shared `compactionPlan` as one batch, so a roll-up moves rows whole or not at all.
 *
 * @example
 * ```ts
 * const store = await openD1Store(env.DB, { profileBucketMs: 60_000 });
 * const { duplicate } = await store.ingest(batch, Date.now()); // the batch has committed when this resolves
 * ```
 */
import { Kysely } from "kysely";
import { MINUTE_MS, type MonitorStore } from "../contract.ts";
import { createSqlAdmin } from "../sql/admin.ts";
import { createSqlAlerts } from "../sql/alerts.ts";
import { ingestPlan } from "../sql/ingest-plan.ts";
import { createSqlLabels } from "../sql/labels.ts";
import { createProfileReads } from "../sql/profiles.ts";
import { createSqlReads } from "../sql/reads.ts";
import { compactionPlan } from "../sql/retention.ts";
import { createRolloutReads } from "../sql/rollouts.ts";
import type { MonitorDb } from "../sql/tables.ts";
import { SQLITE_FLAVOR } from "../sqlite/flavor.ts";
import type { D1Database } from "./binding.ts";
import { d1Dialect, runBatch } from "./driver.ts";
import { migrateD1 } from "./migrations.ts";

export interface D1StoreOptions {
  /** Length of a profile bucket (default a minute); a minute must be a whole number of buckets. */
  profileBucketMs?: number;
  /** Where a profile that could not be merged (its bins differ from the stored ones) is reported (default console.warn). */
  warn?: (message: string) => void;
}

export async function openD1Store(d1: D1Database, opts: D1StoreOptions = {}): Promise<MonitorStore> {
  const bucketMs = opts.profileBucketMs ?? MINUTE_MS;
  if (!(Number.isInteger(bucketMs) && bucketMs >= 1000 && MINUTE_MS % bucketMs === 0)) {
    throw new RangeError(`profileBucketMs must divide a minute into whole seconds (e.g. 5000, 10000, 60000), got ${bucketMs}`);
  }
  await migrateD1(d1);
  const db = new Kysely<MonitorDb>({ dialect: d1Dialect(d1) });
  const warn = opts.warn ?? ((message: string) => console.warn(message));

  return {
    async ingest(batch, receivedAt) {
      const plan = ingestPlan(batch, receivedAt, { db, flavor: SQLITE_FLAVOR, profileBucketMs: bucketMs });
      const results = await runBatch(d1, plan.queries);
      const conflicts = plan.profileConflicts.reduce((n, i) => n + Number(results[i]?.numAffectedRows ?? 0), 0);
      if (conflicts > 0) {
        warn(
          `edge-ml monitor: ${conflicts} profile(s) of batch ${batch.batchId} (${batch.model.name}@${batch.model.version}) not merged: their bins differ from the stored ones`,
        );
      }
      return { duplicate: Number(results[0]?.numAffectedRows ?? 0) === 0 };
    },
    ...createSqlReads(db, SQLITE_FLAVOR),
    ...createProfileReads(db, bucketMs),
    ...createSqlLabels(db),
    ...createSqlAlerts(db),
    ...createRolloutReads(db),
    ...createSqlAdmin(db),
    async compact(now, policy) {
      const plan = compactionPlan(db, now, policy, SQLITE_FLAVOR, "insert-then-delete");
      const results = await runBatch(
        d1,
        plan.map((s) => s.query),
      );
      return { steps: plan.map((s, i) => ({ step: s.step, rows: Number(results[i]?.numAffectedRows ?? 0) })) };
    },
    async close() {
      // Nothing to release: the binding belongs to the Worker (or to miniflare in tests).
    },
  };
}
