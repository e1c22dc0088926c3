/**
 * The Worker's feature store reader over stand-in bindings: KV read with one bulk get per 100 keys (one get per key
 * only where the runtime has no bulk get), D1 with one `select ... in (...)` per 100 keys sent as one batch, records
 * in the keys' order, and a 503 naming the missing binding with the wrangler.toml section to add. workerd's own KV
 * and D1 are in test/integration/feature-lookup-worker.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { FeatureRecord } from "../../../core/feature-views-layout.ts";
import type { LookupPlan } from "../../../runtime/features/types.ts";
import { HttpError } from "../../../runtime/http-error.ts";
import { createWorkerFeatureReader } from "../../../targets/worker/features.ts";

const plan: LookupPlan = {
  views: {
    customer: { key: "id", features: ["plan"], store: "kv" },
    account: { key: "id", features: ["tier"], store: "d1" },
  },
};
const rec = (plan: string): FeatureRecord => ({ values: { plan }, ts: 1, pushedAt: 2 });
const keys = Array.from({ length: 250 }, (_, i) => `k${i}`);
const stored = new Map(keys.filter((_, i) => i % 3 !== 0).map((k) => [`customer:${k}`, rec(k)]));

describe("createWorkerFeatureReader", () => {
  it("reads KV with one bulk get per 100 keys, in the keys' order", async () => {
    const calls: unknown[] = [];
    const kv = {
      get: async (k: string | string[]) => {
        calls.push(k);
        return Array.isArray(k) ? new Map(k.map((x) => [x, stored.get(x) ?? null])) : stored.get(k);
      },
    };
    const got = await createWorkerFeatureReader({ EDGE_ML_FEATURES_KV: kv }, plan).read("customer", keys);
    expect(calls.map((c) => (c as string[]).length)).toEqual([100, 100, 50]);
    expect(got).toEqual(keys.map((k, i) => (i % 3 === 0 ? undefined : rec(k))));
  });

  it("falls back to one get per key where get(keys[]) is not a bulk get", async () => {
    let single = 0;
    const kv = {
      get: async (k: string | string[]) => {
        if (Array.isArray(k)) return null;
        single++;
        return stored.get(k) ?? null;
      },
    };
    const got = await createWorkerFeatureReader({ EDGE_ML_FEATURES_KV: kv }, plan).read("customer", ["k1", "k3"]);
    expect(single).toBe(2);
    expect(got).toEqual([rec("k1"), undefined]);
  });

  it("reads D1 with one select per 100 keys, all in one batch", async () => {
    const sql: { text: string; params: unknown[] }[] = [];
    let batches = 0;
    const db = {
      prepare: (text: string) => ({ bind: (...params: unknown[]) => ({ text, params }) }),
      batch: async (statements: { text: string; params: unknown[] }[]) => {
        batches++;
        sql.push(...statements);
        return statements.map((s) => ({
          results: s.params.filter((_, i) => i % 2 === 0).map((k) => ({ key: k, doc: JSON.stringify({ values: { tier: k }, ts: 1, pushedAt: 1 }) })),
        }));
      },
    };
    const got = await createWorkerFeatureReader({ EDGE_ML_FEATURES_D1: db }, plan).read("account", keys);
    expect(batches).toBe(1);
    expect(sql.map((s) => s.params.length)).toEqual([100, 100, 50]);
    expect(sql[0]?.text).toMatch(/^SELECT key, doc FROM feature_view_account WHERE key IN \(\?(, \?){99}\)$/);
    expect(got[0]).toEqual({ values: { tier: "k0" }, ts: 1, pushedAt: 1 });
    expect(got[1]).toBeUndefined();
  });

  it("throws a 503 naming the missing binding and the wrangler.toml section", async () => {
    const reader = createWorkerFeatureReader({}, plan);
    const err = await reader.read("account", ["a"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(503);
    expect((err as HttpError).message).toBe("this Worker has no D1 database binding EDGE_ML_FEATURES_D1, which feature view account reads from");
    expect((err as HttpError).extra.hint).toContain('[[d1_databases]]\nbinding = "EDGE_ML_FEATURES_D1"');
  });
});
