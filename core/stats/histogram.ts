/**
 * Fixed-bucket histograms: find a value's bucket, and estimate quantiles from bucket counts the way Prometheus'
 * `histogram_quantile` does (linear interpolation inside the bucket that holds the rank).
 *
 * @example
 * ```ts
 * const bounds = [1, 2, 5];             // buckets (-inf,1] (1,2] (2,5] (5,+inf)
 * bucketIndex(bounds, 1.5);             // 1
 * histogramQuantile(bounds, [0, 10, 0, 0], 0.5); // 1.5: half-way through (1,2]
 * ```
 */

/** Index of the first bound >= value (upper bounds are inclusive, like Prometheus `le`); bounds.length = overflow. */
export function bucketIndex(bounds: readonly number[], value: number): number {
  // Binary search: called on every request by the telemetry client, so no allocation and O(log n).
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= bounds[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Estimate the q-quantile (0..1) from bucket counts (`counts.length === bounds.length + 1`). The first bucket's lower
 * edge is 0 (latencies are never negative); a rank in the overflow bucket returns the last finite bound, as
 * Prometheus does, because nothing is known above it. Returns null when there are no observations.
 */
export function histogramQuantile(bounds: readonly number[], counts: readonly number[], q: number): number | null {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0 || !(q >= 0 && q <= 1)) return null;
  const rank = q * total;
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0 && cumulative + c >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? null;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const upper = bounds[i]!;
      return lower + (upper - lower) * ((rank - cumulative) / c);
    }
    cumulative += c;
  }
  return bounds[bounds.length - 1] ?? null;
}
