/**
 * Alert rules (CRUD) and the evaluator: each kind opens an event when its condition holds on completed windows and
 * resolves it when the condition clears; not enough data changes nothing; disabled and deleted rules resolve theirs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_MS } from "../../core/schema/telemetry.ts";
import type { AlertEvent } from "../../monitor/store/contract.ts";
import { makeBatch, testMonitor } from "./helpers.ts";
import { HOUR, T0, loadTitanic, registerTitanic, simulate, type Simulation, type Titanic } from "./simulate.ts";

const MIN = 60_000;
type Result = { opened: AlertEvent[]; resolved: AlertEvent[]; errors: unknown[] };

function counters(requests: number, errors: number, slowBucket?: number) {
  const counts = LATENCY_BUCKETS_MS.map(() => 0).concat(0);
  counts[slowBucket ?? 3] = requests;
  return { requests, errors: errors > 0 ? { internal: errors } : {}, latency: { bounds: [...LATENCY_BUCKETS_MS], counts, sum: requests * 3 }, dropped: 0 };
}

describe("rules API", () => {
  it("creates, reads, changes and deletes rules, validating params per kind", async () => {
    const m = await testMonitor();
    const send = (path: string, method: string, body?: unknown) =>
      m.app.request(path, { method, headers: { "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const bad = await send("/v1/alerts/rules", "POST", { deployment: "prod", kind: "error_rate", params: { max: 2, nope: 1 }, webhook: "ftp://x" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path).sort()).toEqual([
      "params",
      "params.max",
      "webhook",
    ]);
    const created = await send("/v1/alerts/rules", "POST", { deployment: "prod", kind: "error_rate", params: { max: 0.1, window: "5m" } });
    expect(created.status).toBe(201);
    const { rule } = (await created.json()) as { rule: { id: string; params: Record<string, unknown>; name: string; source: string } };
    expect(rule).toMatchObject({ name: "Error rate", source: "user", params: { max: 0.1, window: 300_000, minRequests: 20 } });
    const changed = await send(`/v1/alerts/rules/${rule.id}`, "PUT", { params: { max: 0.2 }, enabled: false });
    expect(await changed.json()).toMatchObject({ rule: { params: { max: 0.2, minRequests: 20 }, enabled: false } });
    expect((await send(`/v1/alerts/rules/${rule.id}`, "PUT", { params: { max: "x" } })).status).toBe(400);
    expect((await send(`/v1/alerts/rules/${rule.id}`, "DELETE")).status).toBe(200);
    expect((await send(`/v1/alerts/rules/${rule.id}`, "GET")).status).toBe(404);
    expect((await send("/v1/alerts?state=maybe", "GET")).status).toBe(400);
  });
});

describe("evaluator on counters", () => {
  it("opens an error-rate alert on a bad minute, keeps it through a quiet one, resolves it on a good one", async () => {
    const clock = { t: T0 };
    const m = await testMonitor({ now: () => clock.t });
    const rule = (await (
      await m.app.request("/v1/alerts/rules", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ deployment: "prod", kind: "error_rate", params: { window: "1m", max: 0.05 } }),
      })
    ).json()) as { rule: { id: string } };
    const evaluate = async () => (await (await m.app.request("/v1/alerts/evaluate", { method: "POST" })).json()) as Result;
    const post = (minute: number, requests: number, errors: number) =>
      m.post(makeBatch({ window: { start: T0 + minute * MIN, end: T0 + minute * MIN + 30_000 }, counters: counters(requests, errors), samples: [] }));
    await post(0, 100, 12);
    clock.t = T0 + MIN + 1000; // minute 0 is complete
    const first = await evaluate();
    expect(first.opened).toMatchObject([
      { ruleId: rule.rule.id, subject: "overall", model: "titanic", version: "1.0.0", value: 0.12, threshold: 0.05, state: "open" },
    ]);
    expect(first.opened[0]!.message).toBe("error rate 12% over 100 requests (max 5%)");
    clock.t = T0 + 2 * MIN + 1000; // minute 1 had no traffic: unknown, the event stays open
    expect(await evaluate()).toMatchObject({ opened: [], resolved: [] });
    await post(2, 100, 1);
    clock.t = T0 + 3 * MIN + 1000;
    expect((await evaluate()).resolved).toMatchObject([{ subject: "overall", state: "resolved", resolvedAt: T0 + 3 * MIN + 1000 }]);
    const events = (await (await m.get("/v1/alerts?deployment=prod")).json()) as { events: AlertEvent[] };
    expect(events.events.map((e) => e.state)).toEqual(["resolved"]);
  });

  it("opens a latency p99 alert, and resolves it when its rule is disabled", async () => {
    const clock = { t: T0 };
    const m = await testMonitor({ now: () => clock.t });
    const { rule } = (await (
      await m.app.request("/v1/alerts/rules", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ deployment: "prod", kind: "latency_p99", params: { window: "1m", maxMs: 100 } }),
      })
    ).json()) as { rule: { id: string } };
    await m.post(makeBatch({ window: { start: T0, end: T0 + 1000 }, counters: counters(50, 0, 9), samples: [] })); // 250-500 ms bucket
    clock.t = T0 + MIN;
    const opened = (await (await m.app.request("/v1/alerts/evaluate", { method: "POST" })).json()) as Result;
    expect(opened.opened[0]!.value!).toBeGreaterThan(250);
    await m.app.request(`/v1/alerts/rules/${rule.id}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ enabled: false }),
    });
    const after = (await (await m.app.request("/v1/alerts/evaluate", { method: "POST" })).json()) as Result;
    expect(after.resolved).toMatchObject([{ message: "resolved: rule disabled" }]);
  });
});

describe("evaluator on profiles and labels", () => {
  let t: Titanic;
  let sim: Simulation;
  beforeAll(async () => {
    t = await loadTitanic();
    sim = await simulate(t, { seed: 31, sampleRate: 1 });
    await registerTitanic(sim, t);
  });
  afterAll(async () => {
    await sim.close();
    await t.predictor.release();
  });

  it("opens prediction-rate and metric-drop alerts when the traffic and the labels change, and resolves them", async () => {
    const evaluate = () => sim.json<Result>("/v1/alerts/evaluate", { method: "POST" });
    const label = async (rows: { requestId: string; label: string }[]) => {
      const items = rows.map((r) => ({ requestId: r.requestId, label: r.label }));
      const res = await sim.app.request("/v1/feedback", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${sim.token}` },
        body: JSON.stringify({ items }),
      });
      expect(res.status).toBe(200);
    };
    for (let h = 0; h < 6; h++) await label(await sim.sendWindow(T0 + h * HOUR, 250));
    sim.clock.t = T0 + 6 * HOUR;
    expect((await evaluate()).opened).toEqual([]);
    // Hour 6: only women in first class (most survive, by the model and in the labels): the positive rate jumps.
    const women = await sim.sendWindow(T0 + 6 * HOUR, 250, { transform: (i) => ({ ...i, sex: "female", passengerClass: "1st" }) });
    // ... and the labels say the opposite of the predictions: accuracy collapses.
    await label(women.map((s) => ({ requestId: s.requestId, label: s.prediction.label === "yes" ? "no" : "yes" })));
    sim.clock.t = T0 + 7 * HOUR;
    const opened = (await evaluate()).opened.map((e) => `${e.kind}:${e.subject}`).sort();
    expect(opened).toContain("prediction_rate:overall");
    expect(opened).toContain("metric_drop:overall");
    expect(opened).not.toContain("drift:age"); // one window is not three in a row
    for (let h = 7; h < 9; h++) await label(await sim.sendWindow(T0 + h * HOUR, 250));
    sim.clock.t = T0 + 9 * HOUR;
    const resolved = (await evaluate()).resolved.map((e) => `${e.kind}:${e.subject}`);
    expect(resolved).toEqual(expect.arrayContaining(["prediction_rate:overall", "metric_drop:overall"]));
  });
});
