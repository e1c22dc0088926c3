/**
 * Migration 0005 (issue 14, champion vs challenger): requests and errors per minute of each model version with the
 * arm and rollout mode its batches named (`minute_rollouts`). A challenger's minutes in shadow mode count shadow runs
 * (it ran after the champion answered), apart from requests clients made; `mode` is "" when a batch did not say (a
 * champion's client cannot tell the modes apart). Batches without a rollout (builds without a challenger) add nothing.
 *
 * @example
 * ```ts
 * const migration = rollouts(SQLITE_FLAVOR); // "0005_rollouts"
 * ```
 */
import type { Kysely, Migration } from "kysely";
import type { SchemaFlavor } from "./flavor.ts";

export function rollouts(f: SchemaFlavor): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("minute_rollouts")
        .addColumn("deployment", "text", (c) => c.notNull())
        .addColumn("model", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("minute", f.int, (c) => c.notNull())
        .addColumn("arm", "text", (c) => c.notNull())
        .addColumn("mode", "text", (c) => c.notNull())
        .addColumn("requests", f.int, (c) => c.notNull())
        .addColumn("errors", f.int, (c) => c.notNull())
        .addPrimaryKeyConstraint("minute_rollouts_pk", ["deployment", "model", "minute", "version", "arm", "mode"])
        .$call(f.clustered)
        .execute();
    },
  };
}
