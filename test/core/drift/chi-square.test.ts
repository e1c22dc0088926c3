import { describe, expect, it } from "vitest";
import { chiSquareSf, chiSquareTest, lnGamma, regularizedGammaQ } from "../../../core/drift/chi-square.ts";

describe("regularized upper incomplete gamma / chi-square survival", () => {
  it("lnGamma matches factorials and Γ(½) = √π", () => {
    expect(lnGamma(1)).toBeCloseTo(0, 13);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(lnGamma(101)).toBeCloseTo(363.73937555556347, 9); // ln(100!)
  });

  it("matches scipy.stats.chi2.sf", () => {
    // Reference values: scipy 1.17 chi2.sf(x, k); both the series (x < a+1) and continued-fraction branches.
    const cases: [number, number, number][] = [
      [3.84, 1, 0.05004352124870519],
      [1, 3, 0.8012519569012009],
      [10, 5, 0.07523524614651217],
      [20, 10, 0.029252688076961124],
      [100, 80, 0.064570368921133],
      [0.5, 7, 0.9994464813904249],
      [1e-3, 1, 0.9747728793699604],
      [50, 30, 0.01240206071890054],
      [2.5, 4, 0.6446357929354278],
      [0.5, 0.5, 0.25632205526853896],
    ];
    for (const [x, k, want] of cases) expect(chiSquareSf(x, k), `chi2.sf(${x}, ${k})`).toBeCloseTo(want, 12);
    expect(chiSquareSf(200, 3) / 4.218541107192018e-43).toBeCloseTo(1, 10);
  });

  it("has closed forms for k = 2 and 4", () => {
    for (const x of [0.1, 1, 5.991, 30]) {
      expect(chiSquareSf(x, 2)).toBeCloseTo(Math.exp(-x / 2), 14);
      expect(chiSquareSf(x, 4)).toBeCloseTo(Math.exp(-x / 2) * (1 + x / 2), 14);
    }
  });

  it("edge cases", () => {
    expect(regularizedGammaQ(2, 0)).toBe(1);
    expect(regularizedGammaQ(2, Infinity)).toBe(0);
    expect(regularizedGammaQ(0, 1)).toBeNaN();
  });
});

describe("chiSquareTest (2 x k homogeneity, no Yates correction)", () => {
  it("hand-computed: expected cells 15, 20, 25 on both rows", () => {
    // (10-15)²/15 + 0 + (30-25)²/25 + (20-15)²/15 + 0 + (20-25)²/25 = 16/3; df 2 → p = e^(-8/3)
    const r = chiSquareTest([10, 20, 30], [20, 20, 20]);
    expect(r.statistic).toBeCloseTo(16 / 3, 13);
    expect(r.df).toBe(2);
    expect(r.pValue).toBeCloseTo(Math.exp(-8 / 3), 14);
    expect(r.pValue).toBeCloseTo(0.0694834512228015, 14); // scipy chi2_contingency(correction=False)
  });

  it("drops bins empty on both sides, and handles a category empty on one side", () => {
    expect(chiSquareTest([10, 20, 30, 0], [20, 20, 20, 0])).toEqual(chiSquareTest([10, 20, 30], [20, 20, 20]));
    const r = chiSquareTest([50, 50, 0], [25, 50, 25]);
    expect(r.statistic).toBeCloseTo(100 / 3, 12);
    expect(r.pValue).toBeCloseTo(5.7777485194191284e-8, 20);
  });

  it("nothing to test: an empty side or a single bin", () => {
    expect(chiSquareTest([0, 0], [3, 4])).toEqual({ statistic: 0, df: 1, pValue: 1 });
    expect(chiSquareTest([5, 0], [3, 0])).toEqual({ statistic: 0, df: 0, pValue: 1 });
  });
});
