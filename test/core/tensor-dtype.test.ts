import { describe, expect, it } from "vitest";
import { describeValue, formatShape, listNames } from "../../core/describe-value.ts";
import { createSink, elementName, toFloat16Bits } from "../../core/tensor-dtype.ts";

/** Reference decoder: half bits → number, straight from the IEEE 754 definition. */
function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

describe("toFloat16Bits", () => {
  it("encodes known values", () => {
    expect([1, -2, 65504, 0.1, 2 ** -24, 0, 0.5].map(toFloat16Bits)).toEqual([0x3c00, 0xc000, 0x7bff, 0x2e66, 0x0001, 0, 0x3800]);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(Infinity)).toBe(0x7c00);
  });

  it("round-trips every finite half value", () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = fromHalf(h);
      if (Number.isNaN(v)) continue;
      if (toFloat16Bits(v) !== h) throw new Error(`0x${h.toString(16)} (${v}) encoded as 0x${toFloat16Bits(v).toString(16)}`);
    }
  });

  it("rounds to nearest, ties to even, and overflows to Infinity past 65520", () => {
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even mantissa 0
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even mantissa 2
    expect(toFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(toFloat16Bits(65519)).toBe(0x7bff);
    expect(toFloat16Bits(65520)).toBe(0x7c00);
    expect(toFloat16Bits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal → 0
    expect(toFloat16Bits(1.5 * 2 ** -25)).toBe(1);
  });
});

describe("createSink", () => {
  it("writes each dtype into its typed array", () => {
    const cases = [
      ["float64", 0.1, Float64Array],
      ["int8", -128, Int8Array],
      ["uint8", 255, Uint8Array],
      ["int16", -32768, Int16Array],
      ["uint16", 65535, Uint16Array],
      ["int32", 2147483647, Int32Array],
      ["uint32", 4294967295, Uint32Array],
    ] as const;
    for (const [dtype, v, Ctor] of cases) {
      const sink = createSink(dtype, 1);
      expect(sink.put(0, v)).toBeUndefined();
      expect(sink.data).toEqual(new Ctor([v]));
    }
    const u64 = createSink("uint64", 1);
    expect(u64.put(0, 2 ** 53 - 1)).toBeUndefined();
    expect(u64.data).toEqual(new BigUint64Array([2n ** 53n - 1n]));
  });

  it("names what each dtype expects", () => {
    expect(["float16", "int64", "bool", "string"].map((d) => elementName(d as "float16"))).toEqual(["a number", "an integer", "true or false", "a string"]);
    expect(createSink("uint64", 1).put(0, -1)).toBe("-1 is out of the uint64 range (0 to 9007199254740991)");
  });
});

describe("describeValue", () => {
  it("describes every JSON value kind briefly", () => {
    expect([null, undefined, [1], {}, "12", 3, Number.NaN, -Infinity, true, 5n].map(describeValue)).toEqual([
      "null",
      "nothing",
      "an array",
      "an object",
      'string "12"',
      "number 3",
      "NaN",
      "-Infinity",
      "boolean true",
      "bigint 5",
    ]);
    expect(describeValue("x".repeat(50))).toBe(`string "${"x".repeat(40)}…"`);
  });

  it("cuts long name lists and formats shapes", () => {
    expect(listNames(Array.from({ length: 22 }, (_, i) => i))).toBe("0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, … (2 more)");
    expect(formatShape(["batch", null, 3])).toBe("[batch, ?, 3]");
  });
});
