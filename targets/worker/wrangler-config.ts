/**
 * The wrangler.toml written beside a built Worker, with one `[env.<name>]` section per configured environment, and the
 * feature stores the model reads bound in each (feature-bindings.ts: EDGE_ML_FEATURES_KV / EDGE_ML_FEATURES_D1).
 *
 * @example
 * ```ts
 * renderWranglerToml({ main: "worker.js", manifest, config: { name: "titanic", features: { kvNamespaceId: "…" } } });
 * ```
 */
import type { Manifest } from "../../core/schema/manifest.ts";
import type { TargetConfig } from "../types.ts";
import { featureStoreIds, featureStoresRead, renderFeatureBindings } from "./feature-bindings.ts";
import { workerName } from "./name.ts";

/** workerd's compatibility date the runtime is tested against (the pinned miniflare's workerd). */
export const COMPATIBILITY_DATE = "2026-04-26";

const str = (s: string) => JSON.stringify(s);

export function renderWranglerToml(opts: { main: string; manifest: Manifest; challenger?: Manifest | undefined; config: TargetConfig | undefined }): string {
  const { manifest, config } = opts;
  // Bindings are not inherited by environments either: each section binds its own stores. A challenger served by the
  // same Worker may read views the champion does not: its stores are bound too.
  const stores = featureStoresRead({ features: [...(manifest.features ?? []), ...(opts.challenger?.features ?? [])] }, config?.featureViews);
  const bindings = (env?: string) => renderFeatureBindings(stores, featureStoreIds(config, env), env);
  // wrangler does not inherit [vars] into environments: each section repeats them. The telemetry deployment is the
  // Worker's name, so the monitor, wrangler and deploys.log.jsonl all say the same.
  const vars = (section: string, name: string) => `[${section}]
EDGE_ML_MODEL = ${str(`${manifest.name}@${manifest.version}`)}
# Telemetry: set EDGE_ML_MONITOR_URL here and the token as a secret: \`npx wrangler secret put EDGE_ML_MONITOR_TOKEN\`.
EDGE_ML_MONITOR_URL = ""
EDGE_ML_SAMPLE_RATE = "0.01"
EDGE_ML_DEPLOYMENT = ${str(name)}
`;
  const environments = Object.keys(config?.env ?? {}).map(
    (env) => `
# \`npx edge-ml deploy ${manifest.name}@${manifest.version} --env ${env}\`; secrets: \`npx wrangler secret put NAME --env ${env}\`.
[env.${env}]
name = ${str(workerName(manifest.name, config, env))}

${vars(`env.${env}.vars`, workerName(manifest.name, config, env))}${bindings(env)}`,
  );
  return `# Written by \`edge-ml build\` for ${manifest.name}@${manifest.version}. Deploy with \`npx edge-ml deploy\` (or \`npx wrangler deploy\` from this folder).
# The name is the model's one Worker name (targets.worker.name in edge-ml.config.ts, else the model name).
name = ${str(workerName(manifest.name, config))}
main = ${str(opts.main)}
compatibility_date = "${COMPATIBILITY_DATE}"
# edge-ml already bundled worker.js with esbuild; wrangler uploads the files as they are.
no_bundle = true
find_additional_modules = true
base_dir = "."

# fallthrough: a TF.js shard (*.bin) also matches wrangler's own Data rule, which must not be dropped as a duplicate.
[[rules]]
type = "Data"
globs = ["**/*.onnx", "**/*.graph", "tfjs/**"]
fallthrough = true

[[rules]]
type = "CompiledWasm"
globs = ["**/*.wasm"]
fallthrough = false

${vars("vars", workerName(manifest.name, config))}${bindings()}${environments.join("")}`;
}
