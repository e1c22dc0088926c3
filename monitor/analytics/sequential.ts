/**
 * Intervals and verdicts for champion vs challenger that stay valid however often they are looked at.
 *
 * A fixed-sample 95 % interval checked every window would eventually exclude zero by chance: with enough peeks the
 * false-positive rate goes to 1. The difference challenger − champion is judged instead with the mixture sequential
 * probability ratio test (mSPRT) and its always-valid confidence interval: Johari, Koomen, Pekelis & Walsh, "Always
 * valid inference: continuous monitoring of A/B tests", Operations Research 70(3), 2022 (section 4, the normal
 * mixture H = N(0, τ²) over the effect). With the difference's estimate d and its variance V (plug-in, so the
 * guarantee is asymptotic, as in Waudby-Smith et al., "Time-uniform central limit theory", 2023), the mixture
 * likelihood ratio is Λ = sqrt(V / (V + τ²)) · exp(τ² d² / (2 V (V + τ²))); rejecting when Λ ≥ 1/α keeps the type-I
 * error ≤ α over every look, and {θ : |d − θ|² < V (V + τ²)/τ² · (2 ln(1/α) + ln((V + τ²)/V))} is the interval
 * that covers the true difference at every look at once. τ is the effect size the test is most sensitive to.
 *
 * Per-arm rates get a Wilson score interval (one arm's rate, not a comparison, so no peeking correction is claimed).
 *
 * @example
 * ```ts
 * const d = compareRates({ k: 30, n: 1000 }, { k: 12, n: 1000 }, { lowerIsBetter: true, tau: 0.01 });
 * d.verdict; // "better": the challenger's error rate is lower, and the always-valid interval excludes 0
 * ```
 */

/** How a challenger's metric compares: significantly better, worse, or not (yet) distinguishable from the champion. */
export type Verdict = "better" | "worse" | "not_significant";

export interface Interval {
  low: number;
  high: number;
}

export interface Difference {
  /** challenger − champion */
  estimate: number;
  /** Always-valid (1 − α) interval of the difference; null until both sides have data. */
  interval: Interval | null;
  /** The mSPRT's always-valid p-value at this look: min(1, 1/Λ). */
  pValue: number | null;
  verdict: Verdict;
  alpha: number;
  tau: number;
}

export const DEFAULT_ALPHA = 0.05;
/** Below this many observations per arm the normal approximation is not trusted: the verdict waits. */
const MIN_PER_ARM = 30;

/** Wilson score interval of a rate k/n (z = 1.96 for 95 %); null without observations. */
export function wilson(k: number, n: number, z = 1.959964): Interval | null {
  if (!(n > 0)) return null;
  const p = k / n;
  const z2 = z * z;
  const center = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: k <= 0 ? 0 : Math.max(0, center - half), high: k >= n ? 1 : Math.min(1, center + half) };
}

/** The mSPRT on an estimated difference d with variance V (see the module comment). */
function msprt(d: number, variance: number, opts: { alpha?: number; tau: number; lowerIsBetter: boolean; enough: boolean }): Difference {
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  const tau2 = opts.tau * opts.tau;
  const base = { estimate: d, alpha, tau: opts.tau };
  if (!opts.enough || !(variance >= 0) || !Number.isFinite(d)) return { ...base, interval: null, pValue: null, verdict: "not_significant" };
  // A variance of 0 (every observation equal on both sides) carries no evidence either way: floor it.
  const v = Math.max(variance, 1e-12);
  const logLambda = 0.5 * Math.log(v / (v + tau2)) + (tau2 * d * d) / (2 * v * (v + tau2));
  const pValue = Math.min(1, Math.exp(-logLambda));
  const half = Math.sqrt(((v * (v + tau2)) / tau2) * (2 * Math.log(1 / alpha) + Math.log((v + tau2) / v)));
  const interval = { low: d - half, high: d + half };
  let verdict: Verdict = "not_significant";
  if (interval.low > 0) verdict = opts.lowerIsBetter ? "worse" : "better";
  else if (interval.high < 0) verdict = opts.lowerIsBetter ? "better" : "worse";
  return { ...base, interval, pValue, verdict };
}

/** Difference of two rates (challenger − champion), each k successes of n, judged by the mSPRT. */
export function compareRates(
  champion: { k: number; n: number },
  challenger: { k: number; n: number },
  opts: { lowerIsBetter: boolean; tau: number; alpha?: number },
): Difference {
  const enough = champion.n >= MIN_PER_ARM && challenger.n >= MIN_PER_ARM;
  const p1 = champion.n > 0 ? champion.k / champion.n : 0;
  const p2 = challenger.n > 0 ? challenger.k / challenger.n : 0;
  // Pooled under the null of equal rates: the variance the test's guarantee is about, and never 0 when either side moved.
  const pooled = champion.n + challenger.n > 0 ? (champion.k + challenger.k) / (champion.n + challenger.n) : 0;
  const variance = enough ? pooled * (1 - pooled) * (1 / champion.n + 1 / challenger.n) : Number.NaN;
  return msprt(p2 - p1, variance, { ...opts, enough });
}

/** Difference of two means (challenger − champion) from their counts, means and variances, judged by the mSPRT. */
export function compareMeans(
  champion: { n: number; mean: number; variance: number },
  challenger: { n: number; mean: number; variance: number },
  opts: { lowerIsBetter: boolean; tau: number; alpha?: number },
): Difference {
  const enough = champion.n >= MIN_PER_ARM && challenger.n >= MIN_PER_ARM;
  const variance = enough ? champion.variance / champion.n + challenger.variance / challenger.n : Number.NaN;
  return msprt(challenger.mean - champion.mean, variance, { ...opts, enough });
}
