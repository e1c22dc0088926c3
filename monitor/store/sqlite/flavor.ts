/**
 * SQLite's (and D1's) schema flavor: INTEGER is already 64-bit, `integer primary key` is the rowid (assigned by
 * SQLite, no separate index), and tables read only by their composite key are stored in key order (WITHOUT ROWID).
 * This is exactly the DDL that the monitor's SQLite databases were created with before the migrations were shared.
 *
 * @example
 * ```ts
 * const migrations = monitorMigrations(SQLITE_FLAVOR);
 * ```
 */
import { sql } from "kysely";
import type { SchemaFlavor } from "../sql/flavor.ts";

const withoutRowid = sql`without rowid`;

export const SQLITE_FLAVOR: SchemaFlavor = {
  int: "integer",
  real: "real",
  id: "integer",
  autoId: (c) => c.primaryKey(),
  clustered: (t) => t.modifyEnd(withoutRowid),
  least: (a, b) => sql`min(${a}, ${b})`,
  greatest: (a, b) => sql`max(${a}, ${b})`,
};
