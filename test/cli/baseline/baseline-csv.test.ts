/** Baselines from CSV files: the titanic training data, with and without its model, and rows that do not fit. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { EdgeMlError } from "../../../core/errors.ts";
import { Baseline } from "../../../core/schema/baseline.ts";
import { FeatureSpec } from "../../../core/schema/features.ts";
import { Postprocessing, Preprocessing } from "../../../core/schema/preprocessing.ts";
import { baselineFromCsv, modelBaseline } from "../../../cli/baseline/baseline.ts";
import { formatError } from "../../../cli/terminal/output.ts";
import { REPO_ROOT, tempDir } from "../../helpers/tmp.ts";

const titanic = join(REPO_ROOT, "examples", "titanic");
const trainCsv = join(titanic, "data", "train.csv");
const createdFrom = { file: "data/train.csv", sha256: "0".repeat(64) };
const json = (file: string) => JSON.parse(readFileSync(join(titanic, "out", file), "utf8")) as unknown;
const hasTitanic = existsSync(trainCsv) && existsSync(join(titanic, "out", "model.onnx"));

describe.skipIf(!hasTitanic)("titanic baseline (skipped when examples/titanic/data/train.csv or out/model.onnx is absent)", () => {
  const features = z.array(FeatureSpec).parse(json("features.json"));

  it("counts every row, and age's missing values", async () => {
    const b = await baselineFromCsv({ csv: trainCsv, features, createdFrom });
    // Reference: python csv module: 981 rows, 199 with an empty age; numpy.quantile deciles of the rest.
    expect(b.rows).toBe(981);
    expect(b.features.age).toMatchObject({
      kind: "numeric",
      missing: 199,
      count: 782,
      edges: [15, 19, 22, 25, 28, 31, 36, 42, 50],
      counts: [78, 72, 67, 93, 68, 75, 87, 81, 76, 85],
    });
    expect(b.features.sex).toEqual({ kind: "categorical", counts: { male: 636, female: 345 }, other: 0, missing: 0, topK: 20 });
    expect(Baseline.parse(b)).toEqual(b);
  });

  it("profiles the model's score and label on the training rows", async () => {
    const b = await modelBaseline({
      csv: trainCsv,
      createdFrom,
      features,
      preprocessing: Preprocessing.parse(json("preprocess.json")),
      postprocessing: Postprocessing.parse(json("postprocess.json")),
      outputs: [{ name: "logit", dtype: "float32", shape: ["batch", 1] }],
      task: "binary",
      model: readFileSync(join(titanic, "out", "model.onnx")),
    });
    expect(b?.prediction).toMatchObject({ kind: "numeric", count: 981, missing: 0 });
    const p = b?.prediction;
    expect(p?.kind === "numeric" && p.min !== null && p.max !== null && p.min >= 0 && p.max <= 1).toBe(true);
    const labels = b?.predictionLabel?.counts ?? {};
    expect((labels.yes ?? 0) + (labels.no ?? 0)).toBe(981);
  });
});

describe("baselineFromCsv", () => {
  const dir = tempDir();
  const features = z.array(FeatureSpec).parse([
    { name: "age", type: "number", range: { min: 0, max: 120 } },
    { name: "sex", type: "category", values: ["female", "male"] },
    { name: "vip", type: "boolean", nullable: true },
  ]);

  it("names the file, line and column of every value that does not fit the schema", async () => {
    const csv = join(dir, "bad.csv");
    writeFileSync(csv, "age,sex,vip\n22,male,true\nNA,female,NA\n130,Male,0\n41,male,maybe\n");
    const error = await baselineFromCsv({ csv, features, createdFrom }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgeMlError);
    expect((error as EdgeMlError).code).toBe("ERR_BAD_DATA");
    expect(formatError(error).replaceAll(dir, "<tmp>")).toMatchInlineSnapshot(`
      "✖ 3 rows do not fit the feature schema (<tmp>/bad.csv)
        • <tmp>/bad.csv:3 column "age": "NA", but the feature is not nullable (set "nullable": true if missing values are expected)
        • <tmp>/bad.csv:4 column "age": 130 is outside the feature's range [0, 120]
        • <tmp>/bad.csv:4 column "sex": "Male" is not one of female, male (add it to "values", or set "allowUnknown": true)
        • <tmp>/bad.csv:5 column "vip": expected true/false (or 1/0), got "maybe"
        hint: fix those rows or the feature schema ("" and NA are missing values only for nullable features)"
    `);
  });

  it("reads NA as missing for nullable features, and booleans as true/false", async () => {
    const csv = join(dir, "ok.csv");
    writeFileSync(csv, "age,sex,vip\n22,male,true\n35,female,NA\n41,male,0\n");
    const b = await baselineFromCsv({ csv, features, createdFrom, bins: 2 });
    expect(b.features.vip).toEqual({ kind: "categorical", counts: { false: 1, true: 1 }, other: 0, missing: 1, topK: 20 });
    expect(b.features.age).toMatchObject({ edges: [35], counts: [1, 2], mean: 98 / 3 });
  });

  it("skips tensor models (no features) without an error", async () => {
    const b = await modelBaseline({
      csv: trainCsv,
      createdFrom,
      features: undefined,
      preprocessing: undefined,
      postprocessing: undefined,
      outputs: [],
      task: "tensor",
      model: new Uint8Array(),
    });
    expect(b).toBeUndefined();
  });
});
