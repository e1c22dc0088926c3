/**
 * The statistics behind `measureLatency` on synthetic block data: Student t quantiles against published values, the
 * paired ratio's t interval against a hand computation, drift cancelling in paired blocks, the interval's coverage in a
 * simulation, and how harness results become a report (block plan and alternating order included); then what is
 * refused before any runtime starts, and the request/event framing.
 */
import { describe, expect, it } from "vitest";
import { EdgeMlError } from "../../../core/errors.ts";
import { orders, planRounds, slicesPerBlock, typicalPerRun } from "../../../cli/optimize/latency/harness.ts";
import { measureLatency } from "../../../cli/optimize/latency/index.ts";
import { summarize } from "../../../cli/optimize/latency/report.ts";
import { pairedRatio, quantile, studentTCdf, studentTQuantile } from "../../../cli/optimize/latency/stats.ts";
import { bytesFromBase64, decodeRequest, encodeRequest, eventReader, type HarnessEvent, type HarnessResult } from "../../../cli/optimize/latency/wire.ts";

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
    expect(plan.rounds).toBeLessThanOrEqual(30);
    const blockMs = plan.runsPerBlock.map((n, i) => n * [0.01, 0.3][i]!);
    expect(blockMs[0]! / blockMs[1]!).toBeGreaterThan(0.9);
    expect(blockMs[0]! / blockMs[1]!).toBeLessThan(1.1);
    // A model slower than the whole budget still gets 10 rounds of one run.
    expect(planRounds([5000], 1000, 10)).toMatchObject({ rounds: 10, runsPerBlock: [1] });
    // Slices of at least 1 ms and one run each: a 20 ms block of 0.01 ms runs → 20 slices; 3 runs → 3 slices.
    expect(slicesPerBlock([0.01, 0.3], [2000, 67], 1)).toBe(20);
    expect(slicesPerBlock([0.01, 10], [2000, 3], 1)).toBe(3);
    expect(slicesPerBlock([0.01], [50], 4)).toBe(1);
  });
});

describe("typicalPerRun", () => {
  it("leaves out a slice a preemption hit, and keeps a coarse clock's readings unbiased", () => {
    // 4.4 ms slices of 100 runs read on a 1 ms clock: 4 ms six times in ten, 5 ms four times; one slice lost 25 ms.
    const slices = [...Array(6).fill({ ms: 4, runs: 100 }), ...Array(4).fill({ ms: 5, runs: 100 }), { ms: 30, runs: 100 }];
    expect(typicalPerRun(slices, 1)).toBeCloseTo(0.044, 10); // the median alone would say 0.040
    // On a fine clock, a slice 1.5x slower than the median is an outlier; 1.4x is not.
    const fine = [...Array(5).fill({ ms: 1, runs: 10 }), { ms: 1.4, runs: 10 }, { ms: 1.6, runs: 10 }];
    expect(typicalPerRun(fine, 0.001)).toBeCloseTo(6.4 / 60, 10);
  });
});

describe("summarize", () => {
  it("reports per-model block statistics and ratios vs the first model", () => {
    const rounds = Array.from({ length: 10 }, (_, r) => ({
      order: r % 2 ? [1, 0] : [0, 1],
      runs: [200, 80],
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

describe("inputs refused before a runtime starts", () => {
  const model = { id: "m", bytes: new Uint8Array(8) };
  const code = async (p: Promise<unknown>) =>
    p.then(
      () => "resolved",
      (e: unknown) => (e instanceof EdgeMlError ? e.code : String(e)),
    );

  it("needs models with distinct ids and feeds that fill their dims with the dtype's values", async () => {
    const x = { dtype: "float32" as const, dims: [1, 2], data: [1, 2] };
    expect(await code(measureLatency({ target: "node", models: [], feeds: [{ x }] }))).toBe("ERR_USAGE");
    expect(await code(measureLatency({ target: "node", models: [model, model], feeds: [{ x }] }))).toBe("ERR_USAGE");
    expect(await code(measureLatency({ target: "node", models: [model], feeds: [] }))).toBe("ERR_BAD_INPUT");
    expect(await code(measureLatency({ target: "node", models: [model], feeds: [{ x: { ...x, dims: [1, 3] } }] }))).toBe("ERR_BAD_INPUT");
    expect(await code(measureLatency({ target: "node", models: [model], feeds: [{ x: { dtype: "int64", dims: [1], data: [1.5] } }] }))).toBe("ERR_BAD_INPUT");
    expect(await code(measureLatency({ target: "gpu" as never, models: [model], feeds: [{ x }] }))).toBe("ERR_USAGE");
    expect(await code(measureLatency({ target: "node", models: [model], feeds: [{ x }], budgetMs: 0 }))).toBe("ERR_USAGE");
  });
});

describe("wire", () => {
  it("carries models and feeds through one request, int64 exactly", () => {
    const big = new BigInt64Array([2n ** 62n + 1n, -3n]);
    const b64 = Buffer.from(big.buffer).toString("base64");
    const input = {
      ids: ["a", "b"],
      models: [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])],
      feeds: [{ ids: { dtype: "int64" as const, dims: [2], base64: b64 } }],
      measureMs: 1234,
      minMeasureMs: 500,
    };
    const back = decodeRequest(encodeRequest(input));
    expect(back.ids).toEqual(["a", "b"]);
    expect(back.models.map((m) => [...m])).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(back.measureMs).toBe(1234);
    expect(back.minMeasureMs).toBe(500);
    expect([...new BigInt64Array(bytesFromBase64(back.feeds[0]!["ids"]!.base64).buffer)]).toEqual([2n ** 62n + 1n, -3n]);
  });

  it("reads marked event lines split across chunks and ignores other output", () => {
    const events: HarnessEvent[] = [];
    const reader = eventReader((e) => events.push(e));
    reader.push('some ORT warning\n@@edge-ml-latency {"type":"progress","do');
    reader.push('ne":3,"total":9}\n@@edge-ml-latency {"type":"error","message":"x"}');
    reader.end();
    expect(events).toEqual([
      { type: "progress", done: 3, total: 9 },
      { type: "error", message: "x" },
    ]);
  });
});

const round = (x: number) => Number(x.toFixed(2));
