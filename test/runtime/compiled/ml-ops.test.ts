/**
 * LinearClassifier, LinearRegressor, Normalizer and ZipMap kernels against onnxruntime-node (labels equal, scores within
 * 1e-5), and the attribute combinations the ai.onnx.ml kernels refuse.
 */
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../core/random.ts";
import type { Dtype } from "../../../core/schema/manifest.ts";
import type { Tensor } from "../../../runtime/engines/compiled/format.ts";
import { UnsupportedNodeError } from "../../../runtime/engines/compiled/kernels/types.ts";
import { randomForest } from "./ml-forest-gen.ts";
import { type AttrSpec, expectSameAsOrt, type NodeSpec, prepareKernel } from "./ml-harness.ts";

const SEEDS = [11, 12, 13];
const POSTS = ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"];

const uniform = (seed: number, n: number, scale = 1) => {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => Math.round((r() * 2 - 1) * scale * 256) / 256);
};

function tensor(dtype: Dtype, values: number[], dims: number[]): Tensor {
  const data =
    dtype === "float64"
      ? Float64Array.from(values)
      : dtype === "int32"
        ? Int32Array.from(values, Math.round)
        : dtype === "int64"
          ? BigInt64Array.from(values, (v) => BigInt(Math.round(v)))
          : Float32Array.from(values);
  return { dtype, data, dims };
}

function linearClassifier(attrs: AttrSpec, columns: number, labels: "int" | "string", dtype: Dtype = "float32", features = 4): NodeSpec {
  return {
    op: "LinearClassifier",
    mlOpset: 1,
    attrs,
    input: { dtype, dims: ["N", features] },
    outputs: [
      { name: "label", type: labels === "int" ? 7 : 8, dims: ["N"] },
      { name: "scores", type: 1, dims: ["N", columns] },
    ],
  };
}

const labelsAttr = (kind: "int" | "string", n: number): AttrSpec =>
  kind === "int"
    ? { ints: { classlabels_ints: Array.from({ length: n }, (_, i) => 3 + 2 * i) } }
    : { strings: { classlabels_strings: Array.from({ length: n }, (_, i) => `k${i}`) } };

describe("LinearClassifier matches onnxruntime", () => {
  it.each(POSTS)("three and six classes, post_transform %s", async (post) => {
    for (const seed of SEEDS) {
      for (const classes of [3, 6]) {
        for (const kind of ["int", "string"] as const) {
          const attrs: AttrSpec = {
            ...labelsAttr(kind, classes),
            floats: { coefficients: uniform(seed, classes * 4), intercepts: uniform(seed + 1, classes, 0.5) },
            string: { post_transform: post },
            int: { multi_class: seed % 2 },
          };
          const scale = post === "PROBIT" ? 0.1 : 3;
          await expectSameAsOrt(linearClassifier(attrs, classes, kind), tensor("float32", uniform(seed + 2, 25 * 4, scale), [25, 4]));
        }
      }
    }
  });

  it.each(["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO"])("one coefficient row and two labels writes [1 - p, p] (post_transform %s)", async (post) => {
    for (const seed of SEEDS) {
      for (const kind of ["int", "string"] as const) {
        const attrs: AttrSpec = { ...labelsAttr(kind, 2), floats: { coefficients: uniform(seed, 4), intercepts: [0.125] }, string: { post_transform: post } };
        await expectSameAsOrt(linearClassifier(attrs, 2, kind), tensor("float32", uniform(seed + 2, 30 * 4, 2), [30, 4]));
      }
    }
  });

  it.each(SEEDS)("two coefficient rows (binary as two classes), LOGISTIC (seed %i)", async (seed) => {
    const c = uniform(seed, 4);
    const attrs: AttrSpec = {
      ...labelsAttr("int", 2),
      floats: { coefficients: [...c.map((v) => -v), ...c], intercepts: [-0.25, 0.25] },
      string: { post_transform: "LOGISTIC" },
    };
    await expectSameAsOrt(linearClassifier(attrs, 2, "int"), tensor("float32", uniform(seed + 2, 30 * 4, 2), [30, 4]));
  });

  it.each(["float64", "int32", "int64"] as const)("%s inputs are cast to float", async (dtype) => {
    for (const seed of SEEDS) {
      const attrs: AttrSpec = {
        ...labelsAttr("int", 3),
        floats: { coefficients: uniform(seed, 12), intercepts: uniform(seed + 1, 3) },
        string: { post_transform: "SOFTMAX" },
      };
      await expectSameAsOrt(linearClassifier(attrs, 3, "int", dtype), tensor(dtype, uniform(seed + 2, 20 * 4, 5), [20, 4]));
    }
  });
});

describe("LinearRegressor matches onnxruntime", () => {
  it.each(POSTS)("one and three targets, post_transform %s", async (post) => {
    for (const seed of SEEDS) {
      for (const targets of [1, 3]) {
        for (const intercepts of [uniform(seed + 1, targets), []]) {
          const spec: NodeSpec = {
            op: "LinearRegressor",
            mlOpset: 1,
            attrs: {
              int: { targets },
              string: { post_transform: post },
              floats: { coefficients: uniform(seed, targets * 5), ...(intercepts.length ? { intercepts } : {}) },
            },
            input: { dtype: "float32", dims: ["N", 5] },
            outputs: [{ name: "Y", type: 1, dims: ["N", targets] }],
          };
          await expectSameAsOrt(spec, tensor("float32", uniform(seed + 2, 20 * 5, post === "PROBIT" ? 0.1 : 2), [20, 5]));
        }
      }
    }
  });
});

describe("Normalizer matches onnxruntime", () => {
  for (const norm of ["MAX", "L1", "L2"]) {
    it.each(["float32", "float64", "int32", "int64"] as const)(`${norm}, %s input`, async (dtype) => {
      for (const seed of SEEDS) {
        // Rows of zeros keep their values; int rows are small integers.
        const values = uniform(seed, 12 * 5, dtype.startsWith("int") ? 6 : 3).map((v, i) => (Math.floor(i / 5) === 3 ? 0 : v));
        const spec: NodeSpec = {
          op: "Normalizer",
          mlOpset: 1,
          attrs: { string: { norm } },
          input: { dtype, dims: ["N", 5] },
          outputs: [{ name: "Y", type: 1, dims: ["N", 5] }],
        };
        await expectSameAsOrt(spec, tensor(dtype, values, [12, 5]));
      }
    });
  }

  it.each(["MAX", "L1", "L2"])("%s on a 1-D tensor", async (norm) => {
    const spec: NodeSpec = {
      op: "Normalizer",
      mlOpset: 1,
      attrs: { string: { norm } },
      input: { dtype: "float32", dims: [6] },
      outputs: [{ name: "Y", type: 1, dims: [6] }],
    };
    await expectSameAsOrt(spec, tensor("float32", uniform(7, 6, 3), [6]));
  });
});

// onnxruntime-node cannot return ZipMap's seq(map) output ("Non tensor type is temporarily not supported"), so ZipMap is
// checked on its own: ORT's maps hold exactly the input's values, keyed by the labels in column order.
describe("ZipMap", () => {
  it.each(["string", "int"] as const)("passes the probabilities through (%s labels)", (kind) => {
    const attrs: AttrSpec = kind === "string" ? { strings: { classlabels_strings: ["b", "a", "c"] } } : { ints: { classlabels_int64s: [7, 2, 9] } };
    const run = prepareKernel({ op: "ZipMap", mlOpset: 1, attrs, input: { dtype: "float32", dims: ["N", 3] }, outputs: [] });
    const x = tensor("float32", uniform(3, 12), [4, 3]);
    expect(run([x])).toEqual([x]);
    expect(run([x])[0]).toBe(x);
  });

  it("checks one label per column at run time", () => {
    const run = prepareKernel({ op: "ZipMap", attrs: { ints: { classlabels_int64s: [1, 2] } }, input: { dtype: "float32", dims: ["N", 3] }, outputs: [] });
    expect(() => run([tensor("float32", [0.2, 0.3, 0.5], [1, 3])])).toThrow("input has 3 columns but 2 class labels");
  });
});

describe("unsupported attribute combinations", () => {
  const tree = randomForest({ seed: 1, trees: 2, maxDepth: 2, features: 3, prefix: "class", leafTargets: () => [0], weight: () => 0.5 });
  const cases: [string, NodeSpec, string][] = [
    [
      "LinearClassifier PROBIT with one row and two labels",
      linearClassifier({ ...labelsAttr("int", 2), floats: { coefficients: [1, 2, 3, 4], intercepts: [0] }, string: { post_transform: "PROBIT" } }, 2, "int"),
      "leaves half the scores unwritten",
    ],
    [
      "TreeEnsembleClassifier PROBIT on two classes with class-0 weights",
      {
        op: "TreeEnsembleClassifier",
        attrs: { ...tree, ints: { ...tree.ints, classlabels_int64s: [0, 1] }, string: { post_transform: "PROBIT" } },
        input: { dtype: "float32", dims: [1, 3] },
        outputs: [],
      },
      "leaves the second probability unwritten",
    ],
    [
      "an unknown aggregate_function",
      {
        op: "TreeEnsembleRegressor",
        attrs: randomForestRegressor({ string: { aggregate_function: "MEDIAN" } }),
        input: { dtype: "float32", dims: [1, 3] },
        outputs: [],
      },
      "aggregate_function MEDIAN is not one of SUM, AVERAGE, MIN, MAX",
    ],
    [
      "a node listed twice",
      {
        op: "TreeEnsembleRegressor",
        attrs: randomForestRegressor({ ints: { nodes_nodeids: [0, 0, 2] } }),
        input: { dtype: "float32", dims: [1, 3] },
        outputs: [],
      },
      "node 0 of tree 0 is listed twice",
    ],
    [
      "LinearClassifier with one row and three labels",
      linearClassifier({ ...labelsAttr("int", 3), floats: { coefficients: [1, 2, 3, 4], intercepts: [0] } }, 1, "int"),
      "one coefficient row needs exactly 2 class labels, got 3",
    ],
    [
      "Normalizer with an unknown norm",
      { op: "Normalizer", attrs: { string: { norm: "L3" } }, input: { dtype: "float32", dims: [1, 3] }, outputs: [] },
      "norm L3",
    ],
  ];
  it.each(cases)("%s", (_, spec, message) => {
    expect(() => prepareKernel(spec)).toThrow(UnsupportedNodeError);
    expect(() => prepareKernel(spec)).toThrow(message);
  });
});

/** A one-split regressor, with attribute groups overridden by `over`. */
function randomForestRegressor(over: AttrSpec): AttrSpec {
  const base: AttrSpec = {
    int: { n_targets: 1 },
    ints: {
      nodes_treeids: [0, 0, 0],
      nodes_nodeids: [0, 1, 2],
      nodes_featureids: [0, 0, 0],
      nodes_truenodeids: [1, 0, 0],
      nodes_falsenodeids: [2, 0, 0],
      target_treeids: [0, 0],
      target_nodeids: [1, 2],
      target_ids: [0, 0],
    },
    strings: { nodes_modes: ["BRANCH_LEQ", "LEAF", "LEAF"] },
    floats: { nodes_values: [0, 0, 0], target_weights: [1, 2] },
  };
  return { ...base, ...over, ints: { ...base.ints, ...over.ints }, string: { ...over.string } };
}
