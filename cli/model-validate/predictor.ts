/**
 * The model runner of `edge-ml validate`: onnxruntime-node (the default; native, fast; an optional peer dependency,
 * so a missing one is a user error that says how to install it) or onnxruntime-web's WASM
 * build in Node (`--runtime wasm`: the engine the edge runs, single-threaded as on Workers). Either way instances go
 * through the same core preprocessing and postprocessing the edge uses, so the metrics describe what the edge serves.
 *
 * @example
 * ```ts
 * const predictor = await createValidationPredictor("wasm", bytes, manifest);
 * const predictions = await predictor.predict(instances);
 * await predictor.release();
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { createBatchPredictor, type BatchPredictor } from "../baseline/predict.ts";

export const RUNTIMES = ["node", "wasm"] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** A predictor for a tabular model version on the chosen runtime. */
export async function createValidationPredictor(runtime: Runtime, bytes: Uint8Array, manifest: Manifest): Promise<BatchPredictor> {
  if (manifest.preprocessing === undefined) {
    throw new EdgeMlError("ERR_USAGE", `${manifest.name}@${manifest.version} has no preprocessing: only tabular models can be validated on a CSV`, {
      hint: "register the model with --features and --preprocess (see `npx edge-ml models add --help`)",
    });
  }
  return createBatchPredictor(bytes, manifest.preprocessing, manifest.postprocessing, manifest.io.outputs, runtime);
}
