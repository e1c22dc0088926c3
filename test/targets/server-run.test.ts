/**
 * The line a Node or Deno build's "next" prints (targets/server-run.ts): plain without feature views, and the env and
 * Deno permissions each kind of view needs (test/integration/feature-lookup-servers.test.ts runs such lines).
 */
import { describe, expect, it } from "vitest";
import type { LookupPlan, LookupView } from "../../runtime/features/types.ts";
import { serverRunLine } from "../../targets/server-run.ts";

const plan = (...stores: LookupView["store"][]): LookupPlan =>
  ({ views: Object.fromEntries(stores.map((store, i) => [`v${i}`, { store }])) }) as unknown as LookupPlan;

describe("serverRunLine", () => {
  it("is the bare command without feature views", () => {
    expect(serverRunLine("node", [])).toBe("node server.mjs");
    expect(serverRunLine("deno", [])).toBe("deno run --allow-net --allow-env --allow-read=. server.js");
  });

  it("asks for the snapshot folder, Deno KV, and a feature service as the views need, across champion and challenger", () => {
    expect(serverRunLine("node", [plan("memory"), plan("deno-kv")])).toBe("F=<project>/.edge-ml/features && EDGE_ML_FEATURES_DIR=$F node server.mjs");
    expect(serverRunLine("node", [plan("kv", "d1")])).toBe("EDGE_ML_FEATURES_URL=<feature service> node server.mjs");
    expect(serverRunLine("deno", [plan("memory"), plan("fetch")])).toBe(
      "F=<project>/.edge-ml/features && EDGE_ML_FEATURES_DIR=$F EDGE_ML_FEATURES_URL=<feature service> deno run --allow-net --allow-env --allow-read=.,$F server.js",
    );
    expect(serverRunLine("deno", [plan("deno-kv")])).toBe(
      "F=<project>/.edge-ml/features && EDGE_ML_FEATURES_DIR=$F EDGE_ML_DENO_KV=./features.sqlite3 deno run --allow-net --allow-env --allow-read=.,$F --allow-write=. --unstable-kv server.js",
    );
  });
});
