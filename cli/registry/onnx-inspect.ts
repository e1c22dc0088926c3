/**
 * Reads what the registry needs from an ONNX file without running it: graph inputs (minus initializers) and outputs
 * with dtypes and shapes (fixed, symbolic, or unnamed dims), opsets and producer.
 *
 * @example
 * ```ts
 * const info = inspectOnnx(readFileSync("model.onnx"), "model.onnx");
 * info.inputs[0]; // { name: "features", dtype: "float32", shape: ["batch", 9] }
 * ```
 */
import onnxProto from "onnx-proto";
import type { TensorSpec } from "../../core/schema/manifest.ts";
import { EdgeMlError } from "../../core/errors.ts";
import { ONNX_DTYPES } from "../../core/tensor-dtype.ts";

const { onnx } = onnxProto;

export interface OnnxInfo {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  opsets: { domain: string; version: number }[];
  producer: string | undefined;
  irVersion: number;
}

export function inspectOnnx(bytes: Uint8Array, file: string): OnnxInfo {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (cause) {
    throw new EdgeMlError("ERR_BAD_MODEL_FILE", `${file} is not a readable ONNX model: ${(cause as Error).message}`, {
      file,
      hint: "pass the .onnx file your exporter wrote (torch.onnx.export, skl2onnx, tf2onnx ...)",
      cause,
    });
  }
  const graph = model.graph;
  if (!graph || (graph.output ?? []).length === 0) {
    throw new EdgeMlError("ERR_BAD_MODEL_FILE", `${file} has no graph outputs: it is not an ONNX model`, {
      file,
      hint: "check that the file is a complete .onnx export (not a checkpoint or a truncated download)",
    });
  }
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? "")).map((v, i) => tensorSpec(v, `graph.input[${i}]`, file));
  const outputs = (graph.output ?? []).map((v, i) => tensorSpec(v, `graph.output[${i}]`, file));
  return {
    inputs,
    outputs,
    opsets: (model.opsetImport ?? []).map((o) => ({ domain: o.domain ?? "", version: Number(o.version ?? 0) })),
    producer: model.producerName ? `${model.producerName} ${model.producerVersion ?? ""}`.trim() : undefined,
    irVersion: Number(model.irVersion ?? 0),
  };
}

function tensorSpec(v: onnxProto.onnx.IValueInfoProto, where: string, file: string): TensorSpec {
  const tensor = v.type?.tensorType;
  const dtype = tensor ? ONNX_DTYPES[tensor.elemType ?? 0] : undefined;
  if (!tensor || !dtype) {
    throw new EdgeMlError("ERR_BAD_MODEL_FILE", `${file}: ${where} "${v.name}" is not a tensor of a supported element type`, {
      file,
      hint: "edge-ml serves models whose inputs and outputs are tensors (not sequences or maps); export with tensor outputs (e.g. skl2onnx zipmap=False)",
    });
  }
  const shape = (tensor.shape?.dim ?? []).map((d) => {
    if (d.dimParam) return d.dimParam;
    if (d.dimValue !== null && d.dimValue !== undefined && Number(d.dimValue) > 0) return Number(d.dimValue);
    return null;
  });
  return { name: v.name ?? "", dtype, shape };
}
