import { describe, expect, it } from "vitest";
import { Config } from "../../core/config.ts";
import { issuesFromZod } from "../../core/errors.ts";
import { checkLookedUpFeatures, FeatureViews, parseFeatureTime, parseTtl } from "../../core/feature-views.ts";
import { FeatureSpec } from "../../core/schema/features.ts";
import { Manifest, requiredSchemaVersion } from "../../core/schema/manifest.ts";
import titanic from "../../models/titanic/1.0.0/manifest.json" with { type: "json" };

const issues = (raw: unknown) => {
  const r = Config.safeParse(raw);
  return r.success ? [] : issuesFromZod(r.error.issues);
};
const view = { key: "customer_id", features: ["plan", "region"], timestamp: "updated_at", store: "kv", ttl: "30d" };

describe("featureViews in the config", () => {
  it("normalizes a view: ttl in milliseconds, defaults to none", () => {
    const c = Config.parse({ featureViews: { customer: view, acct: { key: "id", features: ["score"], store: "d1" } } });
    expect(c.featureViews.customer).toEqual({ ...view, ttlMs: 30 * 86_400_000 });
    expect(c.featureViews.acct).toEqual({ key: "id", features: ["score"], store: "d1" });
    expect(Config.parse({}).featureViews).toEqual({});
  });

  it("names the key path of every bad value", () => {
    expect(
      issues({
        featureViews: {
          customer: { ...view, store: "redis", ttl: "a month", features: ["plan", "customer_id", "plan", "updated_at"] },
          "bad-name": { key: "id", features: [], store: "memory", colour: 1 },
        },
      }),
    ).toEqual([
      { path: "featureViews.customer.store", message: 'expected one of "kv", "d1", "deno-kv", "memory"' },
      { path: "featureViews.bad-name.features", message: "list at least one feature column" },
      { path: "featureViews.bad-name", message: 'unknown key "colour" (allowed: key, features, timestamp, store, ttl)' },
    ]);
    expect(issues({ featureViews: { "bad-name": { key: "id", features: ["x"], store: "memory" } } })).toEqual([
      { path: "featureViews.bad-name", message: "a view name is letters, digits and '_', not starting with a digit" },
    ]);
    // Refinements run once the shape is right.
    expect(issues({ featureViews: { customer: { ...view, ttl: "a month", features: ["plan", "customer_id", "plan", "updated_at"] } } })).toEqual([
      { path: "featureViews.customer.ttl", message: 'expected a duration like "30d", "12h", "90m"' },
      { path: "featureViews.customer.features[1]", message: '"customer_id" is the key; features are the other columns' },
      { path: "featureViews.customer.features[2]", message: '"plan" is listed twice; features are the other columns' },
      { path: "featureViews.customer.features[3]", message: '"updated_at" is the timestamp; features are the other columns' },
    ]);
    expect(issues({ featureViews: { v: { key: "id", features: [], store: "kv" } } })).toEqual([
      { path: "featureViews.v.features", message: "list at least one feature column" },
    ]);
  });

  it("parses ttls and feature times", () => {
    expect([parseTtl("30d"), parseTtl("12h"), parseTtl("90m"), parseTtl("2w"), parseTtl("3600s")]).toEqual([
      2_592_000_000, 43_200_000, 5_400_000, 1_209_600_000, 3_600_000,
    ]);
    expect([parseTtl("0d"), parseTtl("1.5d"), parseTtl("30"), parseTtl("forever")]).toEqual([undefined, undefined, undefined, undefined]);
    expect(parseFeatureTime("2026-01-31T12:00:00Z")).toBe(Date.UTC(2026, 0, 31, 12));
    expect(parseFeatureTime("2026-01-31T13:00:00+01:00")).toBe(Date.UTC(2026, 0, 31, 12));
    expect(parseFeatureTime("2026-01-31")).toBe(Date.UTC(2026, 0, 31)); // no offset: UTC
    expect(parseFeatureTime("1769860800000")).toBe(1769860800000);
    expect([parseFeatureTime("2026-02-30"), parseFeatureTime(""), parseFeatureTime("yesterday")]).toEqual([undefined, undefined, undefined]);
  });
});

describe("looked-up features (from)", () => {
  const views = FeatureViews.parse({ customer: view });
  it("resolve when the view lists the feature, else say which and what it has", () => {
    const features = [{ name: "plan", from: "customer" }, { name: "age" }, { name: "tier", from: "customer" }, { name: "score", from: "acct" }];
    expect(checkLookedUpFeatures(features, views)).toEqual([
      { path: "features[2].from", message: 'view "customer" does not list "tier" (its features: plan, region)' },
      { path: "features[3].from", message: '"score" comes from view "acct", which edge-ml.config.ts does not define (configured views: customer)' },
    ]);
    expect(checkLookedUpFeatures([{ name: "plan", from: "customer" }], {})[0]?.message).toContain("no featureViews are configured");
  });

  it("is a manifest field of schemaVersion 6; older manifests still load", () => {
    expect(FeatureSpec.parse({ name: "plan", type: "category", from: "customer" }).from).toBe("customer");
    const features = titanic.features.map((f) => (f.name === "sex" ? { ...f, from: "passenger" } : f));
    expect(requiredSchemaVersion({ features })).toBe(6);
    expect(Manifest.safeParse({ ...titanic, features, schemaVersion: 6 }).success).toBe(true);
    const old = Manifest.safeParse({ ...titanic, features, schemaVersion: 5 });
    expect(old.success ? [] : issuesFromZod(old.error.issues)).toEqual([{ path: "features[0].from", message: "needs schemaVersion 6 (this manifest says 5)" }]);
    expect(Manifest.safeParse(titanic).success).toBe(true);
  });
});
