import { describe, expect, it } from "vitest";
import { EdgeMlError } from "../../core/errors.ts";
import { createPreprocessor, inputColumns } from "../../core/preprocess.ts";
import type { Instance } from "../../core/schema/features.ts";
import { Preprocessing, type PreprocessingInput } from "../../core/schema/preprocessing.ts";

const pre = (input: PreprocessingInput) => createPreprocessor(Preprocessing.parse(input));
const one = (steps: PreprocessingInput["steps"], columns: string[], instance: Instance) =>
  pre({ steps, inputs: [{ name: "x", columns }] }).transformRow(instance);

function thrown(f: () => unknown): EdgeMlError {
  try {
    f();
  } catch (e) {
    if (e instanceof EdgeMlError) return e;
    throw e;
  }
  throw new Error("expected an EdgeMlError");
}

describe("each op", () => {
  it("impute fills null and missing keys, keeps present values", () => {
    const steps = [{ op: "impute" as const, feature: "age", strategy: "median" as const, value: 28 }];
    expect(one(steps, ["age"], { age: null })).toEqual([28]);
    expect(one(steps, ["age"], {})).toEqual([28]);
    expect(one(steps, ["age"], { age: 40 })).toEqual([40]);
    expect(one(steps, ["age"], { age: 0 })).toEqual([0]);
  });

  it("impute treats NaN as missing (how CSV data spells it)", () => {
    expect(one([{ op: "impute", feature: "a", strategy: "constant", value: 1 }], ["a"], { a: Number.NaN })).toEqual([1]);
  });

  it("missing_indicator is 1 for null/missing and 0 otherwise, and runs before impute when listed first", () => {
    const steps = [
      { op: "missing_indicator" as const, feature: "age", output: "age_missing" },
      { op: "impute" as const, feature: "age", strategy: "mean" as const, value: 30 },
    ];
    expect(one(steps, ["age", "age_missing"], { age: null })).toEqual([30, 1]);
    expect(one(steps, ["age", "age_missing"], { age: 5 })).toEqual([5, 0]);
    expect(one(steps, ["age", "age_missing"], { age: 0 })).toEqual([0, 0]);
  });

  it("standardize computes (x - mean) / std", () => {
    expect(one([{ op: "standardize", feature: "a", mean: 39, std: 13 }], ["a"], { a: 65 })).toEqual([2]);
    expect(one([{ op: "standardize", feature: "a", mean: 10, std: 4 }], ["a"], { a: 9 })).toEqual([-0.25]);
  });

  it("min_max computes (x - min) / (max - min), without clipping", () => {
    const steps = [{ op: "min_max" as const, feature: "a", min: 2, max: 6 }];
    expect(one(steps, ["a"], { a: 3 })).toEqual([0.25]);
    expect(one(steps, ["a"], { a: 10 })).toEqual([2]);
  });

  it("clip bounds either or both sides", () => {
    expect(one([{ op: "clip", feature: "a", min: 0, max: 10 }], ["a"], { a: -5 })).toEqual([0]);
    expect(one([{ op: "clip", feature: "a", min: 0, max: 10 }], ["a"], { a: 50 })).toEqual([10]);
    expect(one([{ op: "clip", feature: "a", max: 10 }], ["a"], { a: -50 })).toEqual([-50]);
    expect(one([{ op: "clip", feature: "a", min: 1 }], ["a"], { a: 7 })).toEqual([7]);
  });

  it("log1p computes ln(1 + x)", () => {
    const [v] = one([{ op: "log1p", feature: "fare" }], ["fare"], { fare: Math.E - 1 });
    expect(v).toBeCloseTo(1, 15);
    expect(one([{ op: "log1p", feature: "fare" }], ["fare"], { fare: 0 })).toEqual([0]);
  });

  it("numeric ops read booleans as 0/1", () => {
    expect(one([{ op: "standardize", feature: "b", mean: 0.5, std: 0.5 }], ["b"], { b: true })).toEqual([1]);
  });

  it("one_hot writes <output>=<category> columns plus an unknown bucket", () => {
    const steps = [{ op: "one_hot" as const, feature: "cls", categories: ["1st", "2nd", "3rd"] }];
    const cols = ["cls=1st", "cls=2nd", "cls=3rd", "cls=__unknown__"];
    expect(one(steps, cols, { cls: "2nd" })).toEqual([0, 1, 0, 0]);
    expect(one(steps, cols, { cls: "crew" })).toEqual([0, 0, 0, 1]);
    expect(one(steps, cols, { cls: null })).toEqual([0, 0, 0, 1]);
    expect(one(steps, cols, {})).toEqual([0, 0, 0, 1]);
  });

  it("one_hot with unknown: zeros leaves every column 0 for unseen and null values", () => {
    const steps = [{ op: "one_hot" as const, feature: "sex", output: "s", categories: ["f", "m"], unknown: "zeros" as const }];
    expect(one(steps, ["s=f", "s=m"], { sex: "m" })).toEqual([0, 1]);
    expect(one(steps, ["s=f", "s=m"], { sex: "x" })).toEqual([0, 0]);
    expect(one(steps, ["s=f", "s=m"], { sex: null })).toEqual([0, 0]);
  });

  it("one_hot matches integer categories by their string spelling", () => {
    const steps = [{ op: "one_hot" as const, feature: "pclass", categories: ["1", "2", "3"], unknown: "zeros" as const }];
    expect(one(steps, ["pclass=1", "pclass=2", "pclass=3"], { pclass: 3 })).toEqual([0, 0, 1]);
  });

  it("ordinal maps categories, and unknown and null to `unknown`", () => {
    const steps = [{ op: "ordinal" as const, feature: "size", mapping: { S: 0, M: 1, L: 2 }, unknown: -1 }];
    expect(one(steps, ["size"], { size: "L" })).toEqual([2]);
    expect(one(steps, ["size"], { size: "XL" })).toEqual([-1]);
    expect(one(steps, ["size"], { size: null })).toEqual([-1]);
    // Object.prototype keys are not categories.
    expect(one(steps, ["size"], { size: "constructor" })).toEqual([-1]);
  });

  it("booleans become 0/1 at concat", () => {
    expect(one([], ["a", "b"], { a: true, b: false })).toEqual([1, 0]);
  });
});

describe("ordering and columns", () => {
  it("runs steps in order: clip then standardize differs from standardize then clip", () => {
    const a = one(
      [
        { op: "clip", feature: "x", max: 10 },
        { op: "standardize", feature: "x", mean: 0, std: 2 },
      ],
      ["x"],
      { x: 30 },
    );
    const b = one(
      [
        { op: "standardize", feature: "x", mean: 0, std: 2 },
        { op: "clip", feature: "x", max: 10 },
      ],
      ["x"],
      { x: 30 },
    );
    expect([a, b]).toEqual([[5], [10]]);
  });

  it("output keeps the source column intact; later steps read the new column", () => {
    const steps = [
      { op: "log1p" as const, feature: "fare", output: "fare_log" },
      { op: "standardize" as const, feature: "fare_log", mean: 0, std: 2 },
    ];
    const [fare, log] = one(steps, ["fare", "fare_log"], { fare: 0 });
    expect([fare, log]).toEqual([0, 0]);
  });

  it("gathers columns in declared order into several inputs with the declared dtypes", () => {
    const p = pre({
      steps: [{ op: "one_hot", feature: "sex", categories: ["f", "m"], unknown: "zeros" }],
      inputs: [
        { name: "num", columns: ["b", "a"] },
        { name: "cat", dtype: "float64", columns: ["sex=m", "sex=f"] },
      ],
    });
    const out = p.transform([
      { a: 1, b: 2, sex: "f" },
      { a: 3.1, b: 4, sex: "m" },
    ]);
    expect([...out.keys()]).toEqual(["num", "cat"]);
    expect(out.get("num")).toEqual({ dtype: "float32", data: new Float32Array([2, 1, 4, 3.1]), dims: [2, 2] });
    expect(out.get("cat")).toEqual({ dtype: "float64", data: new Float64Array([0, 1, 1, 0]), dims: [2, 2] });
    expect(p.columns).toEqual(["b", "a", "sex=m", "sex=f"]);
    expect(p.transformRow({ a: 3.1, b: 4, sex: "m" })).toEqual([4, 3.1, 1, 0]);
  });

  it("transformRow keeps float64 precision where transform rounds to float32", () => {
    const p = pre({ inputs: [{ name: "x", columns: ["a"] }] });
    expect(p.transformRow({ a: 0.1 })).toEqual([0.1]);
    expect(p.transform([{ a: 0.1 }]).get("x")?.data[0]).toBe(Math.fround(0.1));
  });

  it("inputColumns lists every input's columns in order", () => {
    const p = Preprocessing.parse({
      inputs: [
        { name: "a", columns: ["x", "y"] },
        { name: "b", columns: ["z"] },
      ],
    });
    expect(inputColumns(p)).toEqual(["x", "y", "z"]);
  });

  it("ignores inherited keys on instances", () => {
    expect(one([{ op: "impute", feature: "toString", strategy: "constant", value: 7 }], ["toString"], {})).toEqual([7]);
  });
});

describe("values that cannot reach the model", () => {
  it("throws ERR_BAD_INPUT naming the instance and the feature a derived column comes from", () => {
    const p = pre({
      steps: [{ op: "standardize", feature: "age", output: "age_z", mean: 30, std: 10 }],
      inputs: [{ name: "input", columns: ["age_z", "fare"] }],
    });
    const e = thrown(() =>
      p.transform([
        { age: 30, fare: 1 },
        { age: null, fare: 2 },
        { age: 40, fare: "cheap" },
      ]),
    );
    expect(e.code).toBe("ERR_BAD_INPUT");
    expect(e.message).toBe("2 values cannot be fed to the model");
    expect(e.issues).toMatchInlineSnapshot(`
      [
        {
          "message": "missing value: the model needs a number for column "age_z" of input "input" and no step fills it; send a value",
          "path": "instances[1].age",
        },
        {
          "message": "column "fare" of input "input" is string "cheap" after preprocessing; the model needs a finite number",
          "path": "instances[2].fare",
        },
      ]
    `);
  });

  it("never lets NaN or Infinity through (log1p of -2, float32 overflow)", () => {
    const p = pre({ steps: [{ op: "log1p", feature: "a" }], inputs: [{ name: "x", columns: ["a", "b"] }] });
    const e = thrown(() => p.transform([{ a: -2, b: 1e39 }]));
    expect(e.issues.map((i) => [i.path, i.message])).toEqual([
      ["instances[0].a", 'column "a" of input "x" is NaN after preprocessing; the model needs a finite number'],
      ["instances[0].b", 'column "b" of input "x" is number 1e+39 after preprocessing; the model needs a finite number'],
    ]);
    // float64 has room for 1e39.
    expect(pre({ inputs: [{ name: "x", dtype: "float64", columns: ["b"] }] }).transformRow({ b: 1e39 })).toEqual([1e39]);
  });

  it("transformRow labels errors with the given index", () => {
    const e = thrown(() => pre({ inputs: [{ name: "x", columns: ["a"] }] }).transformRow({ a: null }, 7));
    expect(e.issues[0]?.path).toBe("instances[7].a");
  });

  it("caps the issue list and counts the rest", () => {
    const p = pre({ inputs: [{ name: "x", columns: ["a", "b"] }] });
    const e = thrown(() => p.transform(Array.from({ length: 60 }, () => ({}))));
    expect(e.message).toBe("120 values cannot be fed to the model");
    expect(e.issues).toHaveLength(101);
    expect(e.issues[100]).toEqual({ path: "(root)", message: "… and 20 more issues after the first 100; fix these and send again" });
  });
});
