/**
 * createFeatureLookup: looked-up features merged into :predict instances before validation, one read per view and
 * request, key errors (400), misses by nullability (null or 422), ttl expiry, a store that cannot answer (503), inline
 * values winning; and through the predictor: the event-level stats and the validator's 400 naming the view and key.
 */
import { describe, expect, it } from "vitest";
import type { FeatureRecord } from "../../../core/feature-views-layout.ts";
import type { FeatureSpec } from "../../../core/schema/features.ts";
import { createFeatureLookup } from "../../../runtime/features/lookup.ts";
import { lookupStatsOf } from "../../../runtime/features/lookup-stats.ts";
import type { FeatureStoreReader, LookupPlan } from "../../../runtime/features/types.ts";
import { HttpError } from "../../../runtime/http-error.ts";

const features: FeatureSpec[] = [
  { name: "plan", type: "category", nullable: false, values: ["free", "pro"], allowUnknown: false, from: "customer" },
  { name: "visits", type: "integer", nullable: true, range: { min: 0, max: 100 }, allowUnknown: false, from: "customer" },
  { name: "region", type: "category", nullable: true, values: ["eu", "us"], allowUnknown: false, from: "geo" },
  { name: "age", type: "number", nullable: true, allowUnknown: false },
];
const plan: LookupPlan = {
  views: {
    customer: { key: "customer_id", features: ["plan", "visits"], store: "kv", ttlMs: 1000 },
    geo: { key: "customer_id", features: ["region"], store: "d1" },
  },
};
const NOW = 10_000;
const rec = (values: Record<string, string | null>, ts = NOW - 100): FeatureRecord => ({ values, ts, pushedAt: ts });

/** A reader over fixed records that logs every call. */
function storeOf(data: Record<string, Record<string, FeatureRecord>>) {
  const calls: { view: string; keys: readonly string[] }[] = [];
  const reader: FeatureStoreReader = {
    read: async (view, keys) => {
      calls.push({ view, keys });
      return keys.map((k) => data[view]?.[k]);
    },
  };
  return { reader, calls };
}

const data = {
  customer: { c1: rec({ plan: "pro", visits: "7" }), c2: rec({ plan: "free", visits: null }), old: rec({ plan: "pro", visits: "1" }, NOW - 5000) },
  geo: { c1: rec({ region: "eu" }), c2: rec({ region: "NA" }) },
};

const make = (reader: FeatureStoreReader) => createFeatureLookup({ features, plan, reader, now: () => NOW, maxBatch: 64 });

async function refusal(p: Promise<unknown>): Promise<HttpError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  return err as HttpError;
}

describe("createFeatureLookup", () => {
  it("merges each view's values into the instances, converted like CSV cells, and drops the key column", async () => {
    const { reader } = storeOf(data);
    const r = await make(reader)([
      { customer_id: "c1", age: 30 },
      { customer_id: "c2", age: null },
    ]);
    expect(r.instances).toEqual([
      { age: 30, plan: "pro", visits: 7, region: "eu" },
      // An empty pushed cell is null for a nullable feature; "NA" is null for a nullable category too.
      { age: null, plan: "free", visits: null, region: null },
    ]);
    expect(r.stats.views["customer"]).toMatchObject({ keys: 2, misses: 0, expired: 0, agesMs: [100, 100] });
    expect(r.stats.views["geo"]).toMatchObject({ keys: 2, misses: 0 });
  });

  it("reads each view once per request with its distinct keys, and takes a number key as its text", async () => {
    const { reader, calls } = storeOf(data);
    await make(reader)([{ customer_id: "c1" }, { customer_id: "c2" }, { customer_id: "c1" }, { customer_id: 42, plan: "pro", visits: 1, region: "us" }]);
    expect(calls).toEqual([
      { view: "customer", keys: ["c1", "c2"] },
      { view: "geo", keys: ["c1", "c2"] },
    ]);
    const number = storeOf({ customer: { "42": rec({ plan: "pro", visits: "3" }) } });
    const r = await make(number.reader)([{ customer_id: 42, region: "eu" }]);
    expect(number.calls).toEqual([{ view: "customer", keys: ["42"] }]);
    expect(r.instances).toEqual([{ region: "eu", plan: "pro", visits: 3 }]);
  });

  it("keeps the key column when it is a model feature itself", async () => {
    const store: FeatureSpec = { name: "store_id", type: "string", nullable: false, allowUnknown: false };
    const size: FeatureSpec = { name: "size", type: "number", nullable: false, allowUnknown: false, from: "stores" };
    const lookup = createFeatureLookup({
      features: [store, size],
      plan: { views: { stores: { key: "store_id", features: ["size"], store: "kv" } } },
      reader: storeOf({ stores: { s1: rec({ size: "12.5" }) } }).reader,
      now: () => NOW,
    });
    expect((await lookup([{ store_id: "s1" }])).instances).toEqual([{ store_id: "s1", size: 12.5 }]);
  });

  it("lets inline values win: no key, no read when an instance carries all of a view's features", async () => {
    const { reader, calls } = storeOf(data);
    const r = await make(reader)([{ customer_id: "c1", plan: "free", visits: 0, region: "us" }]);
    expect(calls).toEqual([]);
    expect(r.instances).toEqual([{ plan: "free", visits: 0, region: "us" }]);
    expect(r.stats.views).toEqual({});
    // One inline value: the other one is still looked up, the inline one kept.
    const partial = await make(reader)([{ customer_id: "c1", plan: "free", region: "us" }]);
    expect(partial.instances).toEqual([{ plan: "free", visits: 7, region: "us" }]);
  });

  it("answers 400 naming instances[i].<key> for a missing or bad key", async () => {
    const { reader, calls } = storeOf(data);
    const err = await refusal(make(reader)([{ age: 1 }, { customer_id: true }, { customer_id: "" }, { customer_id: Number.NaN }]));
    expect(err.status).toBe(400);
    expect(err.code).toBe("INVALID_INPUT");
    const issues = err.extra.issues ?? [];
    expect(issues.map((i) => i.path)).toEqual([
      "instances[0].customer_id",
      "instances[1].customer_id",
      "instances[2].customer_id",
      "instances[3].customer_id",
      "instances[0].customer_id",
      "instances[1].customer_id",
      "instances[2].customer_id",
      "instances[3].customer_id",
    ]);
    expect(issues[0]?.message).toBe('required (the key of feature view "customer", which serves plan, visits)');
    expect(issues[1]?.message).toMatch(/^expected a string or a finite number, got boolean true/);
    expect(err.extra.hint).toMatch(/customer_id/);
    expect(calls).toEqual([]);
  });

  it("gives a nullable feature null for a missing key, and answers 422 FEATURE_NOT_FOUND for a non-nullable one", async () => {
    const { reader } = storeOf(data);
    // geo's only feature is nullable: a key it lacks imputes.
    const ok = await make(reader)([{ customer_id: "c1", age: 5 }]);
    expect(ok.instances).toEqual([{ age: 5, plan: "pro", visits: 7, region: "eu" }]);
    const r = await make(storeOf({ customer: data.customer }).reader)([{ customer_id: "c1" }]);
    expect(r.instances).toEqual([{ plan: "pro", visits: 7, region: null }]);
    expect(r.stats.views["geo"]).toMatchObject({ keys: 1, misses: 1, expired: 0, agesMs: [] });

    const err = await refusal(make(reader)([{ customer_id: "c1" }, { customer_id: "nobody" }]));
    expect(err.status).toBe(422);
    expect(err.code).toBe("FEATURE_NOT_FOUND");
    expect(err.message).toBe('feature view "customer" has no unexpired value for key "nobody" (plan is not nullable), at instances[1].customer_id');
    expect(err.extra.hint).toMatch(/edge-ml features push customer <csv>/);
    expect(lookupStatsOf(err)?.views["customer"]).toMatchObject({ keys: 2, misses: 1 });
  });

  it("counts a record past the view's ttl as missing (and expired)", async () => {
    const { reader } = storeOf(data);
    const err = await refusal(make(reader)([{ customer_id: "old" }]));
    expect(err.code).toBe("FEATURE_NOT_FOUND");
    expect(lookupStatsOf(err)?.views["customer"]).toMatchObject({ keys: 1, misses: 1, expired: 1 });
    // Within the ttl it is served.
    const fresh = createFeatureLookup({ features, plan, reader, now: () => NOW - 4500 });
    expect((await fresh([{ customer_id: "old" }])).instances).toEqual([{ plan: "pro", visits: 1, region: null }]);
  });

  it("answers 503 FEATURE_STORE_UNAVAILABLE with a hint when the store throws, never merging anything", async () => {
    const reader: FeatureStoreReader = {
      read: async (view) => {
        if (view === "geo") throw new Error("D1_ERROR: network connection lost");
        return [rec({ plan: "pro", visits: "1" })];
      },
    };
    const err = await refusal(make(reader)([{ customer_id: "c1" }]));
    expect(err.status).toBe(503);
    expect(err.code).toBe("FEATURE_STORE_UNAVAILABLE");
    expect(err.message).toBe('feature view "geo" (d1 store) could not be read: D1_ERROR: network connection lost');
    expect(err.extra.hint).toMatch(/no prediction was made/);
    // A reader's own 503 (a missing binding, with its wrangler.toml hint) passes through as it is.
    const own = new HttpError(503, "FEATURE_STORE_UNAVAILABLE", "no binding", { hint: "add [[kv_namespaces]]" });
    const passed = await refusal(
      make({
        read: async () => {
          throw own;
        },
      })([{ customer_id: "c1" }]),
    );
    expect(passed).toBe(own);
  });

  it("marks a validation issue on a looked-up value with its view and key", async () => {
    const { reader } = storeOf({ customer: { c9: rec({ plan: "gold", visits: "500" }) }, geo: {} });
    const r = await make(reader)([{ customer_id: "c9", age: 3 }]);
    expect(r.instances).toEqual([{ age: 3, plan: "gold", visits: 500, region: null }]);
    expect(
      r.annotate([
        { path: "instances[0].visits", message: "must be between 0 and 100 (inclusive), got number 500" },
        { path: "instances[0].age", message: "fine" },
      ]),
    ).toEqual([
      { path: "instances[0].visits", message: 'must be between 0 and 100 (inclusive), got number 500 (looked up from feature view "customer", key "c9")' },
      { path: "instances[0].age", message: "fine" },
    ]);
  });

  it("leaves a request over the batch limit to validation, with nothing read", async () => {
    const { reader, calls } = storeOf(data);
    const many = Array.from({ length: 65 }, () => ({ customer_id: "c1" }));
    expect((await make(reader)(many)).instances).toEqual(many);
    expect(calls).toEqual([]);
  });
});
