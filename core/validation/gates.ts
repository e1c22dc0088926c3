/**
 * Gate definitions: the thresholds a model version must meet to be blessed, as users write them in
 * `edge-ml.config.ts` (`gates` for every model, `models.<name>.gates` for one).
 *
 * - absolute: `{ metric: "roc_auc", min: 0.8, slices: true, minRows: 30 }` checks the metric overall and, with
 *   `slices`, on every slice with at least `minRows` rows.
 * - relative: `{ metric: "roc_auc", maxDrop: 0.02 }` compares with the `champion` alias evaluated on the same rows:
 *   overall and on every slice (`slices` defaults to true here), the candidate may be worse by at most `maxDrop`
 *   ("worse" follows the metric's direction: a drop for ROC-AUC, a rise for log loss).
 *
 * - samples: `{ maxAbsError: 1e-4, minCosine: 0.99999 }` for `validate` on a model's recorded requests (tensor models):
 *   the served engine's outputs against the expected outputs of each line (or onnxruntime-node's on the same bytes).
 *
 * @example
 * ```ts
 * Gates.parse({ absolute: [{ metric: "roc_auc", min: 0.8 }], relative: [{ metric: "roc_auc", maxDrop: 0.02 }] });
 * ```
 */
import * as z from "zod";
import { METRIC_NAMES } from "../metrics/names.ts";
import { strictObject } from "./strict.ts";

/** Slices smaller than this are reported but not gated: a metric on 10 rows says little. */
const DEFAULT_MIN_ROWS = 30;

const metric = z.enum(METRIC_NAMES, { error: (iss) => `${JSON.stringify(iss.input)} is not a metric (Should be one of: ${METRIC_NAMES.join(", ")})` });
const minRows = z.int().positive().default(DEFAULT_MIN_ROWS);

export const AbsoluteGate = strictObject({
  metric,
  /** The metric must be at least this (for metrics where higher is better, e.g. roc_auc). */
  min: z.number().optional(),
  /** The metric must be at most this (e.g. log_loss, rmse). */
  max: z.number().optional(),
  /** Also check every slice with at least `minRows` rows. */
  slices: z.boolean().default(false),
  minRows,
}).refine((g) => g.min !== undefined || g.max !== undefined, { message: "give min, max or both" });
export type AbsoluteGate = z.output<typeof AbsoluteGate>;

export const RelativeGate = strictObject({
  metric,
  /** How much worse than the champion the candidate may be, in the metric's units (0.02 = two points of AUC). */
  maxDrop: z.number().nonnegative(),
  /** Also compare every slice with at least `minRows` rows (on both models' evaluation). */
  slices: z.boolean().default(true),
  minRows,
});
export type RelativeGate = z.output<typeof RelativeGate>;

/**
 * Gates of `validate` on samples, per model output over every line. Defaults: `maxAbsError` 1e-4, `maxRelError` 1e-2
 * (relative to max(|reference|, 1e-3), so values near zero are held to an absolute 1e-5 instead of an unbounded
 * ratio), `minCosine` 0.99999 (each line's output vector against the reference), `minArgmaxAgreement` 1 (along the
 * last axis). The defaults hold an engine to the reference's float32 rounding: the same bytes on wasm and on
 * onnxruntime-node differ by about 1e-7. With labels: `minAccuracy` (argmax vs the class index) or `maxMae`
 * (regression), not gated unless given. A variant (`validate --variant`) is held to the optimize gates instead:
 * quantization changes outputs by design.
 */
export const SamplesGates = strictObject({
  maxAbsError: z.number().nonnegative().default(1e-4),
  maxRelError: z.number().nonnegative().default(1e-2),
  minCosine: z.number().min(-1).max(1).default(0.99999),
  minArgmaxAgreement: z.number().min(0).max(1).default(1),
  minAccuracy: z.number().min(0).max(1).optional(),
  maxMae: z.number().nonnegative().optional(),
});
export type SamplesGates = z.output<typeof SamplesGates>;

/** The floor of the relative error's denominator (see SamplesGates). */
export const REL_ERROR_FLOOR = 1e-3;

export const Gates = strictObject({
  absolute: z.array(AbsoluteGate).optional(),
  relative: z.array(RelativeGate).optional(),
  samples: SamplesGates.optional(),
});
export type Gates = z.output<typeof Gates>;
