/**
 * Fixed bins for drift: edges from training-data quantiles, open-ended first and last bins, and the bin midpoints
 * Wasserstein distance needs.
 *
 * Bins are left-closed: `edges = [e1, ..., ek]` gives `(-inf, e1), [e1, e2), ..., [ek, +inf)` (k + 1 bins), so a value
 * equal to an edge belongs to the bin that starts there, as numpy's `digitize` and pandas' `cut(right=False)` do.
 * (The latency histogram in `histogram.ts` is right-closed on purpose: Prometheus' `le` convention.)
 *
 * @example
 * ```ts
 * const edges = quantileEdges([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4); // [3.25, 5.5, 7.75]
 * binIndex(edges, 5.5);                                             // 2: [5.5, 7.75)
 * binMidpoints(edges, 1, 10);                                       // [2.125, 4.375, 6.625, 8.875]
 * ```
 */

/** Index of the bin holding `value`: the number of edges <= value. Binary search, no allocation (runs per request). */
export function binIndex(edges: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value >= (edges[mid] as number)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The q-quantile (0..1) of ascending `sorted` values by linear interpolation between order statistics (Hyndman & Fan
 * type 7, the default of numpy.quantile and R). NaN for no values.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * Math.min(Math.max(q, 0), 1);
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, n - 1)] as number;
  const t = h - lo;
  // Interpolate from the nearer end, as numpy's lerp does (fewer rounding surprises near t = 1).
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

/**
 * Interior edges for `bins` equal-frequency bins: the quantiles 1/bins, ..., (bins-1)/bins of ascending `sorted`,
 * deduplicated (a column with many equal values gets fewer, wider bins instead of empty zero-width ones).
 */
export function quantileEdges(sorted: ArrayLike<number>, bins: number): number[] {
  const edges: number[] = [];
  if (sorted.length === 0) return edges;
  for (let i = 1; i < bins; i++) {
    const e = quantileSorted(sorted, i / bins);
    if (edges.length === 0 || e > (edges[edges.length - 1] as number)) edges.push(e);
  }
  return edges;
}

/**
 * A representative point per bin: interior bins use their midpoint; the open-ended first and last bins are closed at
 * the training `min` and `max` (nothing is known beyond them), so `(-inf, e1)` maps to `(min + e1) / 2`.
 */
export function binMidpoints(edges: readonly number[], min: number, max: number): number[] {
  const k = edges.length;
  if (k === 0) return [(min + max) / 2];
  const first = edges[0] as number;
  const last = edges[k - 1] as number;
  const out = [(Math.min(min, first) + first) / 2];
  for (let i = 1; i < k; i++) out.push(((edges[i - 1] as number) + (edges[i] as number)) / 2);
  out.push((last + Math.max(max, last)) / 2);
  return out;
}
