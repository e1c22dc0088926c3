/**
 * Looked-up features in a page (issue 16): `loadModel({ features })` says where the page reads each view the model's
 * features come `from`, so page code sends the key (`customer_id`) and the model sees the view's values, exactly as
 * on the edge targets. Per view, one of:
 *
 * - `{ records: [{ key, values, ts? }, ...] }`: data the page already has, held in memory (`ts`, the values' time in
 *   epoch ms for the view's ttl, defaults to the load time);
 * - `{ snapshotUrl }`: the view's snapshot (`.edge-ml/features/<view>/latest.jsonl`, written by `edge-ml features
 *   push`), fetched once at load and held in memory;
 * - `{ url, headers?, timeoutMs? }`: a feature service, one `POST { view, keys }` ▶ `{ records }` per view per predict
 *   call (runtime/features/fetch-reader.ts);
 * - any object with `read(view, keys)` (a FeatureStoreReader of your own).
 *
 * Errors are in the page API's words: which `loadModel` option is wrong and what to pass.
 *
 * @example
 * ```ts
 * const model = await loadModel({ features: { customer: { url: "/api/features" } } });
 * await model.predict([{ customer_id: "c-42", age: 31 }]); // plan and region come from the view
 * ```
 */
import { createFetchReader } from "../../runtime/features/fetch-reader.ts";
import { createMemoryReader, parseSnapshot, type ViewRecords } from "../../runtime/features/memory-reader.ts";
import { readRecord } from "../../runtime/features/record.ts";
import type { FeatureStoreReader, LookupPlan } from "../../runtime/features/types.ts";

/** One record a page passes in: a key and its feature values (text, numbers, booleans or null). */
export interface PageFeatureRecord {
  key: string;
  values: Readonly<Record<string, string | number | boolean | null>>;
  /** When the values were true (epoch ms), for the view's ttl; default: when the model loaded. */
  ts?: number;
}

/** Where a page reads one view. */
export type PageFeatureStore =
  | { records: readonly PageFeatureRecord[] }
  | { snapshotUrl: string | URL }
  | { url: string | URL; headers?: Readonly<Record<string, string>>; timeoutMs?: number }
  | FeatureStoreReader;

/** `loadModel`'s `features` option: a store per view name. */
export type PageFeatureStores = Readonly<Record<string, PageFeatureStore>>;

/** The feature options every page loader takes (ORT, compiled, TF.js). */
export interface PageFeatureOptions {
  /** The feature views the model reads: baked into the build's `loadModel` by `edge-ml build` (issue 16). */
  lookup?: LookupPlan | undefined;
  /**
   * Where this page reads each of those views (by view name): `{ records }`, `{ snapshotUrl }`, `{ url }` (a feature
   * service: POST { view, keys } ▶ { records }) or a reader of your own. Page code then sends each view's key
   * (e.g. `customer_id`) instead of the features it looks up.
   */
  features?: PageFeatureStores | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const SHAPES = "{ records: [{ key, values }] }, { snapshotUrl }, { url } or an object with read(view, keys)";

/** One view's records from page data, or a page error naming the option. */
function pageRecords(view: string, records: unknown, now: number): ViewRecords {
  const where = `loadModel: features.${view}.records`;
  if (!Array.isArray(records)) throw new TypeError(`${where} must be an array of { key, values, ts? }`);
  const out = new Map<string, ReturnType<typeof readRecord>>();
  records.forEach((r: unknown, i) => {
    const key = isObject(r) ? r["key"] : undefined;
    if (typeof key !== "string" || key === "") throw new TypeError(`${where}[${i}].key must be the entity key as text`);
    out.set(key, readRecord(r, `${where}[${i}]`, now));
  });
  return out;
}

async function fetchSnapshot(view: string, url: string | URL): Promise<ViewRecords> {
  const page = (globalThis as { location?: { href: string } }).location?.href;
  const href = new URL(url, page).href;
  let response: Response;
  try {
    response = await fetch(href);
  } catch (err) {
    throw new Error(`loadModel: cannot fetch features.${view}.snapshotUrl (${href}): ${(err as Error).message}`, { cause: err });
  }
  if (!response.ok) throw new Error(`loadModel: cannot fetch features.${view}.snapshotUrl (${href}): HTTP ${response.status}`);
  return parseSnapshot(await response.text(), href);
}

/**
 * The predictor's lookup (the plan and the page's reader over every view of it), or undefined when the model looks
 * nothing up. Throws when a view has no store, or a store is malformed or its snapshot cannot be fetched.
 */
export async function openPageFeatures(opts: PageFeatureOptions): Promise<{ plan: LookupPlan; reader: FeatureStoreReader } | undefined> {
  const { lookup: plan, features: stores } = opts;
  const views = Object.entries(plan?.views ?? {});
  if (plan === undefined || views.length === 0) return undefined;
  const missing = views.filter(([name]) => !isObject(stores) || !Object.hasOwn(stores, name));
  if (missing.length > 0) {
    const lines = missing.map(([name, v]) => `${v.features.join(", ")} from view "${name}" (by ${v.key})`);
    throw new TypeError(
      `loadModel: the model looks up ${lines.join("; ")}; pass features: { ${missing.map(([n]) => `${n}: ...`).join(", ")} }, each ${SHAPES}`,
    );
  }
  const now = Date.now();
  const memory: Record<string, ViewRecords> = {};
  const byView = new Map<string, FeatureStoreReader>();
  await Promise.all(
    views.map(async ([name]) => {
      const store = (stores as PageFeatureStores)[name] as unknown;
      if (!isObject(store)) throw new TypeError(`loadModel: features.${name} must be ${SHAPES}`);
      if (typeof store["read"] === "function") byView.set(name, store as unknown as FeatureStoreReader);
      else if ("records" in store) memory[name] = pageRecords(name, store["records"], now);
      else if (typeof store["snapshotUrl"] === "string" || store["snapshotUrl"] instanceof URL) memory[name] = await fetchSnapshot(name, store["snapshotUrl"]);
      else if (typeof store["url"] === "string" || store["url"] instanceof URL) {
        const { url, headers, timeoutMs } = store as { url: string | URL; headers?: Record<string, string>; timeoutMs?: number };
        byView.set(name, createFetchReader({ url, headers, timeoutMs }));
      } else throw new TypeError(`loadModel: features.${name} must be ${SHAPES}`);
    }),
  );
  const inMemory = createMemoryReader(memory);
  for (const name of Object.keys(memory)) byView.set(name, inMemory);
  return { plan, reader: { read: (view, keys) => (byView.get(view) as FeatureStoreReader).read(view, keys) } };
}

/** Page words for the lookup errors whose hints name the CLI or the edge's bindings. */
const PAGE_HINTS: Partial<Record<string, string>> = {
  FEATURE_STORE_UNAVAILABLE:
    "no prediction was made; check the store loadModel's `features` option gives this view (the service at its url, or its snapshot), or pass the looked-up features in the instances",
  FEATURE_NOT_FOUND:
    "the page's store for this view holds no value for the key: add it there (features.<view>: records, snapshot or service), pass the features in the instance, or mark them \"nullable\": true in the model's features",
};

/** The page hint for a lookup error's code, if it has one. */
export const pageHint = (code: string): string | undefined => PAGE_HINTS[code];
