/**
 * The monitor on Node: the portable app over the SQLite store, served by @hono/node-server, with the dashboard's
 * assets read from disk (uPlot from node_modules: no CDN, works offline).
 *
 * Bound to loopback the read side is open (it is your machine); bound to any other interface it needs an admin
 * token, because the dashboard shows sampled request data.
 *
 * @example
 * ```ts
 * const monitor = await startMonitor({ port: 0, dbFile: ".edge-ml/monitor.db" });
 * console.log(`monitor listening on ${monitor.url}`);
 * await monitor.close(); // stops accepting, then closes the database cleanly
 * ```
 */
import { serve, type ServerType } from "@hono/node-server";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { EdgeMlError } from "../core/errors.ts";
import { createMonitorApp, type AssetLoader, type AssetName } from "./app.ts";
import { openSqliteStore } from "./store/sqlite.ts";
import type { MonitorStore } from "./store/types.ts";

export interface StartMonitorOptions {
  /** TCP port (default 8787); 0 picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  dbFile: string;
  /** Required unless `host` is loopback. */
  adminToken?: string | undefined;
  synchronous?: "NORMAL" | "FULL";
  maxBodyBytes?: number;
}

export interface RunningMonitor {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8787`. */
  url: string;
  port: number;
  store: MonitorStore;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export async function startMonitor(opts: StartMonitorOptions): Promise<RunningMonitor> {
  const host = opts.host ?? "127.0.0.1";
  if (!isLoopback(host) && (opts.adminToken === undefined || opts.adminToken === "")) {
    throw new EdgeMlError("ERR_USAGE", `the monitor would be reachable on ${host} with its dashboard and samples open to anyone`, {
      hint: "pass --admin-token <secret> (or set EDGE_ML_MONITOR_ADMIN_TOKEN), or listen on 127.0.0.1",
    });
  }
  const store = await openSqliteStore({ file: opts.dbFile, ...(opts.synchronous ? { synchronous: opts.synchronous } : {}) });
  const app = createMonitorApp({
    store,
    adminToken: opts.adminToken || undefined,
    assets: nodeAssets(),
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
    await store.close();
    const code = (error as { code?: string }).code;
    throw new EdgeMlError("ERR_USAGE", `cannot listen on ${host}:${opts.port ?? 8787}${code ? ` (${code})` : ""}`, {
      hint: code === "EADDRINUSE" ? "another process uses that port: pass --port 0 to pick a free one" : "check --host and --port",
      cause: error,
    });
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    store,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Keep-alive connections would hold close() open until they time out.
          if ("closeAllConnections" in server) server.closeAllConnections();
        });
        await store.close();
      })();
      return closing;
    },
  };
}

/** Dashboard assets: uPlot's dist files from node_modules, our script from monitor/assets; read once, then cached. */
function nodeAssets(): AssetLoader {
  const require = createRequire(import.meta.url);
  const files: Record<AssetName, () => string> = {
    "uPlot.iife.min.js": () => require.resolve("uplot/dist/uPlot.iife.min.js"),
    "uPlot.min.css": () => require.resolve("uplot/dist/uPlot.min.css"),
    "dashboard.js": () => fileURLToPath(new URL("./assets/dashboard.js", import.meta.url)),
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
