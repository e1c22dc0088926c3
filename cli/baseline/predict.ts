/**
 * Run a tabular model on training rows with onnxruntime-node, through the same preprocessing and postprocessing the
 * edge runs, so the baseline's prediction distribution is the one the edge will be compared against. onnxruntime-node
 * is an optional peer: without it (or with `runtime: "wasm"`) the same rows run on onnxruntime-web's wasm build.
 *
 * @example
 * ```ts
 * const predictor = await createBatchPredictor(bytes, manifest.preprocessing, manifest.postprocessing, manifest.io.outputs);
 * const predictions = await predictor.predict(instances); // Prediction[]
 * await predictor.release();
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import { createPostprocessor, postprocessBatch } from "../../core/postprocess.ts";
import { createPreprocessor } from "../../core/preprocess.ts";
import { MEDIA_STEPS } from "../../core/preprocess-media.ts";
import type { TensorSpec } from "../../core/schema/manifest.ts";
import type { Postprocessing, Preprocessing } from "../../core/schema/preprocessing.ts";
import { importOrtNode, ortNodeMissing } from "./ort-node.ts";
import type { BatchPredictor } from "./batch-predictor.ts";
import { createWasmBatchPredictor } from "./predict-wasm.ts";

// In its own file so that predict-wasm.ts can name it without importing this module back.
export type { BatchPredictor } from "./batch-predictor.ts";

export async function createBatchPredictor(
  model: Uint8Array,
  preprocessing: Preprocessing,
  postprocessing: Postprocessing | undefined,
  outputs: readonly TensorSpec[],
  /** "auto": onnxruntime-node when installed, else wasm; "node": onnxruntime-node or a user error saying how to install it. */
  runtime: "auto" | "node" | "wasm" = "auto",
): Promise<BatchPredictor> {
  // Loaded here, not at the top: `edge-ml data profile` and tensor models never need the native addon.
  const ort = runtime === "wasm" ? undefined : await importOrtNode();
  if (ort === undefined) {
    if (runtime === "node") throw ortNodeMissing("running the model with --runtime node");
    return createWasmBatchPredictor(model, preprocessing, postprocessing, outputs);
  }
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const pre = createPreprocessor(preprocessing, MEDIA_STEPS);
  const post = createPostprocessor(postprocessing);
  const output = postprocessing?.output ?? outputs[0]?.name ?? "";
  return {
    async predict(instances) {
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
      for (const [name, t] of pre.transform(instances)) feeds[name] = new ort.Tensor(t.dtype, t.data, t.dims);
      // Fetch only the output postprocessing reads: classifiers often have a second, non-tensor output (ZipMap).
      const result = (await session.run(feeds, [output]))[output];
      if (result === undefined || typeof result.data[0] === "string") {
        throw new EdgeMlError("ERR_ENGINE", `the model's output "${output}" is missing or not numeric`);
      }
      return postprocessBatch(result.data as Float32Array, result.dims, post);
    },
    release: () => session.release(),
  };
}
