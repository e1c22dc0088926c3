/** evaluateGates: absolute and relative checks, slices under minRows, metric direction, task mismatch. */
import { describe, expect, it } from "vitest";
import { evaluateGates, type GateInput } from "../../../core/validation/checks.ts";
import { AbsoluteGate, RelativeGate } from "../../../core/validation/gates.ts";

const m = (value: number | null) => ({ value, ci: null });
const base: Omit<GateInput, "gates"> = {
  task: "binary",
  rows: 300,
  metrics: { roc_auc: m(0.86), log_loss: m(0.4) },
  slices: [
    { feature: "sex", value: "female", rows: 120, metrics: { roc_auc: m(0.84), log_loss: m(0.42) } },
    { feature: "sex", value: "male", rows: 160, metrics: { roc_auc: m(0.74), log_loss: m(0.38) } },
    { feature: "sex", value: "other", rows: 20, metrics: { roc_auc: m(0.5), log_loss: m(0.9) } },
  ],
  source: { absolute: "gates", relative: "models.t.gates" },
};

describe("evaluateGates", () => {
  it("absolute: overall only by default; with slices every slice of at least minRows rows", () => {
    const overall = evaluateGates({ ...base, gates: { absolute: [AbsoluteGate.parse({ metric: "roc_auc", min: 0.8 })], relative: [] } });
    expect(overall.map((c) => [c.slice, c.pass])).toEqual([[null, true]]);
    const sliced = evaluateGates({ ...base, gates: { absolute: [AbsoluteGate.parse({ metric: "roc_auc", min: 0.8, slices: true })], relative: [] } });
    expect(sliced.map((c) => c.message)).toEqual([
      "roc_auc 0.86 >= 0.8 overall (300 rows)",
      "roc_auc 0.84 >= 0.8 on sex=female (120 rows)",
      "roc_auc 0.74 < 0.8 on sex=male (160 rows)",
      "roc_auc not gated on sex=other (20 rows): fewer than 30 rows",
    ]);
    expect(sliced.map((c) => c.pass)).toEqual([true, true, false, true]);
    expect(sliced[3]?.skipped).toBe("fewer than minRows = 30 rows");
  });

  it("max bounds for lower-is-better metrics", () => {
    const [c] = evaluateGates({ ...base, gates: { absolute: [AbsoluteGate.parse({ metric: "log_loss", max: 0.35 })], relative: [] } });
    expect(c).toMatchObject({ pass: false, op: "<=", threshold: 0.35, value: 0.4, message: "log_loss 0.4 > 0.35 overall (300 rows)" });
  });

  it("relative: worse than the champion by more than maxDrop fails, in the metric's direction", () => {
    const champion = {
      version: "1.0.0",
      metrics: { roc_auc: m(0.87), log_loss: m(0.35) },
      slices: [
        { feature: "sex", value: "female", rows: 120, metrics: { roc_auc: m(0.85), log_loss: m(0.4) } },
        { feature: "sex", value: "male", rows: 160, metrics: { roc_auc: m(0.8), log_loss: m(0.37) } },
        { feature: "sex", value: "other", rows: 20, metrics: { roc_auc: m(0.6), log_loss: m(0.5) } },
      ],
    };
    const checks = evaluateGates({
      ...base,
      champion,
      gates: {
        absolute: [],
        relative: [RelativeGate.parse({ metric: "roc_auc", maxDrop: 0.02 }), RelativeGate.parse({ metric: "log_loss", maxDrop: 0.02, slices: false })],
      },
    });
    expect(checks.map((c) => [c.metric, c.slice?.value ?? "overall", c.pass, c.skipped ?? ""])).toEqual([
      ["roc_auc", "overall", true, ""],
      ["roc_auc", "female", true, ""],
      ["roc_auc", "male", false, ""],
      ["roc_auc", "other", true, "fewer than minRows = 30 rows"],
      ["log_loss", "overall", false, ""],
    ]);
    expect(checks[2]?.message).toBe("roc_auc 0.74 vs champion 1.0.0 0.8 (-0.06, allowed drop 0.02) on sex=male (160 rows)");
    expect(checks[4]).toMatchObject({ op: "<=", threshold: 0.37, champion: 0.35 });
  });

  it("relative gates without a champion are skipped, saying how to set one", () => {
    const checks = evaluateGates({ ...base, gates: { absolute: [], relative: [RelativeGate.parse({ metric: "roc_auc", maxDrop: 0.02 })] } });
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ pass: true, skipped: "no champion to compare with" });
  });

  it("a metric the task does not have is a config error naming the gate", () => {
    expect(() => evaluateGates({ ...base, gates: { absolute: [AbsoluteGate.parse({ metric: "rmse", max: 1 })], relative: [] } })).toThrow(
      'gates.absolute[0].metric: "rmse" is not a binary metric',
    );
  });

  it("an undefined overall metric fails; an undefined slice metric is skipped", () => {
    const checks = evaluateGates({
      ...base,
      metrics: { roc_auc: m(null) },
      slices: [{ feature: "sex", value: "male", rows: 100, metrics: { roc_auc: m(null) } }],
      gates: { absolute: [AbsoluteGate.parse({ metric: "roc_auc", min: 0.5, slices: true })], relative: [] },
    });
    expect(checks.map((c) => [c.pass, c.skipped ?? ""])).toEqual([
      [false, ""],
      [true, "metric undefined on this slice"],
    ]);
  });
});
