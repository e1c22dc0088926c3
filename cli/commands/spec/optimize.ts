/** Arguments of `edge-ml optimize`. */
import { defineSpec } from "../../terminal/spec.ts";

export const OPTIMIZE = defineSpec({
  args: {
    ref: { type: "positional", required: true, description: "name@version (or name@alias)" },
    quantize: {
      type: "string",
      valueHint: "scheme",
      description: "int8 (tries weight-only per channel / per tensor and dynamic, keeps the best that passes) | int8-dynamic | fp16 | int4",
    },
    level: { type: "string", valueHint: "basic|extended", description: "graph optimization through onnxruntime first (levels onnxruntime-web can load)" },
    data: { type: "string", valueHint: "file.csv", description: "evaluation CSV with features and labels (tabular models)" },
    label: { type: "string", description: "label column of --data (default: the model's label)" },
    samples: { type: "string", valueHint: "file.jsonl", description: "KServe V2 request bodies to compare on (default: the version's stored samples)" },
    target: { type: "string", default: "worker", description: "runtime the latency is measured in: worker (workerd) | browser (Chromium) | deno | node" },
    name: { type: "string", description: "variant name (default: the --quantize scheme, or optimized)" },
    "latency-budget": { type: "string", valueHint: "seconds", description: "wall time for the latency measurement (default 12)" },
    "dry-run": { type: "boolean", description: "report only: write no variant" },
    json: { type: "boolean", description: "print the report as one JSON document on stdout (progress stays on stderr)" },
  },
});
