/**
 * Registering a model version's baseline with the monitor: the request bodies (zod), the drift thresholds with their
 * defaults, what the monitor infers when a field is left out, and the client `edge-ml dev` (and scripts) call.
 *
 * Two routes take a registration (see README "Monitoring"): `POST /v1/deployments/:name/baseline` with
 * `{model, version, baseline, ...}`, and `POST /v1/deployments` with `{deployment, model, version, baseline | null,
 * target?, ...}` (what `edge-ml deploy` sends). Both replace an earlier registration of the same version.
 *
 * @example
 * ```ts
 * const r = await registerBaseline("http://127.0.0.1:8788", "titanic-dev", { model: "titanic", version: "1.0.0", baseline }, adminToken);
 * r.ok; // false with r.message when the monitor refused or could not be reached
 * ```
 */
import * as z from "zod";
import { Baseline } from "../core/schema/baseline.ts";
import type { Manifest, Task } from "../core/schema/manifest.ts";
import { TARGETS, TelemetryName } from "../core/schema/telemetry.ts";
import { ModelConfig } from "./schema/model-config.ts";

export * from "./schema/model-config.ts";

const configFields = ModelConfig.shape;
const version = z.string().min(1).max(64);

/** Body of `POST /v1/deployments/:name/baseline`. */
export const BaselineRegistration = z.strictObject({ model: TelemetryName, version, baseline: Baseline, ...configFields });
export type BaselineRegistrationInput = z.input<typeof BaselineRegistration>;

/** Body of `POST /v1/deployments` (the deploy command's): a null baseline registers the deployment only. */
export const DeploymentRegistration = z.strictObject({
  deployment: TelemetryName,
  model: TelemetryName,
  version,
  baseline: Baseline.nullable(),
  target: z.enum(TARGETS).optional(),
  ...configFields,
});
export type DeploymentRegistrationInput = z.input<typeof DeploymentRegistration>;

const POSITIVE_NAMES = ["yes", "true", "1", "positive", "pos"];

/** Fill what was left out: the task from the baseline's prediction, the positive label from common names. */
export function inferConfig(config: ModelConfig, baseline: Baseline): ModelConfig {
  const task: Task | undefined =
    config.task ??
    (baseline.predictionLabel
      ? "binary"
      : baseline.prediction?.kind === "categorical"
        ? "multiclass"
        : baseline.prediction?.kind === "numeric"
          ? "regression"
          : undefined);
  const labels = Object.keys(baseline.predictionLabel?.counts ?? {});
  const positiveLabel = config.positiveLabel ?? labels.find((l) => POSITIVE_NAMES.includes(l.toLowerCase()));
  return { ...config, ...(task ? { task } : {}), ...(positiveLabel !== undefined ? { positiveLabel } : {}) };
}
/**
 * The registration of a manifest's baseline: task, slices, and for binary models the positive label and decision
 * threshold of its `threshold` postprocessing step. Undefined when the manifest has no baseline.
 */
export function registrationFromManifest(manifest: Manifest): BaselineRegistrationInput | undefined {
  if (manifest.baseline === undefined) return undefined;
  const step = manifest.postprocessing?.steps.find((s) => s.op === "threshold");
  return {
    model: manifest.name,
    version: manifest.version,
    baseline: manifest.baseline,
    task: manifest.task,
    ...(manifest.slices.length > 0 ? { slices: manifest.slices.slice(0, 16) } : {}),
    ...(step?.op === "threshold" ? { positiveLabel: String(step.labels[1]), threshold: step.threshold } : {}),
  };
}

export interface RegisterResult {
  ok: boolean;
  status: number;
  message: string;
}

/**
 * Register a baseline with a running monitor (admin token when the monitor has one). Never throws: the caller decides
 * whether a failure matters.
 */
export async function registerBaseline(
  monitorUrl: string,
  deployment: string,
  body: BaselineRegistrationInput,
  adminToken?: string,
  fetchImpl: typeof fetch = fetch,
): Promise<RegisterResult> {
  const url = `${monitorUrl.replace(/\/+$/, "")}/v1/deployments/${encodeURIComponent(deployment)}/baseline`;
  try {
    const res = await fetchImpl(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.ok) return { ok: true, status: res.status, message: `registered the baseline of ${body.model}@${body.version} for "${deployment}"` };
    const auth = res.status === 401 ? " (set EDGE_ML_MONITOR_ADMIN_TOKEN to the monitor's admin token)" : "";
    return { ok: false, status: res.status, message: `the monitor answered ${res.status} to POST ${url}${auth}: ${text.slice(0, 300)}` };
  } catch (error) {
    return { ok: false, status: 0, message: `cannot reach the monitor at ${url}: ${(error as Error).message}` };
  }
}
