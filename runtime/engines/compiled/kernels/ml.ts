/**
 * The ai.onnx.ml kernels of the compiled engine: tree ensembles (ml-tree-ensemble.ts). Each reproduces onnxruntime's CPU kernel, quirks included, and refuses
 * (UnsupportedNodeError) the attribute combinations where it could not.
 *
 * @example
 * ```ts
 * const run = ML_KERNELS[kernelKey("ai.onnx.ml", "TreeEnsembleClassifier")]!(node, ctx);
 * ```
 */
import { treeEnsembleClassifier, treeEnsembleRegressor } from "./ml-tree-ensemble.ts";
import { type KernelFactory, kernelKey } from "./types.ts";

const ml = (op: string) => kernelKey("ai.onnx.ml", op);

export const ML_KERNELS: Record<string, KernelFactory> = {
  [ml("TreeEnsembleClassifier")]: treeEnsembleClassifier,
  [ml("TreeEnsembleRegressor")]: treeEnsembleRegressor,
};
