/** Arguments of `edge-ml validate` (model validation: on labelled data, or on a model's samples). */
import { DEFAULT_RESAMPLES, DEFAULT_SEED } from "../../../core/metrics/bootstrap.ts";
import { defineSpec } from "../../terminal/spec.ts";

export const VALIDATE = defineSpec({
  args: {
    ref: { type: "positional", required: true, description: "name@version (or name@alias)" },
    data: { type: "string", description: "evaluation CSV with the features and the label (tabular models)" },
    samples: {
      type: "string",
      description: "recorded requests (JSON Lines of KServe V2 bodies) instead of the version's stored samples; the default without --data",
    },
    variant: { type: "string", description: "validate this variant (from `edge-ml optimize`) instead of the fp32 artifact" },
    label: { type: "string", description: "label column (default: the model's label)" },
    slice: { type: "string", description: "column to compute metrics per value of (repeatable; default: the model's slices)" },
    runtime: {
      type: "string",
      description: "inference runtime: node | wasm (wasm = onnxruntime-web, as on the edge; default: node with --data, wasm on samples)",
    },
    report: { type: "string", description: "write a self-contained HTML report to this file" },
    json: { type: "boolean", description: "print the validation result as JSON" },
    resamples: { type: "string", description: `bootstrap resamples for the 95% intervals (default ${DEFAULT_RESAMPLES})` },
    seed: { type: "string", description: `bootstrap seed (default ${DEFAULT_SEED})` },
    "drop-bad-labels": { type: "boolean", description: "leave out (and count) rows whose label is missing or unknown, instead of refusing the data" },
  },
  repeatable: ["slice"],
});
