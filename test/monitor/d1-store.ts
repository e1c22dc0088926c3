/**
 * The D1 store for the contract suite (./stores.ts): a real local D1 in workerd, one miniflare per fresh database
 * (persisted in a temp folder, disposed when the test ends), driven from Node through miniflare's `getD1Database()`
 * proxy, which is the same binding a Worker gets as `env.DB`.
 */
import { Miniflare } from "miniflare";
import { onTestFinished } from "vitest";
import type { D1Database } from "../../monitor/store/d1/binding.ts";
import { openD1Store } from "../../monitor/store/d1/store.ts";
import { COMPATIBILITY_DATE } from "../../targets/worker/wrangler-config.ts";
import { tempDir } from "../helpers/tmp.ts";
import type { StoreFactory } from "./stores.ts";

/** A local D1 in workerd; disposed when the current test finishes. */
export async function localD1(): Promise<D1Database> {
  const miniflare = new Miniflare({
    modules: true,
    script: "export default { fetch: () => new Response(null, { status: 404 }) }",
    compatibilityDate: COMPATIBILITY_DATE,
    d1Databases: { DB: "monitor" },
    d1Persist: tempDir(),
  });
  onTestFinished(() => miniflare.dispose());
  return (await miniflare.getD1Database("DB")) as unknown as D1Database;
}

export const d1Factory: StoreFactory = {
  name: "d1",
  async fresh(opts = {}) {
    const d1 = await localD1();
    return { open: () => openD1Store(d1, opts) };
  },
};
