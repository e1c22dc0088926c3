/**
 * A raw tensor session for `validate` on samples: feeds in, every output out, on onnxruntime-web's WASM build (the
 * engine the edge serves: single-threaded, graph optimization "all" as runtime/engines/ort.ts sets it) or on
 * onnxruntime-node (the reference). No preprocessing: samples are already tensors.
 *
 * @example
 * ```ts
 * const session = await createTensorSession("wasm", bytes);
 * const outputs = await session.run(sample.feeds); // { y: { dtype: "float32", dims: [2, 3], data: Float32Array } }
 * await session.release();
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import type { Dtype } from "../../core/schema/manifest.ts";
import type { TypedArray } from "../../core/tensor-dtype.ts";
import { importOrtNode, ortNodeMissing } from "../baseline/ort-node.ts";
import type { SampleTensor } from "../registry/samples.ts";
import type { Runtime } from "./predictor.ts";

/** The part of onnxruntime's API used here (structural: both packages share onnxruntime-common's shapes). */
interface OrtTensor {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}
interface Ort {
  Tensor: new (type: Dtype, data: TypedArray, dims: readonly number[]) => OrtTensor;
  InferenceSession: {
    create(
      model: Uint8Array,
      options?: Record<string, unknown>,
    ): Promise<{ outputNames: readonly string[]; run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>; release(): Promise<void> }>;
  };
}

export interface TensorSession {
  readonly runtime: Runtime;
  run(feeds: Readonly<Record<string, SampleTensor>>): Promise<Record<string, SampleTensor>>;
  release(): Promise<void>;
}

async function loadOrt(runtime: Runtime, purpose: string): Promise<Ort> {
  if (runtime === "node") {
    const ort = await importOrtNode();
    if (ort === undefined) throw ortNodeMissing(purpose);
    return ort as unknown as Ort;
  }
  const web = (await import("onnxruntime-web")) as unknown as Ort & { env: { wasm: { numThreads?: number } } };
  web.env.wasm.numThreads = 1;
  return web;
}

/** `purpose` completes the error when onnxruntime-node is missing ("<purpose> needs onnxruntime-node, ..."). */
export async function createTensorSession(runtime: Runtime, bytes: Uint8Array, purpose = "validate --runtime node"): Promise<TensorSession> {
  const ort = await loadOrt(runtime, purpose);
  const options = runtime === "wasm" ? { executionProviders: ["wasm"], graphOptimizationLevel: "all" } : { intraOpNumThreads: 1 };
  const session = await ort.InferenceSession.create(bytes, options);
  return {
    runtime,
    async run(feeds) {
      const input: Record<string, OrtTensor> = {};
      for (const [name, t] of Object.entries(feeds)) input[name] = new ort.Tensor(t.dtype, t.data, t.dims);
      const result = await session.run(input);
      const out: Record<string, SampleTensor> = {};
      for (const name of session.outputNames) {
        const t = result[name];
        if (t === undefined || Array.isArray(t.data) || !ArrayBuffer.isView(t.data)) {
          throw new EdgeMlError("ERR_ENGINE", `the model's output "${name}" is missing or not a numeric tensor (${runtime})`);
        }
        out[name] = { dtype: t.type as Dtype, dims: [...t.dims], data: t.data as TypedArray };
      }
      return out;
    },
    release: () => session.release(),
  };
}
