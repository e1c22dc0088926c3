import { describe, expect, it } from "vitest";
import * as z from "zod";
import { validatePreprocessing } from "../../core/preprocess.ts";
import { FeatureSpec } from "../../core/schema/features.ts";
import type { TensorSpec } from "../../core/schema/manifest.ts";
import { Preprocessing, type PreprocessingInput } from "../../core/schema/preprocessing.ts";

const features = z.array(FeatureSpec).parse([
  { name: "sex", type: "category", values: ["f", "m"] },
  { name: "age", type: "number", nullable: true },
  { name: "fare", type: "number" },
]);
const io: TensorSpec[] = [{ name: "input", dtype: "float32", shape: ["batch", 4] }];
const good: PreprocessingInput = {
  steps: [
    { op: "impute", feature: "age", strategy: "median", value: 28 },
    { op: "one_hot", feature: "sex", categories: ["f", "m"], unknown: "zeros" },
    { op: "log1p", feature: "fare", output: "fare_log" },
  ],
  inputs: [{ name: "input", columns: ["age", "sex=f", "sex=m", "fare_log"] }],
};
// Not default parameters: passing undefined on purpose must reach validatePreprocessing as undefined.
const check = (p: PreprocessingInput, ...rest: [] | [FeatureSpec[] | undefined, TensorSpec[] | undefined]) =>
  rest.length === 0 ? validatePreprocessing(Preprocessing.parse(p), features, io) : validatePreprocessing(Preprocessing.parse(p), rest[0], rest[1]);

describe("validatePreprocessing", () => {
  it("accepts a coherent spec", () => {
    expect(check(good)).toEqual([]);
  });

  it("flags reads of columns nothing produced, telling late steps from typos", () => {
    const issues = check({
      steps: [
        { op: "standardize", feature: "fare_log", mean: 0, std: 1 },
        { op: "log1p", feature: "fare", output: "fare_log" },
        { op: "clip", feature: "agee", max: 80 },
      ],
      inputs: [{ name: "input", columns: ["age", "fare_log", "sex=male", "sex"] }],
    });
    expect(issues).toMatchInlineSnapshot(`
      [
        {
          "message": ""fare_log" is only produced later, by steps[1]; steps run in the order listed",
          "path": "preprocessing.steps[0].feature",
        },
        {
          "message": ""agee" is not a feature or an earlier step's output (features: sex, age, fare)",
          "path": "preprocessing.steps[2].feature",
        },
        {
          "message": ""sex=male" is not a feature or an earlier step's output (features: sex, age, fare)",
          "path": "preprocessing.inputs[0].columns[2]",
        },
        {
          "message": ""sex" holds text; the model needs numbers (encode it with one_hot, ordinal or hash_bucket)",
          "path": "preprocessing.inputs[0].columns[3]",
        },
      ]
    `);
  });

  it("suggests one_hot column names for a near miss", () => {
    const issues = check({ ...good, inputs: [{ name: "input", columns: ["age", "sex=f", "sex=male", "fare_log"] }] });
    expect(issues).toEqual([
      { path: "preprocessing.inputs[0].columns[2]", message: '"sex=male" is not a feature or an earlier step\'s output; did you mean one of sex=f, sex=m?' },
    ]);
  });

  it("flags numeric ops on text columns and clip bounds in the wrong order", () => {
    const issues = check({
      steps: [
        { op: "standardize", feature: "sex", mean: 0, std: 1 },
        { op: "clip", feature: "fare", min: 5, max: 1 },
      ],
      inputs: [{ name: "input", columns: ["age", "sex", "fare", "fare"] }],
    });
    expect(issues.map((i) => i.path)).toEqual(["preprocessing.steps[0].feature", "preprocessing.steps[1].max"]);
    expect(issues[0]?.message).toBe('standardize needs a number, but "sex" holds text; encode it with one_hot or ordinal first');
  });

  it("checks inputs against the model's graph inputs: name, dtype, width, rank, and coverage", () => {
    const issues = check(
      {
        ...good,
        inputs: [
          { name: "inputs", columns: ["age"] },
          { name: "wide", dtype: "float64", columns: ["age", "fare"] },
          { name: "img", columns: ["age"] },
        ],
      },
      features,
      [
        { name: "input", dtype: "float32", shape: ["batch", 4] },
        { name: "wide", dtype: "float32", shape: [null, 3] },
        { name: "img", dtype: "float32", shape: ["batch", 1, 28, 28] },
      ],
    );
    expect(issues).toMatchInlineSnapshot(`
      [
        {
          "message": ""inputs" is not a model input (the model's inputs are: input, wide, img)",
          "path": "preprocessing.inputs[0].name",
        },
        {
          "message": "the model input "wide" is float32, but preprocessing makes float64",
          "path": "preprocessing.inputs[1].dtype",
        },
        {
          "message": "2 columns, but the model input "wide" takes 3 (shape [?, 3])",
          "path": "preprocessing.inputs[1].columns",
        },
        {
          "message": "the model input "img" has shape [batch, 1, 28, 28]; preprocessing makes [batch, columns]",
          "path": "preprocessing.inputs[2].name",
        },
        {
          "message": "the model input "input" is not fed by any preprocessing input or image/audio step",
          "path": "preprocessing.inputs",
        },
      ]
    `);
  });

  it("flags an input declared twice", () => {
    const issues = check({ ...good, inputs: [...(good.inputs ?? []), ...(good.inputs ?? [])] });
    expect(issues).toEqual([{ path: "preprocessing.inputs[1].name", message: 'input "input" is declared twice' }]);
  });

  it("without a feature schema, any unproduced column is taken as a raw feature", () => {
    expect(check({ steps: [{ op: "log1p", feature: "anything" }], inputs: [{ name: "input", columns: ["anything", "b", "c", "d"] }] }, undefined, io)).toEqual(
      [],
    );
  });

  it("without io, only the spec's own coherence is checked", () => {
    expect(check({ ...good, inputs: [{ name: "whatever", columns: ["age"] }] }, features, undefined)).toEqual([]);
  });

  it("an impute with a number makes a column numeric even without a schema; a string makes it text", () => {
    const numeric = check(
      {
        steps: [
          { op: "impute", feature: "c", strategy: "constant", value: 0 },
          { op: "standardize", feature: "c", mean: 0, std: 1 },
        ],
        inputs: [{ name: "input", columns: ["c", "c", "c", "c"] }],
      },
      undefined,
      io,
    );
    expect(numeric).toEqual([]);
    const text = check(
      {
        steps: [
          { op: "impute", feature: "c", strategy: "most_frequent", value: "x" },
          { op: "log1p", feature: "c", output: "d" },
        ],
        inputs: [{ name: "input", columns: ["c", "d", "d", "d"] }],
      },
      undefined,
      io,
    );
    expect(text.map((i) => i.path)).toEqual(["preprocessing.steps[1].feature", "preprocessing.inputs[0].columns[0]"]);
  });
});
