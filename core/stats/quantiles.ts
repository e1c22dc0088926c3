/**
 * Streaming quantiles for building bin edges from training data of any size.
 *
 * Up to `exactLimit` values (default 200,000) every value is kept and the quantiles are exact. Past that the sketch
 * becomes a uniform reservoir sample of `sampleSize` values (default 100,000; Vitter's Algorithm R), whose quantiles
 * have a rank error of about sqrt(q(1-q)/sampleSize) ≈ 0.0016 at the median: far below the width of a decile bin.
 * The random source is a seeded PRNG, so the same file always gives the same edges (manifests are reproducible).
 *
 * @example
 * ```ts
 * const sketch = createQuantileSketch();
 * for (const x of [5, 1, 4, 2, 3]) sketch.add(x);
 * sketch.quantiles([0.5]); // [3]
 * sketch.edges(4);         // [2, 3, 4]
 * ```
 */
import { quantileEdges, quantileSorted } from "./bins.ts";
import { mulberry32 } from "../random.ts";

export interface QuantileSketchOptions {
  /** Keep every value (exact quantiles) up to this many. */
  exactLimit?: number;
  /** Reservoir size once past `exactLimit`. */
  sampleSize?: number;
  seed?: number;
}

export interface QuantileSketch {
  /** Add one finite number (callers filter missing values). */
  add(x: number): void;
  /** How many values were added. */
  readonly count: number;
  /** True while every value is kept. */
  readonly exact: boolean;
  /** Quantiles (type 7 interpolation) of the values, or of the sample once past the exact limit. */
  quantiles(qs: readonly number[]): number[];
  /** Interior edges of `bins` equal-frequency bins, deduplicated (see `quantileEdges`). */
  edges(bins: number): number[];
}

const EXACT_QUANTILE_LIMIT = 200_000;
const RESERVOIR_SIZE = 100_000;

export function createQuantileSketch(options: QuantileSketchOptions = {}): QuantileSketch {
  const exactLimit = options.exactLimit ?? EXACT_QUANTILE_LIMIT;
  const sampleSize = Math.min(options.sampleSize ?? RESERVOIR_SIZE, exactLimit);
  const random = mulberry32(options.seed ?? 0x5eed);
  let buf = new Float64Array(Math.min(1024, exactLimit));
  let n = 0;
  let kept = 0;
  let sorted: Float64Array | undefined;

  const toReservoir = () => {
    // A partial Fisher-Yates shuffle moves a uniform sample of `sampleSize` of the kept values to the front.
    for (let i = 0; i < sampleSize; i++) {
      const j = i + Math.floor(random() * (kept - i));
      const t = buf[i] as number;
      buf[i] = buf[j] as number;
      buf[j] = t;
    }
    buf = buf.slice(0, sampleSize);
    kept = sampleSize;
  };

  return {
    add(x) {
      sorted = undefined;
      if (n < exactLimit) {
        if (kept === buf.length) {
          const next = new Float64Array(Math.min(buf.length * 2, exactLimit));
          next.set(buf);
          buf = next;
        }
        buf[kept++] = x;
      } else {
        if (kept > sampleSize) toReservoir();
        // Algorithm R: the (n+1)-th value replaces a random slot with probability sampleSize / (n + 1).
        const j = Math.floor(random() * (n + 1));
        if (j < sampleSize) buf[j] = x;
      }
      n++;
    },
    get count() {
      return n;
    },
    get exact() {
      return n <= exactLimit;
    },
    quantiles(qs) {
      sorted ??= buf.slice(0, kept).sort();
      const s = sorted;
      return qs.map((q) => quantileSorted(s, q));
    },
    edges(bins) {
      sorted ??= buf.slice(0, kept).sort();
      return quantileEdges(sorted, bins);
    },
  };
}
