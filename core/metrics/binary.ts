/**
 * Binary classification metrics from labels (0/1) and positive-class scores (probabilities).
 *
 * Labels predicted at the postprocessing threshold (`score >= threshold` is positive, as `core/postprocess.ts`
 * decides) give accuracy, precision, recall and F1; the scores give ROC-AUC and log loss. ROC-AUC is the
 * Mann-Whitney statistic: the chance that a random positive scores above a random negative, ties counting one half
 * (sklearn.metrics.roc_auc_score gives the same value). The evaluator sorts the scores once, so each bootstrap
 * resample costs one O(n) pass.
 *
 * @example
 * ```ts
 * const evaluate = createBinaryEvaluator([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.5);
 * evaluate(); // { accuracy: 0.75, precision: 1, recall: 0.5, f1: 0.667, roc_auc: 0.75, log_loss: 0.472 }
 * rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.75
 * ```
 */
import type { Evaluator, MetricValues } from "./names.ts";

/** Probabilities are clipped before the log so a confident mistake costs a large finite loss, as in sklearn. */
const LOG_LOSS_EPSILON = 1e-15;

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

/**
 * Build an evaluator over fixed rows; `labels[i]` is 1 for the positive class, `scores[i]` its probability.
 *
 * @example
 * ```ts
 * createBinaryEvaluator(labels, scores, 0.5)(weights).roc_auc;
 * ```
 */
export function createBinaryEvaluator(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): Evaluator {
  const n = labels.length;
  const y = Uint8Array.from({ length: n }, (_, i) => (labels[i] === 1 ? 1 : 0));
  const s = Float64Array.from({ length: n }, (_, i) => Number(scores[i]));
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => (s[a] as number) - (s[b] as number));
  // Tie groups in ascending score order: ends[g] is one past the last position of group g.
  const ends: number[] = [];
  for (let k = 1; k <= n; k++) if (k === n || s[order[k] as number] !== s[order[k - 1] as number]) ends.push(k);
  const loss = Float64Array.from(s, (p, i) => {
    const q = Math.min(Math.max(p, LOG_LOSS_EPSILON), 1 - LOG_LOSS_EPSILON);
    return -Math.log(y[i] === 1 ? q : 1 - q);
  });

  return (weights) => {
    const w = (i: number) => (weights === undefined ? 1 : (weights[i] as number));
    let tp = 0,
      fp = 0,
      fn = 0,
      tn = 0,
      lossSum = 0;
    for (let i = 0; i < n; i++) {
      const wi = w(i);
      if (wi === 0) continue;
      const positive = (s[i] as number) >= threshold;
      if (y[i] === 1) positive ? (tp += wi) : (fn += wi);
      else positive ? (fp += wi) : (tn += wi);
      lossSum += wi * (loss[i] as number);
    }
    // Walk tie groups upwards: each positive beats every negative below its group and half of those tied with it.
    let auc = 0,
      negBelow = 0,
      start = 0;
    for (const end of ends) {
      let wp = 0,
        wn = 0;
      for (let k = start; k < end; k++) {
        const i = order[k] as number;
        if (y[i] === 1) wp += w(i);
        else wn += w(i);
      }
      auc += wp * (negBelow + wn / 2);
      negBelow += wn;
      start = end;
    }
    const total = tp + fp + fn + tn;
    const pos = tp + fn;
    const neg = fp + tn;
    const out: MetricValues = {
      accuracy: ratio(tp + tn, total),
      precision: ratio(tp, tp + fp),
      recall: ratio(tp, pos),
      f1: ratio(2 * tp, 2 * tp + fp + fn),
      roc_auc: pos > 0 && neg > 0 ? auc / (pos * neg) : null,
      log_loss: ratio(lossSum, total),
    };
    return out;
  };
}

/** ROC-AUC of scores against 0/1 labels (ties count one half); null without both classes. */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  return createBinaryEvaluator(labels, scores, 0.5)().roc_auc ?? null;
}

/** Mean log loss of positive-class probabilities against 0/1 labels; null for no rows. */
export function logLoss(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  return createBinaryEvaluator(labels, scores, 0.5)().log_loss ?? null;
}

/**
 * Points of the ROC curve, one per distinct score from the highest down, starting at (0, 0) and ending at (1, 1).
 *
 * @example
 * ```ts
 * rocCurve([0, 1], [0.2, 0.9]); // [{ fpr: 0, tpr: 0 }, { fpr: 0, tpr: 1 }, { fpr: 1, tpr: 1 }]
 * ```
 */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): { fpr: number; tpr: number }[] {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => Number(scores[b]) - Number(scores[a]));
  let pos = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) pos++;
  const neg = n - pos;
  const points = [{ fpr: 0, tpr: 0 }];
  let tp = 0,
    fp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    if (labels[i] === 1) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || Number(scores[next]) !== Number(scores[i])) points.push({ fpr: neg > 0 ? fp / neg : 0, tpr: pos > 0 ? tp / pos : 0 });
  }
  return points;
}
