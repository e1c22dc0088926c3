/**
 * The alerts API (behind the admin guard): rules (CRUD), events, webhook deliveries, and an on-demand evaluation.
 *
 * - `GET /v1/alerts?deployment=&state=open|resolved|all&limit=100` ▶ `{events: AlertEvent[]}` (newest first)
 * - `GET /v1/alerts/rules?deployment=` ▶ `{rules}`; `POST /v1/alerts/rules` `{deployment, kind, params?, webhook?, name?, enabled?}` ▶ 201 `{rule}`
 * - `GET|PUT|DELETE /v1/alerts/rules/:id` (PUT: `{params?, webhook?, name?, enabled?}`, params replaced then defaulted)
 * - `POST /v1/alerts/evaluate[?wait=1]` ▶ `{evaluatedAt, rules, opened, resolved, errors}`; `wait=1` also sends the
 *   webhooks (with their retries) before answering
 * - `GET /v1/alerts/deliveries?event=&limit=` ▶ `{deliveries}` with each attempt's log
 *
 * @example
 * ```sh
 * curl -X POST localhost:8787/v1/alerts/rules -d '{"deployment":"prod","kind":"error_rate","params":{"max":0.02},"webhook":"https://hooks.example/x"}'
 * ```
 */
import { Hono } from "hono";
import { issuesFromZod } from "../../core/errors.ts";
import type { Alerting } from "../alerts/evaluator.ts";
import { parseParams, parseRuleInput, ruleTitle, RulePatch, type AlertRule } from "../alerts/rules.ts";
import { MonitorError } from "../http-error.ts";
import { jsonBody, parsedJsonBody } from "../json-body.ts";
import type { MonitorStore } from "../store/contract.ts";

function limitOf(raw: string | undefined, max: number, fallback: number): number {
  const n = Number(raw ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new MonitorError(400, "INVALID_QUERY", `limit must be an integer in 1..${max}`, { issues: [{ path: "limit", message: `got ${raw}` }] });
  return n;
}

export function alertRoutes(opts: { store: MonitorStore; alerting: Alerting; now: () => number }): Hono {
  const { store } = opts;
  const app = new Hono();
  const ruleOr404 = async (id: string) => {
    const rule = await store.getRule(id);
    if (rule === undefined) throw new MonitorError(404, "NOT_FOUND", `no alert rule ${id}`, { hint: "list them: GET /v1/alerts/rules" });
    return rule;
  };

  app.get("/v1/alerts", async (c) => {
    const state = c.req.query("state") ?? "all";
    if (state !== "open" && state !== "resolved" && state !== "all") throw new MonitorError(400, "INVALID_QUERY", "state must be open, resolved or all");
    const events = await store.listEvents({
      deployment: c.req.query("deployment"),
      state: state === "all" ? undefined : state,
      limit: limitOf(c.req.query("limit"), 1000, 100),
    });
    return c.json({ events });
  });

  app.get("/v1/alerts/rules", async (c) => c.json({ rules: await store.listRules(c.req.query("deployment")) }));
  app.post("/v1/alerts/rules", parsedJsonBody(parseRuleInput, { code: "INVALID_RULE", what: "alert rule" }), async (c) => {
    const r = c.get("body");
    const at = opts.now();
    const rule: AlertRule = {
      id: `rule_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`,
      deployment: r.deployment,
      kind: r.kind,
      name: r.name ?? ruleTitle(r.kind),
      params: r.params,
      webhook: r.webhook ?? null,
      enabled: r.enabled,
      source: "user",
      createdAt: at,
      updatedAt: at,
    };
    await store.putRule(rule);
    return c.json({ rule }, 201);
  });
  app.get("/v1/alerts/rules/:id", async (c) => c.json({ rule: await ruleOr404(c.req.param("id")) }));
  app.put("/v1/alerts/rules/:id", jsonBody(RulePatch, { code: "INVALID_RULE", what: "rule change" }), async (c) => {
    const rule = await ruleOr404(c.req.param("id"));
    const p = c.get("body");
    const params = p.params === undefined ? { success: true as const, data: rule.params } : parseParams(rule.kind, p.params);
    if (!params.success)
      throw new MonitorError(400, "INVALID_RULE", `invalid params for a ${rule.kind} rule`, { issues: issuesFromZod(params.error.issues, ["params"]) });
    const updated: AlertRule = {
      ...rule,
      params: params.data,
      name: p.name ?? rule.name,
      webhook: p.webhook === undefined ? rule.webhook : p.webhook,
      enabled: p.enabled ?? rule.enabled,
      updatedAt: opts.now(),
    };
    await store.putRule(updated);
    return c.json({ rule: updated });
  });
  app.delete("/v1/alerts/rules/:id", async (c) => {
    const rule = await ruleOr404(c.req.param("id"));
    for (const e of await store.openEvents(rule.id)) await store.resolveEvent(e.id, opts.now(), "resolved: rule deleted");
    await store.deleteRule(rule.id);
    return c.json({ deleted: rule.id });
  });

  app.post("/v1/alerts/evaluate", async (c) => {
    const result = await opts.alerting.evaluate();
    const wait = c.req.query("wait");
    if (wait === "1" || wait === "true") await opts.alerting.drain(30_000);
    else void opts.alerting.deliver().catch(() => undefined);
    return c.json(result);
  });

  app.get("/v1/alerts/deliveries", async (c) => {
    const raw = c.req.query("event");
    const eventId = raw === undefined ? undefined : Number(raw);
    if (eventId !== undefined && !Number.isInteger(eventId)) throw new MonitorError(400, "INVALID_QUERY", "event must be an event id");
    return c.json({ deliveries: await store.listDeliveries({ eventId, limit: limitOf(c.req.query("limit"), 1000, 100) }) });
  });
  return app;
}
