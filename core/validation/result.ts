/**
 * The model-validation result stored in a manifest's `validation` field by `edge-ml validate`, and read by
 * `edge-ml deploy` (which refuses a version that is not blessed) and by reports.
 *
 * @example
 * ```ts
 * const result = ValidationResult.parse(manifest.validation);
 * if (!result.blessed) console.log(result.checks.filter((c) => !c.pass));
 * ```
 */
import { z } from "zod";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "expected a lowercase hex sha256");
const count = z.int().nonnegative();

const MetricEstimateSchema = z.strictObject({
  value: z.number().nullable(),
  /** Bootstrap confidence interval [low, high]; null when the metric is undefined in over 10% of resamples. */
  ci: z.tuple([z.number(), z.number()]).nullable(),
});

/** Metric name → estimate (names from core/metrics/names.ts; kept open so newer metrics still parse). */
export const MetricSet = z.record(z.string(), MetricEstimateSchema);
export type MetricSet = z.output<typeof MetricSet>;

export const SliceKey = z.strictObject({ feature: z.string(), value: z.string() });
export type SliceKey = z.output<typeof SliceKey>;

export const SliceMetrics = z.strictObject({ feature: z.string(), value: z.string(), rows: count, metrics: MetricSet });
export type SliceMetrics = z.output<typeof SliceMetrics>;

export const Check = z.strictObject({
  /** absolute: a threshold; relative: against the champion; data: the evaluation data passed data validation. */
  kind: z.enum(["absolute", "relative", "data"]),
  metric: z.string().nullable(),
  /** null for the whole data set. */
  slice: SliceKey.nullable(),
  rows: count,
  value: z.number().nullable(),
  /** The bound `value` is compared with (for relative checks: the champion's value minus/plus maxDrop). */
  threshold: z.number().nullable(),
  op: z.enum([">=", "<="]).nullable(),
  /** Relative checks: the champion's value on the same rows. */
  champion: z.number().nullable().optional(),
  pass: z.boolean(),
  /** Why a check was not applied (a slice under minRows, a metric undefined on a slice); skipped checks pass. */
  skipped: z.string().optional(),
  message: z.string(),
});
export type Check = z.output<typeof Check>;

const AnomalySummary = z.strictObject({
  kind: z.string(),
  severity: z.enum(["error", "warning"]),
  column: z.string().nullable(),
  count,
});

export const ValidationResult = z.strictObject({
  v: z.literal(1),
  blessed: z.boolean(),
  date: z.iso.datetime(),
  task: z.enum(["binary", "multiclass", "regression"]),
  /** The artifact the metrics belong to: deploy refuses a result recorded for other bytes. */
  artifactSha256: sha256,
  runtime: z.enum(["node", "wasm"]),
  data: z.strictObject({
    file: z.string(),
    sha256,
    /** Data rows in the file, and the rows evaluated (rows with data anomalies are left out). */
    rows: count,
    evaluated: count,
    label: z.string(),
  }),
  bootstrap: z.strictObject({ method: z.literal("percentile"), resamples: z.int().positive(), seed: z.int(), confidence: z.number().gt(0).lt(1) }),
  metrics: MetricSet,
  slices: z.array(SliceMetrics),
  compareTo: z.strictObject({ alias: z.string(), version: z.string(), artifactSha256: sha256, metrics: MetricSet, slices: z.array(SliceMetrics) }).nullable(),
  checks: z.array(Check),
  dataValidation: z.strictObject({ ok: z.boolean(), errors: count, warnings: count, anomalies: z.array(AnomalySummary) }),
});
export type ValidationResult = z.output<typeof ValidationResult>;
