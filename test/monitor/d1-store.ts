/**
 * The D1 store for the contract suite (./stores.ts): a real local D1 in workerd, one miniflare per fresh database
 * (persisted in a temp folder, disposed when the test ends).
 *
 * Node reaches it through a small Worker that runs the statements on its `env.DB` binding: `prepare()` and `bind()`
 * only record the SQL and values here, and each `all()` or `batch()` is ONE request, whose statements the Worker
 * prepares, binds and runs with D1's own `all()` / `batch()` (so a batch is D1's transaction, not ours). Why not
 * miniflare's `getD1Database()` proxy: its `prepare()` and `bind()` are synchronous round trips into workerd (a
 * blocked thread each), about 5 ms apiece; an ingest of 20 statements spent ~200 ms in them, and a loaded CI machine
 * stretched the several-writers case past its timeout.
 */
import { Miniflare } from "miniflare";
import { onTestFinished } from "vitest";
import type { D1Database, D1PreparedStatement, D1Result } from "../../monitor/store/d1/binding.ts";
import { openD1Store } from "../../monitor/store/d1/store.ts";
import { COMPATIBILITY_DATE } from "../../targets/worker/wrangler-config.ts";
import { tempDir } from "../helpers/tmp.ts";
import type { StoreFactory } from "./stores.ts";

/** The Worker: `{ batch, statements: [{ sql, params }] }` in, D1's results (or the error D1 threw) out. */
const EXECUTOR = `export default {
  async fetch(request, env) {
    const { batch, statements } = await request.json();
    const prepared = statements.map((s) => env.DB.prepare(s.sql).bind(...s.params));
    try {
      const results = batch ? await env.DB.batch(prepared) : [await prepared[0].all()];
      return Response.json({ results });
    } catch (error) {
      return Response.json({ error: String(error?.message ?? error) }, { status: 500 });
    }
  },
};`;

interface Recorded {
  sql: string;
  params: unknown[];
}

/** A local D1 in workerd, as the binding interface the store takes; disposed when the current test finishes. */
export async function localD1(): Promise<D1Database> {
  const miniflare = new Miniflare({
    modules: true,
    script: EXECUTOR,
    compatibilityDate: COMPATIBILITY_DATE,
    d1Databases: { DB: "monitor" },
    d1Persist: tempDir(),
  });
  onTestFinished(() => miniflare.dispose());
  await miniflare.ready;

  const run = async (batch: boolean, statements: Recorded[]): Promise<D1Result[]> => {
    const res = await miniflare.dispatchFetch("http://d1.test/", { method: "POST", body: JSON.stringify({ batch, statements }) });
    const body = (await res.json()) as { results?: D1Result[]; error?: string };
    if (body.error !== undefined) throw new Error(body.error);
    return body.results!;
  };
  const statement = (recorded: Recorded): D1PreparedStatement & { recorded: Recorded } => ({
    recorded,
    bind: (...params) => statement({ sql: recorded.sql, params }),
    all: async <T>() => (await run(false, [recorded]))[0] as D1Result<T>,
  });
  return {
    prepare: (sql) => statement({ sql, params: [] }),
    batch: async <T>(statements: D1PreparedStatement[]) =>
      (await run(
        true,
        statements.map((s) => (s as ReturnType<typeof statement>).recorded),
      )) as D1Result<T>[],
  };
}

export const d1Factory: StoreFactory = {
  name: "d1",
  async fresh(opts = {}) {
    const d1 = await localD1();
    return { open: () => openD1Store(d1, opts) };
  },
};
