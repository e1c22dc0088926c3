/**
 * The write path of the Postgres store: the shared ingest plan (../sql/ingest-plan.ts) run in ONE transaction on one
 * pooled connection. Idempotency under concurrent writers comes from the database: the plan's first statement inserts
 * the batch row (`on conflict (batch_id) do nothing`); a second process inserting the same batchId at the same moment
 * waits on the unique index until the first commits, then inserts nothing and stops (a duplicate), or, when the first
 * rolled back (its process was killed), stores the batch itself. Counters and profile cells are upserts that add:
 * nothing is read and written back in this process, so two monitors lose nothing.
 *
 * A deadlock (two batches upserting the same rows in another order) or a serialization failure rolls the whole
 * transaction back; it is retried with a new plan (a new nonce), so the batch is still stored once.
 *
 * @example
 * ```ts
 * const ingest = createPostgresIngest(db, pool, 60_000);
 * const { duplicate } = await ingest(batch, Date.now()); // resolves after COMMIT
 * ```
 */
import type { Kysely } from "kysely";
import type pg from "pg";
import type { TelemetryBatch } from "../../../core/schema/telemetry.ts";
import { PORTABLE_FLAVOR } from "../sql/flavor.ts";
import { ingestPlan } from "../sql/ingest-plan.ts";
import type { MonitorDb } from "../sql/tables.ts";

/** Postgres binds at most 65,535 parameters per statement: multi-row inserts go up to this. */
const MAX_PARAMS = 32_000;
/** deadlock_detected, serialization_failure: the transaction was rolled back and may simply run again. */
const RETRYABLE = new Set(["40P01", "40001"]);
const ATTEMPTS = 5;

export function createPostgresIngest(
  db: Kysely<MonitorDb>,
  pool: pg.Pool,
  profileBucketMs: number,
): (batch: TelemetryBatch, receivedAt: number) => Promise<{ duplicate: boolean }> {
  let conflicts = 0;

  async function attempt(batch: TelemetryBatch, receivedAt: number): Promise<{ duplicate: boolean }> {
    const plan = ingestPlan(batch, receivedAt, { db, flavor: PORTABLE_FLAVOR, profileBucketMs, maxParams: MAX_PARAMS });
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("begin");
      const affected: number[] = [];
      for (const q of plan.queries) {
        affected.push((await client.query(q.sql, q.parameters as unknown[])).rowCount ?? 0);
        if (affected[0] === 0) break; // another attempt stored it: nothing else to do
      }
      await client.query("commit");
      if (plan.profileConflicts.some((i) => (affected[i] ?? 0) > 0) && conflicts++ % 1000 === 0) {
        console.warn(`edge-ml monitor: profile of ${batch.model.name}@${batch.model.version} not merged: its bins differ from the stored ones`);
      }
      return { duplicate: affected[0] === 0 };
    } catch (error) {
      await client.query("rollback").catch((e: Error) => (broken = e));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  return async (batch, receivedAt) => {
    for (let i = 1; ; i++) {
      try {
        return await attempt(batch, receivedAt);
      } catch (error) {
        if (i >= ATTEMPTS || !RETRYABLE.has((error as { code?: string }).code ?? "")) throw error;
      }
    }
  };
}
