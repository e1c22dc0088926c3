/**
 * Running a compaction plan (./retention.ts) atomically on each kind of database: a better-sqlite3 handle (one
 * synchronous IMMEDIATE transaction: no ingest on the same handle can interleave), or a kysely database with
 * interactive transactions (Postgres). D1 has none: it sends `compactionPlan(...)` as one `batch()`.
 *
 * @example
 * ```ts
 * compact: (now, policy) => compactSqlite(db, sqlite, now, policy),
 * compact: (now, policy) => compactKysely(db, now, policy), // Postgres
 * ```
 */
import type { Database } from "better-sqlite3";
import type { Kysely } from "kysely";
import type { CompactionPolicy, CompactionReport } from "../contract.ts";
import { PORTABLE_FLAVOR } from "./flavor.ts";
import { compactionPlan } from "./retention.ts";
import { SQLITE_FLAVOR } from "../sqlite/flavor.ts";
import type { RolledTable } from "./rollup.ts";
import type { MonitorDb } from "./tables.ts";

/** SQLite (better-sqlite3): the plan's statements in one IMMEDIATE transaction, run synchronously. */
export async function compactSqlite(
  db: Kysely<MonitorDb>,
  sqlite: Database,
  now: number,
  policy: CompactionPolicy,
  tables?: readonly RolledTable[],
): Promise<CompactionReport> {
  const plan = compactionPlan(db, now, policy, SQLITE_FLAVOR, "insert-then-delete", tables);
  const prepared = plan.map((s) => ({ step: s.step, statement: sqlite.prepare(s.query.sql), params: s.query.parameters }));
  const run = sqlite.transaction(() => prepared.map((p) => ({ step: p.step, rows: p.statement.run(...p.params).changes })));
  return { steps: run.immediate() };
}

/** Postgres (any kysely dialect with transactions and DELETE ... RETURNING in a WITH). */
export async function compactKysely(db: Kysely<MonitorDb>, now: number, policy: CompactionPolicy, tables?: readonly RolledTable[]): Promise<CompactionReport> {
  const plan = compactionPlan(db, now, policy, PORTABLE_FLAVOR, "delete-returning", tables);
  return db.transaction().execute(async (tx) => {
    const steps: CompactionReport["steps"] = [];
    for (const s of plan) steps.push({ step: s.step, rows: Number((await tx.executeQuery(s.query)).numAffectedRows ?? 0) });
    return { steps };
  });
}
