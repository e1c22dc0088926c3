/**
 * The statistics of `measureLatency`, pure and runtime-free so they can be tested on synthetic blocks.
 *
 * Each round runs every model once as a block (many runs, in slices timed together, see harness.ts); a block's value
 * is its time per run (leaving out slices that a preemption hit). A model is compared with the baseline (models[0])
 * round by round: the log of (model's block value / baseline's block value in the same round) is one paired observation. Slow drift of the machine (thermal, other processes, GC
 * pressure) moves both blocks of a round alike and cancels in the ratio; the block order alternates between rounds
 * (A B, B A, ...) so whatever favours the first or second slot of a round cancels too.
 *
 * The ratio is the geometric mean of the per-round ratios, exp(mean log ratio). Its 95% confidence interval is a
 * Student t interval on the log ratios, exp(mean ± t(0.975, n-1) · sd / √n). Why t and not a bootstrap: with the 10-30
 * rounds a measurement has, the t interval is the standard choice for paired log ratios (they are close to normal once
 * each is a mean of many runs), and it is deterministic, so the same blocks always give the same interval.
 */

/** Linear-interpolated quantile (q in [0, 1]) of `values`; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7; ~1e-15 relative). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularized incomplete beta function (Numerical Recipes' betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** CDF of Student's t distribution with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Quantile of Student's t (p in (0, 1)), by bisection on the CDF: exact to ~1e-10, fast enough for a handful of calls. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return Number.NaN;
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface PairedRatio {
  /** Geometric mean of other/baseline over the paired blocks. */
  ratio: number;
  /** 95% t interval of the geometric mean ratio; [ratio, ratio] when all pairs agree exactly, NaNs with < 2 pairs. */
  ci95: [number, number];
  /** Number of block pairs. */
  blocks: number;
}

/**
 * Ratio of `other` to `baseline` from paired block means (same index = same round), with a 95% Student t interval on
 * the log ratios. Pairs with a non-positive or non-finite value are dropped (a block too short for the clock reads 0).
 *
 * @example
 * ```ts
 * pairedRatio([1, 1.1, 0.9], [2, 2.2, 1.8]); // { ratio: 2, ci95: [2, 2], blocks: 3 }
 * ```
 */
export function pairedRatio(baseline: readonly number[], other: readonly number[]): PairedRatio {
  const logs: number[] = [];
  for (let i = 0; i < Math.min(baseline.length, other.length); i++) {
    const a = baseline[i]!;
    const b = other[i]!;
    if (a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b)) logs.push(Math.log(b / a));
  }
  const n = logs.length;
  if (n === 0) return { ratio: Number.NaN, ci95: [Number.NaN, Number.NaN], blocks: 0 };
  const mean = logs.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return { ratio: Math.exp(mean), ci95: [Number.NaN, Number.NaN], blocks: n };
  const sd = Math.sqrt(logs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = studentTQuantile(0.975, n - 1) * (sd / Math.sqrt(n));
  return { ratio: Math.exp(mean), ci95: [Math.exp(mean - half), Math.exp(mean + half)], blocks: n };
}
