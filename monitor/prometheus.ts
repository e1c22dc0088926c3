/**
 * `GET /metrics` in the Prometheus text exposition format (0.0.4): all-time totals per deployment, model and
 * version, so Prometheus' `rate()` and `histogram_quantile()` work as on any exporter. The latency histogram has a
 * true `_sum` because the edge sends the exact sum of latencies along with the bucket counts.
 *
 * @example
 * ```ts
 * const text = renderPrometheus(await store.totals());
 * return c.text(text, 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
 * ```
 */
import { ERROR_CLASSES, LATENCY_BUCKETS_MS } from "../core/schema/telemetry.ts";
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

  family("edgeml_request_latency_ms", "histogram", "Request latency at the edge in milliseconds.");
  for (const r of totals.rows) {
    const base = { deployment: r.deployment, model: r.model, version: r.version };
    let cumulative = 0;
    LATENCY_BUCKETS_MS.forEach((le, i) => {
      cumulative += r.latency[i] ?? 0;
      out.push(`edgeml_request_latency_ms_bucket${labels({ ...base, le: String(le) })} ${cumulative}`);
    });
    cumulative += r.latency[LATENCY_BUCKETS_MS.length] ?? 0;
    out.push(`edgeml_request_latency_ms_bucket${labels({ ...base, le: "+Inf" })} ${cumulative}`);
    out.push(`edgeml_request_latency_ms_sum${labels(base)} ${num(r.latencySum)}`);
    out.push(`edgeml_request_latency_ms_count${labels(base)} ${cumulative}`);
  }

  family("edgeml_backend_requests_total", "counter", "Requests by the device that ran the model (from edges that report their backend).");
  for (const b of totals.backends) {
    out.push(`edgeml_backend_requests_total${labels({ deployment: b.deployment, model: b.model, version: b.version, device: b.device })} ${b.requests}`);
  }

  family("edgeml_telemetry_dropped_total", "counter", "Samples the edge could not keep (memory bound); counters are never dropped.");
  for (const [deployment, n] of Object.entries(totals.dropped)) out.push(`edgeml_telemetry_dropped_total${labels({ deployment })} ${n}`);

  family("edgeml_telemetry_batches_total", "counter", "Telemetry batches stored (duplicates not counted).");
  for (const [deployment, n] of Object.entries(totals.batches)) out.push(`edgeml_telemetry_batches_total${labels({ deployment })} ${n}`);

  return `${out.join("\n")}\n`;
}
