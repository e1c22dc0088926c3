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

/**
 * The predictor's lookup (the plan and the page's reader over every view of it), or undefined when the model looks
 * nothing up. Throws when a view has no store, or a store is malformed or its snapshot cannot be fetched. The readers
 * load on demand (./features-open.ts): a page whose model looks nothing up never fetches them.
 */
export async function openPageFeatures(opts: PageFeatureOptions): Promise<{ plan: LookupPlan; reader: FeatureStoreReader } | undefined> {
  const { lookup: plan, features: stores } = opts;
  if (plan === undefined || Object.keys(plan.views).length === 0) return undefined;
  const { openStores } = await import("./features-open.ts");
  return openStores(plan, stores);
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
