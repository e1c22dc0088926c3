/**
 * Tree ensembles flattened once, at session creation, into typed arrays, and walked per row with one tight loop.
 * Reads the ai.onnx.ml opset 1/3 attributes of TreeEnsembleClassifier and TreeEnsembleRegressor (`nodes_*`, and
 * `class_*` or `target_*`), checking them the way onnxruntime does when it loads the model.
 *
 * Thresholds and leaf weights keep their source values (float32 attributes, or float64 `*_as_tensor` ones); a walk
 * compares in float32 unless the input is float64, as ORT does (its ThresholdType is double only for double inputs).
 *
 * @example
 * ```ts
 * const forest = readForest(node, attrs, "class");
 * const thr = Float32Array.from(forest.thresholds);
 * const walk = createWalker(forest, thr, effectiveMissingTrue(forest, thr, true));
 * const leaf = walk(row, 0, forest.roots[0]);
 * ```
 */
import type { CompiledNode } from "../format.ts";
import type { AttrReader } from "./ml-common.ts";
import { UnsupportedNodeError } from "./types.ts";

/** Node modes, numbered as onnxruntime's NODE_MODE. */
const MODES: Record<string, number> = { BRANCH_LEQ: 0, BRANCH_LT: 1, BRANCH_GTE: 2, BRANCH_GT: 3, BRANCH_EQ: 4, BRANCH_NEQ: 5, LEAF: 6 };
export const LEAF = 6;

export interface Forest {
  feature: Int32Array;
  mode: Uint8Array;
  /** 1 when a NaN feature value takes the true branch. */
  missingTrue: Uint8Array;
  trueChild: Int32Array;
  falseChild: Int32Array;
  /** Thresholds as given (float32 values from `nodes_values`, float64 from `nodes_values_as_tensor`). */
  thresholds: Float64Array;
  /** The node each tree starts at, in tree order. */
  roots: Int32Array;
  /** Per node: where its leaf weights start in `weightTarget`/`weights`, and how many (0 for branches). */
  weightStart: Int32Array;
  weightCount: Int32Array;
  weightTarget: Int32Array;
  /** Leaf weights as given (float32 from `*_weights`, float64 from `*_weights_as_tensor`). */
  weights: Float64Array;
  /** Largest feature index any node reads. */
  maxFeature: number;
}

/** Reads and checks the node and leaf-weight attributes; `prefix` is "class" (classifier) or "target" (regressor). */
export function readForest(node: CompiledNode, a: AttrReader, prefix: "class" | "target", nTargets: number): Forest {
  const fail = (reason: string): never => {
    throw new UnsupportedNodeError(node, reason);
  };
  const treeIds = a.ints("nodes_treeids");
  const nodeIds = a.ints("nodes_nodeids");
  const featureIds = a.ints("nodes_featureids");
  const modes = a.strings("nodes_modes");
  const trueIds = a.ints("nodes_truenodeids");
  const falseIds = a.ints("nodes_falsenodeids");
  const missing = a.ints("nodes_missing_value_tracks_true");
  const values = a.has("nodes_values_as_tensor") ? a.tensor("nodes_values_as_tensor") : a.floats("nodes_values");
  const n = treeIds.length;
  for (const [name, list] of [
    ["nodes_nodeids", nodeIds],
    ["nodes_featureids", featureIds],
    ["nodes_modes", modes],
    ["nodes_truenodeids", trueIds],
    ["nodes_falsenodeids", falseIds],
    ["nodes_values", values],
  ] as const) {
    if (list.length !== n) fail(`${name} has ${list.length} entries, nodes_treeids has ${n}`);
  }
  if (n === 0) fail("the ensemble has no nodes");
  if (a.has("nodes_values") && a.has("nodes_values_as_tensor")) fail("both nodes_values and nodes_values_as_tensor are set");

  const forest: Forest = {
    feature: new Int32Array(n),
    mode: new Uint8Array(n),
    missingTrue: new Uint8Array(n),
    trueChild: new Int32Array(n),
    falseChild: new Int32Array(n),
    thresholds: Float64Array.from(values),
    roots: new Int32Array(0),
    weightStart: new Int32Array(n),
    weightCount: new Int32Array(n),
    weightTarget: new Int32Array(0),
    weights: new Float64Array(0),
    maxFeature: 0,
  };
  // (tree id, node id) → position; trees must be listed contiguously (ORT starts a new tree whenever the id changes).
  const index = new Map<string, number>();
  const roots: number[] = [];
  const seenTrees = new Set<number>();
  for (let i = 0; i < n; i++) {
    const key = `${treeIds[i]}:${nodeIds[i]}`;
    if (index.has(key)) fail(`node ${nodeIds[i]} of tree ${treeIds[i]} is listed twice`);
    index.set(key, i);
    if (i === 0 || treeIds[i] !== treeIds[i - 1]) {
      if (seenTrees.has(treeIds[i]!)) fail(`the nodes of tree ${treeIds[i]} are not listed contiguously`);
      seenTrees.add(treeIds[i]!);
      roots.push(i);
    }
    const mode = MODES[modes[i]!];
    if (mode === undefined) fail(`nodes_modes[${i}] is ${modes[i]}, not one of ${Object.keys(MODES).join(", ")}`);
    forest.mode[i] = mode!;
    forest.feature[i] = featureIds[i]!;
    forest.missingTrue[i] = missing[i] === 1 ? 1 : 0;
    if (mode !== LEAF) {
      if (featureIds[i]! < 0) fail(`node ${nodeIds[i]} of tree ${treeIds[i]} reads negative feature ${featureIds[i]}`);
      forest.maxFeature = Math.max(forest.maxFeature, featureIds[i]!);
    }
  }
  forest.roots = Int32Array.from(roots);
  for (let i = 0; i < n; i++) {
    if (forest.mode[i] === LEAF) continue;
    for (const [ids, out, side] of [
      [trueIds, forest.trueChild, "true"],
      [falseIds, forest.falseChild, "false"],
    ] as const) {
      const child = index.get(`${treeIds[i]}:${ids[i]}`);
      if (child === undefined) fail(`node ${nodeIds[i]} of tree ${treeIds[i]} has a ${side} child ${ids[i]} that does not exist`);
      if (child === i) fail(`node ${nodeIds[i]} of tree ${treeIds[i]} is its own ${side} child`);
      out[i] = child!;
    }
  }
  readLeafWeights(a, prefix, nTargets, forest, index, fail);
  return forest;
}

function readLeafWeights(
  a: AttrReader,
  prefix: "class" | "target",
  nTargets: number,
  forest: Forest,
  index: Map<string, number>,
  fail: (reason: string) => never,
): void {
  const treeIds = a.ints(`${prefix}_treeids`);
  const nodeIds = a.ints(`${prefix}_nodeids`);
  const targets = a.ints(`${prefix}_ids`);
  const tensorName = `${prefix}_weights_as_tensor`;
  const values = a.has(tensorName) ? a.tensor(tensorName) : a.floats(`${prefix}_weights`);
  if (nodeIds.length !== treeIds.length || targets.length !== treeIds.length || values.length !== treeIds.length) {
    fail(`${prefix}_treeids, ${prefix}_nodeids, ${prefix}_ids and the weights differ in length`);
  }
  // ORT sorts the weights by (tree, node), stable on the original order, and drops weights placed on branch nodes.
  const byLeaf: number[][] = Array.from({ length: forest.mode.length }, () => []);
  for (let w = 0; w < treeIds.length; w++) {
    const at = index.get(`${treeIds[w]}:${nodeIds[w]}`);
    if (at === undefined) fail(`a weight addresses node ${nodeIds[w]} of tree ${treeIds[w]}, which does not exist`);
    if (targets[w]! < 0 || targets[w]! >= nTargets) fail(`${prefix}_ids contains ${targets[w]}, outside [0, ${nTargets})`);
    if (forest.mode[at!] === LEAF) byLeaf[at!]!.push(w);
  }
  const order = byLeaf.flat();
  forest.weightTarget = Int32Array.from(order, (w) => targets[w]!);
  forest.weights = Float64Array.from(order, (w) => values[w]!);
  let start = 0;
  for (let i = 0; i < byLeaf.length; i++) {
    forest.weightStart[i] = start;
    forest.weightCount[i] = byLeaf[i]!.length;
    start += byLeaf[i]!.length;
  }
}

/**
 * nodes_missing_value_tracks_true as ORT applies it. ORT merges a chain of BRANCH_EQ nodes (same feature, same true
 * child, each the previous one's false child, thresholds integers in [1, 32] for float32 and [1, 64] for float64) into
 * one set-membership node that keeps only the first node's missing flag; so NaN falls through the rest of the chain
 * whatever their flags say. Equal to `missingTrue` with the flags of merged (non-first) chain nodes cleared.
 */
export function effectiveMissingTrue(f: Forest, thr: Float32Array | Float64Array, single: boolean): Uint8Array {
  const out = f.missingTrue.slice();
  if (!out.includes(1)) return out;
  const bits = single ? 32 : 64;
  const maskable = (i: number) => f.mode[i] === 4 && Number.isInteger(thr[i]) && thr[i]! >= 1 && thr[i]! <= bits;
  // Visit nodes in ORT's layout order (false branch first, then true), each once, as its AddNodes does.
  const seen = new Uint8Array(f.mode.length);
  const stack = Array.from(f.roots).reverse();
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (seen[i]) continue;
    seen[i] = 1;
    if (f.mode[i] === LEAF) continue;
    let falseNext = f.falseChild[i]!;
    if (maskable(i)) {
      while (maskable(falseNext) && f.feature[falseNext] === f.feature[i] && f.trueChild[falseNext] === f.trueChild[i]) {
        out[falseNext] = 0;
        seen[falseNext] = 1;
        falseNext = f.falseChild[falseNext]!;
      }
    }
    stack.push(f.trueChild[i]!, falseNext);
  }
  return out;
}

export type Walker = (x: Float32Array | Float64Array, base: number, root: number) => number;

/**
 * A function giving the leaf a row reaches from `root`: `x[base + feature]` against `thr`, NaN routed by `missingTrue`.
 * Ensembles whose branches all use BRANCH_LEQ or BRANCH_LT (sklearn, LightGBM, XGBoost) get a loop without the mode
 * switch, as ORT's same-mode fast path.
 */
export function createWalker(f: Forest, thr: Float32Array | Float64Array, missingTrue: Uint8Array): Walker {
  const { mode, feature, trueChild, falseChild } = f;
  const branchModes = new Set(Array.from(mode).filter((m) => m !== LEAF));
  const only = branchModes.size === 1 ? [...branchModes][0] : undefined;
  if (only === 0) {
    return (x, base, root) => {
      let i = root;
      while (mode[i] !== LEAF) {
        const v = x[base + feature[i]!]!;
        i = v <= thr[i]! || (missingTrue[i] === 1 && Number.isNaN(v)) ? trueChild[i]! : falseChild[i]!;
      }
      return i;
    };
  }
  if (only === 1) {
    return (x, base, root) => {
      let i = root;
      while (mode[i] !== LEAF) {
        const v = x[base + feature[i]!]!;
        i = v < thr[i]! || (missingTrue[i] === 1 && Number.isNaN(v)) ? trueChild[i]! : falseChild[i]!;
      }
      return i;
    };
  }
  return (x, base, root) => {
    let i = root;
    let m = mode[i]!;
    while (m !== LEAF) {
      const v = x[base + feature[i]!]!;
      const t = thr[i]!;
      let go: boolean;
      switch (m) {
        case 0:
          go = v <= t;
          break;
        case 1:
          go = v < t;
          break;
        case 2:
          go = v >= t;
          break;
        case 3:
          go = v > t;
          break;
        case 4:
          go = v === t;
          break;
        default:
          go = v !== t;
      }
      i = go || (missingTrue[i] === 1 && Number.isNaN(v)) ? trueChild[i]! : falseChild[i]!;
      m = mode[i]!;
    }
    return i;
  };
}
