/**
 * A model version's monitoring settings as stored with its baseline: drift thresholds (with their defaults) and what
 * the monitor infers when a field is left out. Shared by the store contract and the registration routes.
 *
 * @example
 * ```ts
 * const config = ModelConfig.parse({ task: "binary", positiveLabel: "yes" }); // thresholds defaulted
 * ```
 */
import * as z from "zod";
import { JS_THRESHOLD, PSI_THRESHOLD, SMALL_SAMPLE_LIMIT } from "../../core/drift/choose.ts";
import { MISSING_RATE_JUMP } from "../../core/drift/flags.ts";
import { TASKS } from "../../core/schema/manifest.ts";

/**
 * The monitor tests every feature in every window, so its p-value threshold is stricter than a one-off validation's
 * (core's 0.05): with 0.05, one feature-window in twenty would be flagged on unchanged traffic.
 */
const MONITOR_P_VALUE = 0.01;
/** Fewer rows than this in a window: measures are reported, but the window is not judged drifted or not. */
const MIN_ROWS = 50;

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
const DEFAULT_THRESHOLDS: DriftThresholds = DriftThresholds.parse({});

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

/** Thresholds of one feature: the model's, with that feature's overrides. */
export function thresholdsFor(t: DriftThresholds, feature: string): { pValue: number; psi: number; jensenShannon: number } {
  const own = Object.hasOwn(t.features, feature) ? t.features[feature] : undefined;
  return { pValue: own?.pValue ?? t.pValue, psi: own?.psi ?? t.psi, jensenShannon: own?.jensenShannon ?? t.jensenShannon };
}
