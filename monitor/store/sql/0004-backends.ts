/**
 * Migration 0004 (issue 13): requests per device per minute and model version (`minute_backends`), and the last
 * engine and reason seen per device (`backends`), from the batch's optional `backend`. With them the monitor can say
 * that 30 % of a version's page clients ran on WASM because WebGPU disagreed with WASM on the load-time probe.
 * Batches without a backend (older clients) add nothing here.
 *
 * @example
 * ```ts
 * const migration = backends(SQLITE_FLAVOR); // "0004_backends"
 * ```
 */
import type { Kysely, Migration } from "kysely";
import type { SchemaFlavor } from "./flavor.ts";

export function backends(f: SchemaFlavor): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("minute_backends")
        .addColumn("deployment", "text", (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("minute", f.int, (c) => c.notNull())
        .addColumn("device", "text", (c) => c.notNull())
        .addColumn("requests", f.int, (c) => c.notNull())
        .addPrimaryKeyConstraint("minute_backends_pk", ["deployment", "model", "version", "minute", "device"])
        .$call(f.clustered)
        .execute();
      await db.schema
        .createTable("backends")
        .addColumn("deployment", "text", (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("device", "text", (c) => c.notNull())
        .addColumn("engine", "text")
        .addColumn("reason", "text")
        .addColumn("last_seen", f.int, (c) => c.notNull())
        .addPrimaryKeyConstraint("backends_pk", ["deployment", "model", "version", "device"])
        .$call(f.clustered)
        .execute();
    },
  };
}
