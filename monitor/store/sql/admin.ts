/**
 * The small writes of every SQL store, outside ingest: deployments, tokens (by hash) and the last refusal. Each is one
 * idempotent statement, so any dialect (D1 without interactive transactions too) runs them as they are.
 *
 * @example
 * ```ts
 * const admin = createSqlAdmin(db);
 * await admin.ensureDeployment("prod", Date.now());
 * ```
 */
import type { Kysely } from "kysely";
import type { MonitorStore } from "../contract.ts";
import { num } from "./num.ts";
import type { MonitorDb } from "./tables.ts";

export function createSqlAdmin(db: Kysely<MonitorDb>): Pick<MonitorStore, "ensureDeployment" | "insertToken" | "recordRefusal" | "revokeTokens"> {
  return {
    async ensureDeployment(name, at) {
      await db
        .insertInto("deployments")
        .values({ name, created_at: at, last_seen: null, target: null })
        .onConflict((oc) => oc.column("name").doNothing())
        .execute();
    },
    async insertToken(t) {
      await db
        .insertInto("tokens")
        .values({ id: t.id, deployment: t.deployment, hash: t.hash, prefix: t.prefix, created_at: t.createdAt, revoked_at: t.revokedAt })
        .execute();
    },
    async recordRefusal(r) {
      const row = { deployment: r.deployment, at: r.at, status: r.status, code: r.code, reason: r.reason, token_id: r.tokenId };
      const { deployment: _d, ...rest } = row;
      await db
        .insertInto("refusals")
        .values(row)
        .onConflict((oc) => oc.column("deployment").doUpdateSet(rest))
        .execute();
    },
    async revokeTokens(deploymentOrId, at) {
      const result = await db
        .updateTable("tokens")
        .set({ revoked_at: at })
        .where((eb) => eb.or([eb("id", "=", deploymentOrId), eb("deployment", "=", deploymentOrId)]))
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return num(result.numUpdatedRows);
    },
  };
}
