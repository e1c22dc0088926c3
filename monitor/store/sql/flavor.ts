/**
 * What differs between SQL databases in the monitor's schema, and nothing else: the migrations are written once with
 * kysely's schema builder over these few choices. `PORTABLE_FLAVOR` is standard SQL (Postgres runs it as is); SQLite
 * and D1 use the SQLite store's flavor (monitor/store/sqlite/flavor.ts), which keeps the DDL SQLite databases were
 * created with.
 *
 * @example
 * ```ts
 * const migrations = monitorMigrations(PORTABLE_FLAVOR);
 * ```
 */
import type { ColumnDataType, ColumnDefinitionBuilder, CreateTableBuilder } from "kysely";

export interface SchemaFlavor {
  /** Integers: epoch milliseconds and counters need 64 bits. */
  int: ColumnDataType;
  /** Floating point: latency sums need a double. */
  real: ColumnDataType;
  /** Type of a key the database assigns. */
  id: ColumnDataType;
  /** Make `id` a key the database assigns. */
  autoId: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
  /** For tables read by their composite primary key only (SQLite stores them in key order: WITHOUT ROWID). */
  clustered: <T extends string, C extends string>(t: CreateTableBuilder<T, C>) => CreateTableBuilder<T, C>;
}

export const PORTABLE_FLAVOR: SchemaFlavor = {
  int: "bigint",
  real: "double precision",
  id: "bigint",
  autoId: (c) => c.generatedByDefaultAsIdentity().primaryKey(),
  clustered: (t) => t,
};
