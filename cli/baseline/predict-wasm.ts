/**
 * A batch predictor on onnxruntime-web's WASM build in Node: the engine the edge runs, single-threaded as on Workers.
 * Used by `validate --runtime wasm`, and by the baseline when onnxruntime-node (an optional peer) is not installed.
 *
 * @example
 * ```ts
 * const predictor = await createWasmBatchPredictor(bytes, manifest.preprocessing, manifest.postprocessing, manifest.io.outputs);
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import { createPostprocessor, postprocessBatch } from "../../core/postprocess.ts";
import { createPreprocessor } from "../../core/preprocess.ts";
import { MEDIA_STEPS } from "../../core/preprocess-media.ts";
import type { TensorSpec } from "../../core/schema/manifest.ts";
import type { Postprocessing, Preprocessing } from "../../core/schema/preprocessing.ts";
import type { BatchPredictor } from "./batch-predictor.ts";

/** The part of onnxruntime-web's API used here (structural: its types come from onnxruntime-common). */
interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
interface OrtWeb {
  env: { wasm: { numThreads?: number } };
  Tensor: new (
    type: "float32" | "float64" | "int64" | "int32",
    data: Float32Array | Float64Array | BigInt64Array | Int32Array,
    dims: readonly number[],
  ) => OrtTensor;
  InferenceSession: {
    create(
      model: Uint8Array,
      options?: { executionProviders?: string[] },
    ): Promise<{
      run(feeds: Record<string, OrtTensor>, fetches: string[]): Promise<Record<string, OrtTensor>>;
      release(): Promise<void>;
    }>;
  };
}

export async function createWasmBatchPredictor(
  bytes: Uint8Array,
  preprocessing: Preprocessing,
  postprocessing: Postprocessing | undefined,
  outputs: readonly TensorSpec[],
): Promise<BatchPredictor> {
  // Loaded on demand: its Node build finds its .wasm beside itself; numThreads = 1 as on Workers (and no worker threads).
  const ort = (await import("onnxruntime-web")) as unknown as OrtWeb;
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
  const pre = createPreprocessor(preprocessing, MEDIA_STEPS);
  const post = createPostprocessor(postprocessing);
  const output = postprocessing?.output ?? outputs[0]?.name ?? "";
  return {
    async predict(instances) {
      const feeds: Record<string, OrtTensor> = {};
      for (const [name, t] of pre.transform(instances)) feeds[name] = new ort.Tensor(t.dtype, t.data, t.dims);
      const result = (await session.run(feeds, [output]))[output];
      if (result === undefined || !(result.data instanceof Float32Array || result.data instanceof Float64Array)) {
        throw new EdgeMlError("ERR_ENGINE", `the model's output "${output}" is missing or not a float tensor`);
      }
      return postprocessBatch(result.data, result.dims, post);
    },
    release: () => session.release(),
  };
}
