import { describe, expect, it } from "vitest";
import { chooseMeasure, effectiveSampleSize } from "../../../core/drift/choose.ts";
import { alignCategories, compareFeature, compareProfile } from "../../../core/drift/compare.ts";
import { missingRateJump, unseenCategories } from "../../../core/drift/flags.ts";
import type { CategoricalBaseline, NumericBaseline } from "../../../core/schema/baseline.ts";
import type { CategoricalProfile, NumericProfile } from "../../../core/stats/profile-schema.ts";

const num = (counts: number[]): NumericBaseline => ({
  kind: "numeric",
  edges: [0],
  counts,
  missing: 0,
  count: counts[0]! + counts[1]!,
  mean: 0,
  std: 1,
  min: -1,
  max: 1,
});
const numProfile = (counts: number[], missing = 0): NumericProfile => ({
  kind: "numeric",
  counts,
  missing,
  count: counts[0]! + counts[1]!,
  sum: 0,
  sumSq: 0,
  min: -1,
  max: 1,
});
const cat: CategoricalBaseline = { kind: "categorical", counts: { a: 50, b: 50 }, other: 0, missing: 0, topK: 20 };
const catProfile = (other: number, unseen: Record<string, number>): CategoricalProfile => ({
  kind: "categorical",
  counts: { a: 25, b: 50 },
  other,
  missing: 0,
  unseen,
});

describe("chooseMeasure", () => {
  it("a test for small samples, a distance for large ones, and says which", () => {
    expect(chooseMeasure(1000)).toEqual({
      measure: "chi_square",
      type: "test",
      threshold: 0.05,
      reason: "n = 1000 <= 1000: chi-square test (distances are noisy on small samples)",
    });
    expect(chooseMeasure(1001)).toMatchObject({ measure: "psi", type: "distance", threshold: 0.2 });
    expect(chooseMeasure(50_000, "categorical")).toMatchObject({ measure: "jensen_shannon", type: "distance", threshold: 0.1 });
  });

  it("effective sample size n1·n2/(n1+n2)", () => {
    expect(effectiveSampleSize(1000, 1000)).toBe(500);
    expect(effectiveSampleSize(900, 100)).toBe(90);
    expect(effectiveSampleSize(0, 5)).toBe(0);
  });
});

describe("flags", () => {
  it("missing-rate jump, either way, beyond 5 points", () => {
    expect(missingRateJump({ missing: 5, rows: 100 }, { missing: 30, rows: 100 })).toEqual({ baseline: 0.05, current: 0.3, delta: 0.25, flagged: true });
    expect(missingRateJump({ missing: 20, rows: 100 }, { missing: 0, rows: 50 }).flagged).toBe(true);
    expect(missingRateJump({ missing: 5, rows: 100 }, { missing: 9, rows: 100 }).flagged).toBe(false);
    expect(missingRateJump({ missing: 5, rows: 100 }, { missing: 0, rows: 0 }).flagged).toBe(false);
  });

  it("unseen categories are certain only when the baseline kept every category", () => {
    expect(unseenCategories(cat, catProfile(25, { z: 20 }))).toEqual({ names: { z: 20 }, rows: 25, share: 0.25, exact: true, flagged: true });
    expect(unseenCategories({ ...cat, other: 3 }, catProfile(25, { z: 20 }))).toEqual({ names: { z: 20 }, rows: 20, share: 0.2, exact: false, flagged: false });
    expect(unseenCategories(cat, catProfile(0, {})).flagged).toBe(false);
  });
});

describe("compareFeature", () => {
  it("small sample: chi-square decides (hand-computed)", () => {
    // [[50,50],[25,75]]: expected 37.5/62.5 per row → χ² = 2·(12.5²/37.5 + 12.5²/62.5) = 40/3; n_eff = 50
    const d = compareFeature(num([50, 50]), numProfile([25, 75]));
    expect(d.n).toEqual({ baseline: 100, current: 100, effective: 50 });
    expect(d.measures?.chiSquare.statistic).toBeCloseTo(40 / 3, 12);
    expect(d.chosen).toMatchObject({ measure: "chi_square", value: expect.closeTo(0.0002607296328553165, 15), drifted: true });
    expect(d.measures?.psi).toBeCloseTo(0.25 * Math.log(3), 14);
    // midpoints -0.5, 0.5: |0.5 - 0.25| · 1
    expect(d.measures?.wasserstein).toBeCloseTo(0.25, 14);
    expect(d.measures?.wassersteinNormed).toBeCloseTo(0.25, 14);
  });

  it("large sample: PSI decides", () => {
    const d = compareFeature(num([5000, 5000]), numProfile([2500, 7500]));
    expect(d.chosen).toMatchObject({ measure: "psi", type: "distance", value: expect.closeTo(0.2747, 4), drifted: true });
    const same = compareFeature(num([5000, 5000]), numProfile([4900, 5100]));
    expect(same.chosen.drifted).toBe(false);
  });

  it("categorical: aligned with __other__, L-infinity, JS, unseen flag", () => {
    expect(alignCategories(cat, catProfile(25, { z: 25 }))).toEqual({ labels: ["a", "b", "__other__"], expected: [50, 50, 0], actual: [25, 50, 25] });
    const d = compareFeature(cat, catProfile(25, { z: 25 }));
    expect(d.measures?.lInfinity).toBe(0.25);
    expect(d.measures?.jensenShannon).toBeCloseTo(0.3945111687006674, 14); // scipy jensenshannon(base=2)
    expect(d.unseen?.flagged).toBe(true);
    expect(d.chosen.measure).toBe("chi_square");
  });

  it("no values on one side: nothing is compared, the missing-rate flag still works", () => {
    const d = compareFeature(num([50, 50]), numProfile([0, 0], 10));
    expect(d.measures).toBeUndefined();
    expect(d.chosen).toMatchObject({ value: null, drifted: false, reason: "no values to compare" });
    expect(d.missing.flagged).toBe(true);
  });

  it("compareProfile covers features present in the profile and the prediction", () => {
    const baseline = { rows: 100, features: { x: num([50, 50]), c: cat }, prediction: num([50, 50]), createdFrom: { file: "t.csv", sha256: "0".repeat(64) } };
    const r = compareProfile(baseline, { rows: 100, features: { x: numProfile([50, 50]) }, prediction: numProfile([25, 75]) });
    expect(Object.keys(r.features)).toEqual(["x"]);
    expect(r.features.x?.chosen.drifted).toBe(false);
    expect(r.prediction?.chosen.drifted).toBe(true);
  });
});
