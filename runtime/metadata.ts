/** KServe V2 model metadata (`GET /v2/models/<name>`) from the manifest. */
import type { Manifest, TensorSpec } from "../core/schema/manifest.ts";

const V2: Record<string, string> = {
  float32: "FP32",
  float64: "FP64",
  float16: "FP16",
  int8: "INT8",
  uint8: "UINT8",
  int16: "INT16",
  uint16: "UINT16",
  int32: "INT32",
  uint32: "UINT32",
  int64: "INT64",
  uint64: "UINT64",
  bool: "BOOL",
  string: "BYTES",
};
const v2Datatype = (dtype: string): string => V2[dtype] ?? dtype.toUpperCase();

const tensor = (t: TensorSpec) => ({ name: t.name, datatype: v2Datatype(t.dtype), shape: t.shape.map((d) => (typeof d === "number" ? d : -1)) });

export function modelMetadata(manifest: Manifest) {
  return {
    name: manifest.name,
    versions: [manifest.version],
    // KServe names ONNX models' platform; TF.js has no name there, so edge-ml says what it is.
    platform: manifest.artifact.format === "tfjs" ? "tensorflowjs" : "onnxruntime_onnx",
    inputs: manifest.io.inputs.map(tensor),
    outputs: manifest.io.outputs.map(tensor),
    task: manifest.task,
    features: manifest.features ?? null,
    sha256: manifest.artifact.sha256,
  };
}
