import { describe, expect, it } from "vitest";
import type { Baseline } from "../../../core/schema/baseline.ts";
import { createProfiler, emptyProfile, MAX_UNSEEN_NAMES, mergeProfiles, numericMoments } from "../../../core/stats/profile.ts";
import { Profile } from "../../../core/stats/profile-schema.ts";
import type { Instance } from "../../../core/schema/features.ts";

const baseline: Pick<Baseline, "features" | "prediction" | "predictionLabel"> = {
  features: {
    x: { kind: "numeric", edges: [1, 2], counts: [0, 0, 0], missing: 0, count: 0, mean: null, std: null, min: null, max: null },
    c: { kind: "categorical", counts: { a: 3, b: 1 }, other: 0, missing: 0, topK: 20 },
  },
  prediction: { kind: "numeric", edges: [0.5], counts: [0, 0], missing: 0, count: 0, mean: null, std: null, min: null, max: null },
  predictionLabel: { kind: "categorical", counts: { no: 1, yes: 1 }, other: 0, missing: 0, topK: 20 },
};

const profileOf = (rows: Instance[]) => {
  const p = createProfiler(baseline);
  rows.forEach((r) => p.add(r));
  return p.snapshot();
};

describe("createProfiler", () => {
  it("counts values in the baseline's bins and categories, with missing and unseen values", () => {
    const p = createProfiler(baseline);
    for (const row of [{ x: 0.5, c: "a" }, { x: 1, c: "b" }, { x: 2, c: "z" }, { x: null, c: null }, { x: 1.5 }, { x: Number.NaN, c: "z" }] as Instance[])
      p.add(row);
    p.addPrediction({ score: 0.81, label: "yes", probabilities: [0.19, 0.81] });
    p.addPrediction({ score: 0.5, label: "yes" });
    p.addPrediction(0.2);
    p.addPrediction("no");
    p.addPrediction(null);
    const snap = p.snapshot();
    expect(snap).toEqual({
      rows: 6,
      features: {
        x: { kind: "numeric", counts: [1, 2, 1], missing: 2, count: 4, sum: 5, sumSq: 7.5, min: 0.5, max: 2 },
        c: { kind: "categorical", counts: { a: 1, b: 1 }, other: 2, missing: 2, unseen: { z: 2 } },
      },
      prediction: { kind: "numeric", counts: [1, 2], missing: 1, count: 3, sum: 1.51, sumSq: 0.81 ** 2 + 0.25 + 0.04, min: 0.2, max: 0.81 },
      predictionLabel: { kind: "categorical", counts: { no: 1, yes: 2 }, other: 0, missing: 0, unseen: {} },
    });
    expect(Profile.parse(JSON.parse(JSON.stringify(snap)))).toEqual(snap);
    expect(numericMoments(snap.features.x as never)).toEqual({ mean: 1.25, std: Math.sqrt(7.5 / 4 - 1.25 ** 2) });
  });

  it("keeps at most MAX_UNSEEN_NAMES unseen names but counts every unseen value in other", () => {
    const p = createProfiler(baseline);
    for (let i = 0; i < 40; i++) p.add({ c: `new-${i}` });
    const c = p.snapshot().features.c;
    expect(c?.kind === "categorical" && Object.keys(c.unseen).length).toBe(MAX_UNSEEN_NAMES);
    expect(c?.kind === "categorical" && c.other).toBe(40);
  });

  it("reset starts a new window; snapshots are independent copies", () => {
    const p = createProfiler(baseline);
    p.add({ x: 3, c: "a" });
    const first = p.snapshot();
    p.reset();
    expect(p.snapshot()).toEqual(emptyProfile(baseline));
    expect(first.features.x).toMatchObject({ counts: [0, 0, 1], count: 1 });
  });
});

describe("mergeProfiles", () => {
  // Dyadic values: float sums are exact, so associativity holds bit for bit.
  const a = profileOf([
    { x: 0.5, c: "a" },
    { x: null, c: "q" },
  ]);
  const b = profileOf([
    { x: 1.25, c: "b" },
    { x: 2.5, c: null },
    { x: -4, c: "q" },
  ]);
  const c = profileOf([{ x: 1, c: "r" }]);

  it("is associative and commutative, and equals profiling all rows at once", () => {
    const left = mergeProfiles(mergeProfiles(a, b), c);
    const right = mergeProfiles(a, mergeProfiles(b, c));
    expect(left).toEqual(right);
    expect(mergeProfiles(a, b)).toEqual(mergeProfiles(b, a));
    const all = profileOf([
      { x: 0.5, c: "a" },
      { x: null, c: "q" },
      { x: 1.25, c: "b" },
      { x: 2.5, c: null },
      { x: -4, c: "q" },
      { x: 1, c: "r" },
    ]);
    expect(left).toEqual(all);
    expect(left.features.c).toEqual({ kind: "categorical", counts: { a: 1, b: 1 }, other: 3, missing: 1, unseen: { q: 2, r: 1 } });
  });

  it("has the empty profile as identity", () => {
    expect(mergeProfiles(emptyProfile(baseline), b)).toEqual(b);
    expect(mergeProfiles(b, emptyProfile(baseline))).toEqual(b);
  });

  it("refuses profiles of different bins", () => {
    const other = createProfiler({ features: { x: { ...baseline.features.x, edges: [1], counts: [0, 0] } as never } }).snapshot();
    expect(() => mergeProfiles(a, other)).toThrow(/cannot merge profiles of "x": 3 bins vs 2/);
  });
});
