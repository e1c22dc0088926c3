/** core/metrics against values computed by hand (and the weighted path against explicit duplication). */
import { describe, expect, it } from "vitest";
import {
  createBinaryEvaluator,
  createMulticlassEvaluator,
  createRegressionEvaluator,
  logLoss,
  METRICS,
  metricsFor,
  rocAuc,
  rocCurve,
} from "../../../core/metrics/index.ts";

describe("binary metrics", () => {
  it("accuracy, precision, recall, F1, ROC-AUC and log loss at the threshold", () => {
    // Predicted positive (>= 0.5): only 0.8. TP 1, FN 1, TN 2, FP 0.
    const m = createBinaryEvaluator([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.5)();
    expect(m.accuracy).toBe(0.75);
    expect(m.precision).toBe(1);
    expect(m.recall).toBe(0.5);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    // Pairs (positive beats negative): 0.35>0.1, 0.35<0.4, 0.8>0.1, 0.8>0.4 → 3 of 4.
    expect(m.roc_auc).toBe(0.75);
    // -(ln 0.9 + ln 0.6 + ln 0.35 + ln 0.8) / 4
    expect(m.log_loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4, 12);
  });

  it("ROC-AUC counts ties as one half", () => {
    // positives 0.5, 0.8, 0.3; negatives 0.1, 0.5, 0.8:
    // 0.5: 1 + 0.5 + 0 = 1.5; 0.8: 1 + 1 + 0.5 = 2.5; 0.3: 1 + 0 + 0 = 1 → 5 / 9
    expect(rocAuc([0, 0, 1, 1, 0, 1], [0.1, 0.5, 0.5, 0.8, 0.8, 0.3])).toBeCloseTo(5 / 9, 12);
    // All scores tied: 0.5, whatever the labels.
    expect(rocAuc([0, 1, 0, 1], [0.7, 0.7, 0.7, 0.7])).toBe(0.5);
    expect(rocAuc([1, 1, 0], [0.9, 0.8, 0.1])).toBe(1);
    expect(rocAuc([1, 1, 0], [0.1, 0.2, 0.9])).toBe(0);
  });

  it("is undefined (null) where a metric has no denominator", () => {
    const m = createBinaryEvaluator([1, 1], [0.2, 0.3], 0.5)();
    expect(m.roc_auc).toBeNull(); // no negatives
    expect(m.precision).toBeNull(); // nothing predicted positive
    expect(m.recall).toBe(0);
    expect(createBinaryEvaluator([], [], 0.5)().accuracy).toBeNull();
  });

  it("clips probabilities in log loss, so a confident mistake is large but finite", () => {
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(1e-15), 6);
    expect(logLoss([0], [0])).toBeCloseTo(0, 12);
  });

  it("weights count rows: weight 2 equals the row twice, weight 0 drops it", () => {
    const labels = [0, 0, 1, 1, 0, 1, 1];
    const scores = [0.1, 0.5, 0.5, 0.8, 0.8, 0.3, 0.6];
    const weights = [2, 0, 1, 3, 1, 0, 2];
    const dupLabels: number[] = [];
    const dupScores: number[] = [];
    weights.forEach((w, i) => {
      for (let k = 0; k < w; k++) {
        dupLabels.push(labels[i]!);
        dupScores.push(scores[i]!);
      }
    });
    const weighted = createBinaryEvaluator(labels, scores, 0.5)(weights);
    const explicit = createBinaryEvaluator(dupLabels, dupScores, 0.5)();
    for (const k of Object.keys(explicit) as (keyof typeof explicit)[]) expect(weighted[k], k).toBeCloseTo(explicit[k]!, 12);
  });

  it("the ROC curve runs from (0, 0) to (1, 1), one point per distinct score", () => {
    expect(rocCurve([0, 1], [0.2, 0.9])).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 1 },
      { fpr: 1, tpr: 1 },
    ]);
    expect(rocCurve([0, 1, 1], [0.5, 0.5, 0.9])).toEqual([
      { fpr: 0, tpr: 0 },
      { fpr: 0, tpr: 0.5 },
      { fpr: 1, tpr: 1 },
    ]);
  });
});

describe("multiclass metrics", () => {
  it("accuracy and macro-F1 over the classes present", () => {
    // class 0: TP 1 → F1 1; class 1: FN 1 → F1 0; class 2: TP 2, FP 1 → 4/5. Macro = 1.8 / 3.
    const m = createMulticlassEvaluator([0, 1, 2, 2], [0, 2, 2, 2])();
    expect(m.accuracy).toBe(0.75);
    expect(m.macro_f1).toBeCloseTo(0.6, 12);
  });

  it("a class absent from labels and predictions does not count", () => {
    expect(createMulticlassEvaluator([0, 2], [0, 2])().macro_f1).toBe(1);
  });
});

describe("regression metrics", () => {
  it("MAE and RMSE", () => {
    const m = createRegressionEvaluator([1, 2, 3], [1, 2, 5])();
    expect(m.mae).toBeCloseTo(2 / 3, 12);
    expect(m.rmse).toBeCloseTo(Math.sqrt(4 / 3), 12);
    expect(createRegressionEvaluator([1, 2], [2, 4])([0, 1])).toEqual({ mae: 2, rmse: 2 });
  });
});

describe("metric table", () => {
  it("says which metrics belong to a task and which way is better", () => {
    expect(metricsFor("binary")).toEqual(["accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"]);
    expect(metricsFor("multiclass")).toEqual(["accuracy", "macro_f1"]);
    expect(metricsFor("regression")).toEqual(["mae", "rmse"]);
    expect(METRICS.log_loss.higherIsBetter).toBe(false);
    expect(METRICS.roc_auc.higherIsBetter).toBe(true);
  });
});
