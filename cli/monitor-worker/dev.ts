/**
 * `edge-ml monitor dev --target worker`: the built monitor Worker served by workerd through miniflare on 127.0.0.1,
 * with a LOCAL D1 database persisted on disk (`--persist`, default .edge-ml/monitor-d1: restarts keep the data), and
 * the Cron Trigger dispatched on a timer (workerd does not run crons by itself): the same `scheduled` handler a
 * deployed Worker runs every minute evaluates the alert rules and sends due webhooks.
 *
 * @example
 * ```ts
 * const dev = await startMonitorWorker({ outDir: ".edge-ml/monitor-worker", persistDir: ".edge-ml/monitor-d1", port: 0 });
 * await fetch(`${dev.url}/healthz`);
 * await dev.scheduled(); // one cron run now
 * await dev.close();
 * ```
 */
import { Miniflare } from "miniflare";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import { COMPATIBILITY_DATE } from "../../targets/worker/wrangler-config.ts";
import { buildMonitorWorker, CRON, D1_BINDING, MONITOR_MAIN, type MonitorBuild } from "./build.ts";

/** The local D1 database's id under the persist folder (one database per folder). */
const LOCAL_DATABASE_ID = "edge-ml-monitor";

interface ScheduledFetcher {
  scheduled(o: { cron: string; scheduledTime: Date }): Promise<{ outcome: string }>;
}

export interface MonitorWorkerDevOptions {
  /** Where the Worker is built (default .edge-ml/monitor-worker). */
  outDir?: string;
  /** Folder of the local D1 database. */
  persistDir: string;
  /** Default 8787; 0 picks a free one. */
  port?: number;
  window?: string | undefined;
  /** Retention as `--retention` (default: the monitor's defaults). */
  retention?: string | undefined;
  /** The admin secret; without one the read side is open (loopback only). */
  adminToken?: string | undefined;
  /** How often the Cron Trigger runs (default 60 s); 0: only on `scheduled()`. */
  evaluateEveryMs?: number | undefined;
  onError?: (error: unknown) => void;
}

export interface MonitorWorkerDev {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8787`. */
  url: string;
  build: MonitorBuild;
  miniflare: Miniflare;
  /** Run the Worker's `scheduled` handler once (what the Cron Trigger does), and wait for it; `at` is its scheduled time (default now). */
  scheduled(at?: Date): Promise<void>;
  close(): Promise<void>;
}

export async function startMonitorWorker(opts: MonitorWorkerDevOptions): Promise<MonitorWorkerDev> {
  const build = await buildMonitorWorker({
    outDir: opts.outDir ?? ".edge-ml/monitor-worker",
    window: opts.window,
    retention: opts.retention,
    minify: false,
  });
  const persist = resolve(opts.persistDir);
  mkdirSync(persist, { recursive: true });
  const miniflare = new Miniflare({
    modulesRoot: build.outDir,
    modules: [{ type: "ESModule", path: join(build.outDir, MONITOR_MAIN) }],
    compatibilityDate: COMPATIBILITY_DATE,
    host: "127.0.0.1",
    port: opts.port ?? 8787,
    d1Databases: { [D1_BINDING]: LOCAL_DATABASE_ID },
    d1Persist: persist,
    bindings: {
      EDGE_ML_MONITOR_LOCAL: "1",
      ...(opts.window ? { EDGE_ML_MONITOR_WINDOW: opts.window } : {}),
      ...(opts.retention ? { EDGE_ML_MONITOR_RETENTION: opts.retention } : {}),
      ...(opts.adminToken ? { EDGE_ML_MONITOR_ADMIN_TOKEN: opts.adminToken } : {}),
    },
  });
  let url: string;
  try {
    url = (await miniflare.ready).toString().replace(/\/$/, "");
  } catch (error) {
    await miniflare.dispose().catch(() => undefined);
    const code = (error as { code?: string }).code;
    throw new EdgeMlError("ERR_USAGE", `cannot serve the monitor Worker on 127.0.0.1:${opts.port ?? 8787}${code ? ` (${code})` : ""}`, {
      hint: code === "EADDRINUSE" ? "another process uses that port: pass --port 0 to pick a free one" : "see the error above",
      cause: error,
    });
  }
  const scheduled = async (at = new Date()) => {
    // miniflare's type mapping loses Fetcher.scheduled (it maps the Fetcher like a Request); the proxy has it.
    const worker = (await miniflare.getWorker()) as unknown as ScheduledFetcher;
    const result = await worker.scheduled({ cron: CRON, scheduledTime: at });
    if (result.outcome !== "ok") throw new Error(`the monitor Worker's scheduled handler ended with outcome ${result.outcome}`);
  };
  let running: Promise<void> | undefined;
  const every = opts.evaluateEveryMs ?? 60_000;
  const onError = opts.onError ?? ((error: unknown) => console.error("edge-ml monitor: scheduled run failed:", error));
  const timer =
    every > 0
      ? setInterval(() => {
          running ??= scheduled()
            .catch(onError)
            .finally(() => {
              running = undefined;
            });
        }, every)
      : undefined;
  return {
    url,
    build,
    miniflare,
    scheduled,
    async close() {
      if (timer) clearInterval(timer);
      await running;
      await miniflare.dispose();
    },
  };
}
