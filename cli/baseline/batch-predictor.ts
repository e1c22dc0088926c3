/** What both batch predictors (onnxruntime-node in predict.ts, onnxruntime-web in predict-wasm.ts) return. */
import type { Prediction } from "../../core/postprocess.ts";
import type { Instance } from "../../core/schema/features.ts";

export interface BatchPredictor {
  predict(instances: readonly Instance[]): Promise<Prediction[]>;
  release(): Promise<void>;
}
