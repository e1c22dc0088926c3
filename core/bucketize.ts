/**
 * The `bucketize` preprocessing op: which bucket a number falls in, given sorted boundaries.
 *
 * @example
 * ```ts
 * bucketize(30, [18, 30, 65]); // 2: two boundaries (18, 30) are ≤ 30
 * bucketize(-Infinity, [0]);    // 0
 * ```
 */

/**
 * The number of `boundaries` (strictly increasing) that are ≤ `x`: numpy.digitize(x, boundaries, right=False), by
 * binary search. NaN stays NaN (numpy would say len(boundaries)), so a missing value stays missing for `impute` or the
 * input check instead of landing in the top bucket.
 */
export function bucketize(x: number, boundaries: readonly number[]): number {
  if (Number.isNaN(x)) return Number.NaN;
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((boundaries[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
