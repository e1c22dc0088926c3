/**
 * The lookup plan `edge-ml build` bakes in: the views a model reads with only its features in model order, the ttl in
 * ms; a `from` the config lacks is an error naming the feature and the config key; a Worker cannot read memory views.
 */
import { describe, expect, it } from "vitest";
import { lookupPlanFor } from "../../../cli/build/lookup-plan.ts";
import { EdgeMlError } from "../../../core/errors.ts";
import { FeatureViews } from "../../../core/feature-views.ts";
import type { Manifest } from "../../../core/schema/manifest.ts";

const manifest = (features: { name: string; from?: string }[]) =>
  ({ name: "m", version: "1.0.0", features: features.map((f) => ({ type: "category", nullable: false, allowUnknown: true, ...f })) }) as unknown as Manifest;
const views = FeatureViews.parse({
  customer: { key: "customer_id", features: ["region", "plan", "unused"], store: "kv", ttl: "30d" },
  geo: { key: "customer_id", features: ["country"], store: "d1" },
  snap: { key: "id", features: ["x"], store: "memory" },
});

describe("lookupPlanFor", () => {
  it("lists each view the model reads, with the model's features in its order", () => {
    const m = manifest([{ name: "plan", from: "customer" }, { name: "age" }, { name: "country", from: "geo" }, { name: "region", from: "customer" }]);
    expect(lookupPlanFor(m, views, "worker")).toEqual({
      views: {
        customer: { key: "customer_id", features: ["plan", "region"], store: "kv", ttlMs: 30 * 86_400_000 },
        geo: { key: "customer_id", features: ["country"], store: "d1" },
      },
    });
    expect(lookupPlanFor(manifest([{ name: "age" }]), views, "worker")).toBeUndefined();
  });

  it("refuses a from the config does not serve, naming the feature and the config key", () => {
    const err = (() => {
      try {
        lookupPlanFor(manifest([{ name: "plan", from: "custmer" }]), views, "worker");
      } catch (e) {
        return e;
      }
    })() as EdgeMlError;
    expect(err).toBeInstanceOf(EdgeMlError);
    expect(err.message).toBe(
      'm@1.0.0 looks features up that edge-ml.config.ts does not serve: "plan" comes from view "custmer", which edge-ml.config.ts does not define (configured views: customer, geo, snap)',
    );
    expect(err.hint).toMatch(/featureViews/);
  });

  it("refuses a view a Worker cannot read, and leaves it to other targets", () => {
    const m = manifest([{ name: "x", from: "snap" }]);
    expect(() => lookupPlanFor(m, views, "worker")).toThrow('the worker target cannot read feature view "snap" (store "memory")');
    expect(lookupPlanFor(m, views, "node")?.views["snap"]?.store).toBe("memory");
  });
});
