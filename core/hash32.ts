/**
 * Stable 32-bit hashes for the edge's deterministic choices (which arm a user is on, which requests are sampled, which
 * bucket a category hashes to), one implementation for all, identical on every target.
 *
 * @example
 * ```ts
 * hash32("1.1.0\u0000user-42") / 2 ** 32 < 0.1; // this user is in a 10% canary, every time, everywhere
 * ```
 */

/** murmur3's finalizer: spreads every input bit over the whole word (avalanche). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * FNV-1a over a string's UTF-16 code units, finished with fmix32 so that keys differing only in their last characters
 * ("user-1", "user-2") still spread over the whole range.
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}
