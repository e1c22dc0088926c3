/** Arguments of `edge-ml data profile|infer-schema|validate`. */
import { DEFAULT_BINS } from "../../../core/stats/baseline-build.ts";
import { DEFAULT_DEDUPE_MEMORY } from "../../data-validate/duplicates.ts";
import { DEFAULT_MAX_DISTINCT } from "../../data-validate/rows.ts";
import { defineSpec } from "../../terminal/spec.ts";

const csv = { type: "positional", description: "CSV file with a header row", required: true } as const;

export const DATA_PROFILE = defineSpec({
  args: {
    csv,
    features: { type: "string", description: "feature schema JSON (types are guessed from the values without it)" },
    bins: { type: "string", description: `equal-frequency bins per numeric column (default ${DEFAULT_BINS})` },
    json: { type: "boolean", description: "print the baseline JSON (the manifest's `baseline` shape)" },
  },
});

export const DATA_INFER_SCHEMA = defineSpec({
  args: {
    csv,
    out: { type: "string", description: "write the schema to this file (default: print it)" },
    json: { type: "boolean", description: "print the schema as JSON on stdout (also with --out)" },
  },
});

export const DATA_VALIDATE = defineSpec({
  args: {
    csv,
    against: { type: "string", description: "name@version (or name@alias) of a model, or a feature-schema JSON file", required: true },
    json: { type: "boolean", description: "print the result as JSON" },
    report: { type: "string", description: "write a self-contained HTML report to this file" },
    "max-null-rate": { type: "string", description: "largest share of nulls in a nullable feature (default: the training rate + 0.05)" },
    "max-distinct": { type: "string", description: `most distinct values in a category or text column (default ${DEFAULT_MAX_DISTINCT})` },
    "fail-on-drift": { type: "boolean", description: "count drifted features as errors (drift is reported either way)" },
    label: { type: "string", description: "label column to check (default: the model's label): missing, unknown or non-numeric labels" },
    id: { type: "string", description: "id column: a repeated id is a duplicate_id anomaly" },
    "bad-rows": { type: "string", description: "write every bad cell (row, line, column, anomaly, value) to this .csv or .jsonl file" },
    split: { type: "string", description: "write clean.csv (rows with no anomaly) and rejected.csv (the others) into this folder" },
    "dedupe-memory": {
      type: "string",
      description: `rows the duplicate check keeps in memory before spilling sorted runs to disk (default ${DEFAULT_DEDUPE_MEMORY})`,
    },
  },
});
