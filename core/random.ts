/**
 * The one seeded PRNG of edge-ml: bootstrap resamples (a validation result, and the gate it decides, is reproducible),
 * reservoir sampling for quantile edges (the same file gives the same baseline), test fixtures.
 *
 * @example
 * ```ts
 * const random = mulberry32(42);
 * random(); // a float in [0, 1)
 * ```
 */

/** mulberry32: a tiny, fast 32-bit PRNG; its statistical quality is ample for resampling and sampling. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
