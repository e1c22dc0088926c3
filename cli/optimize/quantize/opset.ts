/**
 * Opset and IR-version rules the quantized graph must keep: the lowest IR version each default-domain opset needs, and
 * whether a model's opset can be raised (int8-dynamic needs DynamicQuantizeLinear, opset 11) without changing what
 * any of its ops means.
 *
 * @example
 * ```ts
 * raiseBlockers(new Set([":MatMul", ":Clip"]), 9, 11); // [":Clip"] — Clip-11 takes min/max as inputs, not attributes
 * minIrVersion(21); // 10
 * ```
 */

/**
 * Default-domain ops whose definition did not change meaning from opset 9 to 11: unchanged, or only extended (negative
 * axes, optional inputs, more types) so that a node valid at 9 computes the same at 11. Anything else — Clip, Pad,
 * Slice, TopK, Resize, Upsample, MaxPool, AveragePool, Dropout, Scatter ... — blocks the raise.
 */
const SAME_FROM_9_TO_11 = new Set(
  (
    "Abs Acos Acosh Add And ArgMax ArgMin Asin Asinh Atan Atanh BatchNormalization Cast Ceil Concat Constant ConstantOfShape " +
    "Conv ConvTranspose Cos Cosh Div Elu Equal Erf Exp Expand Flatten Floor GRU Gather Gemm GlobalAveragePool GlobalMaxPool " +
    "Greater HardSigmoid Identity If InstanceNormalization IsNaN LRN LSTM LeakyRelu Less Log LogSoftmax Loop MatMul " +
    "MatMulInteger Max Mean Min Mul Neg Not Or PRelu Pow RNN Reciprocal ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp " +
    "ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum ReduceSumSquare Relu Reshape Scan Selu Shape Sigmoid Sign Sin Sinh " +
    "Size Softmax Softplus Softsign Sqrt Squeeze Sub Sum Tan Tanh Tile Transpose Unsqueeze Where Xor"
  ).split(" "),
);

/** The ops (as `domain:op`) that stop raising the default opset from `from` to `to`; empty when the raise is safe. */
export function raiseBlockers(ops: ReadonlySet<string>, from: number, to: number): string[] {
  if (from >= to) return [];
  if (from < 9 || to > 11) return [`raising opset ${from} → ${to} is not supported (only 9 or 10 → 11)`];
  return [...ops].filter((o) => o.startsWith(":") && !SAME_FROM_9_TO_11.has(o.slice(1))).map((o) => o.slice(1));
}

/** Lowest IR version that may carry a default-domain opset (onnx/helper.py VERSION_TABLE). */
export function minIrVersion(opset: number): number {
  if (opset <= 8) return 3;
  if (opset <= 11) return opset - 5;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}
