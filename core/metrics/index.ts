/**
 * Model-quality metrics (portable: the CLI's `validate` and the monitor's delayed-label joins both use them).
 *
 * @example
 * ```ts
 * import { bootstrap, createBinaryEvaluator } from "./index.ts";
 * const estimates = bootstrap(createBinaryEvaluator(labels, scores, 0.5), labels.length, { seed: 42 });
 * ```
 */
export { createBinaryEvaluator, logLoss, rocAuc, rocCurve } from "./binary.ts";
export { bootstrap, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_SEED, type BootstrapOptions } from "./bootstrap.ts";
export { createMulticlassEvaluator } from "./multiclass.ts";
export { METRICS, metricsFor, type Evaluator } from "./names.ts";
export { createRegressionEvaluator } from "./regression.ts";
