/**
 * The small writes of every SQL store, outside ingest: deployments, tokens (by hash), the last refusal and leases. Each
 * is one idempotent statement, so any dialect (D1 without interactive transactions too) runs them as they are.
 *
 * @example
 * ```ts
 * const admin = createSqlAdmin(db);
 * await admin.ensureDeployment("prod", Date.now());
 * ```
 */
import { sql, type Kysely } from "kysely";
import type { MonitorStore } from "../contract.ts";
import { num } from "./num.ts";
import type { MonitorDb } from "./tables.ts";

export function createSqlAdmin(
  db: Kysely<MonitorDb>,
): Pick<MonitorStore, "ensureDeployment" | "insertToken" | "recordRefusal" | "revokeTokens" | "acquireLease"> {
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
    async acquireLease(name, holder, now, ttlMs) {
      // One atomic upsert: the row changes only when the lease expired or is the holder's own (a renewal).
      await db
        .insertInto("leases")
        .values({ name, holder, expires_at: now + ttlMs })
        .onConflict((oc) =>
          oc
            .column("name")
            .doUpdateSet({ holder: sql`excluded.holder`, expires_at: sql`excluded.expires_at` })
            .where((eb) => eb.or([eb("leases.expires_at", "<=", now), eb("leases.holder", "=", holder)])),
        )
        .execute();
      const row = await db.selectFrom("leases").select("holder").where("name", "=", name).executeTakeFirst();
      return row?.holder === holder;
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
