/**
 * The local online store `edge-ml dev` serves looked-up features from, under `.edge-ml/features/`: the SAME emulation
 * workerd uses. kv and d1 views live in miniflare's local KV and D1, persisted in `.edge-ml/features/.store/{kv,d1}`
 * (namespace and database id `LOCAL_STORE_ID`): read from Node through miniflare's `getKVNamespace()` / `getD1Database()`
 * proxies, written in batches by a small Worker on the same bindings (`WRITER`).
 * So a Worker started by miniflare with the same persist folders and ids reads exactly these values. memory and deno-kv views are a snapshot file, `.edge-ml/features/<view>/latest.jsonl`. The layout of
 * each key's document is core/feature-views-layout.ts.
 *
 * @example
 * ```ts
 * const store = await openLocalStore(root, "customer", view);
 * await store.put([{ key: "c-42", record: { values: { plan: "pro" }, ts: 1, pushedAt: 2 } }]);
 * await store.get("c-42"); // { values: { plan: "pro" }, ts: 1, pushedAt: 2 }
 * await store.close();
 * ```
 */
import { Miniflare } from "miniflare";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FeatureView } from "../../core/feature-views.ts";
import { d1Table, FEATURE_D1_BINDING, FEATURE_KV_BINDING, type FeatureRecord, kvKey } from "../../core/feature-views-layout.ts";
import { COMPATIBILITY_DATE } from "../../targets/worker/wrangler-config.ts";

/** The local KV namespace id and D1 database id (`dev` binds the same ones). */
export const LOCAL_STORE_ID = "edge-ml-features";

/** Where a project's local feature data lives. */
const featuresDir = (root: string): string => join(root, ".edge-ml", "features");
/** miniflare's persist folders for the local KV and D1 (`dev` passes the same to its Miniflare). */
export const localPersist = (root: string): { kvPersist: string; d1Persist: string } => ({
  kvPersist: join(featuresDir(root), ".store", "kv"),
  d1Persist: join(featuresDir(root), ".store", "d1"),
});
/** A view's own folder: its history and, for memory/deno-kv views, its snapshot. */
export const viewDir = (root: string, view: string): string => join(featuresDir(root), view);

export interface KeyedRecord {
  key: string;
  record: FeatureRecord;
}

export interface LocalFeatureStore {
  /** Where the values live, for messages. */
  readonly where: string;
  /** Write records; a key whose stored `ts` is newer keeps its value. */
  put(records: readonly KeyedRecord[]): Promise<{ written: number; kept: number }>;
  get(key: string): Promise<FeatureRecord | undefined>;
  close(): Promise<void>;
}

interface KvLike {
  get(key: string, type: "text"): Promise<string | null>;
}
interface D1Like {
  prepare(sql: string): { bind(...v: unknown[]): D1Stmt; first<T>(): Promise<T | null> } & D1Stmt;
  exec(sql: string): Promise<unknown>;
}
interface D1Stmt {
  first<T>(): Promise<T | null>;
}

/** KV keeps no expiration under a minute ahead; such a value is written without one (readers check the ttl). */
const MIN_EXPIRATION_S = 60;
/**
 * The Worker the local store's miniflare runs. Node reads through the `getKVNamespace()` / `getD1Database()` proxies,
 * but writing key by key through them costs loopback round trips per key and per prepared statement (10,000 keys took
 * minutes); this Worker takes a batch per request and writes inside workerd, on the same bindings: KV compare-and-put
 * (`POST /kv`), or one D1 batch of the given upsert (`POST /d1`).
 */
const WRITER = `
export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/d1") {
      const { sql, rows } = await request.json();
      const stmt = env.${FEATURE_D1_BINDING}.prepare(sql);
      const results = await env.${FEATURE_D1_BINDING}.batch(rows.map((r) => stmt.bind(...r)));
      return Response.json({ written: results.reduce((a, r) => a + r.meta.changes, 0) });
    }
    const batch = await request.json();
    const kv = env.${FEATURE_KV_BINDING};
    const now = Date.now() / 1000;
    const done = await Promise.all(batch.map(async ([key, doc, expiration]) => {
      const old = await kv.get(key, "text");
      if (old !== null && JSON.parse(old).ts > doc.ts) return 0;
      await kv.put(key, JSON.stringify(doc), expiration !== null && expiration >= now + ${MIN_EXPIRATION_S} ? { expiration } : {});
      return 1;
    }));
    return Response.json({ written: done.reduce((a, b) => a + b, 0) });
  },
};`;

/** Start the miniflare that owns the local KV and D1 (no HTTP port: Node talks to it through dispatchFetch and the proxies). */
function startMiniflare(root: string): Miniflare {
  const persist = localPersist(root);
  mkdirSync(persist.kvPersist, { recursive: true });
  mkdirSync(persist.d1Persist, { recursive: true });
  return new Miniflare({
    modules: true,
    script: WRITER,
    compatibilityDate: COMPATIBILITY_DATE,
    kvNamespaces: { [FEATURE_KV_BINDING]: LOCAL_STORE_ID },
    d1Databases: { [FEATURE_D1_BINDING]: LOCAL_STORE_ID },
    ...persist,
  });
}

/** Records per request to the writer: each costs a get and a put, and a Worker invocation allows 1,000 KV operations. */
const KV_BATCH = 250;

async function writerAnswer(res: Awaited<ReturnType<Miniflare["dispatchFetch"]>>): Promise<number> {
  if (!res.ok) throw new Error(`the local store's writer answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { written: number }).written;
}

function kvStore(mf: Miniflare, kv: KvLike, view: string, ttlMs: number | undefined, where: string): LocalFeatureStore {
  return {
    where,
    async put(records) {
      let written = 0;
      for (let i = 0; i < records.length; i += KV_BATCH) {
        const batch = records
          .slice(i, i + KV_BATCH)
          .map((r) => [kvKey(view, r.key), r.record, ttlMs === undefined ? null : Math.floor((r.record.ts + ttlMs) / 1000)]);
        const res = await mf.dispatchFetch("http://local/kv", { method: "POST", body: JSON.stringify(batch) });
        written += await writerAnswer(res);
      }
      return { written, kept: records.length - written };
    },
    async get(key) {
      const text = await kv.get(kvKey(view, key), "text");
      return text == null ? undefined : (JSON.parse(text) as FeatureRecord);
    },
    close: () => mf.dispose(),
  };
}

async function d1Store(mf: Miniflare, db: D1Like, view: string, where: string): Promise<LocalFeatureStore> {
  const table = d1Table(view);
  await db.exec(`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, doc TEXT NOT NULL, ts INTEGER NOT NULL, pushed_at INTEGER NOT NULL)`);
  const upsert = `INSERT INTO ${table} (key, doc, ts, pushed_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET doc = excluded.doc, ts = excluded.ts, pushed_at = excluded.pushed_at WHERE excluded.ts >= ${table}.ts`;
  return {
    where,
    async put(records) {
      if (records.length === 0) return { written: 0, kept: 0 };
      const rows = records.map((r) => [r.key, JSON.stringify(r.record), r.record.ts, r.record.pushedAt]);
      const written = await writerAnswer(await mf.dispatchFetch("http://local/d1", { method: "POST", body: JSON.stringify({ sql: upsert, rows }) }));
      return { written, kept: records.length - written };
    },
    async get(key) {
      const row = await db.prepare(`SELECT doc FROM ${table} WHERE key = ?`).bind(key).first<{ doc: string }>();
      return row === null ? undefined : (JSON.parse(row.doc) as FeatureRecord);
    },
    close: () => mf.dispose(),
  };
}

/** The memory/deno-kv snapshot: loaded once, merged in memory (these views are held in memory anyway), rewritten atomically on close. */
function fileStore(root: string, view: string): LocalFeatureStore {
  const file = join(viewDir(root, view), "latest.jsonl");
  const map = new Map<string, FeatureRecord>();
  if (existsSync(file))
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (line === "") continue;
      const { key, ...record } = JSON.parse(line) as FeatureRecord & { key: string };
      map.set(key, record);
    }
  let dirty = false;
  return {
    where: file,
    async put(records) {
      let written = 0;
      for (const r of records) {
        const old = map.get(r.key);
        if (old !== undefined && old.ts > r.record.ts) continue;
        map.set(r.key, r.record);
        written++;
      }
      dirty ||= written > 0;
      return { written, kept: records.length - written };
    },
    async get(key) {
      return map.get(key);
    },
    async close() {
      if (!dirty) return;
      mkdirSync(viewDir(root, view), { recursive: true });
      writeFileSync(`${file}.tmp`, [...map].map(([key, rec]) => `${JSON.stringify({ key, ...rec })}\n`).join(""));
      renameSync(`${file}.tmp`, file);
    },
  };
}

/** Open the local store of one view, by the view's `store`. */
export async function openLocalStore(root: string, name: string, view: FeatureView): Promise<LocalFeatureStore> {
  if (view.store === "memory" || view.store === "deno-kv") return fileStore(root, name);
  const mf = startMiniflare(root);
  try {
    if (view.store === "kv") {
      const kv = (await mf.getKVNamespace(FEATURE_KV_BINDING)) as unknown as KvLike;
      return kvStore(mf, kv, name, view.ttlMs, `local KV ${localPersist(root).kvPersist}`);
    }
    const db = (await mf.getD1Database(FEATURE_D1_BINDING)) as unknown as D1Like;
    return await d1Store(mf, db, name, `local D1 ${localPersist(root).d1Persist}`);
  } catch (error) {
    await mf.dispose();
    throw error;
  }
}
