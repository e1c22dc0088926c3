/**
 * The model runner of `edge-ml validate`: onnxruntime-node (the default; native, fast) or onnxruntime-web's WASM
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
import { createPostprocessor, postprocessBatch } from "../../core/postprocess.ts";
import { createPreprocessor } from "../../core/preprocess.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { createBatchPredictor, type BatchPredictor } from "../baseline/predict.ts";

export const RUNTIMES = ["node", "wasm"] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** The part of onnxruntime-web's API used here (structural: its types come from onnxruntime-common). */
interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
interface OrtWeb {
  env: { wasm: { numThreads?: number } };
  Tensor: new (type: "float32" | "float64", data: Float32Array | Float64Array, dims: readonly number[]) => OrtTensor;
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

async function createWasmPredictor(bytes: Uint8Array, manifest: Manifest): Promise<BatchPredictor> {
  // Loaded on demand: its Node build finds its .wasm beside itself; numThreads = 1 as on Workers (and no worker threads).
  const ort = (await import("onnxruntime-web")) as unknown as OrtWeb;
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
  const pre = createPreprocessor(manifest.preprocessing as NonNullable<Manifest["preprocessing"]>);
  const post = createPostprocessor(manifest.postprocessing);
  const output = manifest.postprocessing?.output ?? manifest.io.outputs[0]?.name ?? "";
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

/** A predictor for a tabular model version on the chosen runtime. */
export async function createValidationPredictor(runtime: Runtime, bytes: Uint8Array, manifest: Manifest): Promise<BatchPredictor> {
  if (manifest.preprocessing === undefined) {
    throw new EdgeMlError("ERR_USAGE", `${manifest.name}@${manifest.version} has no preprocessing: only tabular models can be validated on a CSV`, {
      hint: "register the model with --features and --preprocess (see `npx edge-ml models add --help`)",
    });
  }
  if (runtime === "wasm") return createWasmPredictor(bytes, manifest);
  return createBatchPredictor(bytes, manifest.preprocessing, manifest.postprocessing, manifest.io.outputs);
}
