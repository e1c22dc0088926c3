/**
 * ai.onnx.ml LinearClassifier and LinearRegressor, as onnxruntime computes them (`linearclassifier.cc`,
 * `linearregressor.cc`): scores = X · coefficientsᵀ + intercepts in float32, then the post transform of
 * `batched_update_scores_inplace`. Its single-score rules are kept exactly:
 *
 * - LinearRegressor with one target: only PROBIT is applied; LOGISTIC, SOFTMAX and SOFTMAX_ZERO leave it raw;
 * - LinearClassifier with one coefficient row (ORT 1.30 then requires exactly two labels) writes [1 - p, p] where p is
 *   logistic(s) for LOGISTIC and the raw s otherwise (SOFTMAX too), refuses PROBIT, and labels a row classlabels[1]
 *   when s > 0;
 * - `multi_class` is read by ORT but changes nothing.
 *
 * @example
 * ```ts
 * const [label, scores] = linearClassifier(node, ctx)([x]);
 * ```
 */
import type { Tensor } from "../format.ts";
import { createAttrReader, firstInput, logistic, POST, parsePostTransform, probit, rowsAndFeatures, toFloat32, transformRow } from "./ml-common.ts";
import { type KernelFactory, UnsupportedNodeError } from "./types.ts";

const f32 = Math.fround;

/** out[r, t] = f32(x[r] · coef[t] + intercept[t]) for every row r and target t. */
function gemm(x: Float32Array, rows: number, features: number, coef: Float32Array, targets: number, intercepts: Float32Array | undefined): Float32Array {
  const out = new Float32Array(rows * targets);
  for (let r = 0; r < rows; r++) {
    const xo = r * features;
    for (let t = 0; t < targets; t++) {
      const co = t * features;
      let acc = intercepts ? intercepts[t]! : 0;
      for (let j = 0; j < features; j++) acc += x[xo + j]! * coef[co + j]!;
      out[r * targets + t] = acc;
    }
  }
  return out;
}

/** LinearClassifier → label int64|string [N], scores float32 [N, classes] ([N, 2] for one row of coefficients and two labels). */
export const linearClassifier: KernelFactory = (node, ctx) => {
  const a = createAttrReader(node, ctx);
  const coefficients = Float32Array.from(a.floats("coefficients"));
  const intercepts = Float32Array.from(a.floats("intercepts"));
  const ints = a.ints("classlabels_ints");
  const strings = a.strings("classlabels_strings");
  const post = parsePostTransform(node, a.string("post_transform", "NONE"));
  const classes = intercepts.length;
  if (classes === 0) throw new UnsupportedNodeError(node, "no intercepts: onnxruntime takes the number of classes from intercepts");
  if (coefficients.length === 0 || coefficients.length % classes !== 0) {
    throw new UnsupportedNodeError(node, `${coefficients.length} coefficients do not split into ${classes} rows`);
  }
  const useStrings = strings.length > 0;
  const nLabels = useStrings ? strings.length : ints.length;
  if (classes > 1 && nLabels < classes) throw new UnsupportedNodeError(node, `${classes} score columns but ${nLabels} class labels`);
  // ORT 1.30 refuses one coefficient row unless there are exactly two labels.
  if (classes === 1 && nLabels !== 2) throw new UnsupportedNodeError(node, `one coefficient row needs exactly 2 class labels, got ${nLabels}`);
  const addSecond = classes === 1;
  if (addSecond && post === POST.PROBIT) {
    throw new UnsupportedNodeError(node, "PROBIT with one coefficient row and two labels: onnxruntime leaves half the scores unwritten");
  }
  const features = coefficients.length / classes;
  const intLabels = BigInt64Array.from(ints, BigInt);

  return (inputs) => {
    const xt = firstInput(node, inputs);
    const { rows, features: f } = rowsAndFeatures(node, xt);
    if (f !== features) throw new Error(`LinearClassifier (node ${node.name}): input has ${f} features, the coefficients ${features}`);
    const raw = gemm(toFloat32(node, xt), rows, features, coefficients, classes, intercepts);
    const best = new Int32Array(rows);
    if (classes === 1) {
      for (let r = 0; r < rows; r++) best[r] = raw[r]! > 0 ? 1 : 0;
    } else {
      for (let r = 0; r < rows; r++) {
        let k = 0;
        for (let j = 1; j < classes; j++) if (raw[r * classes + j]! > raw[r * classes + k]!) k = j;
        best[r] = k;
      }
    }
    const label: Tensor = useStrings
      ? { dtype: "string", data: Array.from(best, (k) => strings[k]!), dims: [rows] }
      : { dtype: "int64", data: BigInt64Array.from(best, (k) => intLabels[k]!), dims: [rows] };
    let scores = raw;
    if (classes > 1) {
      for (let r = 0; r < rows; r++) transformRow(raw, r * classes, classes, post);
    } else if (addSecond) {
      scores = new Float32Array(rows * 2);
      for (let r = 0; r < rows; r++) {
        const p = post === POST.LOGISTIC ? logistic(raw[r]!) : raw[r]!;
        scores[r * 2] = f32(1 - p);
        scores[r * 2 + 1] = p;
      }
    }
    return [label, { dtype: "float32", data: scores, dims: [rows, addSecond ? 2 : classes] }];
  };
};

/** LinearRegressor → Y float32 [N, targets]; onnxruntime accepts only float32 input here. */
export const linearRegressor: KernelFactory = (node, ctx) => {
  const a = createAttrReader(node, ctx);
  const targets = a.int("targets", 0);
  if (!a.has("targets") || targets < 1) throw new UnsupportedNodeError(node, "the targets attribute must be set to at least 1");
  const coefficients = Float32Array.from(a.floats("coefficients"));
  if (coefficients.length === 0 || coefficients.length % targets !== 0) {
    throw new UnsupportedNodeError(node, `${coefficients.length} coefficients do not split into ${targets} targets`);
  }
  const interceptList = a.floats("intercepts");
  // ORT uses the intercepts only when there is exactly one per target.
  const intercepts = interceptList.length === targets ? Float32Array.from(interceptList) : undefined;
  const post = parsePostTransform(node, a.string("post_transform", "NONE"));
  const features = coefficients.length / targets;

  return (inputs) => {
    const xt = firstInput(node, inputs);
    if (!(xt.data instanceof Float32Array)) throw new Error(`LinearRegressor (node ${node.name}): input must be float32, got ${xt.dtype}`);
    const { rows, features: f } = rowsAndFeatures(node, xt);
    if (f !== features) throw new Error(`LinearRegressor (node ${node.name}): input has ${f} features, the coefficients ${features}`);
    const out = gemm(xt.data, rows, features, coefficients, targets, intercepts);
    if (targets > 1) for (let r = 0; r < rows; r++) transformRow(out, r * targets, targets, post);
    else if (post === POST.PROBIT) for (let r = 0; r < rows; r++) out[r] = probit(out[r]!);
    return [{ dtype: "float32", data: out, dims: [rows, targets] }];
  };
};
