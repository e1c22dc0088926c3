import { describe, expect, it } from "vitest";
import { binIndex, binMidpoints, quantileEdges, quantileSorted } from "../../../core/stats/bins.ts";
import { createQuantileSketch } from "../../../core/stats/quantiles.ts";

describe("bins", () => {
  it("binIndex puts a value equal to an edge in the bin that starts there (left-closed)", () => {
    const edges = [1, 2, 5];
    // (-inf,1) [1,2) [2,5) [5,+inf)
    expect([-10, 0.999, 1, 1.5, 2, 4.9, 5, 1e9].map((v) => binIndex(edges, v))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(binIndex([], 42)).toBe(0);
  });

  it("quantileSorted interpolates like numpy.quantile (type 7)", () => {
    const sorted = [1, 1, 2, 3, 4, 5, 6, 9]; // np.quantile([3,1,4,1,5,9,2,6], q)
    expect([0, 0.1, 0.25, 0.5, 0.9, 1].map((q) => quantileSorted(sorted, q))).toEqual([1, 1, 1.75, 3.5, 6.9, 9].map((x) => expect.closeTo(x, 12)));
    expect(quantileSorted([], 0.5)).toBeNaN();
  });

  it("quantileEdges gives bins-1 edges, deduplicated for repeated values", () => {
    expect(quantileEdges([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4)).toEqual([3.25, 5.5, 7.75]);
    // 0,0,0,0,0,0,0,1,2,3: the 10%..60% quantiles are all 0 and collapse into one edge.
    expect(quantileEdges([0, 0, 0, 0, 0, 0, 0, 1, 2, 3], 10)).toEqual([0, expect.closeTo(0.3, 12), expect.closeTo(1.2, 12), expect.closeTo(2.1, 12)]);
    expect(quantileEdges([7, 7, 7], 10)).toEqual([7]);
    expect(quantileEdges([], 10)).toEqual([]);
  });

  it("binMidpoints closes the open-ended bins at the training min and max", () => {
    expect(binMidpoints([3.25, 5.5, 7.75], 1, 10)).toEqual([2.125, 4.375, 6.625, 8.875]);
    expect(binMidpoints([1, 2], 0, 3)).toEqual([0.5, 1.5, 2.5]);
    expect(binMidpoints([], 2, 4)).toEqual([3]);
  });
});

describe("quantile sketch", () => {
  it("is exact up to the limit", () => {
    const s = createQuantileSketch();
    for (const x of [5, 1, 4, 2, 3]) s.add(x);
    expect(s.exact).toBe(true);
    expect(s.count).toBe(5);
    expect(s.quantiles([0, 0.5, 1])).toEqual([1, 3, 5]);
    expect(s.edges(4)).toEqual([2, 3, 4]);
  });

  it("past the limit, a reservoir sample keeps quantiles close and is reproducible", () => {
    const build = () => {
      const s = createQuantileSketch({ exactLimit: 2_000, sampleSize: 1_000 });
      // 0..99,999 in a scrambled order (a stride coprime to n), so the reservoir sees no sorted stream.
      for (let i = 0; i < 100_000; i++) s.add((i * 7919) % 100_000);
      return s;
    };
    const s = build();
    expect(s.exact).toBe(false);
    expect(s.count).toBe(100_000);
    const [q10, q50, q90] = s.quantiles([0.1, 0.5, 0.9]);
    // Rank error of a 1,000 sample: sd ≈ sqrt(0.25/1000) ≈ 0.016 of the range at the median; allow 4 sd.
    expect(Math.abs((q10 ?? 0) - 10_000)).toBeLessThan(4_000);
    expect(Math.abs((q50 ?? 0) - 50_000)).toBeLessThan(6_400);
    expect(Math.abs((q90 ?? 0) - 90_000)).toBeLessThan(4_000);
    expect(build().edges(10)).toEqual(s.edges(10));
  });
});
