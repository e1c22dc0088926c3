/**
 * The metrics edge-ml computes, which tasks they apply to, and which way is better: one table that gates, reports
 * and the monitor read, so a gate on "log_loss" knows that lower is better without a special case.
 *
 * @example
 * ```ts
 * METRICS.roc_auc.higherIsBetter; // true
 * metricsFor("regression");       // ["mae", "rmse"]
 * ```
 */
export const METRIC_NAMES = ["accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "macro_f1", "mae", "rmse"] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Tasks that have metrics (tensor models have no labels edge-ml understands). */
export type MetricTask = "binary" | "multiclass" | "regression";

export interface MetricInfo {
  tasks: readonly MetricTask[];
  higherIsBetter: boolean;
  description: string;
}

export const METRICS: Readonly<Record<MetricName, MetricInfo>> = {
  accuracy: { tasks: ["binary", "multiclass"], higherIsBetter: true, description: "share of rows whose predicted label is the true label" },
  precision: { tasks: ["binary"], higherIsBetter: true, description: "TP / (TP + FP) at the postprocessing threshold" },
  recall: { tasks: ["binary"], higherIsBetter: true, description: "TP / (TP + FN) at the postprocessing threshold" },
  f1: { tasks: ["binary"], higherIsBetter: true, description: "2TP / (2TP + FP + FN) at the postprocessing threshold" },
  roc_auc: { tasks: ["binary"], higherIsBetter: true, description: "area under the ROC curve (ties count one half)" },
  log_loss: { tasks: ["binary"], higherIsBetter: false, description: "mean negative log-likelihood of the true label (p clipped to [1e-15, 1 - 1e-15])" },
  macro_f1: { tasks: ["multiclass"], higherIsBetter: true, description: "unweighted mean of per-class F1 over the classes present in labels or predictions" },
  mae: { tasks: ["regression"], higherIsBetter: false, description: "mean absolute error" },
  rmse: { tasks: ["regression"], higherIsBetter: false, description: "root mean squared error" },
};

/** The metrics of a task, in table order. */
export function metricsFor(task: MetricTask): MetricName[] {
  return METRIC_NAMES.filter((m) => METRICS[m].tasks.includes(task));
}

/** Metric values by name; null where a metric is undefined on the data (e.g. ROC-AUC with one class only). */
export type MetricValues = Partial<Record<MetricName, number | null>>;

/**
 * Scores the metrics on the rows it was built from, each row counted `weights[i]` times (all 1 without weights).
 * Weights are how the bootstrap resamples without copying the rows.
 */
export type Evaluator = (weights?: ArrayLike<number>) => MetricValues;
