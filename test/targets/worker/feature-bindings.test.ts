/**
 * The feature stores a Worker binds (issue 16): `targets.worker.features` validated with its key paths, the build's
 * wrangler.toml binding EDGE_ML_FEATURES_KV / EDGE_ML_FEATURES_D1 only for the stores the model reads (in every
 * environment, each with its own ids, never inherited), and the issues deploy refuses with when ids are missing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../cli/project/config.ts";
import type { EdgeMlError } from "../../../core/errors.ts";
import type { Manifest } from "../../../core/schema/manifest.ts";
import { featureStoresRead, missingFeatureStores } from "../../../targets/worker/feature-bindings.ts";
import { renderWranglerToml } from "../../../targets/worker/wrangler-config.ts";
import { REPO_ROOT } from "../../helpers/tmp.ts";

const base = JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8")) as Manifest;
const manifest = {
  ...base,
  features: base.features?.map((f) => (f.name === "sex" ? { ...f, from: "passenger" } : f.name === "passengerClass" ? { ...f, from: "ticket" } : f)),
} as Manifest;
const views = { passenger: { store: "kv" }, ticket: { store: "d1" }, local: { store: "memory" } };
const KV = "0123456789abcdef0123456789abcdef";
const D1 = { databaseId: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", databaseName: "edge-ml-features" };

const issuesOf = (raw: unknown): string[] => {
  try {
    parseConfig(raw);
  } catch (error) {
    return (error as EdgeMlError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
};

describe("targets.worker.features in edge-ml.config.ts", () => {
  it("takes the ids wrangler printed, at the top level and per environment", () => {
    const config = parseConfig({ targets: { worker: { features: { kvNamespaceId: KV, d1: D1 }, env: { staging: { features: { kvNamespaceId: KV } } } } } });
    expect(config.targets.worker?.features).toEqual({ kvNamespaceId: KV, d1: D1 });
    expect(config.targets.worker?.env["staging"]?.features).toEqual({ kvNamespaceId: KV });
  });

  it("a malformed id or an unknown key is an error at its key path", () => {
    expect(
      issuesOf({
        targets: {
          worker: {
            features: { kvNamespaceId: "my-namespace", kv: "x" },
            env: { staging: { features: { d1: { databaseId: "123", databaseName: "a b" } } } },
          },
        },
      }),
    ).toEqual([
      "targets.worker.features.kvNamespaceId: expected the namespace id `wrangler kv namespace create` printed: 32 hex digits",
      expect.stringMatching(/^targets\.worker\.features(\.kv)?: .*kv/),
      "targets.worker.env.staging.features.d1.databaseId: expected the database_id `wrangler d1 create` printed (a UUID)",
      "targets.worker.env.staging.features.d1.databaseName: expected the database_name `wrangler d1 create` printed",
    ]);
  });
});

describe("the build's wrangler.toml binds the stores the model reads", () => {
  it("kv and d1 views, once each; memory views and models without lookups bind nothing", () => {
    expect(featureStoresRead(manifest, views)).toEqual({ kv: ["passenger"], d1: ["ticket"] });
    expect(featureStoresRead(base, views)).toEqual({ kv: [], d1: [] });
    expect(renderWranglerToml({ main: "worker.js", manifest: base, config: { features: { kvNamespaceId: KV }, featureViews: views } })).not.toMatch(
      /kv_namespaces|d1_databases|Feature views/,
    );
  });

  it("binds a challenger's stores too: the champion reads no view, the challenger served beside it does", () => {
    const config = { features: { kvNamespaceId: KV, d1: D1 }, featureViews: views };
    expect(renderWranglerToml({ main: "worker.js", manifest: base, config })).not.toContain("kv_namespaces");
    const toml = renderWranglerToml({ main: "worker.js", manifest: base, challenger: manifest, config });
    expect(toml).toContain(`[[kv_namespaces]]\nbinding = "EDGE_ML_FEATURES_KV"\nid = "${KV}"\n`);
    expect(toml).toContain(`[[d1_databases]]\nbinding = "EDGE_ML_FEATURES_D1"`);
  });

  it("every section binds its own ids; an environment without them gets a comment naming the key to set", () => {
    const toml = renderWranglerToml({
      main: "worker.js",
      manifest,
      config: {
        name: "titanic-edge",
        features: { kvNamespaceId: KV, d1: D1 },
        env: { staging: {}, prod: { features: { kvNamespaceId: "f".repeat(32) } } },
        featureViews: views,
      },
    });
    const top = toml.slice(0, toml.indexOf("[env."));
    expect(top).toContain(`[[kv_namespaces]]\nbinding = "EDGE_ML_FEATURES_KV"\nid = "${KV}"\n`);
    expect(top).toContain(`[[d1_databases]]\nbinding = "EDGE_ML_FEATURES_D1"\ndatabase_name = "edge-ml-features"\ndatabase_id = "${D1.databaseId}"\n`);
    const staging = toml.slice(toml.indexOf("[env.staging]"), toml.indexOf("[env.prod]") - 80);
    expect(staging).not.toContain("kv_namespaces");
    expect(staging).toContain("set targets.worker.env.staging.features.kvNamespaceId in edge-ml.config.ts");
    expect(staging).toContain("set targets.worker.env.staging.features.d1 in edge-ml.config.ts");
    const prod = toml.slice(toml.indexOf("[env.prod]"));
    expect(prod).toContain(`[[env.prod.kv_namespaces]]\nbinding = "EDGE_ML_FEATURES_KV"\nid = "${"f".repeat(32)}"\n`);
    expect(prod).not.toContain("[[env.prod.d1_databases]]");
    expect(prod).toContain("set targets.worker.env.prod.features.d1 in edge-ml.config.ts");
  });
});

describe("missing ids", () => {
  it("one issue per store, with the config key and the wrangler command that creates it", () => {
    const need = featureStoresRead(manifest, views);
    expect(missingFeatureStores(need, { kvNamespaceId: KV, d1: D1 }, undefined)).toEqual([]);
    expect(missingFeatureStores(need, undefined, "staging")).toEqual([
      {
        path: "targets.worker.env.staging.features.kvNamespaceId",
        message:
          'view passenger (store "kv") needs a KV namespace bound as EDGE_ML_FEATURES_KV: create one with `npx wrangler kv namespace create edge-ml-features-staging` and set its id here',
      },
      {
        path: "targets.worker.env.staging.features.d1",
        message:
          'view ticket (store "d1") needs a D1 database bound as EDGE_ML_FEATURES_D1: create one with `npx wrangler d1 create edge-ml-features-staging` and set { databaseId, databaseName } here',
      },
    ]);
  });
});
