/**
 * Training/serving skew check: the edge's preprocessing (core/preprocess.ts) must reproduce the rows that the
 * training code (examples/titanic/train.py, numpy) transformed, within 1e-6, and the model on those rows must give the
 * training side's logits. If someone changes either side, this fails.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPredictRequestValidator } from "../../core/features.ts";
import { createPreprocessor } from "../../core/preprocess.ts";
import type { Instance } from "../../core/schema/features.ts";
import { Manifest } from "../../core/schema/manifest.ts";
import { maxAbsDiff, referenceRun } from "../helpers/reference.ts";
import { REPO_ROOT } from "../helpers/tmp.ts";

const dir = join(REPO_ROOT, "models", "titanic", "1.0.0");
const manifest = Manifest.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
const skew = JSON.parse(readFileSync(join(REPO_ROOT, "examples", "titanic", "out", "skew.json"), "utf8")) as {
  instance: Instance;
  transformed: number[];
  logit: number;
  probability: number;
}[];

describe("titanic: training/serving skew", () => {
  const pre = createPreprocessor(manifest.preprocessing!);

  it("covers missing ages, every class and sex, and unseen categories", () => {
    expect(skew.length).toBeGreaterThanOrEqual(12);
    expect(skew.some((r) => r.instance["age"] === null)).toBe(true);
    expect(new Set(skew.map((r) => r.instance["passengerClass"]))).toEqual(expect.objectContaining({ size: expect.any(Number) }));
    for (const c of ["1st", "2nd", "3rd"]) expect(skew.some((r) => r.instance["passengerClass"] === c)).toBe(true);
    expect(
      skew.some((r) => !["female", "male"].includes(String(r.instance["sex"])) || !["1st", "2nd", "3rd"].includes(String(r.instance["passengerClass"]))),
    ).toBe(true);
  });

  it("edge preprocessing equals the training code's transform within 1e-6, row by row", () => {
    for (const row of skew) {
      const edge = pre.transformRow(row.instance);
      expect(edge).toHaveLength(row.transformed.length);
      expect(maxAbsDiff(edge, row.transformed), JSON.stringify(row.instance)).toBeLessThanOrEqual(1e-6);
    }
  });

  it("the batched float32 tensor matches too, and the model gives the training side's logits", async () => {
    const tensors = pre.transform(skew.map((r) => r.instance));
    const input = tensors.get("features")!;
    expect(input.dims).toEqual([skew.length, 9]);
    expect(
      maxAbsDiff(
        input.data as Float32Array,
        skew.flatMap((r) => r.transformed),
      ),
    ).toBeLessThanOrEqual(1e-6);
    const out = await referenceRun(join(dir, "model.onnx"), { features: { dtype: "float32", data: input.data as Float32Array, dims: [skew.length, 9] } });
    expect(
      maxAbsDiff(
        out["logit"]!.data as Float32Array,
        skew.map((r) => r.logit),
      ),
    ).toBeLessThanOrEqual(1e-5);
  });

  it("the edge's request validation accepts the known rows (unseen categories are rejected unless allowed)", () => {
    const validate = createPredictRequestValidator(manifest.features!, { maxBatch: 256 });
    const known = skew.filter(
      (r) => ["female", "male"].includes(String(r.instance["sex"])) && ["1st", "2nd", "3rd"].includes(String(r.instance["passengerClass"])),
    );
    expect(validate({ instances: known.map((r) => r.instance) }).ok).toBe(true);
  });
});
