/**
 * The engine contract: a small interface every inference backend implements (onnxruntime-web on WASM or WebGPU,
 * onnxruntime-node, TF.js later). The predictor only talks to this.
 */
import type { Dtype } from "../../core/schema/manifest.ts";
import type { TypedArray } from "../../core/tensor-dtype.ts";

export type { TypedArray };

export interface TensorData {
  dtype: Dtype;
  data: TypedArray | string[];
  dims: readonly number[];
}

export interface EngineSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Run the model. Runs on one session are serialized (single-threaded WASM). */
  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

/** What an engine may tune for this model (see core/session-hints.ts). */
export interface SessionHints {
  /** Weight-only int8: fold each constant weight's DequantizeLinear into a float weight when the session is created. */
  foldWeightDequantize?: boolean;
}

export interface Engine {
  /** e.g. "ort-wasm", "ort-webgpu", "ort-node" */
  readonly name: string;
  createSession(model: Uint8Array, hints?: SessionHints): Promise<EngineSession>;
}
