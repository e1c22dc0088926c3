/**
 * The one Worker name of a model, used by `build` (the wrangler.toml it writes), `deploy` (wrangler's `--name` and
 * the deploy log) and the telemetry deployment name, so that `wrangler secret put` from the build folder lands on the
 * Worker that `deploy` uploaded: `targets.worker.name` from the config, else the model's name. An environment
 * (`deploy --env staging`) is `targets.worker.env.staging.name`, else wrangler's convention `<name>-<env>`.
 *
 * @example
 * ```ts
 * workerName("titanic", undefined); // "titanic"
 * workerName("titanic", { name: "titanic-edge" }, "staging"); // "titanic-edge-staging"
 * ```
 */
import type { TargetConfig } from "../types.ts";

export function workerName(model: string, config: TargetConfig | undefined, environment?: string): string {
  const base = config?.name ?? model;
  if (environment === undefined) return base;
  return config?.env?.[environment]?.name ?? `${base}-${environment}`;
}
