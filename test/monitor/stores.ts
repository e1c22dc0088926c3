/**
 * Every MonitorStore the contract suite (./store-contract.test.ts) runs against. A new store (Postgres, D1) is its
 * folder under monitor/store/ plus one entry here.
 */
import { join } from "node:path";
import type { MonitorStore } from "../../monitor/store/contract.ts";
import { openPostgresStore } from "../../monitor/store/postgres/store.ts";
import { openSqliteStore } from "../../monitor/store/sqlite/store.ts";
import { freshDatabase } from "../helpers/postgres.ts";
import { tempDir } from "../helpers/tmp.ts";
import { d1Factory } from "./d1-store.ts";

export interface StoreOptions {
  /** Profile bucket length (default a minute). */
  profileBucketMs?: number;
}

/** One empty database; `open()` may be called again (a second connection, or a restart after `close()`). */
interface StoreHandle {
  open(): Promise<MonitorStore>;
}

export interface StoreFactory {
  name: string;
  fresh(opts?: StoreOptions): Promise<StoreHandle>;
}

const sqliteFactory: StoreFactory = {
  name: "sqlite",
  async fresh(opts = {}) {
    const file = join(tempDir(), "monitor.db");
    return { open: () => openSqliteStore({ file, ...opts }) };
  },
};

/** A real Postgres (test/helpers/postgres.ts: one server per test file, one empty database per `fresh()`). */
const postgresFactory: StoreFactory = {
  name: "postgres",
  async fresh(opts = {}) {
    const url = await freshDatabase();
    return { open: () => openPostgresStore({ url, ...opts }) };
  },
};

/** D1 (monitor/store/d1/) in workerd through miniflare: ./d1-store.ts. */
export const STORES: readonly StoreFactory[] = [sqliteFactory, postgresFactory, d1Factory];

/** The store monitor tests run on when they test the app, not the store. */
export async function defaultStore(opts?: StoreOptions): Promise<MonitorStore> {
  return (await STORES[0]!.fresh(opts)).open();
}
