/**
 * ai.onnx.ml TreeEnsembleRegressor and TreeEnsembleClassifier (opsets 1 and 3), reproducing onnxruntime's
 * `tree_ensemble_aggregator.h` step by step, including what its score bookkeeping does at the edges:
 *
 * - scores accumulate in float32 (float64 for float64 inputs), each leaf weight added in tree order;
 * - a target no tree scored is written as 0 even when it has a base value (ORT's `has_score` flag);
 * - one regression target: only PROBIT is applied (LOGISTIC/SOFTMAX leave the score raw), and a leaf without weights
 *   contributes its own nodes_values entry;
 * - the classifier ignores `aggregate_function` (it always sums) and decides two-class labels from the class-1 score
 *   (see `finishBinary`), not by argmax.
 *
 * @example
 * ```ts
 * const run = treeEnsembleClassifier(node, ctx);
 * const [label, probabilities] = run([x]);
 * ```
 */
import type { CompiledNode, Tensor } from "../format.ts";
import {
  type AttrReader,
  createAttrReader,
  firstInput,
  POST,
  type PostTransform,
  parsePostTransform,
  probit,
  rowsAndFeatures,
  transformRow,
} from "./ml-common.ts";
import { createWalker, effectiveMissingTrue, type Forest, LEAF, readForest, type Walker } from "./ml-trees.ts";
import { type KernelFactory, UnsupportedNodeError } from "./types.ts";
import { finishBinary, finishMulticlass, type ClassifierSetup } from "./ml-tree-classify.ts";

const f32 = Math.fround;
const AGG = { SUM: 0, AVERAGE: 1, MIN: 2, MAX: 3 } as const;
type Agg = (typeof AGG)[keyof typeof AGG];

/** Thresholds and weights in one precision: float32 (float, int32, int64 inputs) or float64 (float64 inputs). */
interface Tables {
  single: boolean;
  thr: Float32Array | Float64Array;
  walk: Walker;
  weights: Float32Array | Float64Array;
  base: Float32Array | Float64Array;
}

function tablesFor(forest: Forest, base: number[], single: boolean): Tables {
  const Arr = single ? Float32Array : Float64Array;
  const thr = Arr.from(forest.thresholds);
  const walk = createWalker(forest, thr, effectiveMissingTrue(forest, thr, single));
  return { single, thr, walk, weights: Arr.from(forest.weights), base: Arr.from(base) };
}

/** The input as the walk reads it: float64 stays float64; other types compare as float32, as in ORT. */
function treeInput(node: CompiledNode, x: Tensor): Float32Array | Float64Array {
  const d = x.data;
  if (d instanceof Float32Array || d instanceof Float64Array) return d;
  if (d instanceof Int32Array) return Float32Array.from(d);
  if (d instanceof BigInt64Array) return Float32Array.from(d, Number);
  throw new Error(`${node.op} (node ${node.name}): input dtype ${x.dtype} is not one of float32, float64, int32, int64`);
}

/** Adds one row's leaves into `scores`/`has` (cleared first), per aggregate function. */
function accumulate(f: Forest, t: Tables, agg: Agg, x: Float32Array | Float64Array, base: number, scores: Float64Array, has: Uint8Array): void {
  scores.fill(0);
  has.fill(0);
  const { roots, weightStart, weightCount, weightTarget } = f;
  const w = t.weights;
  for (let r = 0; r < roots.length; r++) {
    const leaf = t.walk(x, base, roots[r]!);
    const end = weightStart[leaf]! + weightCount[leaf]!;
    for (let k = weightStart[leaf]!; k < end; k++) {
      const target = weightTarget[k]!;
      const v = w[k]!;
      const s = scores[target]!;
      if (agg <= AGG.AVERAGE) scores[target] = t.single ? f32(s + v) : s + v;
      else if (!has[target] || (agg === AGG.MIN ? v < s : v > s)) scores[target] = v;
      has[target] = 1;
    }
  }
}

/**
 * ORT reads `*_as_tensor` attributes in its threshold type (float64 for float64 inputs, float32 otherwise) and refuses
 * the model when their element type differs; returns a check for the input that does the same.
 */
function tensorAttrCheck(node: CompiledNode, a: AttrReader, prefix: "class" | "target"): (x: Float32Array | Float64Array) => void {
  const names = ["base_values_as_tensor", "nodes_values_as_tensor", "nodes_hitrates_as_tensor", `${prefix}_weights_as_tensor`];
  const typed = names.flatMap((name) => {
    const dtype = a.tensorDtype(name);
    return dtype ? [{ name, dtype }] : [];
  });
  return (x) => {
    const want = x instanceof Float64Array ? "float64" : "float32";
    const bad = typed.find((t) => t.dtype !== want);
    if (bad)
      throw new Error(
        `${node.op} (node ${node.name}): attribute ${bad.name} is ${bad.dtype} but a ${want === "float64" ? "float64" : "non-float64"} input needs ${want} (onnxruntime refuses this model too)`,
      );
  };
}

function checkFeatures(node: CompiledNode, f: Forest, features: number): void {
  if (f.maxFeature >= features) {
    throw new Error(`${node.op} (node ${node.name}): a node reads feature ${f.maxFeature} but the input has ${features} features`);
  }
}

function readBase(node: CompiledNode, a: AttrReader): number[] {
  if (a.has("base_values") && a.has("base_values_as_tensor")) throw new UnsupportedNodeError(node, "both base_values and base_values_as_tensor are set");
  return a.has("base_values_as_tensor") ? a.tensor("base_values_as_tensor") : a.floats("base_values");
}

/** TreeEnsembleRegressor → Y float32 [N, n_targets]. */
export const treeEnsembleRegressor: KernelFactory = (node, ctx) => {
  const a = createAttrReader(node, ctx);
  const nTargets = a.int("n_targets", 0);
  if (nTargets < 1) throw new UnsupportedNodeError(node, `n_targets is ${nTargets}; it must be at least 1`);
  const aggName = a.string("aggregate_function", "SUM");
  const agg = AGG[aggName as keyof typeof AGG];
  if (agg === undefined) throw new UnsupportedNodeError(node, `aggregate_function ${aggName} is not one of SUM, AVERAGE, MIN, MAX`);
  const post = parsePostTransform(node, a.string("post_transform", "NONE"));
  const base = readBase(node, a);
  if (base.length !== 0 && base.length !== nTargets) throw new UnsupportedNodeError(node, `base_values has ${base.length} values for ${nTargets} targets`);
  const forest = readForest(node, a, "target", nTargets);
  const checkTensorAttrs = tensorAttrCheck(node, a, "target");
  const cache: Partial<Record<"f32" | "f64", Tables>> = {};
  const nTrees = forest.roots.length;

  return (inputs) => {
    const xt = firstInput(node, inputs);
    const { rows, features } = rowsAndFeatures(node, xt);
    checkFeatures(node, forest, features);
    const x = treeInput(node, xt);
    checkTensorAttrs(x);
    const single = !(x instanceof Float64Array);
    const t = (cache[single ? "f32" : "f64"] ??= tablesFor(forest, base, single));
    const out = new Float32Array(rows * nTargets);
    const round = single ? f32 : (v: number) => v;
    if (nTargets === 1) {
      const origin = base.length === 1 ? t.base[0]! : 0;
      for (let n = 0; n < rows; n++) out[n] = finishOne(regressOne(forest, t, agg, x, n * features), agg, nTrees, origin, round, post);
      return [{ dtype: "float32", data: out, dims: [rows, 1] }];
    }
    const scores = new Float64Array(nTargets);
    const has = new Uint8Array(nTargets);
    const useBase = base.length === nTargets;
    for (let n = 0; n < rows; n++) {
      accumulate(forest, t, agg, x, n * features, scores, has);
      const o = n * nTargets;
      for (let k = 0; k < nTargets; k++) {
        let s = scores[k]!;
        if (agg === AGG.AVERAGE) s = round(s / nTrees);
        if (useBase) s = agg <= AGG.AVERAGE ? round(s + t.base[k]!) : round(t.base[k]! + (has[k] ? s : 0));
        // ORT writes a target that no tree scored as 0, base value or not.
        out[o + k] = has[k] ? s : 0;
      }
      transformRow(out, o, nTargets, post);
    }
    return [{ dtype: "float32", data: out, dims: [rows, nTargets] }];
  };
};

/**
 * One target: each leaf's first weight, aggregated; returns [score, has]. This is ORT's value_or_unique_weight, which
 * for a leaf without weights is the leaf's own nodes_values entry.
 */
function regressOne(f: Forest, t: Tables, agg: Agg, x: Float32Array | Float64Array, base: number): [number, boolean] {
  let s = 0;
  let has = false;
  for (let r = 0; r < f.roots.length; r++) {
    const leaf = t.walk(x, base, f.roots[r]!);
    const v = f.weightCount[leaf]! > 0 ? t.weights[f.weightStart[leaf]!]! : t.thr[leaf]!;
    if (agg <= AGG.AVERAGE) s = t.single ? f32(s + v) : s + v;
    else if (!has || (agg === AGG.MIN ? v < s : v > s)) s = v;
    has = true;
  }
  return [s, has];
}

function finishOne([s, has]: [number, boolean], agg: Agg, nTrees: number, origin: number, round: (v: number) => number, post: PostTransform): number {
  let v: number;
  if (agg === AGG.SUM) v = round(s + origin);
  else if (agg === AGG.AVERAGE) v = round(round(s / nTrees) + origin);
  else v = has ? round(s + origin) : origin;
  return post === POST.PROBIT ? probit(f32(v)) : f32(v);
}

/** TreeEnsembleClassifier → label int64|string [N], probabilities float32 [N, classes]. */
export const treeEnsembleClassifier: KernelFactory = (node, ctx) => {
  const a = createAttrReader(node, ctx);
  const intLabels = a.ints("classlabels_int64s");
  const stringLabels = a.strings("classlabels_strings");
  if (intLabels.length > 0 === stringLabels.length > 0) {
    throw new UnsupportedNodeError(node, "exactly one of classlabels_int64s and classlabels_strings must be set");
  }
  const nClasses = intLabels.length || stringLabels.length;
  if (nClasses < 2) throw new UnsupportedNodeError(node, `${nClasses} class label; at least 2 are needed`);
  const post = parsePostTransform(node, a.string("post_transform", "NONE"));
  const base = readBase(node, a);
  if (nClasses > 2 && base.length !== 0 && base.length !== nClasses) {
    throw new UnsupportedNodeError(node, `base_values has ${base.length} values for ${nClasses} classes`);
  }
  if (nClasses === 2 && base.length > 2) throw new UnsupportedNodeError(node, `base_values has ${base.length} values for 2 classes`);
  const forest = readForest(node, a, "class", nClasses);
  const checkTensorAttrs = tensorAttrCheck(node, a, "class");
  const setup: ClassifierSetup = {
    nClasses,
    post,
    // ORT's binary case: two classes and every weight for the same class.
    binaryCase: nClasses === 2 && new Set(forest.weightTarget).size === 1,
    allPositive: forest.weights.every((w) => !(w < 0)),
    intLabels: BigInt64Array.from(intLabels, BigInt),
  };
  if (nClasses === 2) checkBinaryWritesBoth(node, forest, base.length, setup);
  const cache: Partial<Record<"f32" | "f64", Tables>> = {};

  return (inputs) => {
    const xt = firstInput(node, inputs);
    const { rows, features } = rowsAndFeatures(node, xt);
    checkFeatures(node, forest, features);
    const x = treeInput(node, xt);
    checkTensorAttrs(x);
    const single = !(x instanceof Float64Array);
    const t = (cache[single ? "f32" : "f64"] ??= tablesFor(forest, base, single));
    const probabilities = new Float32Array(rows * nClasses);
    const labelIndex = new Array<number | bigint>(rows);
    const scores = new Float64Array(nClasses);
    const has = new Uint8Array(nClasses);
    for (let n = 0; n < rows; n++) {
      accumulate(forest, t, AGG.SUM, x, n * features, scores, has);
      labelIndex[n] =
        nClasses === 2
          ? finishBinary(setup, scores, has, t.base, t.single, probabilities, n * 2)
          : finishMulticlass(node, setup, scores, has, t.base, t.single, probabilities, n * nClasses);
    }
    const label: Tensor =
      stringLabels.length > 0
        ? { dtype: "string", data: labelIndex.map((i) => stringLabels[Number(i)]!), dims: [rows] }
        : { dtype: "int64", data: BigInt64Array.from(labelIndex, (i) => (typeof i === "bigint" ? i : setup.intLabels[i]!)), dims: [rows] };
    return [label, { dtype: "float32", data: probabilities, dims: [rows, nClasses] }];
  };
};

/**
 * With two classes and fewer than two base values, ORT keeps a single score when class 1 gets none for a row; with
 * PROBIT, or with one base value and weights for both classes, it then writes only the first probability and leaves
 * the second as whatever the buffer held. Refuse models where that can happen (some leaf of every tree lacks a class-1
 * weight).
 */
function checkBinaryWritesBoth(node: CompiledNode, f: Forest, nBase: number, setup: ClassifierSetup): void {
  if (nBase >= 2) return;
  const lacksClass1 = (leaf: number) => {
    for (let k = f.weightStart[leaf]!; k < f.weightStart[leaf]! + f.weightCount[leaf]!; k++) if (f.weightTarget[k] === 1) return false;
    return true;
  };
  const treeOf = new Int32Array(f.mode.length);
  for (let r = 0; r < f.roots.length; r++) treeOf.fill(r, f.roots[r]!, f.roots[r + 1] ?? f.mode.length);
  const treesMissing = new Set<number>();
  for (let i = 0; i < f.mode.length; i++) if (f.mode[i] === LEAF && lacksClass1(i)) treesMissing.add(treeOf[i]!);
  if (treesMissing.size < f.roots.length) return;
  if (setup.post === POST.PROBIT) {
    throw new UnsupportedNodeError(node, "PROBIT on two classes where a row can get no class-1 score: onnxruntime leaves the second probability unwritten");
  }
  if (nBase === 1 && !setup.binaryCase) {
    throw new UnsupportedNodeError(
      node,
      "one base value, weights for both classes, and rows that can get no class-1 score: onnxruntime leaves the second probability unwritten",
    );
  }
}
