/**
 * The write path of the SQLite store: the shared ingest plan (../sql/ingest-plan.ts) run in one IMMEDIATE
 * better-sqlite3 transaction, each statement prepared once and kept by its SQL text (a plan's texts repeat: they
 * depend on the batch's shape, not its values). It has committed (into the WAL) when the function returns: the caller
 * acknowledges the batch only after that. Nothing is cached between batches, so two processes on one file lose nothing:
 * the database adds every counter and profile cell.
 *
 * @example
 * ```ts
 * const ingest = createSqliteIngest(db, sqlite, 60_000);
 * const { duplicate } = ingest(batch, Date.now());
 * ```
 */
import type { Database, Statement } from "better-sqlite3";
import type { CompiledQuery, Kysely } from "kysely";
import type { TelemetryBatch } from "../../../core/schema/telemetry.ts";
import { ingestPlan } from "../sql/ingest-plan.ts";
import type { MonitorDb } from "../sql/tables.ts";
import { SQLITE_FLAVOR } from "./flavor.ts";

/**
 * Bound parameters per statement: SQLite allows 32766; fewer, longer statements run faster than D1's 100-parameter
 * chunks (measured: bench/monitor-ingest.ts).
 */
const SQLITE_MAX_PARAMS = 999;

/** Prepared statements kept; past this the cache starts over (a plan has a few dozen texts). */
const CACHE_STATEMENTS = 512;

export function createSqliteIngest(
  db: Kysely<MonitorDb>,
  sqlite: Database,
  profileBucketMs: number,
): (batch: TelemetryBatch, receivedAt: number) => { duplicate: boolean } {
  let statements = new Map<string, Statement<unknown[]>>();
  const prepare = (text: string) => {
    let s = statements.get(text);
    if (s === undefined) {
      if (statements.size >= CACHE_STATEMENTS) statements = new Map();
      s = sqlite.prepare(text);
      statements.set(text, s);
    }
    return s;
  };
  // SQLite may branch where D1 cannot: a duplicate (the batch row exists) stops after the first statement.
  const run = sqlite.transaction((queries: readonly CompiledQuery[]): number[] => {
    const changes: number[] = [];
    for (const q of queries) {
      changes.push(prepare(q.sql).run(...q.parameters).changes);
      if (changes[0] === 0) break;
    }
    return changes;
  });
  let conflicts = 0;

  return (batch, receivedAt) => {
    const plan = ingestPlan(batch, receivedAt, { db, flavor: SQLITE_FLAVOR, profileBucketMs, maxParams: SQLITE_MAX_PARAMS });
    // IMMEDIATE takes the write lock up front: a concurrent writer makes us wait (busy_timeout), not fail.
    const changes = run.immediate(plan.queries);
    if (plan.profileConflicts.some((i) => (changes[i] ?? 0) > 0) && conflicts++ % 1000 === 0) {
      // Bins that do not match the stored ones (an edge built from another baseline under the same version): the
      // batch's counters and samples are kept, this profile is not.
      console.warn(`edge-ml monitor: profile of ${batch.model.name}@${batch.model.version} not merged: its bins differ from the stored ones`);
    }
    return { duplicate: changes[0] === 0 };
  };
}
