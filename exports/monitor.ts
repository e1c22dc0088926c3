/**
 * `edge-ml/monitor`: the monitoring server as a Hono app over a store (Node: SQLite through better-sqlite3), for
 * embedding it in your own server or running it as `edge-ml monitor serve` does.
 *
 * @example
 * ```ts
 * import { startMonitor } from "edge-ml/monitor";
 * const monitor = await startMonitor({ port: 8788, dbFile: "monitor.db" });
 * // or the bare app over a store of your own: createMonitorApp({ store, adminToken })
 * ```
 */
export { createMonitor, createMonitorApp, type AssetLoader, type MonitorAppOptions } from "../monitor/app.ts";
export { nodeAssets, startMonitor, type RunningMonitor, type StartMonitorOptions } from "../monitor/server.ts";
export { openSqliteStore } from "../monitor/store/sqlite/store.ts";
export { openPostgresStore, type PostgresStoreOptions } from "../monitor/store/postgres/store.ts";
export type { MonitorStore } from "../monitor/store/contract.ts";
export { createToken } from "../monitor/tokens.ts";
