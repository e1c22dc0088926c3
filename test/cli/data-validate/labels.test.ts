/** The label rule per task: what `validate` could not score is what `data validate` reports. */
import { describe, expect, it } from "vitest";
import { createLabelCheck } from "../../../cli/data-validate/labels.ts";
import type { Manifest } from "../../../core/schema/manifest.ts";

const manifest = (task: string, steps: unknown[] = []) =>
  ({ name: "m", version: "1.0.0", task, postprocessing: { output: "y", steps } }) as unknown as Manifest;

describe("createLabelCheck", () => {
  it("binary: the threshold's labels; missing labels have their own code", () => {
    const check = createLabelCheck(manifest("binary", [{ op: "sigmoid" }, { op: "threshold", threshold: 0.5, labels: ["no", "yes"] }]));
    expect(["yes", "no", " yes", "Yes", "1", "", "NA"].map((x) => check(x)?.code ?? "ok")).toEqual([
      "ok",
      "ok",
      "ok",
      "unknown_label",
      "unknown_label",
      "missing_label",
      "missing_label",
    ]);
    expect(check("maybe")?.expected).toBe("one of no, yes");
  });

  it("multiclass: the labels step, or a class index without one", () => {
    const named = createLabelCheck(manifest("multiclass", [{ op: "softmax" }, { op: "argmax" }, { op: "labels", labels: ["a", "b", "c"] }]));
    expect(["a", "c", "d", "0"].map((x) => named(x)?.code ?? "ok")).toEqual(["ok", "ok", "unknown_label", "unknown_label"]);
    const indexed = createLabelCheck(manifest("multiclass", [{ op: "argmax" }]));
    expect(["0", "7", "a", "1.5"].map((x) => indexed(x)?.code ?? "ok")).toEqual(["ok", "ok", "unknown_label", "unknown_label"]);
  });

  it("regression: a number, anything else is non_numeric_label", () => {
    const check = createLabelCheck(manifest("regression"));
    expect(["1.5", "-3e2", "abc", "1,5", "Infinity", ""].map((x) => check(x)?.code ?? "ok")).toEqual([
      "ok",
      "ok",
      "non_numeric_label",
      "non_numeric_label",
      "non_numeric_label",
      "missing_label",
    ]);
  });

  it("without a model (a schema file and --label): only missing labels", () => {
    const check = createLabelCheck(undefined);
    expect(["anything", "", "NA"].map((x) => check(x)?.code ?? "ok")).toEqual(["ok", "missing_label", "missing_label"]);
  });
});
