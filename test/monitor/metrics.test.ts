import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_MS } from "../../core/schema/telemetry.ts";
import { bucketIndex, histogramQuantile } from "../../core/stats/histogram.ts";
import type { MetricsResponse } from "../../monitor/metrics.ts";
import { REPO_ROOT } from "../helpers/tmp.ts";
import { makeBatch, testMonitor } from "./helpers.ts";

const T0 = Date.UTC(2026, 0, 1, 12, 0);
const NOW = T0 + 5 * 60_000;
/** Latency counts with these values in the first buckets and zeros after. */
const counts = (...first: number[]) => [...first, ...new Array<number>(LATENCY_BUCKETS_MS.length + 1 - first.length).fill(0)];
const counters = (requests: number, latency: number[], sum: number, errors: Record<string, number> = {}) => ({
  requests,
  errors,
  latency: { bounds: [...LATENCY_BUCKETS_MS], counts: latency, sum },
  dropped: 0,
});

describe("histogram helpers", () => {
  it("puts a value in the first bucket whose upper bound is >= it", () => {
    expect([0, 0.5, 0.6, 1, 9999, 10000, 10001].map((v) => bucketIndex(LATENCY_BUCKETS_MS, v))).toEqual([0, 0, 1, 1, 13, 13, 14]);
  });

  it("interpolates quantiles inside buckets like Prometheus histogram_quantile", () => {
    const bounds = [1, 2, 5];
    expect(histogramQuantile(bounds, [0, 10, 0, 0], 0.5)).toBe(1.5);
    expect(histogramQuantile(bounds, [4, 0, 4, 0], 0.25)).toBe(0.5);
    expect(histogramQuantile(bounds, [4, 0, 4, 0], 0.75)).toBe(3.5);
    expect(histogramQuantile(bounds, [0, 0, 0, 3], 0.5)).toBe(5); // overflow: the last finite bound
    expect(histogramQuantile(bounds, [0, 0, 0, 0], 0.5)).toBeNull();
  });
});

describe("GET /v1/metrics", async () => {
  const m = await testMonitor({ now: () => NOW });
  // 12:00 — v1: 100 requests, counts 10 in (0.5,1], 30 in (1,2], 50 in (2,5], 10 in (5,10]; 5 errors.
  await m.post(
    makeBatch({ window: { start: T0 + 20_000, end: T0 + 30_000 }, counters: counters(100, counts(0, 10, 30, 50, 10), 350, { bad_request: 3, internal: 2 }) }),
  );
  // 12:01 — v1: 20 requests in (10,25]; v2: 4 requests above 10 s (the overflow bucket).
  await m.post(makeBatch({ window: { start: T0 + 60_000, end: T0 + 70_000 }, counters: counters(20, counts(0, 0, 0, 0, 0, 20), 400) }));
  const overflow = counts(...new Array<number>(LATENCY_BUCKETS_MS.length).fill(0), 4);
  await m.post(
    makeBatch({
      model: { name: "titanic", version: "2.0.0" },
      window: { start: T0 + 60_000, end: T0 + 70_000 },
      counters: counters(4, overflow, 48_000, { unavailable: 4 }),
    }),
  );

  const metrics = async (query: string) => {
    const res = await m.get(`/v1/metrics?deployment=prod&${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as MetricsResponse;
  };

  it("gives traffic, error rate and interpolated percentiles per minute and version", async () => {
    const r = await metrics(`from=${T0}&to=${T0 + 2 * 60_000}`);
    expect(r.stepMs).toBe(60_000);
    expect(r.windows).toEqual([T0, T0 + 60_000]);
    const [v1, v2] = r.series;
    expect(v1).toMatchObject({ model: "titanic", version: "1.0.0" });
    // rank 50 falls in (2,5] after 40: 2 + 3 * 10/50; rank 95 in (5,10] after 90: 5 + 5 * 5/10; rank 99: 5 + 5 * 9/10.
    expect(v1!.points[0]).toEqual({
      t: T0,
      requests: 100,
      errors: 5,
      errorRate: 0.05,
      p50: 2.6,
      p95: 7.5,
      p99: 9.5,
      meanLatencyMs: 3.5,
      errorsByClass: { bad_request: 3, internal: 2 },
    });
    expect(v1!.points[1]).toMatchObject({ requests: 20, errors: 0, errorRate: 0, p50: 17.5, p95: 24.25, p99: 24.85 });
    expect(v2!.points[0]).toMatchObject({ requests: 0, errorRate: null, p50: null });
    expect(v2!.points[1]).toMatchObject({ requests: 4, errors: 4, errorRate: 1, p50: 10000, p99: 10000, errorsByClass: { unavailable: 4 } });
  });

  it("merges minutes into larger windows by adding histograms, not averaging percentiles", async () => {
    const r = await metrics(`from=${T0}&to=${T0 + 2 * 60_000}&step=2m`);
    expect(r.windows).toEqual([T0]);
    // 120 requests: rank 60 in (2,5] after 40: 2 + 3 * 20/50 = 3.2; rank 114 in (10,25] after 100: 10 + 15 * 14/20 = 20.5;
    // rank 118.8: 10 + 15 * 18.8/20 = 24.1.
    expect(r.series[0]!.points[0]).toMatchObject({ requests: 120, errors: 5, errorRate: 0.042, p50: 3.2, p95: 20.5, p99: 24.1 });
    expect(r.series[0]!.totals).toMatchObject({ requests: 120, p50: 3.2, p95: 20.5, p99: 24.1, meanLatencyMs: 6.25 });
  });

  it("accepts ISO dates and aligns windows to the step", async () => {
    const r = await metrics(`from=2026-01-01T12:00:45Z&to=2026-01-01T12:10:00Z&step=5m`);
    expect(r.from).toBe(T0);
    expect(r.windows).toEqual([T0, T0 + 5 * 60_000]);
    expect(r.series[0]!.points[0]!.requests).toBe(120);
  });

  it("defaults to the last hour and rejects bad queries with the field paths", async () => {
    const r = await metrics("");
    expect(r.to - r.from).toBe(3600_000);
    const bad = await m.get("/v1/metrics?from=yesterday&step=90s");
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { issues: { path: string }[] } };
    expect(body.error.issues.map((i) => i.path).sort()).toEqual(["deployment", "from", "step"]);
    expect((await m.get(`/v1/metrics?deployment=prod&from=0&to=${NOW}&step=1m`)).status).toBe(400); // too many windows
  });
});

describe("GET /v1/metrics backends (issue 13)", () => {
  const WASM_REASON = "WebGPU disagreed with WASM on the parity probe (max abs diff 0.0080 on output logit[0]); using WASM";
  const at = (minute: number) => ({ window: { start: T0 + minute * 60_000 + 1000, end: T0 + minute * 60_000 + 2000 } });

  it("splits each version's requests by device, with its share and the last reason a client gave", async () => {
    const m = await testMonitor({ now: () => NOW });
    const post = async (batch: Parameters<typeof makeBatch>[0]) => expect((await m.post(makeBatch({ target: "browser", ...batch }))).status).toBe(200);
    await post({ ...at(0), counters: counters(3, counts(0, 0, 0, 3), 9), backend: { device: "wasm", reason: "no WebGPU adapter; using WASM" } });
    await post({ ...at(1), counters: counters(7, counts(0, 0, 0, 7), 21), backend: { device: "webgpu", reason: "WebGPU adapter agrees with WASM" } });
    // The reason changes (another page's probe disagreed), and a later batch without a reason keeps the last one.
    await post({ ...at(2), counters: counters(6, counts(0, 0, 0, 6), 18), backend: { device: "wasm", reason: WASM_REASON } });
    await post({ ...at(3), counters: counters(4, counts(0, 0, 0, 4), 12), backend: { device: "wasm" } });
    // An older client names no backend: counted in the version's requests, in no device's.
    await post({ ...at(3), counters: counters(10, counts(0, 0, 0, 10), 30) });
    await post({
      ...at(3),
      model: { name: "titanic", version: "2.0.0" },
      counters: counters(5, counts(0, 0, 0, 5), 15),
      backend: { device: "js", engine: "compiled" },
    });

    const res = await m.get(`/v1/metrics?deployment=prod&from=${T0}&to=${T0 + 5 * 60_000}`);
    const r = (await res.json()) as MetricsResponse;
    const [v1, v2] = r.series;
    expect(v1!.totals.requests).toBe(30);
    expect(v1!.backends).toEqual([
      { device: "wasm", requests: 13, share: 0.433, engine: null, reason: WASM_REASON, lastSeen: expect.any(Number) },
      { device: "webgpu", requests: 7, share: 0.233, engine: null, reason: "WebGPU adapter agrees with WASM", lastSeen: expect.any(Number) },
    ]);
    expect(v2!.backends).toEqual([{ device: "js", requests: 5, share: 1, engine: "compiled", reason: null, lastSeen: expect.any(Number) }]);

    // The range counts: from minute 1 on, wasm has only the 10 requests of minutes 2 and 3.
    const later = (await (await m.get(`/v1/metrics?deployment=prod&from=${T0 + 60_000}&to=${T0 + 5 * 60_000}`)).json()) as MetricsResponse;
    expect(later.series[0]!.backends.map((b) => [b.device, b.requests])).toEqual([
      ["wasm", 10],
      ["webgpu", 7],
    ]);
  });

  it("answers an empty list for versions whose clients name no backend", async () => {
    const m = await testMonitor({ now: () => NOW });
    await m.post(makeBatch({ ...at(0), counters: counters(2, counts(0, 0, 0, 2), 6) }));
    const r = (await (await m.get(`/v1/metrics?deployment=prod&from=${T0}&to=${T0 + 60_000}`)).json()) as MetricsResponse;
    expect(r.series[0]!.backends).toEqual([]);
  });

  it("draws a backends table on the dashboard", async () => {
    const m = await testMonitor({ now: () => NOW });
    await m.post(makeBatch({ backend: { device: "wasm" } }));
    const html = await (await m.get("/?deployment=prod")).text();
    expect(html).toContain('<table id="backends"><thead><tr><th>version</th><th>device</th><th class="num">requests</th><th class="num">share</th>');
    const script = readFileSync(join(REPO_ROOT, "monitor", "assets", "dashboard.js"), "utf8");
    expect(script).toContain("renderBackends(metrics);");
  });
});

describe("GET /metrics (Prometheus)", () => {
  it("exposes totals as counters and a cumulative histogram", async () => {
    const m = await testMonitor({ now: () => NOW });
    await m.post(makeBatch({ counters: { ...counters(6, counts(1, 2, 0, 3), 9.5, { bad_request: 1 }), dropped: 2 }, backend: { device: "wasm" } }));
    await m.post(
      makeBatch({
        model: { name: "titanic", version: "2.0.0" },
        counters: counters(1, counts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), 12_000, { internal: 1 }),
      }),
    );
    const res = await m.get("/metrics");
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await res.text()).toMatchInlineSnapshot(`
      "# HELP edgeml_requests_total Requests served at the edge (counted on every request, not sampled).
      # TYPE edgeml_requests_total counter
      edgeml_requests_total{deployment="prod",model="titanic",version="1.0.0"} 6
      edgeml_requests_total{deployment="prod",model="titanic",version="2.0.0"} 1
      # HELP edgeml_errors_total Failed requests at the edge by error class.
      # TYPE edgeml_errors_total counter
      edgeml_errors_total{deployment="prod",model="titanic",version="1.0.0",class="bad_request"} 1
      edgeml_errors_total{deployment="prod",model="titanic",version="2.0.0",class="internal"} 1
      # HELP edgeml_request_latency_ms Request latency at the edge in milliseconds.
      # TYPE edgeml_request_latency_ms histogram
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="0.5"} 1
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="1"} 3
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="2"} 3
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="5"} 6
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="10"} 6
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="25"} 6
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="50"} 6
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="100"} 6
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="250"} 6
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="500"} 6
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="1000"} 6
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="2500"} 6
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="5000"} 6
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="10000"} 6
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="1.0.0",le="+Inf"} 6
      edgeml_request_latency_ms_sum{deployment="prod",model="titanic",version="1.0.0"} 9.5
      edgeml_request_latency_ms_count{deployment="prod",model="titanic",version="1.0.0"} 6
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="0.5"} 0
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="1"} 0
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="2"} 0
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="5"} 0
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="10"} 0
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="25"} 0
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="50"} 0
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="100"} 0
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="250"} 0
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="500"} 0
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="1000"} 0
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="2500"} 0
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="5000"} 0
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="10000"} 0
      edgeml_request_latency_ms_bucket{deployment="prod",model="titanic",version="2.0.0",le="+Inf"} 1
      edgeml_request_latency_ms_sum{deployment="prod",model="titanic",version="2.0.0"} 12000
      edgeml_request_latency_ms_count{deployment="prod",model="titanic",version="2.0.0"} 1
      # HELP edgeml_backend_requests_total Requests by the device that ran the model (from edges that report their backend).
      # TYPE edgeml_backend_requests_total counter
      edgeml_backend_requests_total{deployment="prod",model="titanic",version="1.0.0",device="wasm"} 6
      # HELP edgeml_telemetry_dropped_total Samples the edge could not keep (memory bound); counters are never dropped.
      # TYPE edgeml_telemetry_dropped_total counter
      edgeml_telemetry_dropped_total{deployment="prod"} 2
      # HELP edgeml_telemetry_batches_total Telemetry batches stored (duplicates not counted).
      # TYPE edgeml_telemetry_batches_total counter
      edgeml_telemetry_batches_total{deployment="prod"} 2
      "
    `);
  });
});
