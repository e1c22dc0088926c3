/**
 * The SQLite store's migrations: the shared list (monitor/store/sql/migrations.ts) in SQLite's flavor.
 *
 * @example
 * ```ts
 * await new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } }).migrateToLatest();
 * ```
 */
import { monitorMigrations } from "../sql/migrations.ts";
import { SQLITE_FLAVOR } from "./flavor.ts";

export type { MonitorDb } from "../sql/tables.ts";

export const MIGRATIONS = monitorMigrations(SQLITE_FLAVOR);
