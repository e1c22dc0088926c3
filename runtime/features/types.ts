/**
 * The contract of online feature lookup (issue 16) inside the edge runtime: what a build knows about the views a model
 * reads (`LookupPlan`, baked in at build time from `edge-ml.config.ts`), how a target reads a view's store
 * (`FeatureStoreReader`, one per store kind: Workers KV, D1, Deno KV, memory, fetch), and what one request's lookup
 * reports to telemetry (`LookupStats`). The merge itself (key ▶ values, before validation) is runtime/features/lookup.ts.
 *
 * Records are the `FeatureRecord` documents `edge-ml features push` writes (core/feature-views-layout.ts): values are
 * the pushed CSV's text; the edge converts them with the model's feature schema the way a CSV cell is read.
 *
 * @example
 * ```ts
 * const plan: LookupPlan = { views: { customer: { key: "customer_id", features: ["plan", "region"], store: "kv", ttlMs: 2_592_000_000 } } };
 * const reader: FeatureStoreReader = { read: async (view, keys) => keys.map(() => undefined) };
 * ```
 */
import type { FeatureRecord } from "../../core/feature-views-layout.ts";

/** A view as the edge needs it: only the views the model's features come `from`. */
export interface LookupView {
  /** The entity column the client sends (customer_id); its value is the lookup key. */
  key: string;
  /** The model's features this view serves (a subset of the view's columns), in the model's order. */
  features: string[];
  store: "kv" | "d1" | "deno-kv" | "memory" | "fetch";
  /** Values older than this (from their `ts`) count as missing. */
  ttlMs?: number;
}

/** Baked into a build: every view the model reads, by name. Empty `views`: the model looks nothing up. */
export interface LookupPlan {
  views: Record<string, LookupView>;
}

/**
 * Reads one view's latest records by key: ONE round trip for all keys of a request where the store allows it (KV bulk
 * get, one D1 `in (...)` query, Deno KV getMany in chunks of 10). Returns one entry per key, in order, undefined for a
 * key the store does not hold. Throws when the store cannot answer (binding missing, network, timeout): the request is
 * then a 503 FEATURE_STORE_UNAVAILABLE, never a prediction on missing values.
 */
export interface FeatureStoreReader {
  read(view: string, keys: readonly string[]): Promise<(FeatureRecord | undefined)[]>;
}

/** One request's lookups, for telemetry (RequestEvent.lookup). */
export interface LookupStats {
  /** Per view read by this request. */
  views: Record<
    string,
    {
      /** Keys asked for (distinct keys of the request's instances). */
      keys: number;
      /** Keys with no record, or only an expired one. */
      misses: number;
      /** Of the misses, how many had a record past the ttl. */
      expired: number;
      /** Wall time of the store read (ms). */
      latencyMs: number;
      /** Age of each hit's value at request time, now - record.ts (ms). */
      agesMs: number[];
    }
  >;
}
