/**
 * Regression metrics: mean absolute error and root mean squared error.
 *
 * @example
 * ```ts
 * createRegressionEvaluator([1, 2, 3], [1, 2, 5])(); // { mae: 0.667, rmse: 1.155 }
 * ```
 */
import type { Evaluator } from "./names.ts";

/**
 * Build an evaluator over fixed rows of true and predicted values.
 *
 * @example
 * ```ts
 * createRegressionEvaluator(actual, predicted)(weights).rmse;
 * ```
 */
export function createRegressionEvaluator(actual: ArrayLike<number>, predicted: ArrayLike<number>): Evaluator {
  const n = actual.length;
  const err = Float64Array.from({ length: n }, (_, i) => Number(predicted[i]) - Number(actual[i]));
  return (weights) => {
    let total = 0,
      abs = 0,
      sq = 0;
    for (let i = 0; i < n; i++) {
      const w = weights === undefined ? 1 : (weights[i] as number);
      if (w === 0) continue;
      const e = err[i] as number;
      total += w;
      abs += w * Math.abs(e);
      sq += w * e * e;
    }
    return total > 0 ? { mae: abs / total, rmse: Math.sqrt(sq / total) } : { mae: null, rmse: null };
  };
}
