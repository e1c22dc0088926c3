/**
 * Which feature stores a Worker binds (issue 16): a model whose features come `from` a kv view needs the KV namespace
 * bound as EDGE_ML_FEATURES_KV, one reading a d1 view the D1 database bound as EDGE_ML_FEATURES_D1. The ids are the
 * project's (`targets.worker.features`, or `targets.worker.env.<name>.features` for `--env <name>`: an environment
 * does not inherit them, as wrangler's bindings are not inherited, so a staging deploy never writes production's
 * stores). `wrangler-config.ts` writes the bindings into the build's wrangler.toml; `edge-ml deploy` refuses a model
 * whose stores have no ids before anything uploads (`missingFeatureStores`).
 *
 * @example
 * ```ts
 * const need = featureStoresRead(manifest, { customer: { store: "kv" } }); // { kv: ["customer"], d1: [] }
 * missingFeatureStores(need, undefined, undefined); // one issue: targets.worker.features.kvNamespaceId, with the wrangler command
 * ```
 */
import type { Issue } from "../../core/errors.ts";
import { FEATURE_D1_BINDING, FEATURE_KV_BINDING } from "../../core/feature-views-layout.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import type { TargetConfig } from "../types.ts";

export type FeatureStoreIds = NonNullable<TargetConfig["features"]>;

/** The views a model reads, by the store a Worker binds for them (views of other stores are not Workers bindings). */
export interface FeatureStoresRead {
  kv: string[];
  d1: string[];
}

/** The kv and d1 views the model's looked-up features (`features[].from`) come from, each once, in schema order. */
export function featureStoresRead(manifest: Pick<Manifest, "features">, views: TargetConfig["featureViews"]): FeatureStoresRead {
  const out: FeatureStoresRead = { kv: [], d1: [] };
  for (const f of manifest.features ?? []) {
    const store = f.from !== undefined && views !== undefined && Object.hasOwn(views, f.from) ? views[f.from]?.store : undefined;
    if ((store === "kv" || store === "d1") && !out[store].includes(f.from as string)) out[store].push(f.from as string);
  }
  return out;
}

/** The feature store ids of the top level, or of an environment (its own only). */
export function featureStoreIds(config: TargetConfig | undefined, environment?: string): FeatureStoreIds | undefined {
  return environment === undefined ? config?.features : config?.env?.[environment]?.features;
}

/** Where the ids are set in edge-ml.config.ts, for messages. */
export const featureStoresKey = (environment?: string): string => `targets.worker${environment === undefined ? "" : `.env.${environment}`}.features`;

/** The database name `wrangler d1 create` is suggested with. */
const SUGGESTED_NAME = "edge-ml-features";

/** One issue per store the model reads whose ids are not configured: the config key to add and the command that creates it. */
export function missingFeatureStores(need: FeatureStoresRead, ids: FeatureStoreIds | undefined, environment: string | undefined): Issue[] {
  const key = featureStoresKey(environment);
  const suffix = environment === undefined ? "" : `-${environment}`;
  const issues: Issue[] = [];
  if (need.kv.length > 0 && ids?.kvNamespaceId === undefined)
    issues.push({
      path: `${key}.kvNamespaceId`,
      message: `view${need.kv.length === 1 ? "" : "s"} ${need.kv.join(", ")} (store "kv") need${need.kv.length === 1 ? "s" : ""} a KV namespace bound as ${FEATURE_KV_BINDING}: create one with \`npx wrangler kv namespace create ${SUGGESTED_NAME}${suffix}\` and set its id here`,
    });
  if (need.d1.length > 0 && ids?.d1 === undefined)
    issues.push({
      path: `${key}.d1`,
      message: `view${need.d1.length === 1 ? "" : "s"} ${need.d1.join(", ")} (store "d1") need${need.d1.length === 1 ? "s" : ""} a D1 database bound as ${FEATURE_D1_BINDING}: create one with \`npx wrangler d1 create ${SUGGESTED_NAME}${suffix}\` and set { databaseId, databaseName } here`,
    });
  return issues;
}

const str = (s: string) => JSON.stringify(s);

/**
 * The wrangler.toml tables binding the stores a model reads, for the top level (`env` undefined) or `[env.<env>]`;
 * a store without ids becomes a comment saying what to add (`edge-ml deploy` refuses until then). Empty when the
 * model reads no kv or d1 view.
 */
export function renderFeatureBindings(need: FeatureStoresRead, ids: FeatureStoreIds | undefined, env?: string): string {
  const prefix = env === undefined ? "" : `env.${env}.`;
  const parts: string[] = [];
  if (need.kv.length > 0)
    parts.push(
      ids?.kvNamespaceId === undefined
        ? `# Feature views ${need.kv.join(", ")} are read from KV: set ${featureStoresKey(env)}.kvNamespaceId in edge-ml.config.ts\n# (\`npx wrangler kv namespace create ${SUGGESTED_NAME}\`) and build again; \`edge-ml deploy\` refuses until then.\n`
        : `# Feature views ${need.kv.join(", ")} (written by \`edge-ml deploy\` before this Worker goes live).\n[[${prefix}kv_namespaces]]\nbinding = ${str(FEATURE_KV_BINDING)}\nid = ${str(ids.kvNamespaceId)}\n`,
    );
  if (need.d1.length > 0)
    parts.push(
      ids?.d1 === undefined
        ? `# Feature views ${need.d1.join(", ")} are read from D1: set ${featureStoresKey(env)}.d1 in edge-ml.config.ts\n# (\`npx wrangler d1 create ${SUGGESTED_NAME}\`) and build again; \`edge-ml deploy\` refuses until then.\n`
        : `# Feature views ${need.d1.join(", ")} (written by \`edge-ml deploy\` before this Worker goes live).\n[[${prefix}d1_databases]]\nbinding = ${str(FEATURE_D1_BINDING)}\ndatabase_name = ${str(ids.d1.databaseName)}\ndatabase_id = ${str(ids.d1.databaseId)}\n`,
    );
  return parts.map((p) => `\n${p}`).join("");
}
