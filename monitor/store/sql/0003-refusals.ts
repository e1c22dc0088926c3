/**
 * Migration 0003 (issue 8): the last refusal per deployment (a revoked token, another deployment's token), so
 * `GET /v1/deployments` can say why telemetry is missing after the monitor's log has scrolled away.
 *
 * @example
 * ```ts
 * const migration = refusals(SQLITE_FLAVOR); // "0003_refusals"
 * ```
 */
import type { Kysely, Migration } from "kysely";
import type { SchemaFlavor } from "./flavor.ts";

export function refusals(f: SchemaFlavor): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("refusals")
        .addColumn("deployment", "text", (c) => c.primaryKey())
        .addColumn("at", f.int, (c) => c.notNull())
        .addColumn("status", f.int, (c) => c.notNull())
        .addColumn("code", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("token_id", "text")
        .execute();
    },
  };
}
