/**
 * Alert rules, alert events and the webhook outbox in SQLite. Params, details and payloads are JSON text; rules are
 * validated again when read, so a rule stored by an older monitor gets today's defaults.
 *
 * @example
 * ```ts
 * const alerts = createSqliteAlerts(db);
 * await alerts.insertRuleIfAbsent(rule);
 * ```
 */
import type { Kysely, Selectable } from "kysely";
import { parseParams, RULE_KINDS, type AlertRule, type RuleKind } from "../../schema/rules.ts";
import type { MonitorDb } from "./migrations.ts";
import type { AlertEvent, MlStore, WebhookDelivery } from "../contract-ml.ts";

type Alerts = Pick<
  MlStore,
  | "listRules"
  | "getRule"
  | "putRule"
  | "insertRuleIfAbsent"
  | "deleteRule"
  | "openEvents"
  | "insertEvent"
  | "resolveEvent"
  | "listEvents"
  | "enqueueDelivery"
  | "dueDeliveries"
  | "recordAttempt"
  | "listDeliveries"
>;

function ruleOf(r: Selectable<MonitorDb["alert_rules"]>): AlertRule | undefined {
  if (!(RULE_KINDS as readonly string[]).includes(r.kind)) return undefined;
  const kind = r.kind as RuleKind;
  const params = parseParams(kind, JSON.parse(r.params));
  if (!params.success) return undefined;
  return {
    id: r.id,
    deployment: r.deployment,
    kind,
    name: r.name,
    params: params.data,
    webhook: r.webhook,
    enabled: r.enabled === 1,
    source: r.source === "default" ? "default" : "user",
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function rowOf(rule: AlertRule): MonitorDb["alert_rules"] {
  return {
    id: rule.id,
    deployment: rule.deployment,
    kind: rule.kind,
    name: rule.name,
    params: JSON.stringify(rule.params),
    webhook: rule.webhook,
    enabled: rule.enabled ? 1 : 0,
    source: rule.source,
    created_at: rule.createdAt,
    updated_at: rule.updatedAt,
  };
}

function eventOf(r: Selectable<MonitorDb["alert_events"]>): AlertEvent {
  return {
    id: r.id,
    ruleId: r.rule_id,
    deployment: r.deployment,
    kind: r.kind,
    subject: r.subject,
    model: r.model,
    version: r.version,
    state: r.state === "open" ? "open" : "resolved",
    openedAt: r.opened_at,
    resolvedAt: r.resolved_at,
    value: r.value,
    threshold: r.threshold,
    message: r.message,
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}

export function createSqliteAlerts(db: Kysely<MonitorDb>): Alerts {
  const deliveriesWithLog = async (rows: Selectable<MonitorDb["webhook_deliveries"]>[]): Promise<WebhookDelivery[]> => {
    const ids = rows.map((r) => r.id);
    const attempts =
      ids.length === 0
        ? []
        : await db.selectFrom("webhook_attempts").selectAll().where("delivery_id", "in", ids).orderBy("delivery_id").orderBy("attempt").execute();
    return rows.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      ruleId: r.rule_id,
      url: r.url,
      type: r.type === "alert.resolved" ? "alert.resolved" : "alert.opened",
      payload: r.payload,
      status: r.status === "delivered" ? "delivered" : r.status === "failed" ? "failed" : "pending",
      attempts: r.attempts,
      nextAttemptAt: r.next_attempt_at,
      lastStatus: r.last_status,
      lastError: r.last_error,
      createdAt: r.created_at,
      deliveredAt: r.delivered_at,
      log: attempts
        .filter((a) => a.delivery_id === r.id)
        .map((a) => ({ attempt: a.attempt, at: a.at, status: a.status, error: a.error, durationMs: a.duration_ms })),
    }));
  };

  return {
    async listRules(deployment) {
      let q = db.selectFrom("alert_rules").selectAll();
      if (deployment !== undefined) q = q.where("deployment", "=", deployment);
      return (await q.orderBy("deployment").orderBy("created_at").orderBy("id").execute()).flatMap((r) => ruleOf(r) ?? []);
    },
    async getRule(id) {
      const row = await db.selectFrom("alert_rules").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : ruleOf(row);
    },
    async putRule(rule) {
      const row = rowOf(rule);
      await db
        .insertInto("alert_rules")
        .values(row)
        .onConflict((oc) =>
          oc.column("id").doUpdateSet({
            name: row.name,
            params: row.params,
            webhook: row.webhook,
            enabled: row.enabled,
            updated_at: row.updated_at,
          }),
        )
        .execute();
    },
    async insertRuleIfAbsent(rule) {
      const result = await db
        .insertInto("alert_rules")
        .values(rowOf(rule))
        .onConflict((oc) => oc.column("id").doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async deleteRule(id) {
      const result = await db.deleteFrom("alert_rules").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async openEvents(ruleId) {
      let q = db.selectFrom("alert_events").selectAll().where("state", "=", "open");
      if (ruleId !== undefined) q = q.where("rule_id", "=", ruleId);
      return (await q.orderBy("id").execute()).map(eventOf);
    },
    async insertEvent(e) {
      const row = await db
        .insertInto("alert_events")
        .values({
          rule_id: e.ruleId,
          deployment: e.deployment,
          kind: e.kind,
          subject: e.subject,
          model: e.model,
          version: e.version,
          state: "open",
          opened_at: e.openedAt,
          resolved_at: null,
          value: e.value,
          threshold: e.threshold,
          message: e.message,
          details: JSON.stringify(e.details),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return eventOf(row);
    },
    async resolveEvent(id, at, message) {
      const row = await db
        .updateTable("alert_events")
        .set({ state: "resolved", resolved_at: at, ...(message !== undefined ? { message } : {}) })
        .where("id", "=", id)
        .where("state", "=", "open")
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : eventOf(row);
    },
    async listEvents({ deployment, state, limit }) {
      let q = db.selectFrom("alert_events").selectAll();
      if (deployment !== undefined) q = q.where("deployment", "=", deployment);
      if (state !== undefined) q = q.where("state", "=", state);
      return (await q.orderBy("id", "desc").limit(limit).execute()).map(eventOf);
    },

    async enqueueDelivery(d) {
      const row = await db
        .insertInto("webhook_deliveries")
        .values({
          event_id: d.eventId,
          rule_id: d.ruleId,
          url: d.url,
          type: d.type,
          payload: d.payload,
          status: "pending",
          attempts: 0,
          next_attempt_at: d.at,
          last_status: null,
          last_error: null,
          created_at: d.at,
          delivered_at: null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return row.id;
    },
    async dueDeliveries(now, limit) {
      const rows = await db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .where("status", "=", "pending")
        .where("next_attempt_at", "<=", now)
        .orderBy("next_attempt_at")
        .limit(limit)
        .execute();
      return deliveriesWithLog(rows);
    },
    async recordAttempt(id, a, next) {
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto("webhook_attempts")
          .values({ delivery_id: id, attempt: a.attempt, at: a.at, status: a.status, error: a.error, duration_ms: a.durationMs })
          .onConflict((oc) => oc.columns(["delivery_id", "attempt"]).doNothing())
          .execute();
        await tx
          .updateTable("webhook_deliveries")
          .set({
            status: next.status,
            attempts: a.attempt,
            next_attempt_at: next.nextAttemptAt,
            last_status: a.status,
            last_error: a.error,
            delivered_at: next.deliveredAt,
          })
          .where("id", "=", id)
          .execute();
      });
    },
    async listDeliveries({ eventId, limit }) {
      let q = db.selectFrom("webhook_deliveries").selectAll();
      if (eventId !== undefined) q = q.where("event_id", "=", eventId);
      return deliveriesWithLog(await q.orderBy("id", "desc").limit(limit).execute());
    },
  };
}
