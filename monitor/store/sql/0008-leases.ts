/**
 * Migration 0008 (issue 15, several monitors): named leases, so that of several monitor processes on one database
 * exactly one runs each periodic job (alert evaluation and webhook delivery, compaction) at a time. A lease is held
 * until `expires_at`; its holder renews it, anyone takes it once it expired (./admin.ts `acquireLease`).
 *
 * @example
 * ```ts
 * const migration = leases(PORTABLE_FLAVOR); // "0008_leases"
 * ```
 */
import type { Kysely, Migration } from "kysely";
import type { SchemaFlavor } from "./flavor.ts";

export function leases(f: SchemaFlavor): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("leases")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("holder", "text", (c) => c.notNull())
        .addColumn("expires_at", f.int, (c) => c.notNull())
        .execute();
    },
  };
}
