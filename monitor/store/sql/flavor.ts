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
import { sql, type ColumnDataType, type ColumnDefinitionBuilder, type CreateTableBuilder, type Expression, type RawBuilder } from "kysely";

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
  /** The smaller of two values (SQLite: the scalar `min(a, b)`; standard SQL: `least(a, b)`). */
  least: <T>(a: Expression<T>, b: Expression<T>) => RawBuilder<T>;
  /** The larger of two values (SQLite: the scalar `max(a, b)`; standard SQL: `greatest(a, b)`). */
  greatest: <T>(a: Expression<T>, b: Expression<T>) => RawBuilder<T>;
  /**
   * Many rows go to a statement as one array per column (`unnest(cast($1 as text[]), ...)`, Postgres) rather than a
   * VALUES list with a parameter per cell: the server parses one literal per column instead of planning a row
   * expression per cell (500 sample rows: 107-128 ms as VALUES, 21-30 ms as arrays), and no statement is split.
   */
  columnArrays?: boolean;
  /**
   * Samples keep two B-trees, not four (migration 0010, Postgres): the primary key `(deployment_id, id)` serves a
   * deployment's newest samples, and sample times get a block-range (BRIN) index.
   */
  leanSampleIndexes?: boolean;
}

export const PORTABLE_FLAVOR: SchemaFlavor = {
  int: "bigint",
  real: "double precision",
  id: "bigint",
  autoId: (c) => c.generatedByDefaultAsIdentity().primaryKey(),
  clustered: (t) => t,
  least: (a, b) => sql`least(${a}, ${b})`,
  greatest: (a, b) => sql`greatest(${a}, ${b})`,
};

/** Postgres: the portable schema with fewer sample indexes (0010), rows sent as column arrays. */
export const POSTGRES_FLAVOR: SchemaFlavor = { ...PORTABLE_FLAVOR, columnArrays: true, leanSampleIndexes: true };
