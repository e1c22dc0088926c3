/**
 * How onnxruntime turns a TreeEnsembleClassifier row's class scores into a label and probabilities
 * (`TreeAggregatorClassifier::FinalizeScores` and `write_scores`), kept apart from the tree walk because the two-class
 * rules are intricate and must be reproduced exactly:
 *
 * - "binary case" (2 classes, every weight for one class): the label is class 1 when the addressed score is > 0.5
 *   (all weights >= 0) or > 0 (some negative), and one score expands to [1 - s, s], or to
 *   [logistic(-s), logistic(s)] / [-s, s] for mixed-sign weights (other transforms are then ignored);
 * - two classes with weights for both: the label is 1 when the class-1 score is > 0, else 0: the raw numbers 1 and 0,
 *   not classlabels_int64s (string labels index their list);
 * - two base values with a class-1 score: class 1 becomes base[1] + (class-0 score) and class 0 its negation.
 *
 * Scores a row never touched count as 0 when written (ORT's `has_score`).
 *
 * @example
 * ```ts
 * const label = finishBinary(setup, scores, has, base, true, probabilities, row * 2); // an index, or a raw bigint
 * ```
 */
import type { CompiledNode } from "../format.ts";
import { logistic, POST, type PostTransform, transformRow } from "./ml-common.ts";

const f32 = Math.fround;

export interface ClassifierSetup {
  nClasses: number;
  post: PostTransform;
  binaryCase: boolean;
  allPositive: boolean;
  intLabels: BigInt64Array;
}

/** Three or more classes: base values, argmax over scored classes (first wins ties), transform. Returns the label index. */
export function finishMulticlass(
  node: CompiledNode,
  s: ClassifierSetup,
  scores: Float64Array,
  has: Uint8Array,
  base: Float32Array | Float64Array,
  single: boolean,
  out: Float32Array,
  o: number,
): number {
  for (let k = 0; k < base.length; k++) {
    scores[k] = has[k] ? (single ? f32(scores[k]! + base[k]!) : scores[k]! + base[k]!) : base[k]!;
    has[k] = 1;
  }
  let best = -1;
  let bestScore = 0;
  for (let k = 0; k < s.nClasses; k++) {
    if (has[k] && (best === -1 || scores[k]! > bestScore)) {
      best = k;
      bestScore = scores[k]!;
    }
    out[o + k] = has[k] ? scores[k]! : 0;
  }
  if (best === -1) throw new Error(`${node.op} (node ${node.name}): no tree gave any class a score for a row, and there are no base values`);
  transformRow(out, o, s.nClasses, s.post);
  return best;
}

/** Two classes. Returns the label: an index into the class labels, or (weights for both classes) the raw 0n/1n. */
export function finishBinary(
  s: ClassifierSetup,
  scores: Float64Array,
  has: Uint8Array,
  base: Float32Array | Float64Array,
  single: boolean,
  out: Float32Array,
  o: number,
): number | bigint {
  const round = single ? f32 : (v: number) => v;
  let s0 = scores[0]!;
  let s1 = scores[1]!;
  const has0 = has[0]!;
  const has1 = has[1]!;
  let size = 2;
  let add = -1;
  if (base.length === 2) {
    if (has1) {
      s1 = round(base[1]! + s0);
      s0 = -s1;
    } else {
      s1 = round(s1 + base[1]!);
      s0 = round(s0 + base[0]!);
    }
  } else if (base.length === 1) {
    s0 = round(s0 + base[0]!);
    if (!has1) size = 1;
  } else {
    add = 3;
    if (!has1) size = 1;
  }
  const pos = size === 2 && has1 ? s1 : has0 ? s0 : 0;
  let label: number | bigint;
  if (s.binaryCase) {
    if (s.allPositive) {
      add = pos > 0.5 ? 0 : 1;
      label = pos > 0.5 ? 1 : 0;
    } else {
      add = pos > 0 ? 2 : 3;
      label = pos > 0 ? 1 : 0;
    }
  } else {
    label = pos > 0 ? 1 : 0;
    if (s.intLabels.length > 0) label = BigInt(label);
  }
  const e0 = has0 ? s0 : 0;
  if (size === 2) {
    out[o] = e0;
    out[o + 1] = has1 ? s1 : 0;
    transformRow(out, o, 2, s.post);
  } else if (add === 0 || add === 1) {
    out[o] = round(1 - e0);
    out[o + 1] = e0;
  } else if (s.post === POST.LOGISTIC) {
    out[o] = logistic(f32(-e0));
    out[o + 1] = logistic(f32(e0));
  } else {
    // add is 2 or 3 here; checkBinaryWritesBoth refused the models that would reach ORT's other branches.
    out[o] = -e0;
    out[o + 1] = e0;
  }
  return label;
}
