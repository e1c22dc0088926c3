/**
 * The drift, slices and prediction-rate API over simulated titanic traffic (real model, real telemetry client):
 * which measure is chosen and why, every measure reported, thresholds from the registration, histograms, slices and
 * the positive rate against an independent count of the predictions sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../core/random.ts";
import type { Baseline } from "../../core/schema/baseline.ts";
import type { FeatureDriftResult } from "../../monitor/analytics/drift.ts";
import { HOUR, T0, loadTitanic, registerTitanic, simulate, type Sent, type Simulation, type Titanic } from "./simulate.ts";

// The body is JSON of the analytics types: the test reads it with the same shape the monitor computes.
type FeatureDrift = FeatureDriftResult;
interface DriftWindow {
  t: number;
  rows: number;
  drifted: string[];
  features: Record<string, FeatureDrift>;
  prediction?: FeatureDrift;
}
interface DriftBody {
  model: string;
  version: string;
  stepMs: number;
  thresholds: Record<string, unknown>;
  windows: DriftWindow[];
  histograms?: Record<string, { labels: string[]; baseline: number[]; current: number[] }>;
  total?: DriftWindow;
}

let t: Titanic;
let sim: Simulation;
const sent: Sent[][] = [];
const older = (i: Record<string, unknown>) => ({ ...i, age: typeof i["age"] === "number" ? i["age"] + 25 : null });

beforeAll(async () => {
  t = await loadTitanic();
  sim = await simulate(t, { seed: 7 });
  await registerTitanic(sim, t);
  // Hours 0-3 as in training, hour 4 older passengers, hour 5 a class the model never saw and many missing ages.
  for (let h = 0; h < 4; h++) sent.push(await sim.sendWindow(T0 + h * HOUR, 200));
  sent.push(await sim.sendWindow(T0 + 4 * HOUR, 200, { transform: older }));
  const rnd = mulberry32(3);
  sent.push(
    await sim.sendWindow(T0 + 5 * HOUR, 200, {
      transform: (i) => ({ ...i, passengerClass: rnd() < 0.2 ? "crew" : i["passengerClass"]!, age: rnd() < 0.5 ? null : i["age"]! }),
    }),
  );
  sim.clock.t = T0 + 6 * HOUR;
});
afterAll(async () => {
  await sim.close();
  await t.predictor.release();
});

describe("GET /v1/drift", () => {
  it("names the measure chosen by sample size, with every other measure, per window and feature", async () => {
    const d = await sim.json<DriftBody>(`/v1/drift?deployment=prod&from=${T0}&step=1h`);
    expect(d).toMatchObject({ model: "titanic", version: "1.0.0", stepMs: HOUR });
    expect(d.windows.map((w) => w.rows)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(d.windows.slice(0, 4).map((w) => w.drifted)).toEqual([[], [], [], []]);
    expect(d.windows[4]!.drifted).toEqual(["age", "prediction"]);
    const age = d.windows[4]!.features["age"]!;
    // titanic's baseline has 782 ages: the effective size stays under 1000, so the chi-square test decides.
    expect(age).toMatchObject({ measure: "chi_square", type: "test", threshold: 0.01, judged: true, drifted: true });
    expect(age.reason).toMatch(/^effective n = \d+ <= 1000: chi-square test, drift when p < 0.01$/);
    expect(age.value).toBe(age.chiSquare!.pValue);
    expect(age.value!).toBeLessThan(1e-10);
    expect(age.psi!).toBeGreaterThan(0.5);
    expect(age.wasserstein!).toBeGreaterThan(15); // years: the +25 shift, blurred by the open-ended last bin
    expect(age.jensenShannon!).toBeGreaterThan(0.2);
    const sex = d.windows[0]!.features["sex"]!;
    expect(sex).toMatchObject({ measure: "chi_square", drifted: false });
    expect(typeof sex.lInfinity).toBe("number");
    // Hour 5: unseen category and a jump in missing ages are flagged beside the measures.
    const w5 = d.windows[5]!;
    expect(w5.features["passengerClass"]!.unseen).toMatchObject({ flagged: true, names: { crew: expect.any(Number) } });
    expect(w5.features["age"]!.missing).toMatchObject({ flagged: true });
    expect(w5.features["age"]!.missing.current).toBeGreaterThan(0.4);
  });

  it("uses a distance when both sides are large, with thresholds from the registration", async () => {
    // The same distributions, 100 times the training rows: now effective sizes pass 1000.
    const big = structuredClone(t.manifest.baseline!) as Baseline;
    big.rows *= 100;
    for (const f of [...Object.values(big.features), big.prediction!, big.predictionLabel!]) {
      if (f.kind === "numeric") {
        f.counts = f.counts.map((c) => c * 100);
        f.count *= 100;
      } else {
        f.counts = Object.fromEntries(Object.entries(f.counts).map(([k, c]) => [k, c * 100]));
        f.other *= 100;
      }
      f.missing *= 100;
    }
    const other = await simulate(t, { seed: 8 });
    await other.json("/v1/deployments/prod/baseline", {
      method: "POST",
      body: { model: "titanic", version: "1.0.0", baseline: big, thresholds: { psi: 0.25, features: { sex: { jensenShannon: 0.5 } } } },
    });
    await other.sendWindow(T0, 3000);
    await other.sendWindow(T0 + HOUR, 3000, { transform: older });
    other.clock.t = T0 + 2 * HOUR;
    const d = await other.json<DriftBody>(`/v1/drift?deployment=prod&from=${T0}&to=${T0 + 2 * HOUR}`);
    const [calm, shifted] = d.windows;
    expect(calm!.features["age"]).toMatchObject({ measure: "psi", type: "distance", threshold: 0.25, drifted: false });
    expect(calm!.features["sex"]).toMatchObject({ measure: "jensen_shannon", threshold: 0.5, drifted: false });
    expect(calm!.features["age"]!.reason).toMatch(/> 1000: PSI, drift when >= 0.25/);
    expect(shifted!.features["age"]).toMatchObject({ measure: "psi", drifted: true });
    expect(shifted!.features["age"]!.value).toBe(shifted!.features["age"]!.psi);
    await other.close();
  });

  it("returns baseline vs current histograms over the range, and drift of one slice value", async () => {
    const d = await sim.json<DriftBody>(`/v1/drift?deployment=prod&from=${T0}&to=${T0 + 4 * HOUR}&step=1h&histograms=1`);
    const age = d.histograms!["age"]!;
    expect(age.baseline).toEqual((t.manifest.baseline!.features["age"] as { counts: number[] }).counts);
    const ages = sent
      .slice(0, 4)
      .flat()
      .filter((s) => s.instance["age"] !== null).length;
    expect(age.current.reduce((a, b) => a + b, 0)).toBe(ages);
    expect(d.histograms!["sex"]!.labels).toEqual(["male", "female", "__other__"]);
    expect(Object.keys(d.histograms!)).toEqual(["sex", "age", "passengerClass", "prediction"]);
    expect(d.total!.rows).toBe(800);
    const male = await sim.json<DriftBody>(`/v1/drift?deployment=prod&from=${T0}&step=1h&slice=sex=male`);
    expect(male.windows.map((w) => w.rows)).toEqual(sent.map((s) => s.filter((x) => x.instance["sex"] === "male").length));
    expect(male.windows[0]!.features["sex"]!.drifted).toBe(true); // a slice of males is all male: the slice feature itself "drifts"
  });

  it("answers 400 for bad queries and 404 without a baseline", async () => {
    expect((await sim.admin(`/v1/drift?deployment=prod&step=90s`)).status).toBe(400);
    expect((await sim.admin(`/v1/drift?deployment=prod&slice=sex`)).status).toBe(400);
    expect((await sim.admin(`/v1/drift`)).status).toBe(400);
    const res = await sim.admin(`/v1/drift?deployment=nobody`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { hint: string } }).error.hint).toContain("POST /v1/deployments/nobody/baseline");
  });
});

describe("GET /v1/slices and /v1/prediction-rate", () => {
  it("gives each slice value's share, training share, positive rate and drifted features", async () => {
    const s = await sim.json<{
      rows: number;
      rateMeasure: string;
      slices: { key: string; values: { value: string; rows: number; share: number; baselineShare: number; rate: number; drifted: string[] }[] }[];
    }>(`/v1/slices?deployment=prod&from=${T0}&to=${T0 + 4 * HOUR}`);
    expect(s.rows).toBe(800);
    expect(s.rateMeasure).toBe("positive_rate");
    const sex = s.slices.find((x) => x.key === "sex")!;
    const rows = sent.slice(0, 4).flat();
    for (const v of sex.values) {
      const mine = rows.filter((r) => r.instance["sex"] === v.value);
      expect(v.rows).toBe(mine.length);
      expect(v.rate).toBeCloseTo(mine.filter((r) => r.prediction.label === "yes").length / mine.length, 12);
      expect(v.baselineShare).toBeCloseTo((t.manifest.baseline!.features["sex"] as { counts: Record<string, number> }).counts[v.value]! / 981, 12);
      expect(v.drifted).not.toContain("sex");
    }
    expect(sex.values.reduce((a, v) => a + v.share, 0)).toBeCloseTo(1, 12);
  });

  it("reports the positive rate per window against its trailing average, overall and per slice", async () => {
    const r = await sim.json<{
      measure: string;
      positiveLabel: string;
      windows: {
        t: number;
        overall: { rows: number; rate: number; trailing: number | null; deviationPct: number | null; pValue: number | null };
        slices: Record<string, Record<string, { rows: number; rate: number }>>;
      }[];
    }>(`/v1/prediction-rate?deployment=prod&from=${T0}&to=${T0 + 6 * HOUR}&step=1h&trailing=2h`);
    expect(r).toMatchObject({ measure: "positive_rate", positiveLabel: "yes" });
    const rate = (s: Sent[]) => s.filter((x) => x.prediction.label === "yes").length / s.length;
    r.windows.forEach((w, i) => {
      expect(w.overall.rows).toBe(200);
      expect(w.overall.rate).toBeCloseTo(rate(sent[i]!), 12);
      const trailing = i === 0 ? null : sent.slice(Math.max(0, i - 2), i).flat();
      if (trailing === null) expect(w.overall.trailing).toBeNull();
      else {
        expect(w.overall.trailing).toBeCloseTo(rate(trailing), 12);
        expect(w.overall.deviationPct).toBeCloseTo((100 * (rate(sent[i]!) - rate(trailing))) / rate(trailing), 9);
      }
      const females = sent[i]!.filter((x) => x.instance["sex"] === "female");
      expect(w.slices["sex"]!["female"]!.rate).toBeCloseTo(rate(females), 12);
    });
  });
});
