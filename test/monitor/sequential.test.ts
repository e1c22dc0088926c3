/**
 * The champion-vs-challenger statistics (monitor/analytics/sequential.ts, agreement.ts): Wilson intervals, the mSPRT's
 * verdicts, and a seeded simulation showing that looking at the verdict after every window keeps the false-positive
 * rate at or under α (where a fixed-sample z-test looked at as often does not), while a real difference is found.
 */
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../core/random.ts";
import { agreementOf, outcomeOf } from "../../monitor/analytics/agreement.ts";
import { compareMeans, compareRates, wilson } from "../../monitor/analytics/sequential.ts";

function binomial(rnd: () => number, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rnd() < p) k++;
  return k;
}

/** Share of simulated rollouts in which some look (one per window) gave a verdict other than "not significant". */
function everFlagged(o: { runs: number; windows: number; perWindow: number; p1: number; p2: number; seed: number; naive?: boolean }) {
  const rnd = mulberry32(o.seed);
  let flagged = 0;
  for (let r = 0; r < o.runs; r++) {
    const a = { k: 0, n: 0 };
    const b = { k: 0, n: 0 };
    for (let w = 0; w < o.windows; w++) {
      a.k += binomial(rnd, o.perWindow, o.p1);
      a.n += o.perWindow;
      b.k += binomial(rnd, o.perWindow, o.p2);
      b.n += o.perWindow;
      let hit: boolean;
      if (o.naive) {
        const pool = (a.k + b.k) / (a.n + b.n);
        const se = Math.sqrt(pool * (1 - pool) * (1 / a.n + 1 / b.n));
        hit = se > 0 && Math.abs(b.k / b.n - a.k / a.n) / se > 1.96;
      } else hit = compareRates(a, b, { lowerIsBetter: true, tau: 0.01 }).verdict !== "not_significant";
      if (hit) {
        flagged++;
        break;
      }
    }
  }
  return flagged / o.runs;
}

describe("sequential verdicts", () => {
  it("keep the false-positive rate at or under alpha when looked at every window", () => {
    const sim = { runs: 400, windows: 48, perWindow: 200, p1: 0.05, p2: 0.05, seed: 2026 };
    const alwaysValid = everFlagged(sim);
    const naive = everFlagged({ ...sim, naive: true });
    console.log(`flagged under H0 with a look every window: mSPRT ${alwaysValid}, fixed-sample z-test ${naive}`);
    expect(alwaysValid).toBeLessThanOrEqual(0.05);
    // The fixed-sample test peeked at 48 times flags far more than its nominal 5 %: the reason for the mSPRT.
    expect(naive).toBeGreaterThan(0.15);
  });

  it("find a real difference, in the right direction", () => {
    expect(everFlagged({ runs: 50, windows: 48, perWindow: 200, p1: 0.05, p2: 0.1, seed: 7 })).toBeGreaterThan(0.9);
    const worse = compareRates({ k: 50, n: 1000 }, { k: 100, n: 1000 }, { lowerIsBetter: true, tau: 0.01 });
    expect(worse.verdict).toBe("worse");
    expect(worse.interval!.low).toBeGreaterThan(0);
    expect(worse.pValue).toBeLessThan(0.05);
    expect(compareRates({ k: 100, n: 1000 }, { k: 50, n: 1000 }, { lowerIsBetter: true, tau: 0.01 }).verdict).toBe("better");
    expect(compareRates({ k: 800, n: 1000 }, { k: 880, n: 1000 }, { lowerIsBetter: false, tau: 0.02 }).verdict).toBe("better");
  });

  it("wait for enough data on both arms", () => {
    const few = compareRates({ k: 0, n: 10 }, { k: 10, n: 10 }, { lowerIsBetter: true, tau: 0.01 });
    expect(few).toMatchObject({ verdict: "not_significant", interval: null, pValue: null });
    const means = compareMeans({ n: 500, mean: 10, variance: 4 }, { n: 500, mean: 20, variance: 4 }, { lowerIsBetter: true, tau: 5 });
    expect(means.verdict).toBe("worse");
    expect(means.estimate).toBe(10);
  });

  it("give Wilson intervals that contain the rate and stay in [0, 1]", () => {
    expect(wilson(0, 0)).toBeNull();
    const i = wilson(5, 100)!;
    expect(i.low).toBeGreaterThan(0.02);
    expect(i.high).toBeLessThan(0.12);
    expect(wilson(0, 50)!.low).toBe(0);
    expect(wilson(50, 50)!.high).toBe(1);
  });
});

describe("agreement on shadowed requests", () => {
  const row = (requestId: string, prediction: unknown, over: { index?: number; status?: number } = {}) => ({
    ts: 0,
    requestId,
    index: over.index ?? 0,
    status: over.status ?? 200,
    latencyMs: 1,
    prediction,
  });

  it("pairs rows by request id and instance, by label or within the tolerance", () => {
    const champion = [row("a", { label: "yes", score: 0.9 }), row("b", { label: "no", score: 0.2 }), row("c", { label: "no" }), row("d", { label: "no" })];
    const challenger = [
      row("a", { label: "yes", score: 0.8 }),
      row("b", { label: "yes", score: 0.6 }),
      row("c", { label: "no" }, { status: 500 }),
      row("e", { label: "no" }),
    ];
    const a = agreementOf(champion, challenger);
    expect(a).toMatchObject({ pairs: 2, agree: 1, rate: 0.5, by: "label" });
    const values = agreementOf([row("a", { value: 10 }), row("b", 3)], [row("a", { value: 10.005 }), row("b", 3.5)], { tolerance: 0.01 });
    expect(values).toMatchObject({ pairs: 2, agree: 1, by: "value", tolerance: 0.01 });
  });

  it("reads labels, argmax of probabilities, and numbers", () => {
    expect(outcomeOf({ label: 1 })).toEqual({ kind: "label", label: "1" });
    expect(outcomeOf({ probabilities: [0.1, 0.7, 0.2] })).toEqual({ kind: "label", label: "1" });
    expect(outcomeOf(2.5)).toEqual({ kind: "value", value: 2.5 });
    expect(outcomeOf("cat")).toEqual({ kind: "label", label: "cat" });
    expect(outcomeOf(null)).toBeUndefined();
  });
});
