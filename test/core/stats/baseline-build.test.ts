import { describe, expect, it } from "vitest";
import { Baseline } from "../../../core/schema/baseline.ts";
import { baselineFromRows } from "../../../core/stats/baseline-build.ts";
import type { Instance } from "../../../core/schema/features.ts";

const createdFrom = { file: "train.csv", sha256: "a".repeat(64) };

describe("baselineFromRows", () => {
  const rows: Instance[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((x, i) => ({ x, c: i < 6 ? "a" : i < 9 ? "b" : "c", m: i % 5 === 0 ? null : i }));
  rows.push({ x: null, c: null, m: 1 });

  it("builds quantile edges, exact counts, moments and top-K categories", () => {
    const b = baselineFromRows(
      [
        { name: "x", kind: "numeric" },
        { name: "c", kind: "categorical" },
      ],
      rows,
      { createdFrom, bins: 4, topK: 2 },
    );
    expect(b).toEqual({
      rows: 11,
      features: {
        // quantiles 0.25/0.5/0.75 of 1..10 → 3.25, 5.5, 7.75; bins (-inf,3.25) [3.25,5.5) [5.5,7.75) [7.75,+inf)
        x: { kind: "numeric", edges: [3.25, 5.5, 7.75], counts: [3, 2, 2, 3], missing: 1, count: 10, mean: 5.5, std: Math.sqrt(8.25), min: 1, max: 10 },
        c: { kind: "categorical", counts: { a: 6, b: 3 }, other: 1, missing: 1, topK: 2 },
      },
      createdFrom,
    });
    expect(Baseline.parse(b)).toEqual(b);
  });

  it("profiles binary predictions by score and label, multiclass by label", () => {
    const cols = [{ name: "x", kind: "numeric" as const }];
    const few = rows.slice(0, 4);
    const binary = baselineFromRows(cols, few, {
      createdFrom,
      bins: 2,
      predictions: [0.1, 0.2, 0.7, 0.9].map((score) => ({ score, label: score >= 0.5 ? "yes" : "no" })),
    });
    expect(binary.prediction).toMatchObject({ kind: "numeric", edges: [expect.closeTo(0.45, 12)], counts: [2, 2], count: 4 });
    expect(binary.predictionLabel).toEqual({ kind: "categorical", counts: { no: 2, yes: 2 }, other: 0, missing: 0, topK: 20 });
    const multi = baselineFromRows(cols, few, {
      createdFrom,
      task: "multiclass",
      predictions: ["a", "b", "b", "c"].map((label) => ({ score: 0.9, label })),
    });
    expect(multi.prediction).toEqual({ kind: "categorical", counts: { b: 2, a: 1, c: 1 }, other: 0, missing: 0, topK: 20 });
    expect(multi.predictionLabel).toBeUndefined();
    expect(Baseline.parse(multi)).toEqual(multi);
  });

  it("rejects a baseline whose counts do not add up", () => {
    const r = Baseline.safeParse({
      rows: 3,
      features: { x: { kind: "numeric", edges: [2, 1], counts: [1, 1], missing: 0, count: 3, mean: 1, std: 0, min: 1, max: 1 } },
      createdFrom,
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
      "features.x.counts: 2 edges make 3 bins, got 2 counts",
      "features.x.edges.1: edges must be strictly increasing",
      "features.x.count: counts add up to 2, count says 3",
    ]);
  });
});
