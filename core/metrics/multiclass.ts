/**
 * Multiclass metrics from true and predicted class indices: accuracy and macro-F1 (the unweighted mean of per-class
 * F1 over every class that occurs in the labels or the predictions, as sklearn's f1_score(average="macro") with its
 * default labels).
 *
 * @example
 * ```ts
 * createMulticlassEvaluator([0, 1, 2, 2], [0, 2, 2, 2])(); // { accuracy: 0.75, macro_f1: 0.6 }
 * ```
 */
import type { Evaluator } from "./names.ts";

/**
 * Build an evaluator over fixed rows of class indices (0..k-1).
 *
 * @example
 * ```ts
 * createMulticlassEvaluator(trueClasses, predictedClasses)(weights).macro_f1;
 * ```
 */
export function createMulticlassEvaluator(labels: ArrayLike<number>, predicted: ArrayLike<number>): Evaluator {
  const n = labels.length;
  let k = 0;
  for (let i = 0; i < n; i++) k = Math.max(k, Number(labels[i]) + 1, Number(predicted[i]) + 1);
  return (weights) => {
    const tp = new Float64Array(k);
    const fp = new Float64Array(k);
    const fn = new Float64Array(k);
    let total = 0,
      correct = 0;
    for (let i = 0; i < n; i++) {
      const w = weights === undefined ? 1 : (weights[i] as number);
      if (w === 0) continue;
      const t = labels[i] as number;
      const p = predicted[i] as number;
      total += w;
      if (t === p) {
        correct += w;
        tp[t] = (tp[t] as number) + w;
      } else {
        fp[p] = (fp[p] as number) + w;
        fn[t] = (fn[t] as number) + w;
      }
    }
    let f1Sum = 0,
      classes = 0;
    for (let c = 0; c < k; c++) {
      const den = 2 * (tp[c] as number) + (fp[c] as number) + (fn[c] as number);
      if (den === 0) continue; // absent from both labels and predictions in this (re)sample
      f1Sum += (2 * (tp[c] as number)) / den;
      classes++;
    }
    return { accuracy: total > 0 ? correct / total : null, macro_f1: classes > 0 ? f1Sum / classes : null };
  };
}
