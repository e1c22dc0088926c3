/**
 * Read a kv or d1 view's latest documents back out of the local store `edge-ml features push` materialized
 * (cli/features/local-store.ts: miniflare's KV and D1 persisted under .edge-ml/features/.store), page by page, so
 * that `edge-ml deploy` writes the SAME documents under the same keys to the real bindings. Each document is passed on
 * as the exact JSON text the local store holds.
 *
 * KV pages come from a small Worker in the same miniflare (list by the view's prefix, then one bulk get per 100 keys,
 * inside workerd: a round trip per key through the Node proxy costs minutes on 10,000 keys); D1 pages are one keyset
 * query each (`key > last ORDER BY key LIMIT n`) through the proxy.
 *
 * @example
 * ```ts
 * const source = await openViewSource(root);
 * for await (const page of source.pages("customer", "kv")) for (const r of page) console.log(r.key, r.doc);
 * await source.close();
 * ```
 */
import { Miniflare } from "miniflare";
import { existsSync } from "node:fs";
import { d1Table, FEATURE_D1_BINDING, FEATURE_KV_BINDING } from "../../core/feature-views-layout.ts";
import { COMPATIBILITY_DATE } from "../../targets/worker/wrangler-config.ts";
import { LOCAL_STORE_ID, localPersist } from "../features/local-store.ts";

/** One stored key: the entity key (without the view's KV prefix), its document's JSON text, and the document's `ts`. */
export interface StoredDoc {
  key: string;
  doc: string;
  ts: number;
}

export interface ViewSource {
  /** Every document of a view, in pages of up to 1,000 (KV: in KV's key order; D1: by key). */
  pages(view: string, store: "kv" | "d1"): AsyncGenerator<StoredDoc[], void, undefined>;
  close(): Promise<void>;
}

/** Lists one page of a prefix and bulk-gets its values (KV's get of up to 100 keys at once). */
const READER = `
export default {
  async fetch(request, env) {
    const { prefix, cursor } = await request.json();
    const kv = env.${FEATURE_KV_BINDING};
    const page = await kv.list({ prefix, cursor: cursor ?? undefined, limit: 1000 });
    const names = page.keys.map((k) => k.name);
    const out = [];
    for (let i = 0; i < names.length; i += 100) {
      const values = await kv.get(names.slice(i, i + 100), "text");
      for (const name of names.slice(i, i + 100)) {
        const value = values.get(name);
        if (value !== null && value !== undefined) out.push([name, value]);
      }
    }
    return Response.json({ entries: out, cursor: page.list_complete ? null : page.cursor });
  },
};`;

interface D1Proxy {
  prepare(sql: string): { bind(...v: unknown[]): { all<T>(): Promise<{ results: T[] }> } };
}

const D1_PAGE = 1000;

/** Open the local store for reading; throws nothing when it was never written (a view then has no documents). */
export async function openViewSource(root: string): Promise<ViewSource> {
  const persist = localPersist(root);
  let mf: Miniflare | undefined;
  const miniflare = async (): Promise<Miniflare> => {
    mf ??= new Miniflare({
      modules: true,
      script: READER,
      compatibilityDate: COMPATIBILITY_DATE,
      kvNamespaces: { [FEATURE_KV_BINDING]: LOCAL_STORE_ID },
      d1Databases: { [FEATURE_D1_BINDING]: LOCAL_STORE_ID },
      ...persist,
    });
    await mf.ready;
    return mf;
  };
  return {
    async *pages(view, store) {
      if (!existsSync(store === "kv" ? persist.kvPersist : persist.d1Persist)) return;
      const m = await miniflare();
      if (store === "kv") {
        const prefix = `${view}:`;
        let cursor: string | null = null;
        do {
          const res = await m.dispatchFetch("http://local/", { method: "POST", body: JSON.stringify({ prefix, cursor }) });
          if (!res.ok) throw new Error(`reading the local KV store failed (${res.status}): ${await res.text()}`);
          const page = (await res.json()) as { entries: [string, string][]; cursor: string | null };
          cursor = page.cursor;
          if (page.entries.length > 0)
            yield page.entries.map(([name, doc]) => ({ key: name.slice(prefix.length), doc, ts: (JSON.parse(doc) as { ts: number }).ts }));
        } while (cursor !== null);
        return;
      }
      const db = (await m.getD1Database(FEATURE_D1_BINDING)) as unknown as D1Proxy;
      const table = d1Table(view);
      const exists = await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?").bind(table).all<{ name: string }>();
      if (exists.results.length === 0) return;
      let last: string | null = null;
      for (;;) {
        const sql: string = `SELECT key, doc, ts FROM ${table}${last === null ? "" : " WHERE key > ?"} ORDER BY key LIMIT ${D1_PAGE}`;
        const stmt = db.prepare(sql);
        const page: { results: StoredDoc[] } = await (last === null ? stmt.bind() : stmt.bind(last)).all<StoredDoc>();
        const results = page.results;
        if (results.length === 0) return;
        yield results.map((r) => ({ key: r.key, doc: r.doc, ts: Number(r.ts) }));
        if (results.length < D1_PAGE) return;
        last = (results.at(-1) as StoredDoc).key;
      }
    },
    close: async () => {
      await mf?.dispose();
    },
  };
}
