/**
 * Drift detection on simulated hours of real traffic: titanic's eval.csv resampled with a seeded RNG, scored by the
 * real model, counted by the real telemetry client and sent with chosen window timestamps to the monitor, whose
 * clock is moved hour by hour, with the default rules (chi-square p < 0.01 at this sample size, 3 windows in a row).
 *
 * (a) a shifted feature (age + 25 years; first and third class swapped) is alerted on exactly after the third shifted
 *     window, naming that feature and no other feature;
 * (b) 200 windows of unshifted traffic raise no drift alert; the false-alarm rate per feature-window is measured and
 *     printed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../core/random.ts";
import type { AlertEvent } from "../../monitor/store/contract.ts";
import { HOUR, T0, loadTitanic, registerTitanic, simulate, type Titanic } from "../monitor/simulate.ts";

type Transform = (i: Record<string, unknown>) => Record<string, unknown>;
interface Drift {
  windows: {
    rows: number;
    drifted: string[];
    features: Record<string, { judged: boolean; drifted: boolean }>;
    prediction?: { judged: boolean; drifted: boolean };
  }[];
}

let t: Titanic;
beforeAll(async () => {
  t = await loadTitanic();
});
afterAll(() => t.predictor.release());

/** Hourly traffic of 100-300 rows; `shift` applies from hour `from` on. Evaluates the alert rules after every hour. */
async function run(seed: number, hours: number, shift?: { from: number; transform: Transform }) {
  const sim = await simulate(t, { seed });
  await registerTitanic(sim, t);
  const sizes = mulberry32(seed + 100);
  const opened: { hour: number; event: AlertEvent }[] = [];
  for (let h = 0; h < hours; h++) {
    const transform = shift && h >= shift.from ? shift.transform : undefined;
    await sim.sendWindow(T0 + h * HOUR, 100 + Math.floor(sizes() * 201), transform ? { transform: transform as never } : {});
    sim.clock.t = T0 + (h + 1) * HOUR; // hour h is complete
    const result = await sim.json<{ opened: AlertEvent[]; errors: unknown[] }>("/v1/alerts/evaluate", { method: "POST" });
    expect(result.errors).toEqual([]);
    for (const event of result.opened) opened.push({ hour: h, event });
  }
  const drift = await sim.json<Drift>(`/v1/drift?deployment=prod&from=${T0}&to=${T0 + hours * HOUR}&step=1h`);
  return { sim, opened, drift };
}

/** Feature-windows flagged among `features` (in the first `hours` windows). */
const falseAlarms = (drift: Drift, features: string[], hours = drift.windows.length) =>
  drift.windows.slice(0, hours).reduce((a, w) => a + features.filter((f) => w.features[f]!.drifted).length, 0);

const driftAlerts = (opened: { hour: number; event: AlertEvent }[]) => opened.filter((o) => o.event.kind === "drift");

describe("drift detection on simulated traffic", () => {
  it("(a) alerts on age + 25 years after the third shifted hour, naming age and no other feature", async () => {
    const { sim, opened, drift } = await run(101, 30, { from: 24, transform: (i) => ({ ...i, age: typeof i["age"] === "number" ? i["age"] + 25 : null }) });
    const alerts = driftAlerts(opened);
    expect(alerts.filter((a) => a.event.subject === "age").map((a) => a.hour)).toEqual([26]); // hours 24, 25, 26 drifted
    expect(alerts.map((a) => a.event.subject).filter((s) => s !== "prediction")).toEqual(["age"]);
    expect(alerts.find((a) => a.event.subject === "age")!.event.message).toMatch(/^age drifted in 3 of the last 3 windows of 3600s/);
    // The drift API names age in every shifted hour; the other features only at the false-alarm rate (p < 0.01 per
    // window), never three hours in a row.
    drift.windows.slice(24).forEach((w, h) => expect(w.features["age"]!.drifted, `hour ${24 + h}`).toBe(true));
    expect(falseAlarms(drift, ["sex", "passengerClass"])).toBeLessThanOrEqual(6); // 10 % of 60 feature-windows
    expect(falseAlarms(drift, ["age"], 24)).toBeLessThanOrEqual(3);
    await sim.close();
  });

  it("(a) alerts on a flipped class distribution (first and third class swapped), naming passengerClass only", async () => {
    const swap: Record<string, string> = { "1st": "3rd", "3rd": "1st", "2nd": "2nd" };
    const { sim, opened, drift } = await run(202, 30, { from: 24, transform: (i) => ({ ...i, passengerClass: swap[String(i["passengerClass"])]! }) });
    const alerts = driftAlerts(opened);
    expect(alerts.filter((a) => a.event.subject === "passengerClass").map((a) => a.hour)).toEqual([26]);
    expect(alerts.map((a) => a.event.subject).filter((s) => s !== "prediction")).toEqual(["passengerClass"]);
    drift.windows.slice(24).forEach((w, h) => expect(w.features["passengerClass"]!.drifted, `hour ${24 + h}`).toBe(true));
    expect(falseAlarms(drift, ["age", "sex"])).toBeLessThanOrEqual(6);
    expect(falseAlarms(drift, ["passengerClass"], 24)).toBeLessThanOrEqual(3);
    await sim.close();
  });

  it("(b) raises no drift alert over 200 hours of unshifted traffic, and measures the false-alarm rate per feature-window", async () => {
    const { sim, opened, drift } = await run(303, 200);
    expect(driftAlerts(opened)).toEqual([]);
    const names = ["sex", "age", "passengerClass", "prediction"];
    const rate = (pick: (w: Drift["windows"][number]) => { judged: boolean; drifted: boolean } | undefined) => {
      const judged = drift.windows.map(pick).filter((d) => d?.judged);
      return { windows: judged.length, drifted: judged.filter((d) => d!.drifted).length };
    };
    const perFeature = Object.fromEntries(names.map((n) => [n, rate((w) => (n === "prediction" ? w.prediction : w.features[n]))]));
    // The same windows judged at core's one-off threshold (p < 0.05), for comparison.
    await sim.json("/v1/deployments/prod/baseline", {
      method: "POST",
      body: { model: "titanic", version: "1.0.0", baseline: t.manifest.baseline, thresholds: { pValue: 0.05 } },
    });
    const at05 = await sim.json<Drift>(`/v1/drift?deployment=prod&from=${T0}&to=${T0 + 200 * HOUR}&step=1h`);
    const perFeature05 = Object.fromEntries(
      names.map((n) => {
        const judged = at05.windows.map((w) => (n === "prediction" ? w.prediction : w.features[n])).filter((d) => d?.judged);
        return [n, { windows: judged.length, drifted: judged.filter((d) => d!.drifted).length }];
      }),
    );
    const total = (r: Record<string, { windows: number; drifted: number }>) => {
      const s = Object.values(r).reduce((a, x) => ({ windows: a.windows + x.windows, drifted: a.drifted + x.drifted }), { windows: 0, drifted: 0 });
      return { ...s, rate: s.drifted / s.windows };
    };
    const report = {
      test: "drift false alarms: 200 hourly windows of eval.csv resampled (seed 303), 100-300 rows each, vs the training baseline",
      default: { pValue: 0.01, consecutive: 3, perFeature, all: total(perFeature), alerts: driftAlerts(opened).length },
      coreThreshold: { pValue: 0.05, perFeature: perFeature05, all: total(perFeature05) },
    };
    console.log(JSON.stringify(report, null, 2));
    expect(total(perFeature).windows).toBe(800);
    expect(total(perFeature).rate).toBeLessThan(0.05);
    expect(total(perFeature05).rate).toBeGreaterThan(total(perFeature).rate);
    await sim.close();
  });
});
