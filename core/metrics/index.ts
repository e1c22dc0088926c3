/**
 * Model-quality metrics (portable: the CLI's `validate` and the monitor's delayed-label joins both use them).
 *
 * @example
 * ```ts
 * import { bootstrap, createBinaryEvaluator } from "./index.ts";
 * const estimates = bootstrap(createBinaryEvaluator(labels, scores, 0.5), labels.length, { seed: 42 });
 * ```
 */
export { createBinaryEvaluator, logLoss, rocAuc, rocCurve, LOG_LOSS_EPSILON } from "./binary.ts";
export { bootstrap, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED, type BootstrapOptions, type MetricEstimate } from "./bootstrap.ts";
export { createMulticlassEvaluator } from "./multiclass.ts";
export { METRIC_NAMES, METRICS, metricsFor, type Evaluator, type MetricInfo, type MetricName, type MetricTask, type MetricValues } from "./names.ts";
export { mulberry32 } from "../random.ts";
export { createRegressionEvaluator } from "./regression.ts";
