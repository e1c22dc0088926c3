/**
 * The monitor on Node: the portable app over a store (a SQLite file by default, or Postgres: see ./store/open.ts),
 * served by @hono/node-server, with the dashboard's assets read from disk (uPlot from node_modules: no CDN, works
 * offline).
 *
 * Bound to loopback the read side is open (it is your machine); bound to any other interface it needs an admin
 * token, because the dashboard shows sampled request data.
 *
 * @example
 * ```ts
 * const monitor = await startMonitor({ port: 0, dbFile: ".edge-ml/monitor.db" });
 * console.log(`monitor listening on ${monitor.url}`);
 * const shared = await startMonitor({ port: 0, store: "postgres://monitor@127.0.0.1:5432/monitor" }); // several may share it
 * await monitor.close(); // stops accepting, then closes the database cleanly
 * ```
 */
import { serve, type ServerType } from "@hono/node-server";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { EdgeMlError } from "../core/errors.ts";
import { createMonitor, DEFAULT_WINDOW_MS, type AssetLoader, type AssetName } from "./app.ts";
import { DEFAULT_RETENTION, startCompaction, type RetentionPolicy } from "./retention.ts";
import { openStore } from "./store/open.ts";
import { MINUTE_MS, type MonitorStore } from "./store/contract.ts";

export interface StartMonitorOptions {
  /** TCP port (default 8787); 0 picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** SQLite file, when `store` is not given. */
  dbFile?: string;
  /**
   * Where the data lives: `postgres://…`, `sqlite:<file>` or a file (./store/open.ts), or a store already opened (the
   * caller closes that one; its profile bucket must suit `windowMs`). Wins over `dbFile`.
   */
  store?: string | MonitorStore;
  /** Required unless `host` is loopback. */
  adminToken?: string | undefined;
  synchronous?: "NORMAL" | "FULL";
  maxBodyBytes?: number;
  /**
   * Default window of drift, rates and alert rules (default 1 h). Under a minute (demos, tests: `--window 5s`) it is
   * also the profile bucket, so drift can be judged per window; it must then divide a minute.
   */
  windowMs?: number | undefined;
  /** How often alert rules are evaluated (default 60 s); 0 turns the evaluator off. */
  evaluateEveryMs?: number | undefined;
  /** What is kept how long, compacted every `every` (default DEFAULT_RETENTION); null turns compaction off. */
  retention?: RetentionPolicy | null | undefined;
}

export interface RunningMonitor {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8787`. */
  url: string;
  port: number;
  store: MonitorStore;
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export async function startMonitor(opts: StartMonitorOptions): Promise<RunningMonitor> {
  const host = opts.host ?? "127.0.0.1";
  if (!isLoopback(host) && (opts.adminToken === undefined || opts.adminToken === "")) {
    throw new EdgeMlError("ERR_USAGE", `the monitor would be reachable on ${host} with its dashboard and samples open to anyone`, {
      hint: "set EDGE_ML_MONITOR_ADMIN_TOKEN (or pass --admin-token-file <file>), or listen on 127.0.0.1",
    });
  }
  const windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
  const profileBucketMs = Math.min(windowMs, MINUTE_MS);
  if (windowMs < MINUTE_MS ? MINUTE_MS % windowMs !== 0 || windowMs < 1000 : windowMs % MINUTE_MS !== 0) {
    throw new EdgeMlError("ERR_USAGE", `a window of ${windowMs / 1000}s does not line up with minutes`, {
      hint: "use whole minutes (1m, 15m, 1h), or under a minute a divisor of it (1s, 5s, 10s, 30s)",
    });
  }
  const owned = typeof opts.store !== "object";
  const store = await openOwnStore(opts, profileBucketMs);
  if (store.profileBucketMs !== profileBucketMs) {
    throw new EdgeMlError(
      "ERR_USAGE",
      `the store keeps profiles per ${store.profileBucketMs / 1000}s, a ${windowMs / 1000}s window needs ${profileBucketMs / 1000}s`,
      {
        hint: "open the store with profileBucketMs equal to the window when it is under a minute, else a minute",
      },
    );
  }
  const { app, alerting } = createMonitor({
    store,
    adminToken: opts.adminToken || undefined,
    assets: nodeAssets(),
    windowMs,
    ...(opts.maxBodyBytes ? { maxBodyBytes: opts.maxBodyBytes } : {}),
  });
  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: opts.port ?? 8787, hostname: host });
      s.once("listening", () => resolve(s));
      s.once("error", reject);
    });
  } catch (error) {
    if (owned) await store.close();
    const code = (error as { code?: string }).code;
    throw new EdgeMlError("ERR_USAGE", `cannot listen on ${host}:${opts.port ?? 8787}${code ? ` (${code})` : ""}`, {
      hint: code === "EADDRINUSE" ? "another process uses that port: pass --port 0 to pick a free one" : "check --host and --port",
      cause: error,
    });
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const evaluateEvery = opts.evaluateEveryMs ?? 60_000;
  // Several monitors on one database (Postgres): one of them at a time evaluates, delivers and compacts, by a lease
  // in the database that its holder renews on every tick and another takes over once it lapsed.
  const holder = randomUUID();
  const lease = (name: string, ttlMs: number) => () => store.acquireLease(name, holder, Date.now(), ttlMs);
  const stopAlerting =
    evaluateEvery > 0
      ? alerting.start({ evaluateEveryMs: evaluateEvery, lease: lease("alerts", Math.min(Math.max(3 * evaluateEvery, 5000), 300_000)) })
      : async () => {};
  const retention = opts.retention === undefined ? DEFAULT_RETENTION : opts.retention;
  const stopCompaction =
    retention === null ? async () => {} : startCompaction(store, retention, { lease: lease("compaction", 3 * (retention.every ?? 600_000)) });
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    store,
    close() {
      closing ??= (async () => {
        const stopped = Promise.all([stopAlerting(), stopCompaction()]);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Keep-alive connections would hold close() open until they time out.
          if ("closeAllConnections" in server) server.closeAllConnections();
        });
        await stopped;
        if (owned) await store.close();
      })();
      return closing;
    },
  };
}

async function openOwnStore(opts: StartMonitorOptions, profileBucketMs: number): Promise<MonitorStore> {
  if (typeof opts.store === "object") return opts.store;
  const spec = opts.store ?? opts.dbFile;
  if (spec === undefined) throw new EdgeMlError("ERR_USAGE", "the monitor needs a store", { hint: "pass store (a postgres:// URL or a file) or dbFile" });
  return openStore(spec, { profileBucketMs, ...(opts.synchronous ? { synchronous: opts.synchronous } : {}) });
}

/** Dashboard assets: uPlot's dist files from node_modules, our script from monitor/assets; read once, then cached. */
export function nodeAssets(): AssetLoader {
  const require = createRequire(import.meta.url);
  const files: Record<AssetName, () => string> = {
    "uPlot.iife.min.js": () => require.resolve("uplot/dist/uPlot.iife.min.js"),
    "uPlot.min.css": () => require.resolve("uplot/dist/uPlot.min.css"),
    "dashboard-common.js": () => fileURLToPath(new URL("./assets/dashboard-common.js", import.meta.url)),
    "dashboard.js": () => fileURLToPath(new URL("./assets/dashboard.js", import.meta.url)),
    "dashboard-ml.js": () => fileURLToPath(new URL("./assets/dashboard-ml.js", import.meta.url)),
    "dashboard-compare.js": () => fileURLToPath(new URL("./assets/dashboard-compare.js", import.meta.url)),
  };
  const cache = new Map<AssetName, Promise<string | undefined>>();
  return (name) => {
    let hit = cache.get(name);
    if (hit === undefined) {
      hit = readFile(files[name](), "utf8").catch(() => undefined);
      cache.set(name, hit);
    }
    return hit;
  };
}
