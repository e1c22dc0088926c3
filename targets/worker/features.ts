/**
 * The Worker's feature store reader (issue 16): `kv` views from the Workers KV binding EDGE_ML_FEATURES_KV, `d1` views
 * from the D1 binding EDGE_ML_FEATURES_D1, in the layout `edge-ml features push` writes (core/feature-views-layout.ts).
 * One round trip per view and request where the store allows: KV's bulk get (`get(keys[], "json")`, up to 100 keys per
 * call; more keys are read in parallel chunks), D1's one `select ... where key in (...)` (chunks of 100 bound
 * parameters, one `batch` for all chunks). A binding that is not there, a table never pushed or a store error throws a
 * 503 FEATURE_STORE_UNAVAILABLE naming the binding and the wrangler.toml section to add.
 *
 * @example
 * ```ts
 * createWorker({ manifest, model, wasm, lookup: plan }); // runtime.ts passes featureReader: createWorkerFeatureReader
 * const reader = createWorkerFeatureReader(env, plan);
 * await reader.read("passenger", ["7", "12"]); // [FeatureRecord | undefined, FeatureRecord | undefined]
 * ```
 */
import { d1Table, FEATURE_D1_BINDING, FEATURE_KV_BINDING, type FeatureRecord, kvKey } from "../../core/feature-views-layout.ts";
import type { FeatureStoreReader, LookupPlan } from "../../runtime/features/types.ts";
import { HttpError } from "../../runtime/http-error.ts";

/** The slice of a KV namespace binding used here: single get, and bulk get (a Map) where the runtime has it. */
export interface KvBinding {
  get(key: string, type: "json"): Promise<unknown>;
  get(keys: string[], type: "json"): Promise<Map<string, unknown> | unknown>;
}

/** The slice of a D1 binding used here. */
export interface D1Binding {
  prepare(sql: string): { bind(...values: unknown[]): D1Statement };
  batch(statements: D1Statement[]): Promise<{ results?: unknown[] }[]>;
}
type D1Statement = object;

/** Workers KV's most keys per bulk get; D1's most bound parameters per statement. */
const KV_BULK_KEYS = 100;
const D1_PARAMS = 100;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

const isRecord = (v: unknown): v is FeatureRecord =>
  typeof v === "object" && v !== null && typeof (v as FeatureRecord).values === "object" && typeof (v as FeatureRecord).ts === "number";

function unavailable(message: string, hint: string): HttpError {
  return new HttpError(503, "FEATURE_STORE_UNAVAILABLE", message, { hint });
}

const KV_SECTION = `[[kv_namespaces]]\nbinding = "${FEATURE_KV_BINDING}"\nid = "<namespace id>"`;
const D1_SECTION = `[[d1_databases]]\nbinding = "${FEATURE_D1_BINDING}"\ndatabase_name = "<name>"\ndatabase_id = "<database id>"`;

function missingBinding(binding: string, kind: "kv" | "d1", views: string[]): HttpError {
  return unavailable(
    `this Worker has no ${kind === "kv" ? "KV namespace" : "D1 database"} binding ${binding}, which feature view${views.length === 1 ? "" : "s"} ${views.join(", ")} read${views.length === 1 ? "s" : ""} from`,
    `add it to wrangler.toml and deploy again:\n${kind === "kv" ? KV_SECTION : D1_SECTION}\n(edge-ml dev binds the local store by itself)`,
  );
}

/** Read one kv view's keys: bulk gets of up to 100 keys (a runtime without bulk get: one get per key). */
async function readKv(kv: KvBinding, view: string, keys: readonly string[]): Promise<(FeatureRecord | undefined)[]> {
  const names = keys.map((k) => kvKey(view, k));
  const parts = await Promise.all(
    chunks(names, KV_BULK_KEYS).map(async (part) => {
      const got = await kv.get(part, "json");
      // An older runtime takes the array as one key and answers null: read key by key there.
      if (got instanceof Map) return part.map((name) => got.get(name));
      return Promise.all(part.map((name) => kv.get(name, "json")));
    }),
  );
  return parts.flat().map((v) => (isRecord(v) ? v : undefined));
}

/** Read one d1 view's keys: one `select` per 100 keys, all in one batch. */
async function readD1(db: D1Binding, view: string, keys: readonly string[]): Promise<(FeatureRecord | undefined)[]> {
  const table = d1Table(view);
  const statements = chunks(keys, D1_PARAMS).map((part) =>
    db.prepare(`SELECT key, doc FROM ${table} WHERE key IN (${part.map(() => "?").join(", ")})`).bind(...part),
  );
  let results: { results?: unknown[] }[];
  try {
    results = await db.batch(statements);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/no such table/i.test(message))
      throw unavailable(
        `feature view "${view}" has no table ${table} in the D1 database ${FEATURE_D1_BINDING}`,
        `push the view first: edge-ml features push ${view} <csv>`,
      );
    throw err;
  }
  const docs = new Map<string, string>();
  for (const r of results) for (const row of (r.results ?? []) as { key: string; doc: string }[]) docs.set(row.key, row.doc);
  return keys.map((k) => {
    const doc = docs.get(k);
    if (doc === undefined) return undefined;
    const parsed: unknown = JSON.parse(doc);
    return isRecord(parsed) ? parsed : undefined;
  });
}

/** The reader a Worker's runtime uses for `plan`'s views, over the bindings in `env`. */
export function createWorkerFeatureReader(env: Readonly<Record<string, unknown>> | undefined, plan: LookupPlan): FeatureStoreReader {
  const kv = env?.[FEATURE_KV_BINDING] as KvBinding | undefined;
  const db = env?.[FEATURE_D1_BINDING] as D1Binding | undefined;
  const viewsOf = (store: string) => Object.entries(plan.views).flatMap(([name, v]) => (v.store === store ? [name] : []));
  return {
    async read(view, keys) {
      const store = plan.views[view]?.store;
      if (keys.length === 0) return [];
      if (store === "kv") {
        if (kv === undefined || typeof kv.get !== "function") throw missingBinding(FEATURE_KV_BINDING, "kv", viewsOf("kv"));
        return readKv(kv, view, keys);
      }
      if (store === "d1") {
        if (db === undefined || typeof db.prepare !== "function") throw missingBinding(FEATURE_D1_BINDING, "d1", viewsOf("d1"));
        return readD1(db, view, keys);
      }
      throw unavailable(
        `feature view "${view}" is a ${store ?? "unknown"} view, which a Worker cannot read`,
        'on Workers, set the view\'s store to "kv" or "d1" in edge-ml.config.ts (featureViews), push it, and build again',
      );
    },
  };
}
