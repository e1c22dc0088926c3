/**
 * Feature lookups in the telemetry client (issue 16): each request's `LookupStats` added per view into the window's
 * batch (counts, latency and age histograms, age sum and max), fitted to the protocol so a client never sends a batch
 * the monitor refuses, merged exactly when pending batches are, carried by the telemetry hook from the app's request
 * event, and stored by a real monitor (client ▶ HTTP ▶ SQLite ▶ /v1/metrics).
 */
import { join } from "node:path";
import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { AGE_BUCKETS_MS, LATENCY_BUCKETS_MS } from "../../../core/schema/telemetry.ts";
import type { MetricsResponse } from "../../../monitor/metrics.ts";
import { startMonitor } from "../../../monitor/server.ts";
import { createToken } from "../../../monitor/tokens.ts";
import type { LookupStats } from "../../../runtime/features/types.ts";
import { createTelemetryHook } from "../../../runtime/telemetry-hook.ts";
import { createTelemetry } from "../../../runtime/telemetry/index.ts";
import { tempDir } from "../../helpers/tmp.ts";
import { TITANIC } from "../../monitor/helpers.ts";
import { fakeClock, fakeFetch, noSleep, recordingTelemetry } from "./helpers.ts";

const model = { name: "titanic", version: "1.0.0" };
const MIN = 60_000;
const DAY = 86_400_000;
const zeros = (n: number) => new Array<number>(n).fill(0);
const view = (keys: number, misses: number, latencyMs: number, agesMs: number[], expired = 0) => ({ keys, misses, expired, latencyMs, agesMs });

function client(opts: { maxPendingBatches?: number; fetch?: ReturnType<typeof fakeFetch> } = {}) {
  const f = opts.fetch ?? fakeFetch();
  const clock = fakeClock();
  const t = createTelemetry({
    endpoint: "https://monitor.test",
    token: "t",
    deployment: "prod",
    target: "worker",
    sampleRate: 0,
    fetch: f.fetch,
    now: clock.now,
    sleep: noSleep,
    retryBaseMs: 1,
    maxAttempts: 1,
    ...(opts.maxPendingBatches === undefined ? {} : { maxPendingBatches: opts.maxPendingBatches }),
  });
  const record = (lookup?: LookupStats, status = 200) =>
    t.record({ model, requestId: `r${Math.random()}`, latencyMs: 5, status, ...(lookup ? { lookup } : {}) });
  return { t, f, clock, record };
}

describe("telemetry client lookups", () => {
  it("adds each request's lookups per view into the batch: counts, latency and age histograms, sum and max", async () => {
    const { t, f, record } = client();
    record({ views: { customer: view(2, 1, 3, [30_000]), item: view(1, 0, 0.4, [2 * DAY]) } });
    record({ views: { customer: view(3, 1, 40, [5 * MIN, 40 * DAY], 1) } });
    record(undefined); // a request of a model without lookups, or a bad request that never reached them
    record({ views: { customer: view(1, 1, 2, [], 1) } }, 503); // the store answered nothing: still counted
    await t.flush();
    expect(f.sent).toHaveLength(1);
    const { lookups, counters } = f.sent[0]!.body;
    expect(counters.requests).toBe(4);
    const latency = (...ms: number[]) => {
      const c = zeros(LATENCY_BUCKETS_MS.length + 1);
      for (const x of ms) c[LATENCY_BUCKETS_MS.findIndex((b) => x <= b)]!++;
      return c;
    };
    expect(lookups).toEqual({
      customer: {
        requests: 3,
        keys: 6,
        misses: 3,
        expired: 2,
        latency: { bounds: [...LATENCY_BUCKETS_MS], counts: latency(3, 40, 2), sum: 45 },
        age: { bounds: [...AGE_BUCKETS_MS], counts: [1, 1, 0, 0, 0, 0, 0, 1], sum: 30_000 + 5 * MIN + 40 * DAY, max: 40 * DAY },
      },
      item: {
        requests: 1,
        keys: 1,
        misses: 0,
        expired: 0,
        latency: { bounds: [...LATENCY_BUCKETS_MS], counts: latency(0.4), sum: 0.4 },
        age: { bounds: [...AGE_BUCKETS_MS], counts: [0, 0, 0, 0, 0, 1, 0, 0], sum: 2 * DAY, max: 2 * DAY },
      },
    });
    // The next window starts empty: a batch without lookups carries no `lookups` at all (protocol v1 as before).
    record(undefined);
    await t.flush();
    expect(f.sent[1]!.body.lookups).toBeUndefined();
  });

  it("fits odd stats to the protocol instead of sending a batch the monitor would refuse", async () => {
    const { t, f, record } = client();
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`v${i}`, view(1, 0, 1, [1000])]));
    record({
      views: {
        skewed: view(3, 5, Number.NaN, [-5000, 1000, 2000, 3000], 9), // misses > keys, expired > misses, too many ages
        "not a view name": view(1, 0, 1, [1]),
        ...many,
      },
    });
    await t.flush(); // fakeFetch parses every body with the protocol schema: an invalid batch fails here
    expect(t.stats()).toMatchObject({ rejectedBatches: 0, pendingBatches: 0 });
    const lookups = f.sent[0]!.body.lookups!;
    expect(Object.keys(lookups)).toHaveLength(32);
    expect(lookups["skewed"]).toMatchObject({ requests: 1, keys: 3, misses: 3, expired: 3, latency: { sum: 0 }, age: { sum: 0, max: 0 } });
    expect(lookups["not a view name"]).toBeUndefined();
  });

  it("merges pending batches' lookups exactly (counts add, the oldest age is the larger)", async () => {
    let up = false;
    const f = fakeFetch(() => (up ? 200 : 503));
    const { t, record } = client({ maxPendingBatches: 1, fetch: f });
    record({ views: { customer: view(2, 0, 3, [1000, 90 * DAY]) } });
    await t.flush(); // attempted and failed: kept as is
    record({ views: { customer: view(1, 1, 7, []) } });
    await t.flush(); // a second batch (the first one is attempted)
    record({ views: { customer: view(4, 1, 1, [10, 20, 30]) } });
    t.drain();
    up = true;
    await t.flush();
    const delivered = f.sent.slice(2).map((s) => s.body.lookups?.["customer"]);
    // The first batch as it was; the two later windows merged into one.
    expect(delivered.map((l) => [l?.requests, l?.keys, l?.misses, l?.age.max, l?.latency.sum])).toEqual([
      [1, 2, 0, 90 * DAY, 3],
      [2, 5, 2, 30, 8],
    ]);
  });

  it("reaches the client from the app's request event through the telemetry hook", () => {
    const fake = recordingTelemetry();
    const recorded = fake.events;
    const hook = createTelemetryHook(fake, TITANIC, { flushDelayMs: 60_000, schedule: () => {} });
    const lookup: LookupStats = { views: { customer: view(1, 0, 2, [1000]) } };
    hook({ requestId: "r1", route: "predict", status: 200, latencyMs: 4, instances: [{ age: 30, sex: "male" }], predictions: [1], lookup }, {} as Context);
    hook({ requestId: "r2", route: "predict", status: 200, latencyMs: 4 }, {} as Context);
    expect(recorded.map((e) => e.lookup)).toEqual([lookup, undefined]);
  });

  it("round trip: client ▶ HTTP ▶ monitor (SQLite) ▶ /v1/metrics per view", async () => {
    const monitor = await startMonitor({ port: 0, dbFile: join(tempDir(), "monitor.db") });
    try {
      const { token } = await createToken(monitor.store, "prod");
      const t = createTelemetry({ endpoint: monitor.url, token, deployment: "prod", target: "node", sampleRate: 0, maxAttempts: 1 });
      for (let i = 0; i < 100; i++) {
        // Every 10th key misses; ages 1..90 minutes; store reads of 1-4 ms.
        const miss = i % 10 === 0;
        t.record({
          model,
          requestId: `r${i}`,
          latencyMs: 6,
          status: 200,
          lookup: { views: { customer: view(1, miss ? 1 : 0, 1 + (i % 4), miss ? [] : [(1 + (i % 90)) * MIN]) } },
        });
      }
      await t.flush();
      expect(t.stats()).toMatchObject({ sentBatches: 1, rejectedBatches: 0 });
      const res = await fetch(`${monitor.url}/v1/metrics?deployment=prod`);
      const metrics = (await res.json()) as MetricsResponse;
      const [l] = metrics.series[0]!.lookups;
      expect(l).toMatchObject({ view: "customer", requests: 100, keys: 100, misses: 10, missRate: 0.1, expired: 0, share: 1 });
      expect(l!.latency.mean).toBe(2.5);
      expect(l!.latency.p95).toBeGreaterThan(2);
      expect(l!.latency.p95).toBeLessThanOrEqual(5);
      expect(l!.age.max).toBe(90 * MIN);
      expect(l!.age.p50).toBeGreaterThan(10 * MIN); // the median hit is ~45 min old, in the (10 min, 1 h] bucket
      expect(l!.age.p50).toBeLessThanOrEqual(60 * MIN);
      const prometheus = await (await fetch(`${monitor.url}/metrics`)).text();
      expect(prometheus).toContain('edgeml_feature_lookup_misses_total{deployment="prod",model="titanic",version="1.0.0",view="customer"} 10');
    } finally {
      await monitor.close();
    }
  });
});
