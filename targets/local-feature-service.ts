/**
 * `edge-ml dev --target deno|node` for a model whose views are Workers KV or D1 views: the server cannot open those
 * stores (they live inside Cloudflare), so in production it reads them from a feature service (EDGE_ML_FEATURES_URL).
 * In dev, this is that service: a Worker in miniflare bound to the SAME local KV and D1 that `edge-ml features push`
 * wrote (the persist folders and ids of `ServeOptions.localFeatures`), answering the fetch reader's contract
 * (runtime/features/fetch-reader.ts: `POST { view, keys }` ▶ `{ records }`) on 127.0.0.1. So dev serves pushed values
 * on every server target, through the path production takes.
 *
 * @example
 * ```ts
 * // serveNode/serveDeno: the child gets EDGE_ML_FEATURES_URL when the build reads kv/d1 views; close() stops both.
 * const server = await withLocalFeatureService(dir, opts, (env) => startNode(dir, opts, env));
 * ```
 */
import { Miniflare } from "miniflare";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { d1Table, FEATURE_D1_BINDING, FEATURE_KV_BINDING, kvKey } from "../core/feature-views-layout.ts";
import type { LookupPlan } from "../runtime/features/types.ts";
import type { BuildResult, LocalServer, ServeOptions } from "./types.ts";
import { COMPATIBILITY_DATE } from "./worker/wrangler-config.ts";

type LocalFeatures = NonNullable<ServeOptions["localFeatures"]>;

/** Keys per D1 statement (D1 binds at most 100 parameters). */
const D1_CHUNK = 100;

/** The service Worker: `stores` (view ▶ "kv" | "d1") baked in; a view it does not serve is a 404 naming the views it does. */
const serviceWorker = (stores: Record<string, "kv" | "d1">) => `
const STORES = ${JSON.stringify(stores)};
const kvKey = ${kvKey.toString()};
const d1Table = ${d1Table.toString()};
export default {
  async fetch(request, env) {
    const { view, keys } = await request.json();
    const store = Object.hasOwn(STORES, view) ? STORES[view] : undefined;
    if (store === undefined) return new Response("view " + JSON.stringify(view) + " is not served here (" + Object.keys(STORES).join(", ") + ")", { status: 404 });
    if (store === "kv") {
      const texts = await Promise.all(keys.map((k) => env.${FEATURE_KV_BINDING}.get(kvKey(view, k), "text")));
      return Response.json({ records: texts.map((t) => (t === null ? null : JSON.parse(t))) });
    }
    const found = new Map();
    for (let i = 0; i < keys.length; i += ${D1_CHUNK}) {
      const part = keys.slice(i, i + ${D1_CHUNK});
      const sql = "SELECT key, doc FROM " + d1Table(view) + " WHERE key IN (" + part.map(() => "?").join(", ") + ")";
      try {
        const { results } = await env.${FEATURE_D1_BINDING}.prepare(sql).bind(...part).all();
        for (const row of results) found.set(row.key, JSON.parse(row.doc));
      } catch (err) {
        if (/no such table/.test(String(err))) return new Response("view " + view + " was never pushed: run edge-ml features push " + view + " <csv>", { status: 503 });
        throw err;
      }
    }
    return Response.json({ records: keys.map((k) => found.get(k) ?? null) });
  },
};`;

/** The kv and d1 views of a plan, by name; empty when it has none. */
function cloudflareViews(plan: LookupPlan | undefined): Record<string, "kv" | "d1"> {
  return Object.fromEntries(Object.entries(plan?.views ?? {}).flatMap(([name, v]) => (v.store === "kv" || v.store === "d1" ? [[name, v.store] as const] : [])));
}

/** Start the service over the local store for `stores`; its URL is what EDGE_ML_FEATURES_URL takes. */
async function startLocalFeatureService(local: LocalFeatures, stores: Record<string, "kv" | "d1">): Promise<{ url: string; close(): Promise<void> }> {
  const mf = new Miniflare({
    modules: true,
    script: serviceWorker(stores),
    compatibilityDate: COMPATIBILITY_DATE,
    host: "127.0.0.1",
    port: 0,
    kvNamespaces: { [FEATURE_KV_BINDING]: local.id },
    d1Databases: { [FEATURE_D1_BINDING]: local.id },
    kvPersist: local.kvPersist,
    d1Persist: local.d1Persist,
  });
  const url = (await mf.ready).toString();
  return { url, close: () => mf.dispose() };
}

/**
 * Start a Deno or Node build (`start`, given the env to add) with the local service for its kv/d1 views (build.json
 * `lookup`) at EDGE_ML_FEATURES_URL, closed with the server or when it fails to start. Without a local store, or when
 * the caller set EDGE_ML_FEATURES_URL (a real service), or with no kv/d1 views, `start` runs alone.
 */
export async function withLocalFeatureService<S extends LocalServer>(
  outDir: string,
  opts: ServeOptions,
  start: (env: Record<string, string>) => Promise<S>,
): Promise<S> {
  if (opts.localFeatures === undefined || opts.env?.["EDGE_ML_FEATURES_URL"] || process.env["EDGE_ML_FEATURES_URL"]) return start({});
  const build = JSON.parse(readFileSync(join(outDir, "build.json"), "utf8")) as Pick<BuildResult, "lookup">;
  const stores = cloudflareViews(build.lookup);
  if (Object.keys(stores).length === 0) return start({});
  const service = await startLocalFeatureService(opts.localFeatures, stores);
  let server: S;
  try {
    server = await start({ EDGE_ML_FEATURES_URL: service.url });
  } catch (err) {
    await service.close();
    throw err;
  }
  // miniflare exits the process on SIGINT/SIGTERM (its exit hook disposes workerd, then process.exit) before the
  // caller's own close runs: stop the server child with it, or it outlives dev.
  const child = (server as { process?: ChildProcess }).process;
  const stopChild = () => void child?.kill("SIGTERM");
  process.once("exit", stopChild);
  return {
    ...server,
    close: async () => {
      process.off("exit", stopChild);
      try {
        await server.close();
      } finally {
        await service.close();
      }
    },
  };
}
