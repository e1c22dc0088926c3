/**
 * core/hash-bucket.ts and core/bucketize.ts against scikit-learn's murmurhash3_32 and numpy.digitize
 * (test/fixtures/dates/make_fixtures.py → reference.json): ASCII, every UTF-8 length (accents, CJK, emoji, ZWJ
 * sequences, flags), every tail length, seeds, and boundaries hit exactly.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bucketize } from "../../core/bucketize.ts";
import { hashBucket, murmurhash3_32 } from "../../core/hash-bucket.ts";
import { FIXTURES } from "../helpers/tmp.ts";

interface Reference {
  murmurhash3_32: { value: string; hash: number; buckets: Record<string, number> }[];
  murmurhash3_32_seeded: { value: string; seed: number; hash: number }[];
  digitize: { boundaries: number[]; x: number[]; expected: number[] }[];
}
const reference = JSON.parse(readFileSync(join(FIXTURES, "dates", "reference.json"), "utf8")) as Reference;
const utf8 = (s: string) => new TextEncoder().encode(s);

describe("murmurhash3_32 against sklearn.utils.murmurhash3_32(positive=True)", () => {
  it.each(reference.murmurhash3_32.map((c) => [c.value.length > 30 ? `${c.value.slice(0, 30)}…` : c.value, c] as const))("%j", (_, c) => {
    expect(murmurhash3_32(utf8(c.value))).toBe(c.hash);
    const buckets = Object.fromEntries(Object.keys(c.buckets).map((b) => [b, hashBucket(c.value, Number(b))]));
    expect(buckets).toEqual(c.buckets);
  });

  it("with seeds", () => {
    for (const c of reference.murmurhash3_32_seeded) expect([c.value, c.seed, murmurhash3_32(utf8(c.value), c.seed)]).toEqual([c.value, c.seed, c.hash]);
  });

  it("covers every tail length and multi-byte UTF-8", () => {
    expect(new Set(reference.murmurhash3_32.map((c) => utf8(c.value).length % 4))).toEqual(new Set([0, 1, 2, 3]));
    expect(reference.murmurhash3_32.some((c) => /\p{Extended_Pictographic}/u.test(c.value))).toBe(true);
  });
});

describe("hashBucket", () => {
  const hash = (s: string) => reference.murmurhash3_32.find((c) => c.value === s)?.hash as number;

  it("hashes integers by their decimal spelling", () => {
    expect(hashBucket(42, 1000)).toBe(hash("42") % 1000);
    expect(hashBucket(-7, 64)).toBe(hash("-7") % 64);
    expect(hashBucket(0, 7)).toBe(hash("0") % 7);
    expect(hashBucket(-0, 7)).toBe(hash("0") % 7);
    expect(hashBucket(42.0, 10)).toBe(hashBucket("42", 10));
    expect(hashBucket(9007199254740991, 2 ** 31 - 1)).toBe(hash("9007199254740991") % (2 ** 31 - 1));
  });

  it("refuses values with no agreed spelling", () => {
    for (const v of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 1e21]) expect(hashBucket(v, 10)).toBeUndefined();
    expect(hashBucket(true as unknown as number, 10)).toBeUndefined();
  });

  it("gives the same bucket after a long string has grown the scratch buffer", () => {
    const before = hashBucket("Paris", 1000);
    expect(hashBucket("é".repeat(5000), 1000)).toBe(murmurhash3_32(utf8("é".repeat(5000))) % 1000);
    expect(hashBucket("Paris", 1000)).toBe(before);
    expect(before).toBe(hash("Paris") % 1000);
  });
});

describe("bucketize against numpy.digitize(right=False)", () => {
  it.each(reference.digitize.map((c) => [c.boundaries.join(","), c] as const))("boundaries %s", (_, c) => {
    expect(c.x.map((x) => bucketize(x, c.boundaries))).toEqual(c.expected);
  });

  it("infinities go to the ends; NaN stays missing", () => {
    expect(bucketize(Number.NEGATIVE_INFINITY, [1, 2])).toBe(0);
    expect(bucketize(Number.POSITIVE_INFINITY, [1, 2])).toBe(2);
    expect(bucketize(Number.NaN, [1, 2])).toBeNaN();
  });

  it("agrees with a linear count on many random boundaries", () => {
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 200 - 100;
    for (let t = 0; t < 200; t++) {
      const b = [...new Set(Array.from({ length: 1 + (t % 17) }, () => Math.round(rand())))].sort((x, y) => x - y);
      for (let k = 0; k < 20; k++) {
        const x = k % 3 === 0 ? (b[k % b.length] as number) : rand();
        expect(bucketize(x, b)).toBe(b.filter((v) => v <= x).length);
      }
    }
  });
});
