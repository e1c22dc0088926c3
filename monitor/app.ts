/**
 * The monitor as a portable Hono app: ingest and feedback, the read API (metrics, drift, slices, prediction rate,
 * performance), alerts, ingest tokens (admin), Prometheus metrics and the dashboard, over any MonitorStore. Nothing here touches Node: the Node entry (monitor/server.ts) supplies the SQLite store and the
 * asset loader, a Worker entry could supply D1 and static assets.
 *
 * @example
 * ```ts
 * const app = createMonitorApp({ store: await openSqliteStore({ file: "monitor.db" }), adminToken: process.env.ADMIN });
 * const res = await app.request("/v1/deployments", { headers: { authorization: `Bearer ${process.env.ADMIN}` } });
 * // or, to run the alert evaluator too:
 * const { app: monitorApp, alerting } = createMonitor({ store, windowMs: 3_600_000 });
 * ```
 */
import { Hono } from "hono";
import { adminGuard } from "./admin.ts";
import { createAlerting, type Alerting, type AlertingOptions } from "./alerts/evaluator.ts";
import { MonitorError } from "./http-error.ts";
import { createIngestAuth } from "./ingest-auth.ts";
import { createRefusalReporter } from "./refusals.ts";
import { alertRoutes } from "./routes/alerts.ts";
import { apiRoutes } from "./routes/api.ts";
import { feedbackRoutes } from "./routes/feedback.ts";
import { ingestRoutes } from "./routes/ingest.ts";
import { compareRoutes } from "./routes/compare.ts";
import { mlRoutes } from "./routes/ml.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import type { MonitorStore } from "./store/contract.ts";
import { renderDashboard } from "./views/dashboard.ts";

/** Dashboard files by name; undefined when missing. */
export type AssetLoader = (name: AssetName) => Promise<string | Uint8Array | undefined>;

const ASSETS = {
  "uPlot.iife.min.js": "text/javascript; charset=utf-8",
  "uPlot.min.css": "text/css; charset=utf-8",
  "dashboard-common.js": "text/javascript; charset=utf-8",
  "dashboard.js": "text/javascript; charset=utf-8",
  "dashboard-ml.js": "text/javascript; charset=utf-8",
  "dashboard-compare.js": "text/javascript; charset=utf-8",
} as const;
export type AssetName = keyof typeof ASSETS;
/** Every dashboard file the app serves (what a build that inlines them must carry). */
export const ASSET_NAMES = Object.keys(ASSETS) as readonly AssetName[];

export interface MonitorAppOptions {
  store: MonitorStore;
  /** When set, the read API, `/metrics` and the dashboard require it (ingest always needs a deployment token). */
  adminToken?: string | undefined;
  /** Largest ingest body (default 8 MiB: 1000 samples with large feature objects). */
  maxBodyBytes?: number;
  /** The data clock (which windows are complete); tests move it to simulate days in seconds. */
  now?: () => number;
  assets?: AssetLoader;
  /** Default window of drift, rates, performance and alert rules (default 1 h). */
  windowMs?: number;
  /** Webhook delivery settings (retries, clock, fetch). */
  webhooks?: AlertingOptions["webhooks"];
  /** Where refused telemetry and internal errors are logged (default console.error: the monitor's stderr). */
  log?: (line: string) => void;
  /** Refusals of one token and deployment are logged and stored at most this often (default 60 s). */
  refusalIntervalMs?: number;
}

const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
export const DEFAULT_WINDOW_MS = 3_600_000;

export function createMonitorApp(opts: MonitorAppOptions): Hono {
  return createMonitor(opts).app;
}

/** The app and its alert evaluator (which `startMonitor` runs on a timer). */
export function createMonitor(opts: MonitorAppOptions): { app: Hono; alerting: Alerting } {
  const now = opts.now ?? Date.now;
  const windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
  const alerting = createAlerting({ store: opts.store, now, windowMs, ...(opts.webhooks ? { webhooks: opts.webhooks } : {}) });
  const log = opts.log ?? ((line: string) => console.error(line));
  const refusals = createRefusalReporter({
    store: opts.store,
    now,
    log,
    ...(opts.refusalIntervalMs !== undefined ? { intervalMs: opts.refusalIntervalMs } : {}),
  });
  const authenticate = createIngestAuth({ store: opts.store, refusals });
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof MonitorError) return c.json(err.toJSON(), err.status);
    log(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return c.json(new MonitorError(500, "INTERNAL", "internal error", { hint: "see the monitor's log" }).toJSON(), 500);
  });
  app.notFound((c) =>
    c.json(
      new MonitorError(404, "NOT_FOUND", `no route ${c.req.method} ${c.req.path}`, {
        hint: "see GET / for the dashboard, POST /v1/ingest for batches",
      }).toJSON(),
      404,
    ),
  );

  app.get("/healthz", (c) => c.json({ ok: true }));
  app.route("/", ingestRoutes({ store: opts.store, maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, now, authenticate, refusals }));
  app.route("/", feedbackRoutes({ store: opts.store, now, authenticate }));

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
  const guarded = [
    "/",
    "/v1/deployments",
    "/v1/deployments/*",
    "/v1/metrics",
    "/v1/samples",
    "/metrics",
    "/v1/drift",
    "/v1/slices",
    "/v1/prediction-rate",
    "/v1/performance",
    "/v1/compare",
    "/v1/alerts",
    "/v1/alerts/*",
    "/v1/tokens",
    "/v1/tokens/*",
  ];
  for (const path of guarded) app.use(path, guard);
  app.route("/", apiRoutes({ store: opts.store, now }));
  app.route("/", mlRoutes({ store: opts.store, now, windowMs }));
  app.route("/", compareRoutes({ store: opts.store, now, windowMs }));
  app.route("/", alertRoutes({ store: opts.store, alerting, now }));
  app.route("/", tokenRoutes({ store: opts.store }));
  app.get("/", async (c) =>
    c.html(renderDashboard({ deployments: await opts.store.listDeployments(), selected: c.req.query("deployment"), tab: c.req.query("tab"), now: now() })),
  );
  return { app, alerting };
}
