/**
 * Feature lookups (issue 16) on the monitor's read side: `/v1/metrics` gives each version's lookups per view over the
 * range (rate, share, miss rate, latency p50/p95, median and oldest value age), `/metrics` exposes them to Prometheus
 * only when there are any, and the dashboard carries a "Feature lookups" table that its script fills and shows only
 * for deployments with lookups (drawn in Chromium by test/integration/monitor-dashboard-lookups.test.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { MetricsResponse } from "../../monitor/metrics.ts";
import { REPO_ROOT } from "../helpers/tmp.ts";
import { makeBatch, testMonitor } from "./helpers.ts";
import { viewLookups } from "./lookups-helpers.ts";

const T0 = Date.UTC(2026, 0, 1, 12, 0);
const NOW = T0 + 10 * 60_000;
const MIN = 60_000;
const window = (minute: number) => ({ start: T0 + minute * MIN + 1000, end: T0 + minute * MIN + 2000 });

describe("feature lookups on the monitor's read side", () => {
  it("/v1/metrics: per version and view over the range", async () => {
    const m = await testMonitor({ now: () => NOW });
    // 10 requests; 8 read `customer` (16 keys, 4 misses, 1 expired), store reads of 2-3 ms and one slow 40 ms.
    const ages = [30_000, 45_000, 5 * MIN, 8 * MIN, 20 * MIN, 2 * 3600_000, 2 * 3600_000, 3 * 86_400_000, 3 * 86_400_000, 9 * 86_400_000, 50_000, 40_000];
    const lookups = { customer: viewLookups({ keys: 16, misses: 4, expired: 1, latenciesMs: [2, 2, 2, 3, 3, 3, 3, 40], agesMs: ages }) };
    expect((await m.post(makeBatch({ window: window(0), lookups }))).status).toBe(200);
    expect((await m.post(makeBatch({ window: window(1) }))).status).toBe(200); // no lookups: an older edge
    const r = (await (await m.get(`/v1/metrics?deployment=prod&from=${T0}&to=${T0 + 5 * MIN}`)).json()) as MetricsResponse;
    expect(r.ageBucketsMs).toEqual([60_000, 600_000, 3_600_000, 21_600_000, 86_400_000, 604_800_000, 2_592_000_000]);
    const [l] = r.series[0]!.lookups;
    expect(l).toMatchObject({ view: "customer", requests: 8, share: 0.4, keys: 16, misses: 4, missRate: 0.25, expired: 1 });
    expect(l!.perSecond).toBe(Math.round((8 / 300) * 1000) / 1000);
    expect(l!.latency.mean).toBe(7.25);
    expect(l!.latency.p50).toBeGreaterThan(2);
    expect(l!.latency.p50).toBeLessThanOrEqual(5);
    expect(l!.latency.p95).toBeGreaterThan(25);
    expect(l!.latency.p95).toBeLessThanOrEqual(50);
    // 12 hits: 4 in the first minute, 2 more by 10 min: the 6th of 12 is the top of the (1 min, 10 min] bucket.
    expect(l!.age.p50).toBe(600_000);
    expect(l!.age.mean).toBe(Math.round((ages.reduce((a, n) => a + n, 0) / 12) * 1000) / 1000);
    expect(l!.age.max).toBe(9 * 86_400_000);
    // A range without lookups: none, and versions without lookups say so with an empty list.
    const later = (await (await m.get(`/v1/metrics?deployment=prod&from=${T0 + MIN}&to=${T0 + 5 * MIN}`)).json()) as MetricsResponse;
    expect(later.series[0]!.lookups).toEqual([]);
  });

  it("caps the median age at the oldest value when the median falls in the open last bucket", async () => {
    const m = await testMonitor({ now: () => NOW });
    const lookups = { old: viewLookups({ keys: 2, misses: 0, latenciesMs: [1], agesMs: [40 * 86_400_000, 45 * 86_400_000] }) };
    await m.post(makeBatch({ window: window(0), lookups }));
    const r = (await (await m.get(`/v1/metrics?deployment=prod&from=${T0}&to=${T0 + 5 * MIN}`)).json()) as MetricsResponse;
    expect(r.series[0]!.lookups[0]!.age).toEqual({ p50: 2_592_000_000, mean: 42.5 * 86_400_000, max: 45 * 86_400_000 });
  });

  it("/metrics: lookup families per view, absent for monitors without lookups", async () => {
    const m = await testMonitor({ now: () => NOW });
    await m.post(makeBatch({ window: window(0) }));
    expect(await (await m.get("/metrics")).text()).not.toContain("edgeml_feature");
    await m.post(
      makeBatch({ window: window(1), lookups: { customer: viewLookups({ keys: 3, misses: 1, expired: 1, latenciesMs: [2, 30], agesMs: [90_000, 20_000] }) } }),
    );
    const text = await (await m.get("/metrics")).text();
    const labels = 'deployment="prod",model="titanic",version="1.0.0",view="customer"';
    for (const line of [
      "# TYPE edgeml_feature_lookups_total counter",
      `edgeml_feature_lookups_total{${labels}} 2`,
      `edgeml_feature_lookup_keys_total{${labels}} 3`,
      `edgeml_feature_lookup_misses_total{${labels}} 1`,
      `edgeml_feature_lookup_expired_total{${labels}} 1`,
      "# TYPE edgeml_feature_lookup_latency_ms histogram",
      `edgeml_feature_lookup_latency_ms_bucket{${labels},le="2"} 1`,
      `edgeml_feature_lookup_latency_ms_bucket{${labels},le="+Inf"} 2`,
      `edgeml_feature_lookup_latency_ms_sum{${labels}} 32`,
      `edgeml_feature_value_age_ms_bucket{${labels},le="60000"} 1`,
      `edgeml_feature_value_age_ms_bucket{${labels},le="600000"} 2`,
      `edgeml_feature_value_age_ms_sum{${labels}} 110000`,
      `edgeml_feature_value_age_ms_count{${labels}} 2`,
    ]) {
      expect(text.split("\n")).toContain(line);
    }
  });

  it("dashboard: a hidden Feature lookups table that the script fills and shows when there are lookups", async () => {
    const m = await testMonitor({ now: () => NOW });
    await m.post(makeBatch({ window: window(0) }));
    const html = await (await m.get("/?deployment=prod")).text();
    expect(html).toContain('<section id="lookups" hidden><h3>Feature lookups</h3>');
    expect(html).toContain('<table id="lookups-table"><thead><tr><th>version</th><th>view</th><th class="num">requests</th><th class="num">miss rate</th>');
    const script = readFileSync(join(REPO_ROOT, "monitor", "assets", "dashboard.js"), "utf8");
    expect(script).toContain("renderLookups(metrics);");
  });
});
