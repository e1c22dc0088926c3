/** The token commands' store: the SQLite file of `--db`, opened for one piece of work and always closed. */
import { resolve } from "node:path";
import type { MonitorStore } from "../../../../monitor/store/contract.ts";
import { openSqliteStore } from "../../../../monitor/store/sqlite/store.ts";

export async function withStore<T>(file: string, work: (store: MonitorStore) => Promise<T>): Promise<T> {
  const store = await openSqliteStore({ file: resolve(file) });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
