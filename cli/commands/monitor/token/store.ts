/**
 * The monitor commands' store: `--store` (a postgres:// URL, sqlite:<file> or a file), else an explicit `--db`, else
 * $EDGE_ML_MONITOR_STORE, else the default SQLite file of `--db`. Token commands open it for one piece of work and
 * always close it.
 *
 * @example
 * ```ts
 * const spec = storeSpec(args, rawArgs); // "postgres://monitor@db:5432/monitor" or ".edge-ml/monitor.db"
 * await withStore(spec, (store) => store.listTokens());
 * ```
 */
import type { MonitorStore } from "../../../../monitor/store/contract.ts";
import { describeStore, openStore } from "../../../../monitor/store/open.ts";

export function storeSpec(args: { store?: string | undefined; db: string }, rawArgs: readonly string[]): string {
  if (args.store !== undefined && args.store !== "") return args.store;
  const dbGiven = rawArgs.some((a) => a === "--db" || a.startsWith("--db="));
  const env = process.env["EDGE_ML_MONITOR_STORE"];
  return !dbGiven && env !== undefined && env !== "" ? env : args.db;
}

/** The flag that names this store again in a printed command (the URL's password left out). */
export function storeFlag(spec: string, args: { db: string }): string {
  if (spec === args.db) return `--db ${args.db}`;
  return spec === process.env["EDGE_ML_MONITOR_STORE"] ? `--store "$EDGE_ML_MONITOR_STORE"` : `--store ${describeStore(spec)}`;
}

export async function withStore<T>(spec: string, work: (store: MonitorStore) => Promise<T>): Promise<T> {
  const store = await openStore(spec);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
