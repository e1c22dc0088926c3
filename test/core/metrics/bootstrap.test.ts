/** Percentile bootstrap: reproducible by seed, sensible width, null where a metric is mostly undefined. */
import { describe, expect, it } from "vitest";
import { bootstrap, createBinaryEvaluator, createRegressionEvaluator } from "../../../core/metrics/index.ts";
import { mulberry32 } from "../../../core/random.ts";

function sample(n: number, seed: number) {
  const random = mulberry32(seed);
  const labels: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = random() < 0.4 ? 1 : 0;
    labels.push(y);
    scores.push(Math.min(1, Math.max(0, (y ? 0.65 : 0.35) + (random() - 0.5) * 0.8)));
  }
  return { labels, scores };
}

describe("bootstrap", () => {
  const { labels, scores } = sample(400, 7);
  const evaluate = createBinaryEvaluator(labels, scores, 0.5);

  it("gives the point estimate and an interval around it, the same for the same seed", () => {
    const a = bootstrap(evaluate, labels.length, { resamples: 300, seed: 1 });
    const b = bootstrap(evaluate, labels.length, { resamples: 300, seed: 1 });
    const c = bootstrap(evaluate, labels.length, { resamples: 300, seed: 2 });
    expect(a).toEqual(b);
    expect(a.roc_auc?.ci).not.toEqual(c.roc_auc?.ci);
    for (const [name, e] of Object.entries(a)) {
      expect(e.value, name).toEqual(evaluate()[name as keyof ReturnType<typeof evaluate>]);
      expect(e.ci![0], name).toBeLessThanOrEqual(e.value!);
      expect(e.ci![1], name).toBeGreaterThanOrEqual(e.value!);
    }
  });

  it("an accuracy interval is about as wide as the normal approximation's", () => {
    const acc = bootstrap(evaluate, labels.length, { resamples: 1000, seed: 3 }).accuracy!;
    const p = acc.value!;
    const normal = 2 * 1.96 * Math.sqrt((p * (1 - p)) / labels.length);
    const width = acc.ci![1] - acc.ci![0];
    expect(width / normal).toBeGreaterThan(0.8);
    expect(width / normal).toBeLessThan(1.2);
  });

  it("an interval is null when the metric is undefined in over 10% of resamples, and for no rows", () => {
    // One positive among 50: most resamples have none, so ROC-AUC is undefined there.
    const y = Array.from({ length: 50 }, (_, i) => (i === 0 ? 1 : 0));
    const s = y.map((v, i) => (v === 1 ? 0.99 : i / 100));
    const e = bootstrap(createBinaryEvaluator(y, s, 0.5), 50, { resamples: 200, seed: 4 });
    expect(e.roc_auc?.value).toBe(1);
    expect(e.roc_auc?.ci).toBeNull();
    expect(bootstrap(createRegressionEvaluator([], []), 0).mae).toEqual({ value: null, ci: null });
  });
});
