/**
 * TreeEnsembleClassifier / TreeEnsembleRegressor kernels against onnxruntime-node on seeded random forests: labels
 * equal, scores within 1e-5. Each case runs several seeds; inputs hit thresholds exactly and include NaN.
 */
import { describe, expect, it } from "vitest";
import type { Dtype } from "../../../core/schema/manifest.ts";
import type { Tensor } from "../../../runtime/engines/compiled/format.ts";
import { BRANCH_MODES, mergeAttrs, randomForest, randomRows } from "./ml-forest-gen.ts";
import { type AttrSpec, expectSameAsOrt, type NodeSpec, prepareKernel, runOrt } from "./ml-harness.ts";

const SEEDS = [1, 2, 3, 4, 5];
const FEATURES = 5;

function input(seed: number, rows: number, dtype: Dtype = "float32", nan = 0.1): Tensor {
  const values = randomRows(seed, rows, FEATURES, { nan: dtype === "float32" || dtype === "float64" ? nan : 0 });
  const data =
    dtype === "float64"
      ? Float64Array.from(values)
      : dtype === "int32"
        ? Int32Array.from(values, (v) => Math.round(v))
        : dtype === "int64"
          ? BigInt64Array.from(values, (v) => BigInt(Math.round(v)))
          : Float32Array.from(values);
  return { dtype, data, dims: [rows, FEATURES] };
}

function classifier(attrs: AttrSpec, nClasses: number, labels: "int" | "string", dtype: Dtype = "float32"): NodeSpec {
  const labelAttr: AttrSpec =
    labels === "int"
      ? { ints: { classlabels_int64s: Array.from({ length: nClasses }, (_, i) => 10 + i * 7) } }
      : { strings: { classlabels_strings: Array.from({ length: nClasses }, (_, i) => `c${i}`) } };
  return {
    op: "TreeEnsembleClassifier",
    attrs: mergeAttrs(attrs, labelAttr),
    input: { dtype, dims: ["N", FEATURES] },
    outputs: [
      { name: "label", type: labels === "int" ? 7 : 8, dims: ["N"] },
      { name: "probabilities", type: 1, dims: ["N", nClasses] },
    ],
  };
}

function regressor(attrs: AttrSpec, nTargets: number, dtype: Dtype = "float32"): NodeSpec {
  return {
    op: "TreeEnsembleRegressor",
    attrs: mergeAttrs(attrs, { int: { n_targets: nTargets } }),
    input: { dtype, dims: ["N", FEATURES] },
    outputs: [{ name: "Y", type: 1, dims: ["N", nTargets] }],
  };
}

const forest = (
  seed: number,
  prefix: "class" | "target",
  leafTargets: (tree: number, r: () => number) => number[],
  extra: Partial<Parameters<typeof randomForest>[0]> = {},
) =>
  randomForest({
    seed,
    trees: 7,
    maxDepth: 4,
    features: FEATURES,
    missing: true,
    prefix,
    leafTargets,
    weight: (r) => Math.round((r() * 4 - 2) * 64) / 64,
    ...extra,
  });

const all = (n: number) => () => Array.from({ length: n }, (_, i) => i);
const positive = { weight: (r: () => number) => Math.round(r() * 64) / 64 / 7 };

describe("TreeEnsembleClassifier matches onnxruntime", () => {
  it.each(SEEDS)("random forest, 4 classes, weights 1/n for every class (seed %i)", async (seed) => {
    await expectSameAsOrt(classifier(forest(seed, "class", all(4), positive), 4, "int"), input(seed, 64));
    await expectSameAsOrt(classifier(forest(seed, "class", all(4), positive), 4, "string"), input(seed + 100, 3));
  });

  it.each(SEEDS)("two classes, weights for both (seed %i)", async (seed) => {
    await expectSameAsOrt(classifier(forest(seed, "class", all(2), positive), 2, "int"), input(seed, 40));
    await expectSameAsOrt(classifier(forest(seed, "class", all(2)), 2, "string"), input(seed, 40));
  });

  it.each(SEEDS)("binary, positive weights for class 1 only (seed %i)", async (seed) => {
    const f = forest(seed, "class", () => [1], positive);
    await expectSameAsOrt(classifier(f, 2, "int"), input(seed, 40));
    await expectSameAsOrt(classifier(mergeAttrs(f, { string: { post_transform: "LOGISTIC" } }), 2, "string"), input(seed, 40));
  });

  it.each(SEEDS)("gradient boosting binary: class-0 weights, mixed signs, LOGISTIC, base_values (seed %i)", async (seed) => {
    const f = forest(seed, "class", () => [0]);
    for (const base of [[], [0.25], [-0.5, 0.75]]) {
      for (const post of ["LOGISTIC", "NONE", "SOFTMAX"]) {
        const attrs = mergeAttrs(f, { string: { post_transform: post } }, base.length ? { floats: { base_values: base } } : {});
        await expectSameAsOrt(classifier(attrs, 2, "int"), input(seed, 30));
      }
    }
  });

  it.each(SEEDS)("binary with class-1 weights and two base values (seed %i)", async (seed) => {
    const attrs = mergeAttrs(
      forest(seed, "class", () => [1]),
      { floats: { base_values: [0.5, -0.25] }, string: { post_transform: "LOGISTIC" } },
    );
    await expectSameAsOrt(classifier(attrs, 2, "int"), input(seed, 30));
  });

  it.each(SEEDS)("multiclass gradient boosting: one class per tree, SOFTMAX, base_values (seed %i)", async (seed) => {
    const attrs = mergeAttrs(
      forest(seed, "class", (tree) => [tree % 3], { trees: 9 }),
      {
        string: { post_transform: "SOFTMAX" },
        floats: { base_values: [0.1, -0.2, 0.3] },
      },
    );
    await expectSameAsOrt(classifier(attrs, 3, "string"), input(seed, 50));
  });

  it.each(["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"])("multiclass with post_transform %s", async (post) => {
    for (const seed of SEEDS) {
      const weight = post === "PROBIT" ? (r: () => number) => (r() * 0.9 + 0.05) / 7 : (r: () => number) => Math.round((r() * 4 - 2) * 4) / 4;
      // Sparse leaves (some classes unscored) exercise SOFTMAX_ZERO's zero rule and ORT's unscored-class handling.
      const attrs = mergeAttrs(
        forest(seed, "class", (_, r) => [0, 1, 2, 3].filter(() => r() < 0.5), { weight }),
        { string: { post_transform: post } },
      );
      await expectSameAsOrt(classifier(attrs, 4, "int"), input(seed, 30));
    }
  });

  it.each(BRANCH_MODES)("every branch node %s (one mode for the whole ensemble)", async (mode) => {
    for (const seed of SEEDS) {
      await expectSameAsOrt(classifier(forest(seed, "class", all(3), { modes: [mode] }), 3, "int"), input(seed, 40, "float32", 0.15));
    }
  });

  it.each(SEEDS)("categorical BRANCH_EQ chains with NaN and mixed missing flags (seed %i)", async (seed) => {
    // Integer thresholds around ORT's set-membership range ([1, 32] float32, [1, 64] float64), and inputs on them.
    const grid = [0, 1, 2, 3, 5, 8, 13, 31, 32, 33, 40, 64, 65, 2.5];
    const f = forest(seed, "class", all(3), { modes: ["BRANCH_EQ", "BRANCH_EQ", "BRANCH_LEQ"], grid, eqChains: true, maxDepth: 5 });
    for (const dtype of ["float32", "float64"] as const) {
      const values = randomRows(seed, 80, FEATURES, { nan: 0.25, grid });
      const data = dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values);
      await expectSameAsOrt(classifier(f, 3, "int", dtype), { dtype, data, dims: [80, FEATURES] });
    }
  });

  it.each(SEEDS)("NaN routing without nodes_missing_value_tracks_true (seed %i)", async (seed) => {
    await expectSameAsOrt(classifier(forest(seed, "class", all(3), { missing: false }), 3, "int"), input(seed, 40, "float32", 0.3));
  });

  it.each(["float64", "int32", "int64"] as const)("%s inputs", async (dtype) => {
    for (const seed of SEEDS) {
      await expectSameAsOrt(classifier(forest(seed, "class", all(3)), 3, "int", dtype), input(seed, 40, dtype));
    }
  });

  it.each(SEEDS)("one row (seed %i)", async (seed) => {
    await expectSameAsOrt(classifier(forest(seed, "class", all(3)), 3, "int"), input(seed, 1));
    await expectSameAsOrt(
      classifier(
        forest(seed, "class", () => [0]),
        2,
        "int",
      ),
      input(seed, 1),
    );
  });

  it.each(SEEDS)("many trees and rows (seed %i)", async (seed) => {
    const f = forest(seed, "class", (tree) => [tree % 3], { trees: 120, maxDepth: 6 });
    await expectSameAsOrt(classifier(mergeAttrs(f, { string: { post_transform: "SOFTMAX" } }), 3, "int"), input(seed, 300));
  });
});

describe("TreeEnsembleRegressor matches onnxruntime", () => {
  for (const agg of ["SUM", "AVERAGE", "MIN", "MAX"]) {
    it.each(SEEDS)(`${agg}, one and two targets, with and without base_values (seed %i)`, async (seed) => {
      for (const nTargets of [1, 2]) {
        // Sparse targets: some leaves address only one target, so some rows leave a target unscored.
        const f = forest(seed, "target", (_, r) => (nTargets === 1 ? [0] : r() < 0.7 ? [0, 1] : [Math.floor(r() * 2)]));
        for (const base of [[], Array.from({ length: nTargets }, (_, i) => 0.5 - i)]) {
          const attrs = mergeAttrs(f, { string: { aggregate_function: agg } }, base.length ? { floats: { base_values: base } } : {});
          await expectSameAsOrt(regressor(attrs, nTargets), input(seed, 60));
        }
      }
    });
  }

  it.each(["LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"])("post_transform %s, one and three targets", async (post) => {
    for (const seed of SEEDS) {
      for (const nTargets of [1, 3]) {
        const weight = (r: () => number) => (r() * 0.9 + 0.05) / 7;
        const f = forest(seed, "target", () => Array.from({ length: nTargets }, (_, i) => i), { weight });
        await expectSameAsOrt(regressor(mergeAttrs(f, { string: { post_transform: post } }), nTargets), input(seed, 20));
      }
    }
  });

  it.each(SEEDS)("the _as_tensor attributes with float64 inputs (seed %i)", async (seed) => {
    const f = forest(seed, "target", all(2));
    const { nodes_values, target_weights } = f.floats!;
    const tensorAttrs: AttrSpec = {
      ...f,
      floats: {},
      tensors: {
        nodes_values_as_tensor: nodes_values!.map((v) => v + 1e-9),
        target_weights_as_tensor: target_weights!,
        base_values_as_tensor: [0.125, -1 / 3],
      },
    };
    await expectSameAsOrt(regressor(tensorAttrs, 2, "float64"), input(seed, 40, "float64"));
  });

  it.each(SEEDS)("float64 inputs (seed %i)", async (seed) => {
    await expectSameAsOrt(regressor(forest(seed, "target", all(1)), 1, "float64"), input(seed, 40, "float64"));
  });

  it.each(SEEDS)("many trees and rows, AVERAGE (seed %i)", async (seed) => {
    const f = forest(seed, "target", all(1), { trees: 150, maxDepth: 6 });
    await expectSameAsOrt(regressor(mergeAttrs(f, { string: { aggregate_function: "AVERAGE" } }), 1), input(seed, 500));
  });
});

describe("tree ensemble edge cases match onnxruntime", () => {
  it.each(SEEDS)("two classes: class-1 or both-class weights with 0, 1 or 2 base values (seed %i)", async (seed) => {
    for (const targets of [() => [1], all(2)]) {
      const f = forest(seed, "class", targets);
      for (const base of [[], [0.25], [-0.5, 0.75]]) {
        for (const post of ["NONE", "LOGISTIC", "SOFTMAX_ZERO"]) {
          const attrs = mergeAttrs(f, { string: { post_transform: post } }, base.length ? { floats: { base_values: base } } : {});
          await expectSameAsOrt(classifier(attrs, 2, "string"), input(seed, 30));
        }
      }
    }
  });

  it.each(SEEDS)("a leaf with several weights for one target, and weights placed on branch nodes (seed %i)", async (seed) => {
    const f = forest(seed, "target", (_, r) => (r() < 0.5 ? [0, 0] : [0, 1, 1]));
    const ints = f.ints!;
    // Put an extra weight on every tree's root (a branch node); ORT ignores it.
    const roots = ints.nodes_nodeids!.flatMap((id, i) => (id === 0 ? [i] : []));
    const attrs = mergeAttrs(f, {
      ints: {
        target_treeids: [...ints.target_treeids!, ...roots.map((i) => ints.nodes_treeids![i]!)],
        target_nodeids: [...ints.target_nodeids!, ...roots.map(() => 0)],
        target_ids: [...ints.target_ids!, ...roots.map(() => 0)],
      },
      floats: { target_weights: [...f.floats!.target_weights!, ...roots.map(() => 100)] },
    });
    await expectSameAsOrt(regressor(attrs, 2), input(seed, 40));
    await expectSameAsOrt(regressor(mergeAttrs(attrs, { ints: { target_ids: attrs.ints!.target_ids!.map(() => 0) } }), 1), input(seed, 40));
  });

  it.each(SEEDS)("leaves without weights (one target: ORT uses the leaf's nodes_values entry) (seed %i)", async (seed) => {
    for (const nTargets of [1, 2]) {
      const f = forest(seed, "target", (_, r) => (r() < 0.4 ? [] : Array.from({ length: nTargets }, (_, i) => i)));
      // Give leaves distinct nodes_values so the single-target rule is visible.
      const values = f.floats!.nodes_values!.map((v, i) => (f.strings!.nodes_modes![i] === "LEAF" ? (i % 7) / 8 : v));
      for (const agg of ["SUM", "MIN", "MAX", "AVERAGE"]) {
        const attrs = mergeAttrs(f, { floats: { nodes_values: values }, string: { aggregate_function: agg } });
        await expectSameAsOrt(regressor(attrs, nTargets), input(seed, 40));
      }
    }
  });

  it.each(SEEDS)("attribute lists the compiler stores as float32/int64 initializers (seed %i)", async (seed) => {
    const attrs = mergeAttrs(forest(seed, "class", all(3)), { floats: { base_values: [0.5, 0, -0.5] }, string: { post_transform: "SOFTMAX" } });
    await expectSameAsOrt(classifier(attrs, 3, "int"), input(seed, 30), { listsAsTensors: true });
    await expectSameAsOrt(regressor(forest(seed, "target", all(2)), 2), input(seed, 30), { listsAsTensors: true });
  });

  it("float64 _as_tensor attributes with a float32 input: refused like onnxruntime refuses the model", async () => {
    const f = forest(1, "target", all(1));
    const spec = regressor({ ...f, floats: { target_weights: f.floats!.target_weights! }, tensors: { nodes_values_as_tensor: f.floats!.nodes_values! } }, 1);
    const x = input(1, 4);
    await expect(runOrt(spec, x)).rejects.toThrow("could not unpack tensor attribute");
    expect(() => prepareKernel(spec)([x])).toThrow("attribute nodes_values_as_tensor is float64 but a non-float64 input needs float32");
  });

  it.each(SEEDS)("classifier _as_tensor attributes with float64 inputs (seed %i)", async (seed) => {
    const f = forest(seed, "class", all(3));
    const tensorAttrs: AttrSpec = {
      ...f,
      floats: {},
      tensors: { nodes_values_as_tensor: f.floats!.nodes_values!, class_weights_as_tensor: f.floats!.class_weights!, base_values_as_tensor: [0.1, 0.2, 0.3] },
    };
    await expectSameAsOrt(classifier(tensorAttrs, 3, "int", "float64"), input(seed, 40, "float64"));
  });
});
