/**
 * A TF.js graph model's IO, from its `signature` (top level, or `userDefinedMetadata.signature` where converters put
 * it): TensorFlow dtypes mapped to edge-ml's (DT_FLOAT → float32), sizes -1 as the symbolic "batch" in front and
 * null elsewhere.
 *
 * @example
 * ```ts
 * graphModelIo(modelJson, "model.json").inputs; // [{ name: "input:0", dtype: "float32", shape: [1, 256, 256, 3] }]
 * ```
 */
import * as z from "zod";
import { EdgeMlError, issuesFromZod } from "../../core/errors.ts";
import type { Dim, Dtype, TensorSpec } from "../../core/schema/manifest.ts";

/** TensorFlow's DataType names (tensorflow/core/framework/types.proto) → edge-ml dtypes. */
const TF_DTYPES: Readonly<Record<string, Dtype>> = {
  DT_FLOAT: "float32",
  DT_DOUBLE: "float64",
  DT_HALF: "float16",
  DT_INT8: "int8",
  DT_UINT8: "uint8",
  DT_INT16: "int16",
  DT_UINT16: "uint16",
  DT_INT32: "int32",
  DT_UINT32: "uint32",
  DT_INT64: "int64",
  DT_UINT64: "uint64",
  DT_BOOL: "bool",
  DT_STRING: "string",
};

const TensorInfo = z.looseObject({
  name: z.string().optional(),
  dtype: z.string(),
  tensorShape: z
    .looseObject({ dim: z.array(z.looseObject({ size: z.union([z.string(), z.number()]).optional() })).optional(), unknownRank: z.boolean().optional() })
    .optional(),
});
const Signature = z.looseObject({ inputs: z.record(z.string(), TensorInfo), outputs: z.record(z.string(), TensorInfo) });

export function graphModelIo(
  model: { signature?: unknown; userDefinedMetadata?: { signature?: unknown } | undefined },
  file: string,
): { inputs: TensorSpec[]; outputs: TensorSpec[] } {
  const top = model.signature !== undefined && model.signature !== null;
  const where = top ? "signature" : "userDefinedMetadata.signature";
  const raw = top ? model.signature : model.userDefinedMetadata?.signature;
  if (raw === undefined || raw === null) {
    throw new EdgeMlError(
      "ERR_BAD_MODEL_FILE",
      `${file}: the graph model has no signature (neither signature nor userDefinedMetadata.signature), so its inputs and outputs are unknown`,
      {
        file,
        hint: "convert from a SavedModel with tensorflowjs_converter --input_format=tf_saved_model, which writes the signature",
      },
    );
  }
  const parsed = Signature.safeParse(raw);
  if (!parsed.success) {
    throw new EdgeMlError("ERR_BAD_MODEL_FILE", `${file}: ${where} is not a TF.js signature`, {
      file,
      issues: issuesFromZod(parsed.error.issues, where.split(".")),
      hint: 'a signature looks like {inputs: {"x:0": {name, dtype: "DT_FLOAT", tensorShape: {dim: [{size: "-1"}, ...]}}}, outputs: {...}}',
    });
  }
  const side = (kind: "inputs" | "outputs") =>
    Object.entries(parsed.data[kind]).map(([key, info]) => tensorSpec(key, info, `${where}.${kind}["${key}"]`, file));
  const inputs = side("inputs");
  const outputs = side("outputs");
  if (inputs.length === 0 || outputs.length === 0) {
    throw new EdgeMlError("ERR_BAD_MODEL_FILE", `${file}: ${where} lists no ${inputs.length === 0 ? "inputs" : "outputs"}`, {
      file,
      hint: "export the SavedModel with a serving signature that names its inputs and outputs",
    });
  }
  return { inputs, outputs };
}

function tensorSpec(key: string, info: z.output<typeof TensorInfo>, where: string, file: string): TensorSpec {
  const dtype = TF_DTYPES[info.dtype];
  if (dtype === undefined) {
    throw new EdgeMlError("ERR_BAD_MODEL_FILE", `${file}: ${where}.dtype is "${info.dtype}", not a tensor type edge-ml serves`, {
      file,
      hint: `expected one of ${Object.keys(TF_DTYPES).join(", ")}`,
    });
  }
  if (info.tensorShape?.unknownRank === true) {
    throw new EdgeMlError("ERR_BAD_MODEL_FILE", `${file}: ${where}.tensorShape has an unknown rank`, {
      file,
      hint: "give the SavedModel's signature a shape (at least its rank) before converting, e.g. tf.TensorSpec([None, 224, 224, 3])",
    });
  }
  const shape = (info.tensorShape?.dim ?? []).map((d, i): Dim => {
    const size = Number(d.size ?? -1);
    if (size >= 0) return size;
    return i === 0 ? "batch" : null;
  });
  return { name: info.name ?? key, dtype, shape };
}
