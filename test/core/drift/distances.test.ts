import { describe, expect, it } from "vitest";
import { jensenShannon, lInfinity, proportions, psi, PSI_EPSILON, wasserstein } from "../../../core/drift/distances.ts";

describe("distances (hand-computed)", () => {
  it("proportions", () => {
    expect(proportions([1, 3])).toEqual([0.25, 0.75]);
    expect(proportions([0, 0])).toEqual([0, 0]);
  });

  it("PSI: (0.25-0.5)·ln(0.5) + (0.75-0.5)·ln(1.5) = 0.25·ln 3", () => {
    expect(psi([50, 50], [25, 75])).toBeCloseTo(0.25 * Math.log(3), 14);
    expect(psi([3, 7], [30, 70])).toBe(0);
  });

  it("PSI replaces an empty bin's proportion by 1e-4", () => {
    expect(PSI_EPSILON).toBe(1e-4);
    // e = [1, 1e-4], a = [0.5, 0.5]: (0.5 - 1)·ln(0.5) + (0.5 - 1e-4)·ln(0.5 / 1e-4)
    expect(psi([100, 0], [50, 50])).toBeCloseTo(0.5 * Math.log(2) + 0.4999 * Math.log(5000), 12);
  });

  it("Jensen-Shannon distance, base 2", () => {
    expect(jensenShannon([1, 2, 3], [2, 4, 6])).toBe(0);
    expect(jensenShannon([1, 0], [0, 1])).toBe(1);
    // m = [0.75, 0.25]; JSD = ½(½·log2(⅔) + ½·1) + ½·log2(4/3); scipy jensenshannon([1,1],[2,0], base=2)
    const jsd = 0.5 * (0.5 * Math.log2(0.5 / 0.75) + 0.5 * Math.log2(0.5 / 0.25)) + 0.5 * Math.log2(1 / 0.75);
    expect(jensenShannon([1, 1], [2, 0])).toBeCloseTo(Math.sqrt(jsd), 14);
    expect(jensenShannon([1, 1], [2, 0])).toBeCloseTo(0.5579230452841438, 14);
  });

  it("Wasserstein-1 over bin midpoints", () => {
    const mids = [0.5, 1.5, 2.5];
    expect(wasserstein([1, 0, 0], [0, 0, 1], mids)).toBe(2);
    // CDF gaps 0.5 over [0.5, 1.5] and 0.5 over [1.5, 2.5]; scipy wasserstein_distance(mids, mids, [1,1,0], [0,1,1]) = 1
    expect(wasserstein([1, 1, 0], [0, 1, 1], mids)).toBe(1);
    expect(wasserstein([2, 2, 2], [1, 1, 1], mids)).toBe(0);
  });

  it("L-infinity", () => {
    expect(lInfinity([1, 1], [2, 0])).toBe(0.5);
    expect(lInfinity([50, 50, 0], [25, 50, 25])).toBe(0.25);
  });

  it("refuses distributions over different bins", () => {
    expect(() => psi([1, 2], [1, 2, 3])).toThrow(/2 and 3 bins/);
  });
});
