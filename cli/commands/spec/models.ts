/** Arguments of `edge-ml models add|list|show|alias`. */
import { defineSpec } from "../../terminal/spec.ts";

const json = { type: "boolean", description: "print JSON" } as const;

export const MODELS_ADD = defineSpec({
  args: {
    model: { type: "positional", description: "path to the .onnx file, or a TF.js model.json (or its folder, weight shards beside it)", required: true },
    name: { type: "string", description: "model name (lowercase, e.g. titanic)", required: true },
    version: { type: "string", description: "semantic version, e.g. 1.0.0", required: true },
    features: { type: "string", description: "feature schema JSON (tabular models)" },
    preprocess: { type: "string", description: "preprocessing JSON (tabular models)" },
    postprocess: { type: "string", description: "postprocessing JSON (sigmoid, softmax, threshold, labels, top_k...)" },
    params: { type: "string", description: "hyperparameters JSON, stored in the lineage" },
    data: { type: "string", description: "training data CSV (repeatable): hashed and counted into the lineage" },
    label: { type: "string", description: "label column in the data" },
    slice: { type: "string", description: "feature to slice metrics by (repeatable)" },
    task: { type: "string", description: "binary | multiclass | regression | tensor (inferred when omitted)" },
    description: { type: "string", description: "one line about the model" },
    samples: {
      type: "string",
      description: "recorded requests (JSON Lines, one KServe V2 body per line, optionally with outputs and labels), stored with the version for validate",
    },
    json: { type: "boolean", description: "print the new version's manifest and folder as JSON" },
  },
  repeatable: ["data", "slice"],
});

export const MODELS_LIST = defineSpec({ args: { json } });

export const MODELS_SHOW = defineSpec({
  args: {
    ref: { type: "positional", description: "name@version, name@alias or name", required: true },
    json: { type: "boolean", description: "print the manifest as JSON" },
  },
});

export const MODELS_ALIAS = defineSpec({
  args: {
    name: { type: "positional", required: true, description: "model name" },
    alias: { type: "positional", required: true, description: "alias, e.g. champion" },
    version: { type: "positional", required: true, description: "version, e.g. 1.0.0" },
    json,
  },
});
