/**
 * The model-validation result stored in a manifest's `validation` field (or a variant's) by `edge-ml validate`, and
 * read by `edge-ml deploy` (which refuses a version that is not blessed) and by reports. Two kinds, told apart by a
 * top-level key: a tabular result (`data`: metrics on a labelled CSV) and a samples result (`samples`: the served
 * engine's outputs on recorded requests against their expected outputs). Both keep `blessed`, `date`,
 * `artifactSha256` and `checks`, which is all the deploy gate reads.
 *
 * @example
 * ```ts
 * const result = ValidationResult.parse(manifest.validation);
 * if (!result.blessed) console.log(result.checks.filter((c) => !c.pass));
 * ```
 */
import * as z from "zod";

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
  /**
   * absolute: a threshold; relative: against the champion; data: the evaluation data passed data validation;
   * samples: a samples gate on one model output (or on the labels).
   */
  kind: z.enum(["absolute", "relative", "data", "samples"]),
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
  /** Samples checks: the model output the check is about. */
  output: z.string().optional(),
});
export type Check = z.output<typeof Check>;

const AnomalySummary = z.strictObject({
  kind: z.string(),
  severity: z.enum(["error", "warning"]),
  column: z.string().nullable(),
  count,
});

export const TabularValidationResult = z.strictObject({
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
export type TabularValidationResult = z.output<typeof TabularValidationResult>;

const ratio = z.number().min(0).max(1);

/** How one model output compared with its reference over every line (see core/validation/gates.ts SamplesGates). */
export const OutputAgreement = z.strictObject({
  name: z.string(),
  /** Lines compared, and values compared over them. */
  lines: count,
  values: count,
  /** null: not finite (the engine gave NaN or Infinity where the reference has a number). */
  maxAbsError: z.number().nullable(),
  /** |served - reference| / max(|reference|, 1e-3). */
  maxRelError: z.number().nullable(),
  /** The lowest cosine similarity of a line's output vector with the reference's. */
  minCosine: z.number().nullable(),
  /** Rows (all but the last axis) whose argmax along the last axis agrees; null when the last axis has one value. */
  argmaxAgreement: ratio.nullable(),
  rows: count,
  /** The line with the largest absolute error. */
  worstLine: z.int().positive().nullable(),
});
export type OutputAgreement = z.output<typeof OutputAgreement>;

export const SamplesValidationResult = z.strictObject({
  v: z.literal(1),
  blessed: z.boolean(),
  date: z.iso.datetime(),
  task: z.enum(["binary", "multiclass", "regression", "tensor"]),
  /** The bytes that ran (the version's artifact, or a variant's file). */
  artifactSha256: sha256,
  /** The engine whose outputs were compared: wasm = onnxruntime-web, as the edge serves. */
  runtime: z.enum(["node", "wasm"]),
  samples: z.strictObject({
    file: z.string(),
    sha256,
    lines: count,
    /** Lines compared with their own expected outputs; the rest with onnxruntime-node on the same bytes. */
    withOutputs: count,
    withLabels: count,
  }),
  outputs: z.array(OutputAgreement),
  /** With labels: accuracy (argmax of the first output vs the class index) or MAE (regression). */
  labels: z.strictObject({ output: z.string(), rows: count, accuracy: ratio.nullable(), mae: z.number().nullable() }).nullable(),
  checks: z.array(Check),
});
export type SamplesValidationResult = z.output<typeof SamplesValidationResult>;

export const ValidationResult = z.union([TabularValidationResult, SamplesValidationResult]);
export type ValidationResult = z.output<typeof ValidationResult>;

/** True for a result of `validate` on samples (a tensor model's recorded requests). */
export function isSamplesResult(r: ValidationResult): r is SamplesValidationResult {
  return "samples" in r;
}
