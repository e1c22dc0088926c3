/**
 * Feature hashing for the `hash_bucket` preprocessing op: MurmurHash3 x86 32-bit of a value's UTF-8 bytes, seed 0, as
 * an unsigned number, mod the bucket count. Equal to scikit-learn's `murmurhash3_32(value, positive=True) % buckets`
 * for strings, so a training pipeline in Python and every edge target put a value in the same bucket.
 *
 * Integers hash by their decimal spelling ("42"), not their bytes (sklearn hashes an int key as an int32, which no JSON
 * client could reproduce from the number); floats with a fraction and booleans have no agreed spelling, so they are
 * unhashable rather than silently bucketed.
 *
 * @example
 * ```ts
 * hashBucket("Paris", 1000); // sklearn: murmurhash3_32("Paris", positive=True) % 1000
 * hashBucket(42, 8);         // same as hashBucket("42", 8)
 * hashBucket(1.5, 8);        // undefined
 * ```
 */
import { fmix32 } from "./hash32.ts";

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const encoder = new TextEncoder();
/** Reused UTF-8 scratch space: hashing a request's strings allocates nothing once it has grown to the longest. */
let scratch = new Uint8Array(256);

function hashBytes(bytes: Uint8Array, length: number, seed: number): number {
  let h = seed | 0;
  const tail = length & ~3;
  for (let i = 0; i < tail; i += 4) {
    let k = (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rem = length & 3;
  if (rem > 0) {
    let k = bytes[tail] as number;
    if (rem > 1) k ^= (bytes[tail + 1] as number) << 8;
    if (rem > 2) k ^= (bytes[tail + 2] as number) << 16;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, C2);
  }
  return fmix32(h ^ length);
}

/**
 * MurmurHash3 x86 32-bit, as an unsigned integer.
 *
 * @example
 * ```ts
 * murmurhash3_32(new TextEncoder().encode("foo")); // 4138058784 (sklearn: murmurhash3_32("foo", positive=True))
 * ```
 */
export function murmurhash3_32(bytes: Uint8Array, seed = 0): number {
  return hashBytes(bytes, bytes.length, seed);
}

/** The hash of a string's UTF-8 (lone surrogates encode as U+FFFD, as TextEncoder does). */
function hashString(s: string): number {
  // A UTF-16 code unit is at most 3 UTF-8 bytes.
  if (scratch.length < s.length * 3) scratch = new Uint8Array(s.length * 3);
  const { written } = encoder.encodeInto(s, scratch);
  return hashBytes(scratch, written, 0);
}

/**
 * The bucket in [0, buckets) of a string or a safe integer; undefined for a value with no agreed spelling (a float
 * with a fraction, NaN, an integer past 2^53).
 *
 * @example
 * ```ts
 * hashBucket("station-17", 64); // 0..63
 * ```
 */
export function hashBucket(value: string | number, buckets: number): number | undefined {
  if (typeof value === "string") return hashString(value) % buckets;
  // String(-0) is "0", matching Python's str(int(-0.0)).
  if (typeof value === "number" && Number.isSafeInteger(value)) return hashString(String(value)) % buckets;
  return undefined;
}
