/**
 * Telemetry of a champion-vs-challenger build (issue 14): one sampling decision per request id for every client, so
 * the champion's and the challenger's samples pair up; batches name their arm and mode, taken from request events.
 */
import { describe, expect, it } from "vitest";
import { rolloutOfEvent } from "../../../runtime/adapter.ts";
import { createTelemetry } from "../../../runtime/telemetry/index.ts";
import { isSampled, sampleUnit } from "../../../runtime/telemetry/sampling.ts";
import type { TelemetryOptions } from "../../../runtime/telemetry/types.ts";
import { fakeFetch, noSleep } from "./helpers.ts";

const base = (over: Partial<TelemetryOptions>): TelemetryOptions => ({
  endpoint: "https://monitor.example",
  token: "t",
  deployment: "prod",
  target: "worker",
  sleep: noSleep,
  ...over,
});

describe("sampling by request id", () => {
  it("is deterministic, uniform and keeps the rate", () => {
    const ids = Array.from({ length: 20_000 }, (_x, i) => `req-${i}`);
    expect(ids.map(sampleUnit)).toEqual(ids.map(sampleUnit));
    const kept = ids.filter((id) => isSampled(id, 0.1)).length;
    expect(kept).toBeGreaterThan(1800);
    expect(kept).toBeLessThan(2200);
    // Uniform over deciles (chi-square with 9 df well under its 0.001 critical value 27.9).
    const bins = new Array<number>(10).fill(0);
    for (const id of ids) bins[Math.floor(sampleUnit(id) * 10)]!++;
    const chi = bins.reduce((a, n) => a + (n - 2000) ** 2 / 2000, 0);
    expect(chi).toBeLessThan(27.9);
    expect(isSampled("x", 0)).toBe(false);
    expect(isSampled("x", 1)).toBe(true);
  });

  it("makes the champion's and the challenger's clients keep the same requests", async () => {
    const a = fakeFetch();
    const b = fakeFetch();
    const champion = createTelemetry(base({ fetch: a.fetch, sampleRate: 0.2 }));
    const challenger = createTelemetry(base({ fetch: b.fetch, sampleRate: 0.2 }));
    for (let i = 0; i < 500; i++) {
      const requestId = crypto.randomUUID();
      champion.record({ model: { name: "titanic", version: "1.0.0" }, requestId, latencyMs: 1, status: 200, rollout: { arm: "champion" } });
      const shadow = { model: { name: "titanic", version: "1.1.0" }, requestId, latencyMs: 2, status: 200 } as const;
      challenger.record({ ...shadow, rollout: { arm: "challenger", mode: "shadow" } });
    }
    await Promise.all([champion.flush(), challenger.flush()]);
    const ids = (sent: typeof a.sent) => sent.flatMap((s) => s.body.samples.map((x) => x.requestId)).sort();
    expect(ids(a.sent).length).toBeGreaterThan(50);
    expect(ids(a.sent)).toEqual(ids(b.sent));
    expect(a.sent[0]?.body.rollout).toEqual({ arm: "champion" });
    expect(b.sent[0]?.body.rollout).toEqual({ arm: "challenger", mode: "shadow" });
  });

  it("sends no rollout for builds without a challenger", async () => {
    const a = fakeFetch();
    const t = createTelemetry(base({ fetch: a.fetch }));
    t.record({ model: { name: "titanic", version: "1.0.0" }, requestId: "r", latencyMs: 1, status: 200 });
    await t.flush();
    expect(a.sent[0]?.body.rollout).toBeUndefined();
  });
});

describe("a version's rollout from its request events", () => {
  it("names the arm, and the mode once the challenger's events show it", () => {
    expect(rolloutOfEvent({}, undefined)).toBeUndefined();
    expect(rolloutOfEvent({ arm: "champion" }, undefined)).toEqual({ arm: "champion" });
    expect(rolloutOfEvent({ arm: "challenger" }, undefined)).toEqual({ arm: "challenger", mode: "canary" });
    const shadow = rolloutOfEvent({ arm: "challenger", shadow: true }, undefined);
    expect(shadow).toEqual({ arm: "challenger", mode: "shadow" });
    // A request pinned to the challenger's version in a shadow build does not turn it into a canary.
    expect(rolloutOfEvent({ arm: "challenger" }, shadow)).toBe(shadow);
    expect(rolloutOfEvent({ arm: "challenger", shadow: true }, { arm: "challenger", mode: "canary" })).toEqual({ arm: "challenger", mode: "shadow" });
  });
});
