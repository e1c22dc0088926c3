/** Arguments of `edge-ml replay`. */
import { defineSpec } from "../../terminal/spec.ts";

export const REPLAY = defineSpec({
  args: {
    csv: { type: "positional", required: true, description: "CSV file with a header row (feature columns, and the label column for --feedback)" },
    url: { type: "string", required: true, description: "edge base URL, e.g. http://127.0.0.1:8787" },
    model: { type: "string", required: true, description: "model name served there" },
    rate: { type: "string", description: "requests per second, e.g. 20 or 20/s (default: one at a time, as fast as answered)" },
    shift: { type: "string", description: "drift a numeric column: col=+10, col=-3 or col=*1.5 (repeatable)" },
    set: { type: "string", description: "set a column to a value: col=value (repeatable)" },
    limit: { type: "string", description: "stop after n rows" },
    loop: { type: "boolean", description: "cycle through the file until --limit rows were sent" },
    shuffle: { type: "boolean", description: "shuffle the rows first (seeded: --seed, default 1)" },
    seed: { type: "string", description: "seed of --shuffle", default: "1" },
    feedback: { type: "string", description: "monitor URL to post the labels to (POST /v1/feedback)" },
    "token-file": {
      type: "string",
      valueHint: "file",
      description: "file holding the deployment's ingest token, or - for stdin (default: $EDGE_ML_MONITOR_TOKEN)",
    },
    token: { type: "string", description: "the ingest token itself (visible in `ps` and shell history: prefer the env var or --token-file)" },
    label: { type: "string", description: "label column, for --feedback" },
    json: { type: "boolean", description: "print the summary as JSON" },
  },
  repeatable: ["shift", "set"],
});
