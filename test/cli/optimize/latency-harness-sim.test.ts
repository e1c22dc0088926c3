/**
 * The in-runtime harness on a simulated machine: a fake onnxruntime-web whose runs advance a virtual clock, read
 * through workerd's 1 ms steps, on a machine that is busy (runs 50x slower) while the harness warms up. A block that
 * reads 0 ms on the coarse clock tells only that it took under a step; taking that 0 as the time per run once planned
 * blocks of hundreds of thousands of runs (a `optimize --target worker` that should take seconds ran for minutes in CI).
 */
import { describe, expect, it } from "vitest";
import { type OrtWebLike, runHarness } from "../../../cli/optimize/latency/harness.ts";

/** A machine with a virtual clock: `now()` reads whole milliseconds; each run costs its model's time, 50x while busy. */
function simulatedMachine(costMs: readonly number[], busyUntilMs: number) {
  let t = 0.37; // the clock's phase is arbitrary
  let runs = 0;
  const ort: OrtWebLike = {
    env: { versions: { web: "simulated" } },
    Tensor: class {
      constructor(
        readonly type: string,
        readonly data: unknown,
        readonly dims: readonly number[],
      ) {}
    },
    InferenceSession: {
      async create(model: Uint8Array) {
        const cost = costMs[model[0]!]!;
        return {
          inputNames: ["x"],
          async run() {
            runs++;
            t += t < busyUntilMs ? 50 * cost : cost;
            return {};
          },
          async release() {},
        };
      },
    },
  };
  const now = () => {
    t += 0.0005; // reading the clock costs a little, so a spin on it ends
    return Math.floor(t);
  };
  return { ort, now, elapsedMs: () => t, runs: () => runs };
}

const feeds = [{ x: { dtype: "float32" as const, dims: [1], base64: "AAAAAA==" } }];

describe("the harness on a coarse clock and a machine busy during warm-up", () => {
  it.each([0, 200, 400, 440])("keeps to its budget and measures every model's time per run (busy for the first %i ms)", async (busyMs) => {
    const costMs = [0.18, 0.23, 0.15, 0.4, 0.18, 2];
    const machine = simulatedMachine(costMs, busyMs);
    const result = await runHarness(
      machine.ort,
      { ids: costMs.map((_, i) => `m${i}`), models: costMs.map((_, i) => new Uint8Array([i])), feeds, measureMs: 1000, minMeasureMs: 500 },
      { now: machine.now },
    );
    // 10-30 rounds within the measuring phase times 1.25, plus the last round: never minutes.
    expect(machine.elapsedMs()).toBeLessThan(2500);
    expect(result.clockResolutionMs).toBe(1);
    expect(result.rounds.length).toBeGreaterThanOrEqual(10);
    // Each model's typical time per run over the timed rounds is its cost, within 15% (the clock's steps average out).
    for (const [i, cost] of costMs.entries()) {
      const measured = result.rounds.reduce((s, r) => s + r.typicalMs[i]!, 0) / result.rounds.length;
      expect(measured / cost, `m${i}`).toBeGreaterThan(0.85);
      expect(measured / cost, `m${i}`).toBeLessThan(1.15);
    }
  });
});
