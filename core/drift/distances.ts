/**
 * Distances between two binned distributions: baseline counts vs current counts over the same bins (or categories).
 * Counts are normalized here, so callers pass raw counts.
 *
 * - PSI (population stability index): sum (a - e) ln(a / e). Empty bins would make it infinite, so a proportion of 0
 *   is replaced by `PSI_EPSILON` = 1e-4 (no renormalization). Rule of thumb: < 0.1 stable, 0.1-0.25 moderate, > 0.25 shift.
 * - Jensen-Shannon distance, base 2: sqrt of the JS divergence, in [0, 1]; symmetric and finite with empty bins
 *   (equals scipy.spatial.distance.jensenshannon(p, q, base=2)).
 * - Wasserstein-1 from bins: the mass of each bin sits at its midpoint (`binMidpoints`), W1 = sum |F_p - F_q| * gap.
 *   In the units of the feature; divide by the training std for a scale-free number.
 * - L-infinity: the largest difference of proportions (TFDV's default for categorical drift).
 *
 * @example
 * ```ts
 * psi([50, 50], [25, 75]);                           // 0.2747
 * jensenShannon([1, 1], [2, 0]);                     // 0.5579
 * wasserstein([1, 0, 0], [0, 0, 1], [0.5, 1.5, 2.5]); // 2
 * lInfinity([1, 1], [2, 0]);                         // 0.5
 * ```
 */
import { EdgeMlError } from "../errors.ts";

export const PSI_EPSILON = 1e-4;

/** Counts as proportions; all zeros stays all zeros (an empty window has no distribution). */
export function proportions(counts: readonly number[]): number[] {
  let total = 0;
  for (const c of counts) total += c;
  return counts.map((c) => (total > 0 ? c / total : 0));
}

function sameBins(expected: readonly number[], actual: readonly number[]): void {
  if (expected.length !== actual.length) {
    throw new EdgeMlError("ERR_BAD_INPUT", `cannot compare distributions over ${expected.length} and ${actual.length} bins`, {
      hint: "profile the current data with the baseline's bins (createProfiler(baseline))",
    });
  }
}

/** Population stability index of `actual` (current) against `expected` (baseline) counts. */
export function psi(expected: readonly number[], actual: readonly number[]): number {
  sameBins(expected, actual);
  const e = proportions(expected);
  const a = proportions(actual);
  let out = 0;
  for (let i = 0; i < e.length; i++) {
    const ei = Math.max(e[i] as number, PSI_EPSILON);
    const ai = Math.max(a[i] as number, PSI_EPSILON);
    out += (ai - ei) * Math.log(ai / ei);
  }
  return out;
}

/** Jensen-Shannon distance (base 2, in [0, 1]) between two count vectors. */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  sameBins(p, q);
  const a = proportions(p);
  const b = proportions(q);
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const ai = a[i] as number;
    const bi = b[i] as number;
    const m = (ai + bi) / 2;
    // 0 * log 0 = 0: a bin empty on one side contributes only through the other.
    if (ai > 0) d += 0.5 * ai * Math.log2(ai / m);
    if (bi > 0) d += 0.5 * bi * Math.log2(bi / m);
  }
  // Rounding can leave d a hair outside [0, 1].
  return Math.sqrt(Math.min(Math.max(d, 0), 1));
}

/** Wasserstein-1 distance between two binned distributions whose bins sit at `midpoints` (ascending). */
export function wasserstein(p: readonly number[], q: readonly number[], midpoints: readonly number[]): number {
  sameBins(p, q);
  sameBins(p, midpoints);
  const a = proportions(p);
  const b = proportions(q);
  let fa = 0;
  let fb = 0;
  let out = 0;
  for (let i = 0; i < a.length - 1; i++) {
    fa += a[i] as number;
    fb += b[i] as number;
    out += Math.abs(fa - fb) * ((midpoints[i + 1] as number) - (midpoints[i] as number));
  }
  return out;
}

/** Largest absolute difference between the two distributions' proportions. */
export function lInfinity(p: readonly number[], q: readonly number[]): number {
  sameBins(p, q);
  const a = proportions(p);
  const b = proportions(q);
  let out = 0;
  for (let i = 0; i < a.length; i++) out = Math.max(out, Math.abs((a[i] as number) - (b[i] as number)));
  return out;
}
