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
import { z } from "zod";
import { P_VALUE_THRESHOLD, JS_THRESHOLD, PSI_THRESHOLD, SMALL_SAMPLE_LIMIT } from "../core/drift/choose.ts";
import { MISSING_RATE_JUMP } from "../core/drift/flags.ts";
import { Baseline } from "../core/schema/baseline.ts";
import { TASKS, type Manifest, type Task } from "../core/schema/manifest.ts";
import { TARGETS, TelemetryName } from "../core/schema/telemetry.ts";

/**
 * The monitor tests every feature in every window, so its p-value threshold is stricter than a one-off validation's
 * (core's 0.05): with 0.05, one feature-window in twenty would be flagged on unchanged traffic.
 */
export const MONITOR_P_VALUE = 0.01;
/** Fewer rows than this in a window: measures are reported, but the window is not judged drifted or not. */
export const MIN_ROWS = 50;

const measureThresholds = {
  /** A test drifts when its p-value is below this. */
  pValue: z.number().gt(0).lt(1),
  /** Numeric features on large samples: PSI at or above this. */
  psi: z.number().positive(),
  /** Categorical features on large samples: Jensen-Shannon distance (base 2) at or above this. */
  jensenShannon: z.number().gt(0).max(1),
};

export const DriftThresholds = z.strictObject({
  pValue: measureThresholds.pValue.default(MONITOR_P_VALUE),
  psi: measureThresholds.psi.default(PSI_THRESHOLD),
  jensenShannon: measureThresholds.jensenShannon.default(JS_THRESHOLD),
  /** Effective sample sizes up to this are judged by the chi-square test, larger ones by a distance. */
  smallSampleLimit: z.int().nonnegative().default(SMALL_SAMPLE_LIMIT),
  minRows: z.int().nonnegative().default(MIN_ROWS),
  missingRateJump: z.number().min(0).max(1).default(MISSING_RATE_JUMP),
  /** Per-feature overrides ("prediction" for the prediction). */
  features: z.record(z.string(), z.strictObject(measureThresholds).partial()).default({}),
});
export type DriftThresholds = z.output<typeof DriftThresholds>;
export const DEFAULT_THRESHOLDS: DriftThresholds = DriftThresholds.parse({});
/** core's threshold for one-off comparisons, kept for reference in reports. */
export const CORE_P_VALUE = P_VALUE_THRESHOLD;

/** What the monitor needs to know about a model version beside its baseline; every field can be inferred. */
export const ModelConfig = z.strictObject({
  task: z.enum(TASKS).optional(),
  /** Binary models: the label that counts as positive (positive rate, precision, recall). */
  positiveLabel: z.string().min(1).max(256).optional(),
  /** Binary models: the score at or above which the prediction is positive (default 0.5). */
  threshold: z.number().min(0).max(1).optional(),
  /** Features whose values slice performance metrics (the edge profiles `manifest.slices`). */
  slices: z.array(z.string().min(1).max(128)).max(16).optional(),
  thresholds: DriftThresholds.default(DEFAULT_THRESHOLDS),
});
export type ModelConfig = z.output<typeof ModelConfig>;

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

/** Thresholds of one feature: the model's, with that feature's overrides. */
export function thresholdsFor(t: DriftThresholds, feature: string): { pValue: number; psi: number; jensenShannon: number } {
  const own = Object.hasOwn(t.features, feature) ? t.features[feature] : undefined;
  return { pValue: own?.pValue ?? t.pValue, psi: own?.psi ?? t.psi, jensenShannon: own?.jensenShannon ?? t.jensenShannon };
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
