/**
 * The ai.onnx.ml kernels of the compiled engine: tree ensembles (ml-tree-ensemble.ts), linear models (ml-linear.ts),
 * Normalizer and ZipMap (ml-normalizer.ts). Each reproduces onnxruntime's CPU kernel, quirks included, and refuses
 * (UnsupportedNodeError) the attribute combinations where it could not.
 *
 * @example
 * ```ts
 * const run = ML_KERNELS[kernelKey("ai.onnx.ml", "TreeEnsembleClassifier")]!(node, ctx);
 * ```
 */
import { linearClassifier, linearRegressor } from "./ml-linear.ts";
import { normalizer, zipMap } from "./ml-normalizer.ts";
import { treeEnsembleClassifier, treeEnsembleRegressor } from "./ml-tree-ensemble.ts";
import { type KernelFactory, kernelKey } from "./types.ts";

const ml = (op: string) => kernelKey("ai.onnx.ml", op);

export const ML_KERNELS: Record<string, KernelFactory> = {
  [ml("TreeEnsembleClassifier")]: treeEnsembleClassifier,
  [ml("TreeEnsembleRegressor")]: treeEnsembleRegressor,
  [ml("LinearClassifier")]: linearClassifier,
  [ml("LinearRegressor")]: linearRegressor,
  [ml("Normalizer")]: normalizer,
  [ml("ZipMap")]: zipMap,
};
