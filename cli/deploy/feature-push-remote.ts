/**
 * `edge-ml features push <view> <csv> --remote [--env <name>]`: after the local push, write the view's latest values
 * to its Cloudflare store the way `edge-ml deploy` does (feature-push.ts), without deploying a Worker: for refreshing
 * values between deploys (a nightly job). The stores are the project's `targets.worker.features` (or the
 * environment's own); only kv and d1 views have one.
 *
 * @example
 * ```ts
 * const push = await remoteViewPush(root, "customer", { env: process.env }); // refuses here, before the local push
 * const r = await push(); // after it: the local store's values to the KV namespace
 * r.views[0]?.keys;
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import { withEnvironment } from "../../targets/config.ts";
import { featureStoreIds, featureStoresKey, missingFeatureStores } from "../../targets/worker/feature-bindings.ts";
import { targetConfig } from "../build/bundle.ts";
import { resolveView } from "../features/view.ts";
import { loadConfig } from "../project/config.ts";
import { type FeatureStorePush, pushFeatureStores } from "./feature-push.ts";

export interface RemotePushOptions {
  /** A platform environment: its own stores (`targets.worker.env.<name>.features`). */
  environment?: string;
  env: Readonly<Record<string, string | undefined>>;
  onStep?: (step: string) => void;
  onOutput?: (chunk: string) => void;
}

/** Check that the view has a Cloudflare store the config names; the returned function writes the local store's values there. */
export async function remoteViewPush(root: string, name: string, opts: RemotePushOptions): Promise<() => Promise<FeatureStorePush>> {
  const view = await resolveView(root, name);
  if (view.store !== "kv" && view.store !== "d1")
    throw new EdgeMlError("ERR_USAGE", `--remote writes a Cloudflare store; view "${name}" is store "${view.store}", which has none`, {
      hint: `push without --remote (the ${view.store} snapshot is read from .edge-ml/features/${name}/latest.jsonl), or set the view's store to "kv" or "d1"`,
    });
  const config = await loadConfig(root);
  if (opts.environment !== undefined && config.targets.worker?.env[opts.environment] === undefined)
    throw new EdgeMlError("ERR_USAGE", `no environment "${opts.environment}" in edge-ml.config.ts`, {
      hint: `define it with its stores: targets.worker.env.${opts.environment}.features`,
    });
  const ids = featureStoreIds(withEnvironment(targetConfig(config, "worker"), opts.environment), opts.environment);
  const missing = missingFeatureStores({ kv: view.store === "kv" ? [name] : [], d1: view.store === "d1" ? [name] : [] }, ids, opts.environment);
  if (missing.length > 0 || ids === undefined)
    throw new EdgeMlError("ERR_USAGE", `view "${name}" has no Cloudflare store named in edge-ml.config.ts`, {
      issues: missing,
      hint: `add it under ${featureStoresKey(opts.environment)}, then push again with --remote (nothing was pushed)`,
    });
  return () =>
    pushFeatureStores({
      root,
      views: [[name, view]],
      ids,
      ...(opts.environment === undefined ? {} : { environment: opts.environment }),
      worker: config.targets.worker?.name ?? "edge-ml-features",
      dryRun: false,
      env: opts.env,
      failureNote: `the local store has the values: run \`npx edge-ml features push ${name} <csv> --remote\` again, or the next deploy writes them`,
      ...(opts.onStep ? { onStep: opts.onStep } : {}),
      ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
    });
}
