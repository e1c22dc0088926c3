/**
 * `/v1/metrics`: traffic, error rate and latency percentiles per window and model version, computed from the
 * per-minute counter rows, each version's split by backend (device, requests, share, last reason) over the range, and
 * its feature lookups per view over the range (issue 16: lookup rate, miss rate, store latency, age of the values).
 * Percentiles are interpolated inside histogram buckets (see core/stats/histogram.ts), so they are exact to within
 * one bucket; windows without traffic are present with zero requests and null latencies, so charts show gaps instead
 * of joining points across them.
 *
 * @example
 * ```ts
 * const q = parseMetricsQuery({ deployment: "prod", from: "2026-01-01T00:00:00Z", step: "5m" }, Date.now());
 * const body = buildMetrics(q, await store.windows(q), await store.backends(q), await store.lookups(q));
 * ```
 */
import * as z from "zod";
import { issuesFromZod } from "../core/errors.ts";
import { AGE_BUCKETS_MS, LATENCY_BUCKETS_MS } from "../core/schema/telemetry.ts";
import { histogramQuantile } from "../core/stats/histogram.ts";
import { MonitorError } from "./http-error.ts";
import { type BackendRow, type LookupRow, MINUTE_MS, type WindowQuery, type WindowRow } from "./store/contract.ts";

/** Most windows one query may ask for (a week of minutes is 10 080). */
const MAX_WINDOWS = 20_000;
const AUTO_STEPS_MS = [1, 5, 15, 60, 360, 1440].map((m) => m * MINUTE_MS);
const UNITS: Record<string, number> = { s: 1000, m: MINUTE_MS, h: 60 * MINUTE_MS, d: 1440 * MINUTE_MS };

const time = z.string().transform((s, ctx) => {
  const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(t)) ctx.addIssue({ code: "custom", message: "expected epoch milliseconds or an ISO 8601 date" });
  return t;
});
const step = z.string().transform((s, ctx) => {
  const m = /^(\d+)([smhd]?)$/.exec(s);
  const ms = m ? Number(m[1]) * UNITS[m[2] || "s"]! : Number.NaN;
  if (!(ms > 0 && ms % MINUTE_MS === 0)) ctx.addIssue({ code: "custom", message: "expected a whole number of minutes, e.g. 60s, 5m, 1h, 1d" });
  return ms;
});
const MetricsQuery = z.object({ deployment: z.string().min(1), from: time.optional(), to: time.optional(), step: step.optional() });

export function parseMetricsQuery(query: Record<string, string>, now: number): WindowQuery {
  const parsed = MetricsQuery.safeParse(query);
  if (!parsed.success) throw new MonitorError(400, "INVALID_QUERY", "invalid metrics query", { issues: issuesFromZod(parsed.error.issues) });
  const q = parsed.data;
  const to = Math.ceil((q.to ?? now) / MINUTE_MS) * MINUTE_MS;
  const rawFrom = q.from ?? to - 60 * MINUTE_MS;
  if (rawFrom >= to) throw new MonitorError(400, "INVALID_QUERY", "from must be before to");
  const stepMs = q.step ?? AUTO_STEPS_MS.find((s) => (to - rawFrom) / s <= 240) ?? AUTO_STEPS_MS[AUTO_STEPS_MS.length - 1]!;
  // Windows start at multiples of the step, so refreshing the page does not shift every window.
  const from = Math.floor(rawFrom / stepMs) * stepMs;
  if ((to - from) / stepMs > MAX_WINDOWS) {
    throw new MonitorError(400, "INVALID_QUERY", `that is ${Math.ceil((to - from) / stepMs)} windows; at most ${MAX_WINDOWS}`, { hint: "use a larger step" });
  }
  return { deployment: q.deployment, from, to, stepMs };
}

interface MetricsPoint {
  t: number;
  requests: number;
  errors: number;
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  meanLatencyMs: number | null;
  errorsByClass: Record<string, number>;
}

/** One device's part of a version's traffic over the range. */
interface BackendShare {
  device: string;
  requests: number;
  /**
   * Of all the version's requests in the range; the shares add up to less than 1 when some clients name no backend
   * (edges older than telemetry's `backend` field).
   */
  share: number | null;
  engine: string | null;
  reason: string | null;
  lastSeen: number;
}

/** One feature view's lookups by a version over the range (issue 16). Rates are null when there is nothing to divide. */
interface LookupSummary {
  view: string;
  /** Requests that read the view, and that per second of the range. */
  requests: number;
  perSecond: number;
  /** Of the version's requests in the range, the share that read the view. */
  share: number | null;
  keys: number;
  misses: number;
  /** misses / keys. */
  missRate: number | null;
  /** Of the misses, values past the view's ttl. */
  expired: number;
  /** The store read per request (ms, interpolated in the histogram's buckets). */
  latency: { p50: number | null; p95: number | null; mean: number | null };
  /** Age of the values served (ms): median (bucket-interpolated, at most the oldest), mean and the oldest. */
  age: { p50: number | null; mean: number | null; max: number | null };
}

interface MetricsSeries {
  model: string;
  version: string;
  totals: Omit<MetricsPoint, "t">;
  /** Requests per device, most first. */
  backends: BackendShare[];
  /** Feature lookups per view, by view name (empty for models that look nothing up). */
  lookups: LookupSummary[];
  points: MetricsPoint[];
}

export interface MetricsResponse {
  deployment: string;
  from: number;
  to: number;
  stepMs: number;
  latencyBucketsMs: readonly number[];
  ageBucketsMs: readonly number[];
  windows: number[];
  series: MetricsSeries[];
}

const round = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);

function point(
  requests: number,
  errors: number,
  latencySum: number,
  latency: readonly number[],
  errorsByClass: Record<string, number>,
): Omit<MetricsPoint, "t"> {
  return {
    requests,
    errors,
    errorRate: requests > 0 ? round(errors / requests) : null,
    p50: round(histogramQuantile(LATENCY_BUCKETS_MS, latency, 0.5)),
    p95: round(histogramQuantile(LATENCY_BUCKETS_MS, latency, 0.95)),
    p99: round(histogramQuantile(LATENCY_BUCKETS_MS, latency, 0.99)),
    meanLatencyMs: requests > 0 ? round(latencySum / requests) : null,
    errorsByClass,
  };
}

function lookupSummary(r: LookupRow, versionRequests: number, rangeMs: number): LookupSummary {
  const hits = r.age.reduce((a, n) => a + n, 0);
  const ageP50 = histogramQuantile(AGE_BUCKETS_MS, r.age, 0.5);
  return {
    view: r.view,
    requests: r.requests,
    perSecond: round(r.requests / (rangeMs / 1000)) ?? 0,
    share: versionRequests > 0 ? round(Math.min(1, r.requests / versionRequests)) : null,
    keys: r.keys,
    misses: r.misses,
    missRate: r.keys > 0 ? round(r.misses / r.keys) : null,
    expired: r.expired,
    latency: {
      p50: round(histogramQuantile(LATENCY_BUCKETS_MS, r.latency, 0.5)),
      p95: round(histogramQuantile(LATENCY_BUCKETS_MS, r.latency, 0.95)),
      mean: r.requests > 0 ? round(r.latencySum / r.requests) : null,
    },
    // Older values than the last bound all sit in one bucket: the oldest seen caps the estimate.
    age: { p50: ageP50 === null ? null : round(Math.min(ageP50, r.ageMax)), mean: hits > 0 ? round(r.ageSum / hits) : null, max: hits > 0 ? r.ageMax : null },
  };
}

export function buildMetrics(
  q: WindowQuery,
  rows: readonly WindowRow[],
  backends: readonly BackendRow[] = [],
  lookups: readonly LookupRow[] = [],
): MetricsResponse {
  const windows: number[] = [];
  for (let t = q.from; t < q.to; t += q.stepMs) windows.push(t);
  const byVersion = new Map<string, { model: string; version: string; rows: Map<number, WindowRow> }>();
  for (const r of rows) {
    const key = `${r.model}\u0000${r.version}`;
    let v = byVersion.get(key);
    if (v === undefined) byVersion.set(key, (v = { model: r.model, version: r.version, rows: new Map() }));
    v.rows.set(r.t, r);
  }
  const series = [...byVersion.values()]
    .sort((a, b) => a.model.localeCompare(b.model) || a.version.localeCompare(b.version, undefined, { numeric: true }))
    .map((v): MetricsSeries => {
      const total = {
        requests: 0,
        errors: 0,
        latencySum: 0,
        latency: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
        byClass: {} as Record<string, number>,
      };
      const points = windows.map((t): MetricsPoint => {
        const r = v.rows.get(t);
        if (r === undefined) return { t, ...point(0, 0, 0, [], {}) };
        total.requests += r.requests;
        total.errors += r.errors;
        total.latencySum += r.latencySum;
        r.latency.forEach((n, i) => (total.latency[i]! += n));
        for (const [k, n] of Object.entries(r.errorsByClass)) total.byClass[k] = (total.byClass[k] ?? 0) + n;
        return { t, ...point(r.requests, r.errors, r.latencySum, r.latency, r.errorsByClass) };
      });
      const shares = backends
        .filter((b) => b.model === v.model && b.version === v.version)
        .map(({ device, requests, engine, reason, lastSeen }) => ({
          device,
          requests,
          share: total.requests > 0 ? round(requests / total.requests) : null,
          engine,
          reason,
          lastSeen,
        }));
      const totals = point(total.requests, total.errors, total.latencySum, total.latency, total.byClass);
      const views = lookups.filter((l) => l.model === v.model && l.version === v.version).map((l) => lookupSummary(l, total.requests, q.to - q.from));
      return { model: v.model, version: v.version, totals, backends: shares, lookups: views, points };
    });
  return {
    deployment: q.deployment,
    from: q.from,
    to: q.to,
    stepMs: q.stepMs,
    latencyBucketsMs: LATENCY_BUCKETS_MS,
    ageBucketsMs: AGE_BUCKETS_MS,
    windows,
    series,
  };
}
