/**
 * The Postgres store's migrations: the shared list (../sql/migrations.ts) in standard SQL plus 0010's leaner sample
 * indexes (POSTGRES_FLAVOR), run by kysely's Migrator. Several monitor processes may start at once on an empty
 * database: the Migrator holds a Postgres advisory lock while it migrates, and each migration runs in a transaction
 * (Postgres has transactional DDL), so one process migrates and the others find the schema done.
 *
 * @example
 * ```ts
 * await migratePostgres(db); // throws the first failing migration's error
 * ```
 */
import { type Kysely, Migrator } from "kysely";
import { POSTGRES_FLAVOR } from "../sql/flavor.ts";
import { monitorMigrations } from "../sql/migrations.ts";
import type { MonitorDb } from "../sql/tables.ts";

const MIGRATIONS = monitorMigrations(POSTGRES_FLAVOR);

export async function migratePostgres(db: Kysely<MonitorDb>): Promise<void> {
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } }).migrateToLatest();
  if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
}
