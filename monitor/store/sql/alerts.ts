/**
 * Alert rules, alert events and the webhook outbox in every SQL store (no interactive transaction: D1 has none).
 * Params, details and payloads are JSON text; rules are validated again when read, so a rule stored by an older monitor gets today's defaults.
 *
 * @example
 * ```ts
 * const alerts = createSqlAlerts(db);
 * await alerts.insertRuleIfAbsent(rule);
 * ```
 */
import type { Kysely, Selectable } from "kysely";
import { parseParams, RULE_KINDS, type AlertRule, type RuleKind } from "../../schema/rules.ts";
import type { AlertEvent, MlStore, WebhookDelivery } from "../contract-ml.ts";
import { num, numOrNull } from "./num.ts";
import type { MonitorDb } from "./tables.ts";

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
    enabled: num(r.enabled) === 1,
    source: r.source === "default" ? "default" : "user",
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
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
    id: num(r.id),
    ruleId: r.rule_id,
    deployment: r.deployment,
    kind: r.kind,
    subject: r.subject,
    model: r.model,
    version: r.version,
    state: r.state === "open" ? "open" : "resolved",
    openedAt: num(r.opened_at),
    resolvedAt: numOrNull(r.resolved_at),
    value: numOrNull(r.value),
    threshold: numOrNull(r.threshold),
    message: r.message,
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}

export function createSqlAlerts(db: Kysely<MonitorDb>): Alerts {
  const deliveriesWithLog = async (rows: Selectable<MonitorDb["webhook_deliveries"]>[]): Promise<WebhookDelivery[]> => {
    const ids = rows.map((r) => num(r.id));
    const attempts =
      ids.length === 0
        ? []
        : await db.selectFrom("webhook_attempts").selectAll().where("delivery_id", "in", ids).orderBy("delivery_id").orderBy("attempt").execute();
    return rows.map((r) => ({
      id: num(r.id),
      eventId: num(r.event_id),
      ruleId: r.rule_id,
      url: r.url,
      type: r.type === "alert.resolved" ? "alert.resolved" : "alert.opened",
      payload: r.payload,
      status: r.status === "delivered" ? "delivered" : r.status === "failed" ? "failed" : "pending",
      attempts: num(r.attempts),
      nextAttemptAt: num(r.next_attempt_at),
      lastStatus: numOrNull(r.last_status),
      lastError: r.last_error,
      createdAt: num(r.created_at),
      deliveredAt: numOrNull(r.delivered_at),
      log: attempts
        .filter((a) => num(a.delivery_id) === num(r.id))
        .map((a) => ({ attempt: num(a.attempt), at: num(a.at), status: numOrNull(a.status), error: a.error, durationMs: num(a.duration_ms) })),
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
      return num(row.id);
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
      // Two statements, no transaction (D1): a crash between them leaves the delivery due with the attempt logged;
      // its retry has the same attempt number, which the log already holds (do nothing).
      await db
        .insertInto("webhook_attempts")
        .values({ delivery_id: id, attempt: a.attempt, at: a.at, status: a.status, error: a.error, duration_ms: a.durationMs })
        .onConflict((oc) => oc.columns(["delivery_id", "attempt"]).doNothing())
        .execute();
      await db
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
    },
    async listDeliveries({ eventId, limit }) {
      let q = db.selectFrom("webhook_deliveries").selectAll();
      if (eventId !== undefined) q = q.where("event_id", "=", eventId);
      return deliveriesWithLog(await q.orderBy("id", "desc").limit(limit).execute());
    },
  };
}
