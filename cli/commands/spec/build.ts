/** Arguments of `edge-ml build` and `edge-ml deploy`, read by help and the strict check without loading esbuild. */
import { DEPLOYABLE_TARGETS, TARGET_NAMES } from "../../../targets/index.ts";
import { defineSpec } from "../../terminal/spec.ts";

const ref = { type: "positional", required: true, description: "name@version (or name@alias)" } as const;
const variant = {
  type: "string",
  valueHint: "name",
  description: "serve an optimized variant of the version (see `edge-ml optimize`, `models show`)",
} as const;
/** Which engine runs the model at the edge (see runtime/engines/compiled). */
export const ENGINES = ["auto", "ort", "compiled", "tfjs", "tfjs-wasm", "tfjs-cpu"] as const;
export type EngineChoice = (typeof ENGINES)[number];
const engine = {
  type: "string",
  default: "auto",
  description:
    "inference engine: auto (compiled JS when every op is supported and it matches onnxruntime-node within 1e-5, else ort; a TF.js model: tfjs) | ort (onnxruntime-web wasm) | compiled | tfjs (TensorFlow.js, for TF.js models; servers run WASM when it agrees with CPU) | tfjs-wasm | tfjs-cpu (a server's TF.js backend, unchecked)",
} as const;
const json = { type: "boolean", description: "print the result as one JSON document on stdout (progress stays on stderr)" } as const;

export const BUILD = defineSpec({
  args: {
    ref,
    target: { type: "string", default: "worker", description: `build target: ${TARGET_NAMES.join(" | ")}` },
    out: { type: "string", description: "output folder (default dist/<name>-<version>-<target>)" },
    variant,
    engine,
    "no-measure": { type: "boolean", description: "skip measuring start-up and memory in workerd (worker target)" },
    "no-parity": {
      type: "boolean",
      description: "browser target: skip the backend parity run in headless Chromium (ONNX: WebGPU against WASM; TF.js: WebGPU, WebGL and WASM against CPU)",
    },
    json,
  },
});

export const DEPLOY = defineSpec({
  args: {
    ref,
    target: { type: "string", default: "worker", description: `deploy target: ${DEPLOYABLE_TARGETS.join(" | ")}` },
    "dry-run": {
      type: "boolean",
      description: "build and run `wrangler deploy --dry-run`, show what the feature views would write; upload and write nothing, move no alias",
    },
    gradual: {
      type: "string",
      valueHint: "share",
      description:
        "share the traffic with the champion by the platform: upload both as Worker versions and split them (e.g. 10% or 0.1; sticky by Cloudflare-Workers-Version-Key); the champion alias stays",
    },
    force: { type: "boolean", description: "deploy a version that is not blessed (needs --reason; recorded in deploys.log.jsonl)" },
    reason: { type: "string", description: "why the gate is overridden (with --force)" },
    out: { type: "string", description: "build folder (default dist/<name>-<version>-<target>)" },
    env: {
      type: "string",
      valueHint: "name",
      description: "wrangler environment: its own Worker (targets.worker.env.<name>.name, else <worker>-<name>), routes and vars",
    },
    "admin-token-file": {
      type: "string",
      valueHint: "file",
      description: "file holding the monitor's admin token, or - for stdin (default: $EDGE_ML_MONITOR_ADMIN_TOKEN)",
    },
    variant,
    engine,
    json,
  },
});
