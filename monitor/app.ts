/**
 * The monitor as a portable Hono app: ingest, read API, Prometheus metrics and the dashboard, over any
 * MonitorStore. Nothing here touches Node: the Node entry (monitor/server.ts) supplies the SQLite store and the
 * asset loader, a Worker entry could supply D1 and static assets.
 *
 * @example
 * ```ts
 * const app = createMonitorApp({ store: await openSqliteStore({ file: "monitor.db" }), adminToken: process.env.ADMIN });
 * const res = await app.request("/v1/deployments", { headers: { authorization: `Bearer ${process.env.ADMIN}` } });
 * ```
 */
import { Hono } from "hono";
import { adminGuard } from "./admin.ts";
import { MonitorError } from "./http-error.ts";
import { apiRoutes } from "./routes/api.ts";
import { ingestRoutes } from "./routes/ingest.ts";
import type { MonitorStore } from "./store/types.ts";
import { renderDashboard } from "./views/dashboard.ts";

/** Dashboard files by name; undefined when missing. */
export type AssetLoader = (name: AssetName) => Promise<string | Uint8Array | undefined>;

export const ASSETS = {
  "uPlot.iife.min.js": "text/javascript; charset=utf-8",
  "uPlot.min.css": "text/css; charset=utf-8",
  "dashboard.js": "text/javascript; charset=utf-8",
} as const;
export type AssetName = keyof typeof ASSETS;

export interface MonitorAppOptions {
  store: MonitorStore;
  /** When set, the read API, `/metrics` and the dashboard require it (ingest always needs a deployment token). */
  adminToken?: string | undefined;
  /** Largest ingest body (default 8 MiB: 1000 samples with large feature objects). */
  maxBodyBytes?: number;
  now?: () => number;
  assets?: AssetLoader;
}

export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

export function createMonitorApp(opts: MonitorAppOptions): Hono {
  const now = opts.now ?? Date.now;
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof MonitorError) return c.json(err.toJSON(), err.status);
    console.error(err);
    return c.json(new MonitorError(500, "INTERNAL", "internal error", { hint: "see the monitor's log" }).toJSON(), 500);
  });
  app.notFound((c) => c.json(new MonitorError(404, "NOT_FOUND", `no route ${c.req.method} ${c.req.path}`, { hint: "see GET / for the dashboard, POST /v1/ingest for batches" }).toJSON(), 404));

  app.get("/healthz", (c) => c.json({ ok: true }));
  app.route("/", ingestRoutes({ store: opts.store, maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, now }));

  app.get("/assets/:name", async (c) => {
    const name = c.req.param("name");
    const body = Object.hasOwn(ASSETS, name) && opts.assets ? await opts.assets(name as AssetName) : undefined;
    if (body === undefined) throw new MonitorError(404, "NOT_FOUND", `no asset ${name}`);
    return c.body(typeof body === "string" ? body : new Uint8Array(body), 200, {
      "content-type": ASSETS[name as AssetName],
      "cache-control": "public, max-age=300",
    });
  });

  const guard = adminGuard(opts.adminToken);
  for (const path of ["/", "/v1/deployments", "/v1/metrics", "/v1/samples", "/metrics"]) app.use(path, guard);
  app.route("/", apiRoutes({ store: opts.store, now }));
  app.get("/", async (c) =>
    c.html(renderDashboard({ deployments: await opts.store.listDeployments(), selected: c.req.query("deployment"), now: now() })),
  );
  return app;
}
