/**
 * Which drift measure to trust at a given sample size (DESIGN.md: p-value tests flag everything at scale).
 *
 * On small samples a distance is mostly noise (PSI over 10 bins has an expected value of about 9/n with no drift at
 * all), so a test that accounts for the sample size decides: chi-square, p < 0.05. On large samples any real but
 * harmless difference gets a tiny p-value, so a distance with a fixed threshold decides: PSI >= 0.2 for numeric bins
 * (the usual equal-frequency-decile setting its rule of thumb comes from), Jensen-Shannon >= 0.1 for categories (PSI's
 * epsilon would dominate a category that is empty on one side; JS stays bounded). The cut at 1,000 and the thresholds
 * follow Evidently's defaults for tabular drift.
 *
 * The sample size is the *effective* one when both sides are samples, n1·n2/(n1+n2) (`effectiveSampleSize`): the
 * noise in a difference of proportions scales with 1/n1 + 1/n2, so a 500-row training set stays "small" however much
 * traffic arrives.
 *
 * @example
 * ```ts
 * chooseMeasure(200);                     // { measure: "chi_square", type: "test", threshold: 0.05, reason: "..." }
 * chooseMeasure(50_000, "categorical");   // { measure: "jensen_shannon", type: "distance", threshold: 0.1, reason: "..." }
 * ```
 */

export type DriftMeasure = "psi" | "jensen_shannon" | "chi_square";

export interface MeasureChoice {
  measure: DriftMeasure;
  /** A test drifts when its p-value is below `threshold`; a distance when it is at or above it. */
  type: "test" | "distance";
  threshold: number;
  reason: string;
}

/** At or below this (effective) sample size, a test decides. */
export const SMALL_SAMPLE_LIMIT = 1_000;
const P_VALUE_THRESHOLD = 0.05;
export const PSI_THRESHOLD = 0.2;
export const JS_THRESHOLD = 0.1;

/** n1·n2/(n1+n2): the sample size that matters when comparing two samples; 0 when either is empty. */
export function effectiveSampleSize(n1: number, n2: number): number {
  return n1 > 0 && n2 > 0 ? (n1 * n2) / (n1 + n2) : 0;
}

/** Pick a test for small samples and a distance for large ones, and say why. */
export function chooseMeasure(n: number, kind: "numeric" | "categorical" = "numeric"): MeasureChoice {
  const size = `n = ${Math.round(n)}`;
  if (n <= SMALL_SAMPLE_LIMIT) {
    return {
      measure: "chi_square",
      type: "test",
      threshold: P_VALUE_THRESHOLD,
      reason: `${size} <= ${SMALL_SAMPLE_LIMIT}: chi-square test (distances are noisy on small samples)`,
    };
  }
  const reason = `${size} > ${SMALL_SAMPLE_LIMIT}: a distance (p-value tests flag any difference at this size)`;
  return kind === "numeric"
    ? { measure: "psi", type: "distance", threshold: PSI_THRESHOLD, reason }
    : { measure: "jensen_shannon", type: "distance", threshold: JS_THRESHOLD, reason };
}
