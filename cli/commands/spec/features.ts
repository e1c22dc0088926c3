/** Arguments of `edge-ml features push|show|join`, read by help and the strict check without loading miniflare. */
import { defineSpec } from "../../terminal/spec.ts";

const view = { type: "positional", required: true, description: "feature view name (featureViews.<view> in edge-ml.config.ts)" } as const;
const json = { type: "boolean", description: "print the result as one JSON document on stdout" } as const;
const chunkRows = {
  type: "string",
  valueHint: "n",
  description: "rows each external sort keeps in memory before spilling a sorted run to disk (default 200000)",
} as const;

export const FEATURES_PUSH = defineSpec({
  args: {
    view,
    csv: { type: "positional", required: true, description: "CSV with the view's key, feature and timestamp columns" },
    "skip-bad-rows": {
      type: "boolean",
      description: "push the valid rows and list the bad ones (default: a bad row stops the push, nothing is written)",
    },
    "dry-run": { type: "boolean", description: "read, check and sort the file, show what would be written; write nothing" },
    remote: {
      type: "boolean",
      description: "then write the view's latest values to its Cloudflare store (targets.worker.features), as deploy does",
    },
    env: { type: "string", valueHint: "name", description: "with --remote: the stores of targets.worker.env.<name>.features" },
    "chunk-rows": chunkRows,
    json,
  },
});

export const FEATURES_SHOW = defineSpec({
  args: {
    view,
    key: { type: "positional", required: true, description: "the entity key (a value of the view's key column)" },
    json,
  },
});

export const FEATURES_JOIN = defineSpec({
  args: {
    entities: { type: "positional", required: true, description: "entity CSV: the view's key column and a time column, one row per example" },
    view: { type: "string", required: true, valueHint: "name", description: "feature view whose pushed history is joined" },
    "as-of": { type: "string", required: true, valueHint: "column", description: "the entity CSV's time column (ISO-8601 or epoch ms)" },
    out: { type: "string", required: true, valueHint: "file", description: "where to write the joined CSV (entity columns, then the view's features)" },
    "chunk-rows": chunkRows,
    json,
  },
});
