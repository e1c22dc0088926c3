/** What `deploy` (and `features push --remote`) print per feature view: store, binding, keys, bytes, ttl, sample keys. */
import { describe, expect, it } from "vitest";
import { formatFeatures } from "../../../cli/deploy/format.ts";

describe("formatFeatures", () => {
  const views = [
    {
      view: "passenger",
      store: "kv" as const,
      binding: "EDGE_ML_FEATURES_KV",
      destination: "0123456789abcdef0123456789abcdef",
      keys: 12_345,
      expired: 2,
      bytes: 2_500_000,
      files: 2,
      ttl: "30d",
      samples: ["passenger:p1", "passenger:p2", "passenger:p3"],
    },
    {
      view: "ticket",
      store: "d1" as const,
      binding: "EDGE_ML_FEATURES_D1",
      destination: "edge-ml-features (6f1c…)",
      keys: 3,
      expired: 0,
      bytes: 612,
      files: 1,
      samples: ["t1"],
    },
  ];

  it("a dry run says what would be written, per view", () => {
    expect(formatFeatures({ dryRun: true, views }).join("\n")).toMatchInlineSnapshot(`
      "  features passenger → KV EDGE_ML_FEATURES_KV (namespace 0123456789abcdef0123456789abcdef): would write 12,345 keys, 2.38 MiB in 2 files, ttl 30d
                 e.g. passenger:p1, passenger:p2, passenger:p3
                 left out 2 keys already past the ttl
                 ticket → D1 EDGE_ML_FEATURES_D1 (database edge-ml-features (6f1c…)): would write 3 keys, 612 B in 1 file
                 e.g. t1"
    `);
  });

  it("after the writes, the same lines without 'would'; nothing for a model that reads no views", () => {
    expect(formatFeatures({ dryRun: false, views: views.slice(1) }, "remote")).toMatchInlineSnapshot(`
      [
        "  remote   ticket → D1 EDGE_ML_FEATURES_D1 (database edge-ml-features (6f1c…)): 3 keys, 612 B in 1 file",
        "           e.g. t1",
      ]
    `);
    expect(formatFeatures(undefined)).toEqual([]);
  });
});
