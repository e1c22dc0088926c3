/**
 * The statistics behind `measureLatency` on synthetic block data: Student t quantiles against published values, the
 * paired ratio's t interval against a hand computation, drift cancelling in paired blocks, the interval's coverage in a
 * simulation, and how harness results become a report (block plan and alternating order included).
 */
import { describe, expect, it } from "vitest";
import { orders, planRounds } from "../../../cli/optimize/latency/harness.ts";
import { summarize } from "../../../cli/optimize/latency/report.ts";
import { pairedRatio, quantile, studentTCdf, studentTQuantile } from "../../../cli/optimize/latency/stats.ts";
import type { HarnessResult } from "../../../cli/optimize/latency/wire.ts";

/** Seeded PRNG and standard normal draws (Box-Muller), so the simulation is the same every run. */
function normals(seed: number) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

describe("Student t", () => {
  it("matches published 97.5% quantiles", () => {
    const table: [number, number][] = [
      [1, 12.7062],
      [2, 4.3027],
      [5, 2.5706],
      [9, 2.2622],
      [29, 2.0452],
      [100, 1.984],
    ];
    for (const [df, t] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 3);
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.96, 2);
    expect(studentTQuantile(0.025, 9)).toBeCloseTo(-2.2622, 3);
    expect(studentTCdf(0, 7)).toBeCloseTo(0.5, 12);
    expect(studentTCdf(studentTQuantile(0.9, 4), 4)).toBeCloseTo(0.9, 9);
  });
});

describe("pairedRatio", () => {
  it("is the geometric mean ratio with a t interval on the log ratios (hand-computed)", () => {
    const e = [-0.1, 0, 0.1, 0.05, -0.05];
    const baseline = [10, 11, 9, 10, 12];
    const other = baseline.map((b, i) => 2 * b * Math.exp(e[i]!));
    const r = pairedRatio(baseline, other);
    // mean(e) = 0, sd = sqrt(0.025 / 4) = 0.0790569, half = t(0.975, 4) · sd / √5 = 2.7764451 · 0.0353553 = 0.0981619
    expect(r.ratio).toBeCloseTo(2, 10);
    expect(r.ci95[0]).toBeCloseTo(2 * Math.exp(-0.0981619), 5);
    expect(r.ci95[1]).toBeCloseTo(2 * Math.exp(0.0981619), 5);
    expect(r.blocks).toBe(5);
  });

  it("cancels drift that both blocks of a round share", () => {
    // The machine slows down threefold over the run; the model is always 1.5x the baseline within a round.
    const drift = Array.from({ length: 20 }, (_, i) => 1 + (2 * i) / 19);
    const r = pairedRatio(
      drift,
      drift.map((d) => 1.5 * d),
    );
    expect(r.ratio).toBeCloseTo(1.5, 12);
    expect(r.ci95[0]).toBeCloseTo(1.5, 12);
    expect(r.ci95[1]).toBeCloseTo(1.5, 12);
  });

  it("covers the true ratio about 95% of the time (simulation, 12 pairs, noisy drifting blocks)", () => {
    const z = normals(42);
    const trials = 4000;
    let covered = 0;
    for (let k = 0; k < trials; k++) {
      const baseline: number[] = [];
      const other: number[] = [];
      for (let r = 0; r < 12; r++) {
        const drift = Math.exp(0.5 * z());
        baseline.push(100 * drift * Math.exp(0.05 * z()));
        other.push(130 * drift * Math.exp(0.05 * z()));
      }
      const { ci95 } = pairedRatio(baseline, other);
      if (ci95[0] <= 1.3 && 1.3 <= ci95[1]) covered++;
    }
    // Binomial sd at 95% over 4000 trials is 0.34%: ±1.5% is over four sd.
    expect(covered / trials).toBeGreaterThan(0.935);
    expect(covered / trials).toBeLessThan(0.965);
  });

  it("drops pairs a coarse clock read as 0, and has no interval with fewer than 2 pairs", () => {
    expect(pairedRatio([0, 2, 2], [1, 4, 4]).blocks).toBe(2);
    const one = pairedRatio([2], [3]);
    expect(one.ratio).toBeCloseTo(1.5);
    expect(one.ci95.every(Number.isNaN)).toBe(true);
    expect(pairedRatio([], []).blocks).toBe(0);
  });
});

describe("block plan and order", () => {
  it("alternates two models A B, B A, ... and balances slots with more models", () => {
    expect(orders(2, 4)).toEqual([
      [0, 1],
      [1, 0],
      [0, 1],
      [1, 0],
    ]);
    const three = orders(3, 10);
    for (let r = 0; r < 10; r += 2) expect(three[r + 1]).toEqual([...three[r]!].reverse());
    for (const o of three) expect([...o].sort()).toEqual([0, 1, 2]);
  });

  it("sizes blocks about equally long, with at least 10 rounds and one run", () => {
    const plan = planRounds([0.01, 0.3], 2000, 10);
    expect(plan.rounds).toBeGreaterThanOrEqual(10);
    expect(plan.rounds).toBeLessThanOrEqual(50);
    const blockMs = plan.runsPerBlock.map((n, i) => n * [0.01, 0.3][i]!);
    expect(blockMs[0]! / blockMs[1]!).toBeGreaterThan(0.9);
    expect(blockMs[0]! / blockMs[1]!).toBeLessThan(1.1);
    // A model slower than the whole budget still gets 10 rounds of one run.
    expect(planRounds([5000], 1000, 10)).toEqual({ rounds: 10, runsPerBlock: [1] });
  });
});

describe("summarize", () => {
  it("reports per-model block statistics and ratios vs the first model", () => {
    const rounds = Array.from({ length: 10 }, (_, r) => ({
      order: r % 2 ? [1, 0] : [0, 1],
      meanMs: [0.2, 0.3],
      typicalMs: [0.1 * (1 + r / 10), 0.25 * (1 + r / 10)],
    }));
    const result: HarnessResult = {
      ortVersion: "1.30.0",
      clockResolutionMs: 0.001,
      initMs: 300,
      loadMs: [2, 5],
      warmupRuns: [100, 40],
      runsPerBlock: [200, 80],
      slicesPerBlock: 4,
      rounds,
    };
    const { models, ratios } = summarize(["a", "b"], result);
    expect(models[0]).toEqual({
      id: "a",
      medianUs: round(
        quantile(
          rounds.map((x) => x.typicalMs[0]! * 1000),
          0.5,
        ),
      ),
      p90Us: expect.any(Number),
      runs: 2000,
      loadMs: 2,
    });
    expect(models[1]!.runs).toBe(800);
    expect(models[1]!.p90Us).toBeGreaterThan(models[1]!.medianUs);
    expect(ratios).toEqual([{ id: "b", vs: "a", ratio: 2.5, ci95: [2.5, 2.5], blocks: 10 }]);
  });
});

const round = (x: number) => Number(x.toFixed(2));
