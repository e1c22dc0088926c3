/**
 * The read API the dashboard and scripts use: deployments, windowed metrics, recent samples, and the Prometheus
 * exposition at `/metrics`. All behind the admin guard (see monitor/admin.ts).
 *
 * @example
 * ```sh
 * curl 'http://127.0.0.1:8787/v1/metrics?deployment=prod&from=2026-01-01T00:00:00Z&step=5m'
 * ```
 */
import { Hono } from "hono";
import { MonitorError } from "../http-error.ts";
import { buildMetrics, parseMetricsQuery } from "../metrics.ts";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "../prometheus.ts";
import type { MonitorStore } from "../store/contract.ts";

const MAX_SAMPLES_LIMIT = 500;

export function apiRoutes(opts: { store: MonitorStore; now: () => number }): Hono {
  const { store } = opts;
  const app = new Hono();

  app.get("/v1/deployments", async (c) => c.json({ deployments: await store.listDeployments() }));

  app.get("/v1/metrics", async (c) => {
    const q = parseMetricsQuery(c.req.query(), opts.now());
    return c.json(buildMetrics(q, await store.windows(q), await store.backends(q), await store.lookups(q)));
  });

  app.get("/v1/samples", async (c) => {
    const deployment = c.req.query("deployment");
    const rawLimit = c.req.query("limit") ?? "50";
    const limit = Number(rawLimit);
    if (deployment === undefined || deployment === "")
      throw new MonitorError(400, "INVALID_QUERY", "missing ?deployment=", { issues: [{ path: "deployment", message: "required" }] });
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SAMPLES_LIMIT) {
      throw new MonitorError(400, "INVALID_QUERY", `limit must be an integer in 1..${MAX_SAMPLES_LIMIT}`, {
        issues: [{ path: "limit", message: `got ${rawLimit}` }],
      });
    }
    return c.json({ deployment, samples: await store.recentSamples({ deployment, limit }) });
  });

  app.get("/metrics", async (c) => c.body(renderPrometheus(await store.totals()), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }));

  return app;
}
