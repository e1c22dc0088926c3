/** Arguments of `edge-ml validate` (model validation). */
import { DEFAULT_RESAMPLES, DEFAULT_SEED } from "../../../core/metrics/bootstrap.ts";
import { defineSpec } from "../../terminal/spec.ts";

export const VALIDATE = defineSpec({
  args: {
    ref: { type: "positional", required: true, description: "name@version (or name@alias)" },
    data: { type: "string", required: true, description: "evaluation CSV with the features and the label" },
    label: { type: "string", description: "label column (default: the model's label)" },
    slice: { type: "string", description: "column to compute metrics per value of (repeatable; default: the model's slices)" },
    runtime: { type: "string", default: "node", description: "inference runtime: node | wasm (wasm = onnxruntime-web, as on the edge)" },
    report: { type: "string", description: "write a self-contained HTML report to this file" },
    json: { type: "boolean", description: "print the validation result as JSON" },
    resamples: { type: "string", description: `bootstrap resamples for the 95% intervals (default ${DEFAULT_RESAMPLES})` },
    seed: { type: "string", description: `bootstrap seed (default ${DEFAULT_SEED})` },
    "drop-bad-labels": { type: "boolean", description: "leave out (and count) rows whose label is missing or unknown, instead of refusing the data" },
  },
  repeatable: ["slice"],
});
