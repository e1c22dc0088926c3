/**
 * How a feature view's latest values are laid out in its online store: the one contract between `edge-ml features
 * push` (the writer, cli/features/) and the edge that looks values up by key (the reader). Portable: the edge imports it.
 *
 * Every key holds ONE JSON document, `FeatureRecord`: `{ values: { <feature>: <CSV text> | null }, ts, pushedAt }`
 * - `values`: every feature column of the view, as the pushed CSV's text (an empty cell is `null`); the edge converts
 *   them with the model's feature schema exactly as a CSV row is converted for validation, so training (CSV) and
 *   serving read the same text.
 * - `ts`: the value's event time in epoch milliseconds (the view's `timestamp` column; the push time without one).
 * - `pushedAt`: when `features push` wrote it, epoch milliseconds.
 *
 * Per store:
 * - **kv** (Workers KV, binding `FEATURE_KV_BINDING`): key `<view>:<key>` (`kvKey`), value the document as JSON text;
 *   with a ttl the entry expires at `ts + ttl` (KV's `expiration`, epoch seconds). One namespace serves every view.
 * - **d1** (D1, binding `FEATURE_D1_BINDING`): one table per view, `d1Table(view)` = `feature_view_<view>`, columns
 *   `key TEXT PRIMARY KEY, doc TEXT NOT NULL, ts INTEGER NOT NULL, pushed_at INTEGER NOT NULL` (`doc` is the document;
 *   `ts` and `pushed_at` repeat its fields for SQL).
 * - **memory**, **deno-kv**: a snapshot file, `.edge-ml/features/<view>/latest.jsonl`, one `{ key, ...FeatureRecord }`
 *   per line (Node and the browser load it into memory; a Deno KV loader writes `[view, key]` ▶ document).
 *
 * A push replaces a key's document only with one whose `ts` is at or after the stored one, so re-pushing an older file
 * never moves a key back in time. Readers still check the ttl themselves (KV deletes lazily, D1 never).
 *
 * @example
 * ```ts
 * const doc: FeatureRecord = { values: { plan: "pro", region: null }, ts: 1769860800000, pushedAt: 1769900000000 };
 * kvKey("customer", "c-42"); // "customer:c-42"
 * d1Table("customer"); // "feature_view_customer"
 * ```
 */

/** One key's latest values in a view's store. */
export interface FeatureRecord {
  values: Record<string, string | null>;
  ts: number;
  pushedAt: number;
}

/** The Worker binding of the KV namespace holding every kv view. */
export const FEATURE_KV_BINDING = "EDGE_ML_FEATURES_KV";
/** The Worker binding of the D1 database holding every d1 view. */
export const FEATURE_D1_BINDING = "EDGE_ML_FEATURES_D1";

/** The KV key of a view's entity key. */
export const kvKey = (view: string, key: string): string => `${view}:${key}`;

/** The D1 table of a view (view names are `[A-Za-z_][A-Za-z0-9_]*`, see core/feature-views.ts, so safe unquoted). */
export const d1Table = (view: string): string => `feature_view_${view}`;

/** True when a record is past its view's ttl at `now` (no ttl: never). */
export const isExpired = (record: Pick<FeatureRecord, "ts">, ttlMs: number | undefined, now: number): boolean => ttlMs !== undefined && now - record.ts > ttlMs;
