/**
 * Alert rules that target a challenger (issue 14): an error-rate rule with `arm: "challenger"` watches only the
 * version that was the challenger in the window (a failing champion opens nothing on it), and a `disagreement` rule
 * opens when the challenger's predictions differ from the champion's on too many shadowed requests, through the
 * existing evaluator (`POST /v1/alerts/evaluate`).
 */
import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_MS } from "../../core/schema/telemetry.ts";
import type { AlertEvent } from "../../monitor/store/contract.ts";
import { makeBatch, testMonitor } from "./helpers.ts";

const T0 = Date.UTC(2026, 0, 1, 12);
const MIN = 60_000;
type Result = { opened: AlertEvent[]; resolved: AlertEvent[]; errors: unknown[] };

function batch(version: string, arm: "champion" | "challenger", requests: number, errors: number, label: (i: number) => string) {
  const counts = LATENCY_BUCKETS_MS.map(() => 0).concat(0);
  counts[3] = requests;
  return makeBatch({
    model: { name: "titanic", version },
    window: { start: T0, end: T0 + 30_000 },
    rollout: arm === "champion" ? { arm } : { arm, mode: "shadow" },
    counters: { requests, errors: errors > 0 ? { internal: errors } : {}, latency: { bounds: [...LATENCY_BUCKETS_MS], counts, sum: requests * 3 }, dropped: 0 },
    samples: Array.from({ length: 50 }, (_x, i) => ({ ts: T0 + 1000, requestId: `r${i}`, prediction: { label: label(i) }, latencyMs: 3, status: 200 })),
  });
}

async function rule(m: Awaited<ReturnType<typeof testMonitor>>, kind: string, params: Record<string, unknown>) {
  const res = await m.app.request("/v1/alerts/rules", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ deployment: "prod", kind, params }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { rule: { id: string; params: Record<string, unknown> } }).rule;
}

describe("alert rules for a challenger", () => {
  it("error_rate with arm: challenger watches the challenger only; disagreement opens on shadow pairs", async () => {
    const clock = { t: T0 };
    const m = await testMonitor({ now: () => clock.t });
    const errors = await rule(m, "error_rate", { window: "1m", max: 0.05, arm: "challenger" });
    expect(errors.params).toMatchObject({ arm: "challenger", max: 0.05 });
    const disagreement = await rule(m, "disagreement", { window: "1m", max: 0.05 });
    expect(disagreement.params).toMatchObject({ arm: "challenger", max: 0.05, minPairs: 30 });
    // The champion fails 20 % (not this rule's arm); the challenger 10 %, and disagrees on 10 of 50 shadowed rows.
    expect((await m.post(batch("1.0.0", "champion", 100, 20, () => "yes"))).status).toBe(200);
    expect((await m.post(batch("1.1.0", "challenger", 100, 10, (i) => (i < 10 ? "no" : "yes")))).status).toBe(200);
    clock.t = T0 + MIN + 1000;
    const result = (await (await m.app.request("/v1/alerts/evaluate", { method: "POST" })).json()) as Result;
    expect(result.errors).toEqual([]);
    const opened = result.opened.map((e) => ({ rule: e.ruleId, version: e.version, value: e.value }));
    expect(opened).toEqual(
      expect.arrayContaining([
        { rule: errors.id, version: "1.1.0", value: 0.1 },
        { rule: disagreement.id, version: "1.1.0", value: 0.2 },
      ]),
    );
    expect(opened.filter((e) => e.version === "1.0.0")).toEqual([]);
    expect(result.opened.find((e) => e.ruleId === disagreement.id)?.message).toContain("disagrees with champion 1.0.0 on 20% of 50 shadowed requests");
  });

  it("refuses a disagreement rule aimed at the champion, naming the param", async () => {
    const m = await testMonitor();
    const res = await m.app.request("/v1/alerts/rules", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ deployment: "prod", kind: "disagreement", params: { arm: "champion" } }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("params.arm");
  });
});
