/**
 * The monitor as a Cloudflare Worker: the same Hono app (monitor/app.ts) over the D1 store (monitor/store/d1/), the
 * dashboard's assets from the bundle, alert evaluation, webhook delivery and retention (compaction every `every`) on a
 * Cron Trigger (`scheduled`), and the admin-only token API of every monitor (../routes/tokens.ts: a Worker has no CLI beside its database).
 *
 * Settings come from the Worker's environment: `DB` (the D1 binding), `EDGE_ML_MONITOR_ADMIN_TOKEN` (a secret:
 * `npx wrangler secret put EDGE_ML_MONITOR_ADMIN_TOKEN`), `EDGE_ML_MONITOR_WINDOW` (default 1h), `EDGE_ML_MONITOR_RETENTION` (as `--retention`). A Worker is public,
 * so without an admin token the read side is closed; `edge-ml monitor dev` sets `EDGE_ML_MONITOR_LOCAL=1` (workerd on
 * 127.0.0.1), which opens it like `edge-ml monitor` on loopback.
 *
 * workerd cancels a request's I/O when that request ends, so nothing in flight is shared between requests: the store
 * (its migrations) is opened by each of an isolate's first requests in its own context and only the opened store is
 * kept; each Cron run has an evaluator of its own; and an evaluation asked for over HTTP sends its webhooks under
 * `waitUntil` (the app's own route would leave them to a promise the runtime cancels with the response).
 *
 * @example
 * ```ts
 * // the entry `edge-ml monitor build --target worker` bundles (assets inlined by the build):
 * export default createMonitorWorker({ assets: { "dashboard.js": "...", ... } });
 * ```
 */
import { type ExecutionContext, Hono } from "hono";
import { adminGuard } from "../admin.ts";
import { createAlerting } from "../alerts/evaluator.ts";
import { parseDuration } from "../alerts/rules.ts";
import { createMonitor, DEFAULT_WINDOW_MS, type AssetName } from "../app.ts";
import { DEFAULT_RETENTION, parseRetention, type RetentionPolicy } from "../retention.ts";
import { MonitorError } from "../http-error.ts";
import { MINUTE_MS, type MonitorStore } from "../store/contract.ts";
import type { D1Database } from "../store/d1/binding.ts";
import { openD1Store } from "../store/d1/store.ts";

export interface MonitorWorkerEnv {
  DB: D1Database;
  EDGE_ML_MONITOR_ADMIN_TOKEN?: string;
  /** Window of drift, rates and alert rules, e.g. "1h" (default), "15m", "5s" (demos and tests). */
  EDGE_ML_MONITOR_WINDOW?: string;
  /** Retention, as `--retention` of the Node monitor (default samples=7d,minutes=48h,hours=14d,every=10m; "off"). */
  EDGE_ML_MONITOR_RETENTION?: string;
  /** "1": served on loopback by `edge-ml monitor dev`: the read side is open without an admin token. */
  EDGE_ML_MONITOR_LOCAL?: string;
}

interface Scheduled {
  cron: string;
  scheduledTime: number;
}

/** What a Worker module exports: HTTP and the Cron Trigger. */
export interface MonitorWorker {
  fetch(request: Request, env: MonitorWorkerEnv, ctx: ExecutionContext): Promise<Response>;
  scheduled(event: Scheduled, env: MonitorWorkerEnv, ctx: ExecutionContext): Promise<void>;
}

/** Paths a Worker without an admin token still serves: telemetry in (token-authenticated), health, static assets. */
const OPEN = /^\/(healthz|v1\/ingest|v1\/feedback|v1\/whoami|assets\/.*)$/;

function windowOf(env: MonitorWorkerEnv): number {
  const raw = env.EDGE_ML_MONITOR_WINDOW;
  const ms = raw === undefined || raw === "" ? DEFAULT_WINDOW_MS : parseDuration(raw);
  const aligned = ms !== undefined && (ms < MINUTE_MS ? ms >= 1000 && MINUTE_MS % ms === 0 : ms % MINUTE_MS === 0);
  if (!aligned) throw new Error(`EDGE_ML_MONITOR_WINDOW=${raw} is not a window that lines up with minutes (use 1m, 15m, 1h, or 1s, 5s, 10s, 30s)`);
  return ms;
}

interface Ready {
  store: MonitorStore;
  windowMs: number;
  retention: RetentionPolicy | null;
  app: Hono;
}

function routes(env: MonitorWorkerEnv, store: MonitorStore, windowMs: number, assets: Readonly<Record<AssetName, string>>): Hono {
  const adminToken = env.EDGE_ML_MONITOR_ADMIN_TOKEN || undefined;
  const closed = adminToken === undefined && env.EDGE_ML_MONITOR_LOCAL !== "1";
  const monitor = createMonitor({ store, adminToken, windowMs, assets: async (name) => assets[name] });
  const app = new Hono();
  app.onError((err, c) => {
    if (err instanceof MonitorError) return c.json(err.toJSON(), err.status);
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return c.json(new MonitorError(500, "INTERNAL", "internal error", { hint: "see the Worker's logs: npx wrangler tail" }).toJSON(), 500);
  });
  app.use("*", async (c, next) => {
    if (closed && !OPEN.test(c.req.path)) {
      throw new MonitorError(401, "UNAUTHORIZED", "this monitor Worker has no admin token, so its dashboard and read API are closed", {
        hint: "set one: npx wrangler secret put EDGE_ML_MONITOR_ADMIN_TOKEN (then open /?token=<it> or send Authorization: Bearer <it>)",
      });
    }
    await next();
  });
  app.post("/v1/alerts/evaluate", adminGuard(adminToken), async (c) => {
    const alerting = createAlerting({ store, now: Date.now, windowMs });
    const result = await alerting.evaluate();
    const wait = c.req.query("wait");
    if (wait === "1" || wait === "true") await alerting.drain(30_000);
    else c.executionCtx.waitUntil(alerting.deliver().catch(() => 0));
    return c.json(result);
  });
  app.all("*", (c) => monitor.app.fetch(c.req.raw));
  return app;
}

/** The Worker's handlers; one store and app per isolate, opened (and the database migrated) on first use. */
export function createMonitorWorker(opts: { assets: Readonly<Record<AssetName, string>> }): MonitorWorker {
  let ready: Ready | undefined;
  let lastRun: number | undefined;
  const open = async (env: MonitorWorkerEnv): Promise<Ready> => {
    if (ready !== undefined) return ready;
    const windowMs = windowOf(env);
    const store = await openD1Store(env.DB, { profileBucketMs: Math.min(windowMs, MINUTE_MS) });
    const retention = env.EDGE_ML_MONITOR_RETENTION ? parseRetention(env.EDGE_ML_MONITOR_RETENTION) : DEFAULT_RETENTION;
    ready ??= { store, windowMs, retention, app: routes(env, store, windowMs, opts.assets) };
    return ready;
  };
  return {
    fetch: async (request, env, ctx) => (await open(env)).app.fetch(request, env, ctx),
    async scheduled(event, env) {
      const { store, windowMs, retention } = await open(env);
      // An evaluator of this run's own: nothing of it outlives the event.
      const alerting = createAlerting({ store, now: Date.now, windowMs });
      const result = await alerting.evaluate();
      for (const e of result.errors) console.error(`edge-ml monitor: alert rule ${e.ruleId} failed: ${e.message}`);
      await alerting.deliver();
      // Compaction every `every`: at the first run of the isolate that falls in the minute after a multiple of it,
      // then whenever a multiple was crossed since this isolate's last run (an extra run is harmless: it is atomic
      // and counts nothing twice).
      const every = retention?.every ?? null;
      const t = event.scheduledTime;
      if (retention !== null && every !== null && (lastRun === undefined ? t % every < MINUTE_MS : Math.floor(t / every) > Math.floor(lastRun / every))) {
        await store.compact(t, retention);
      }
      lastRun = t;
    },
  };
}
