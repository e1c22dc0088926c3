/**
 * `GET /metrics` in the Prometheus text exposition format (0.0.4): all-time totals per deployment, model and
 * version, so Prometheus' `rate()` and `histogram_quantile()` work as on any exporter. The latency histogram has a
 * true `_sum` because the edge sends the exact sum of latencies along with the bucket counts. Models with looked-up
 * features (issue 16) add per-view families: lookups, keys, misses and expired values, the store read's latency and the
 * served values' age as histograms (`edgeml_feature_lookup_*`).
 *
 * @example
 * ```ts
 * const text = renderPrometheus(await store.totals());
 * return c.text(text, 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
 * ```
 */
import { AGE_BUCKETS_MS, ERROR_CLASSES, LATENCY_BUCKETS_MS } from "../core/schema/telemetry.ts";
import type { MonitorStore } from "./store/contract.ts";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Totals = Awaited<ReturnType<MonitorStore["totals"]>>;

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labels = (l: Record<string, string>) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",")}}`;
const num = (n: number) => (Number.isInteger(n) ? String(n) : String(Math.round(n * 1e6) / 1e6));

export function renderPrometheus(totals: Totals): string {
  const out: string[] = [];
  const family = (name: string, type: "counter" | "histogram", help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

  family("edgeml_requests_total", "counter", "Requests served at the edge (counted on every request, not sampled).");
  for (const r of totals.rows) out.push(`edgeml_requests_total${labels({ deployment: r.deployment, model: r.model, version: r.version })} ${r.requests}`);

  family("edgeml_errors_total", "counter", "Failed requests at the edge by error class.");
  for (const r of totals.rows) {
    const known = [...ERROR_CLASSES, ...Object.keys(r.errorsByClass).filter((k) => !(ERROR_CLASSES as readonly string[]).includes(k))];
    for (const cls of known) {
      const n = r.errorsByClass[cls];
      if (n !== undefined && n > 0) out.push(`edgeml_errors_total${labels({ deployment: r.deployment, model: r.model, version: r.version, class: cls })} ${n}`);
    }
  }

  /** The `_bucket`, `_sum` and `_count` lines of one histogram. */
  const histogram = (name: string, base: Record<string, string>, bounds: readonly number[], counts: readonly number[], sum: number) => {
    let cumulative = 0;
    bounds.forEach((le, i) => {
      cumulative += counts[i] ?? 0;
      out.push(`${name}_bucket${labels({ ...base, le: String(le) })} ${cumulative}`);
    });
    cumulative += counts[bounds.length] ?? 0;
    out.push(`${name}_bucket${labels({ ...base, le: "+Inf" })} ${cumulative}`);
    out.push(`${name}_sum${labels(base)} ${num(sum)}`);
    out.push(`${name}_count${labels(base)} ${cumulative}`);
  };

  family("edgeml_request_latency_ms", "histogram", "Request latency at the edge in milliseconds.");
  for (const r of totals.rows)
    histogram("edgeml_request_latency_ms", { deployment: r.deployment, model: r.model, version: r.version }, LATENCY_BUCKETS_MS, r.latency, r.latencySum);

  family("edgeml_backend_requests_total", "counter", "Requests by the device that ran the model (from edges that report their backend).");
  for (const b of totals.backends) {
    out.push(`edgeml_backend_requests_total${labels({ deployment: b.deployment, model: b.model, version: b.version, device: b.device })} ${b.requests}`);
  }

  const lookups = totals.lookups;
  const viewLabels = (l: (typeof lookups)[number]) => ({ deployment: l.deployment, model: l.model, version: l.version, view: l.view });
  const lookupCounters = [
    ["edgeml_feature_lookups_total", "Requests that read a feature view at the edge.", "requests"],
    ["edgeml_feature_lookup_keys_total", "Keys looked up in a feature view.", "keys"],
    ["edgeml_feature_lookup_misses_total", "Keys a feature view did not hold, or held only past its ttl.", "misses"],
    ["edgeml_feature_lookup_expired_total", "Of the misses, keys whose value was past the view's ttl.", "expired"],
  ] as const;
  // Only on monitors that received lookups: the exposition of the others stays as it was.
  if (lookups.length > 0) {
    for (const [name, help, field] of lookupCounters) {
      family(name, "counter", help);
      for (const l of lookups) out.push(`${name}${labels(viewLabels(l))} ${l[field]}`);
    }
    family("edgeml_feature_lookup_latency_ms", "histogram", "Wall time of a request's read of a feature view's store, in milliseconds.");
    for (const l of lookups) histogram("edgeml_feature_lookup_latency_ms", viewLabels(l), LATENCY_BUCKETS_MS, l.latency, l.latencySum);
    family("edgeml_feature_value_age_ms", "histogram", "Age of the looked-up feature values served, in ms (request time minus the value's timestamp).");
    for (const l of lookups) histogram("edgeml_feature_value_age_ms", viewLabels(l), AGE_BUCKETS_MS, l.age, l.ageSum);
  }

  family("edgeml_telemetry_dropped_total", "counter", "Samples the edge could not keep (memory bound); counters are never dropped.");
  for (const [deployment, n] of Object.entries(totals.dropped)) out.push(`edgeml_telemetry_dropped_total${labels({ deployment })} ${n}`);

  family("edgeml_telemetry_batches_total", "counter", "Telemetry batches stored (duplicates not counted).");
  for (const [deployment, n] of Object.entries(totals.batches)) out.push(`edgeml_telemetry_batches_total${labels({ deployment })} ${n}`);

  return `${out.join("\n")}\n`;
}
