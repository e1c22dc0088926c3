/**
 * Reads what the registry needs from a TF.js model without running it: the model.json's kind (graph or layers model),
 * its IO (a graph model's `signature`, a layers model's Keras topology), and its weight shards, each read from beside
 * the model.json and held to the bytes the weight specs declare.
 *
 * @example
 * ```ts
 * const info = inspectTfjs("test/fixtures/tfjs/blazeface"); // a folder with model.json, or the model.json itself
 * info.inputs[0];  // { name: "input:0", dtype: "float32", shape: [1, 256, 256, 3] }
 * info.shards[0];  // { file: "blazeface.bin", bytes: Uint8Array(538928) }
 * ```
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import * as z from "zod";
import { EdgeMlError, formatPath, issuesFromZod } from "../../core/errors.ts";
import type { TensorSpec } from "../../core/schema/manifest.ts";
import { tfjsWeightBytes } from "../../core/tfjs-artifact.ts";
import { graphModelIo } from "./tfjs-graph-io.ts";
import { layersModelIo } from "./tfjs-layers-io.ts";

const WeightSpec = z.looseObject({
  name: z.string(),
  shape: z.array(z.int().nonnegative()),
  dtype: z.string(),
  quantization: z.looseObject({ dtype: z.string() }).optional(),
});

const ModelJson = z.looseObject({
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(z.looseObject({ paths: z.array(z.string()).min(1), weights: z.array(WeightSpec) })),
  signature: z.unknown().optional(),
  userDefinedMetadata: z.looseObject({ signature: z.unknown().optional() }).optional(),
});
export type ModelJson = z.output<typeof ModelJson>;

export interface TfjsInfo {
  /** The model.json as read (stored unchanged, so its sha256 is the source's). */
  json: Uint8Array;
  /** Where the model.json was read from (for messages). */
  path: string;
  modelFormat: "graph-model" | "layers-model";
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  producer: string | undefined;
  /** Every file of `weightsManifest[].paths`, in order, with its bytes. */
  shards: { file: string; bytes: Uint8Array }[];
  weightBytes: number;
}

/** True when `path` names a TF.js model: a folder, or a `.json` file (anything else is taken for ONNX). */
export function isTfjsPath(path: string): boolean {
  return path.endsWith(".json") || (existsSync(path) && statSync(path).isDirectory());
}

const badModel = (file: string, message: string, hint: string, issues?: { path: string; message: string }[]) =>
  new EdgeMlError("ERR_BAD_MODEL_FILE", `${file}: ${message}`, { file, hint, ...(issues ? { issues } : {}) });

const CONVERT_HINT = "pass the model.json that tensorflowjs_converter wrote (a graph model or a Keras layers model), with its weight files beside it";

function readModelJson(path: string): { file: string; bytes: Uint8Array; json: unknown } {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "model.json") : path;
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new EdgeMlError("ERR_USAGE", `${file} does not exist or is not a file`, {
      hint: file === path ? "pass a TF.js model.json or the folder that holds it" : `the folder ${path} has no model.json; pass the model's .json file itself`,
    });
  }
  const bytes = readFileSync(file);
  try {
    return { file, bytes, json: JSON.parse(bytes.toString("utf8")) };
  } catch (cause) {
    throw badModel(file, `is not JSON: ${(cause as Error).message}`, CONVERT_HINT);
  }
}

/** A shard path must stay inside the model's folder: the registry copies it to the same place beside model.json. */
function shardFile(path: string, file: string, where: string): string {
  const clean = normalize(path).replaceAll("\\", "/");
  if (/^[a-z]+:/i.test(path) || clean.startsWith("/") || clean.startsWith("../") || clean === "..") {
    throw badModel(
      file,
      `${where} is "${path}", which is not a file beside the model.json`,
      "weight paths are relative to the model.json, e.g. group1-shard1of1.bin",
    );
  }
  return clean;
}

/** Read a TF.js model (a model.json, or a folder holding one) and its shards; refuses anything it cannot verify. */
export function inspectTfjs(path: string): TfjsInfo {
  const { file, bytes, json } = readModelJson(path);
  if (typeof json !== "object" || json === null || !("modelTopology" in json)) {
    throw badModel(file, "has no modelTopology: it is not a TF.js model.json", CONVERT_HINT);
  }
  const parsed = ModelJson.safeParse(json);
  if (!parsed.success) throw badModel(file, "is not a TF.js model.json this edge-ml can read", CONVERT_HINT, issuesFromZod(parsed.error.issues));
  const model = parsed.data;
  const modelFormat = modelFormatOf(model, file);
  const io = modelFormat === "graph-model" ? graphModelIo(model, file) : layersModelIo(model.modelTopology, file);

  const shards: TfjsInfo["shards"] = [];
  let weightBytes = 0;
  model.weightsManifest.forEach((group, g) => {
    let declared = 0;
    group.weights.forEach((spec, w) => {
      const size = tfjsWeightBytes(spec);
      if (typeof size !== "number") {
        const where = formatPath(["weightsManifest", g, "weights", w, ...size.field.split(".")]);
        throw badModel(
          file,
          `${where} (weight "${spec.name}"): ${size.message}`,
          "re-convert the model with tensorflowjs_converter (quantization: uint8, uint16 or float16)",
        );
      }
      declared += size;
    });
    let actual = 0;
    const groupFiles = group.paths.map((p, i) => {
      const name = shardFile(p, file, formatPath(["weightsManifest", g, "paths", i]));
      const shardPath = join(dirname(file), name);
      if (!existsSync(shardPath) || !statSync(shardPath).isFile()) {
        throw badModel(
          file,
          `weightsManifest[${g}].paths[${i}] names ${name}, which is missing (looked for ${shardPath})`,
          "copy every weight file the model.json lists into its folder",
        );
      }
      const shard = readFileSync(shardPath);
      actual += shard.byteLength;
      shards.push({ file: name, bytes: shard });
      return `${name} (${shard.byteLength} bytes)`;
    });
    if (actual !== declared) {
      throw badModel(
        file,
        `weightsManifest[${g}] declares ${declared} bytes of weights (${group.weights.length} weights), but ${groupFiles.join(" + ")} hold ${actual}`,
        actual < declared
          ? "a weight file is truncated: copy it again from the model's source"
          : "a weight file does not belong to this model.json: copy the matching files",
      );
    }
    weightBytes += declared;
  });
  const producer = [model.generatedBy, model.convertedBy].filter((s): s is string => typeof s === "string" && s !== "").join("; ");
  return { json: bytes, path: file, modelFormat, ...io, producer: producer || undefined, shards, weightBytes };
}

function modelFormatOf(model: ModelJson, file: string): TfjsInfo["modelFormat"] {
  if (model.format === "graph-model" || model.format === "layers-model") return model.format;
  if (model.format !== undefined) {
    throw badModel(file, `format is "${model.format}", not "graph-model" or "layers-model"`, CONVERT_HINT);
  }
  // Older converters wrote no `format`: a layers model's topology is a Keras model config, a graph model's a GraphDef.
  return "node" in model.modelTopology ? "graph-model" : "layers-model";
}
