/**
 * Percentile-bootstrap confidence intervals for every metric of an evaluator.
 *
 * Each resample draws n rows with replacement (as counts per row, handed to the evaluator as weights, so no rows are
 * copied), scores every metric, and the interval is the (1-c)/2 and (1+c)/2 quantiles of the resampled values (type 7
 * interpolation). The PRNG is seeded: the same data, seed and resample count give the same interval. A metric
 * undefined in a resample (e.g. ROC-AUC when it drew no positive) is left out of that resample; when that happens in
 * more than 10% of them (a slice with one or two positives) the interval would describe only the lucky resamples,
 * so it is null.
 *
 * @example
 * ```ts
 * const estimates = bootstrap(createBinaryEvaluator(labels, scores, 0.5), labels.length, { resamples: 1000, seed: 42 });
 * estimates.roc_auc; // { value: 0.886, ci: [0.848, 0.921] }
 * ```
 */
import { quantileSorted } from "../stats/bins.ts";
import type { Evaluator, MetricName } from "./names.ts";
import { mulberry32 } from "../random.ts";

export interface BootstrapOptions {
  /** Resamples drawn (default 1000). */
  resamples?: number;
  /** PRNG seed (default 42). */
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  confidence?: number;
}

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_SEED = 42;
export const DEFAULT_CONFIDENCE = 0.95;
/** Share of resamples in which a metric must be defined for its interval to be reported. */
const MIN_DEFINED = 0.9;

export interface MetricEstimate {
  /** The metric on the rows themselves; null where undefined. */
  value: number | null;
  /** Percentile-bootstrap interval [low, high]; null when the metric is undefined in over 10% of resamples (or n is 0). */
  ci: [number, number] | null;
}

/**
 * Point estimates and bootstrap intervals of every metric `evaluate` returns, over its `n` rows.
 *
 * @example
 * ```ts
 * bootstrap(createRegressionEvaluator(y, yhat), y.length, { resamples: 200 }).mae?.ci;
 * ```
 */
export function bootstrap(evaluate: Evaluator, n: number, opts: BootstrapOptions = {}): Partial<Record<MetricName, MetricEstimate>> {
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const confidence = opts.confidence ?? DEFAULT_CONFIDENCE;
  const random = mulberry32(opts.seed ?? DEFAULT_SEED);
  const point = evaluate();
  const names = Object.keys(point) as MetricName[];
  const samples = new Map<MetricName, number[]>(names.map((m) => [m, []]));
  const weights = new Uint32Array(n);
  for (let r = 0; n > 0 && r < resamples; r++) {
    weights.fill(0);
    for (let k = 0; k < n; k++) {
      const i = Math.floor(random() * n);
      weights[i] = (weights[i] as number) + 1;
    }
    const values = evaluate(weights);
    for (const m of names) {
      const v = values[m];
      if (v !== null && v !== undefined && Number.isFinite(v)) samples.get(m)?.push(v);
    }
  }
  const out: Partial<Record<MetricName, MetricEstimate>> = {};
  for (const m of names) {
    const xs = (samples.get(m) ?? []).sort((a, b) => a - b);
    const value = point[m] ?? null;
    const ci: [number, number] | null =
      xs.length > 0 && xs.length >= MIN_DEFINED * resamples ? [quantileSorted(xs, (1 - confidence) / 2), quantileSorted(xs, (1 + confidence) / 2)] : null;
    out[m] = { value, ci };
  }
  return out;
}
