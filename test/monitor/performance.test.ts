/**
 * Delayed labels: `POST /v1/feedback` (ingest-token auth), labels joined to sampled rows by request id at read time
 * (so a label may arrive before its sample), and `GET /v1/performance` equal to a reference computed here directly
 * from the generated labels and scores (not through core/metrics): accuracy, precision, recall, F1, pairwise ROC-AUC;
 * MAE and RMSE for a regression model.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Baseline } from "../../core/schema/baseline.ts";
import { createToken } from "../../monitor/tokens.ts";
import { makeBatch, testMonitor } from "./helpers.ts";
import { HOUR, T0, loadTitanic, registerTitanic, simulate, type Sent, type Simulation, type Titanic } from "./simulate.ts";

interface Cell {
  labeled: number;
  positives?: number;
  metrics: Record<string, number | null>;
}
interface Perf {
  task: string;
  windows: { t: number; overall: Cell; slices: Record<string, Record<string, Cell>> }[];
  total: { overall: Cell; slices: Record<string, Record<string, Cell>> };
}

/** The reference, written out: confusion counts at 0.5 and the share of correctly ordered (positive, negative) pairs. */
function reference(rows: readonly Sent[]) {
  let tp = 0,
    fp = 0,
    fn = 0,
    tn = 0;
  for (const r of rows) {
    const predicted = (r.prediction.score ?? 0) >= 0.5;
    const actual = r.label === "yes";
    if (predicted && actual) tp++;
    else if (predicted) fp++;
    else if (actual) fn++;
    else tn++;
  }
  const pos = rows.filter((r) => r.label === "yes").map((r) => r.prediction.score!);
  const neg = rows.filter((r) => r.label === "no").map((r) => r.prediction.score!);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return {
    labeled: rows.length,
    positives: pos.length,
    accuracy: (tp + tn) / rows.length,
    precision: tp / (tp + fp),
    recall: tp / (tp + fn),
    f1: (2 * tp) / (2 * tp + fp + fn),
    roc_auc: wins / (pos.length * neg.length),
  };
}

function expectCell(cell: Cell, rows: readonly Sent[]) {
  const ref = reference(rows);
  expect(cell.labeled).toBe(ref.labeled);
  expect(cell.positives).toBe(ref.positives);
  for (const m of ["accuracy", "precision", "recall", "f1", "roc_auc"] as const) expect(cell.metrics[m], m).toBeCloseTo(ref[m], 12);
}

let t: Titanic;
let sim: Simulation;
const windows: Sent[][] = [];
const labeled: Sent[][] = [];

const feedback = (body: unknown, token = sim.token) =>
  sim.app.request("/v1/feedback", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  t = await loadTitanic();
  sim = await simulate(t, { seed: 21, sampleRate: 1 });
  await registerTitanic(sim, t);
  for (let h = 0; h < 4; h++) windows.push(await sim.sendWindow(T0 + h * HOUR, 150));
  // Labels arrive for some rows only (about 70 %), in one call per window.
  for (const w of windows) {
    const mine = w.filter((_s, i) => (i * 7) % 10 < 7);
    labeled.push(mine);
    const res = await feedback({ items: mine.map((s) => ({ requestId: s.requestId, label: s.label })) });
    expect(await res.json()).toEqual({ ok: true, stored: mine.length, matched: mine.length });
  }
  sim.clock.t = T0 + 4 * HOUR;
});
afterAll(async () => {
  await sim.close();
  await t.predictor.release();
});

describe("label-joined performance", () => {
  it("equals the reference per window, per slice value and over the range", async () => {
    const p = await sim.json<Perf>(`/v1/performance?deployment=prod&from=${T0}&to=${T0 + 4 * HOUR}&step=1h`);
    expect(p.task).toBe("binary");
    p.windows.forEach((w, i) => {
      expectCell(w.overall, labeled[i]!);
      for (const sex of ["female", "male"])
        expectCell(
          w.slices["sex"]![sex]!,
          labeled[i]!.filter((s) => s.instance["sex"] === sex),
        );
    });
    expectCell(p.total.overall, labeled.flat());
    for (const c of ["1st", "2nd", "3rd"])
      expectCell(
        p.total.slices["passengerClass"]![c]!,
        labeled.flat().filter((s) => s.instance["passengerClass"] === c),
      );
    expect(p.total.overall.metrics["roc_auc"]!).toBeGreaterThan(0.75); // the model is good on its own eval data
  });

  it("joins labels that arrive before their sample, and replaces a label sent again", async () => {
    const res = await feedback({ requestId: "early-1", label: "yes" });
    expect(await res.json()).toEqual({ ok: true, stored: 1, matched: 0 });
    const ts = T0 + 5 * HOUR + 1000;
    const batch = makeBatch({
      deployment: "prod",
      window: { start: ts - 1000, end: ts },
      samples: [
        {
          ts,
          requestId: "early-1",
          features: { sex: "male", age: 40, passengerClass: "1st" },
          prediction: { score: 0.2, label: "no" },
          latencyMs: 2,
          status: 200,
        },
      ],
    });
    sim.clock.t = ts + 1000;
    expect(
      (
        await sim.app.request("/v1/ingest", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${sim.token}` },
          body: JSON.stringify(batch),
        })
      ).status,
    ).toBe(200);
    const q = `/v1/performance?deployment=prod&from=${T0 + 5 * HOUR}&to=${T0 + 6 * HOUR}&step=1h`;
    expect((await sim.json<Perf>(q)).total.overall).toMatchObject({ labeled: 1, positives: 1, metrics: { accuracy: 0 } });
    await feedback({ requestId: "early-1", label: "no" });
    expect((await sim.json<Perf>(q)).total.overall).toMatchObject({ labeled: 1, positives: 0, metrics: { accuracy: 1 } });
  });

  it("authenticates feedback like ingest and keeps deployments apart", async () => {
    expect((await sim.app.request("/v1/feedback", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401);
    const bad = await feedback({ items: [{ requestId: "x", label: { nested: true } }, { label: "yes" }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { issues: { path: string }[] } }).error.issues.map((i) => i.path)).toEqual(["items[0].label", "items[1].requestId"]);
    const { token } = await createToken(sim.store, "staging");
    const first = windows[0]![0]!;
    // staging's label for a prod request id is stored under staging: prod's metrics do not move.
    expect(await (await feedback({ requestId: first.requestId, label: first.label === "yes" ? "no" : "yes" }, token)).json()).toMatchObject({
      stored: 1,
      matched: 0,
    });
    const p = await sim.json<Perf>(`/v1/performance?deployment=prod&from=${T0}&to=${T0 + HOUR}&step=1h`);
    expectCell(p.total.overall, labeled[0]!);
  });
});

describe("regression", () => {
  it("reports MAE and RMSE equal to the reference", async () => {
    const m = await testMonitor({ now: () => T0 + HOUR });
    const baseline: Baseline = {
      rows: 4,
      createdFrom: { file: "train.csv", sha256: "0".repeat(64) },
      features: { x: { kind: "numeric", edges: [1], counts: [2, 2], missing: 0, count: 4, mean: 1, std: 1, min: 0, max: 2 } },
      prediction: { kind: "numeric", edges: [10], counts: [2, 2], missing: 0, count: 4, mean: 10, std: 1, min: 9, max: 11 },
    };
    expect(
      (
        await m.app.request("/v1/deployments/prod/baseline", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "titanic", version: "1.0.0", baseline }),
        })
      ).status,
    ).toBe(201);
    const rows = Array.from({ length: 40 }, (_, i) => ({ id: `r${i}`, predicted: 10 + Math.sin(i), actual: 10 + Math.cos(i) }));
    const batch = makeBatch({
      window: { start: T0, end: T0 + 1000 },
      samples: rows.map((r, i) => ({ ts: T0 + i, requestId: r.id, features: { x: i % 3 }, prediction: { value: r.predicted }, latencyMs: 1, status: 200 })),
    });
    expect((await m.post(batch)).status).toBe(200);
    const res = await m.app.request("/v1/feedback", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${m.token}` },
      body: JSON.stringify({ items: rows.map((r) => ({ requestId: r.id, label: r.actual })) }),
    });
    expect(res.status).toBe(200);
    const p = (await (await m.get(`/v1/performance?deployment=prod&from=${T0}&to=${T0 + HOUR}&step=1h`)).json()) as Perf;
    expect(p.task).toBe("regression");
    const errors = rows.map((r) => r.predicted - r.actual);
    expect(p.total.overall.labeled).toBe(40);
    expect(p.total.overall.metrics["mae"]).toBeCloseTo(errors.reduce((a, e) => a + Math.abs(e), 0) / 40, 12);
    expect(p.total.overall.metrics["rmse"]).toBeCloseTo(Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / 40), 12);
  });
});
