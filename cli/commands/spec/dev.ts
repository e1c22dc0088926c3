/** Arguments of `edge-ml dev`. */
import { SERVABLE_TARGETS } from "../../../targets/index.ts";
import { defineSpec } from "../../terminal/spec.ts";
import { ENGINES } from "./build.ts";

const ENGINE = { type: "string", default: "auto", description: `inference engine: ${ENGINES.join(" | ")} (as for build)` } as const;

export const DEV = defineSpec({
  args: {
    ref: { type: "positional", required: true, description: "name@version (or name@alias; with a challenger, plain name means the champion alias)" },
    port: { type: "string", description: "port (default: dev.port of the config, 8787; 0 picks a free one)" },
    host: { type: "string", description: "interface to listen on", default: "127.0.0.1" },
    monitor: { type: "string", description: "monitor URL to send telemetry to (default: start a local one)" },
    "token-file": {
      type: "string",
      valueHint: "file",
      description: "file holding the ingest token for --monitor, or - for stdin (default: $EDGE_ML_MONITOR_TOKEN)",
    },
    token: { type: "string", description: "the ingest token itself (visible in `ps` and shell history: prefer the env var or --token-file)" },
    "monitor-port": { type: "string", description: "port of the local monitor (default 8788; 0 picks a free one)" },
    "no-monitor": { type: "boolean", description: "send no telemetry" },
    "sample-rate": { type: "string", description: "fraction of requests kept as sampled rows (default 1 in dev)", default: "1" },
    deployment: { type: "string", description: "deployment name in the monitor (default: the one the --monitor token is for, else <name>-dev)" },
    variant: { type: "string", valueHint: "name", description: "serve an optimized variant of the version (see `edge-ml optimize`, `models show`)" },
    engine: ENGINE,
    challenger: {
      type: "string",
      valueHint: "ref",
      description: "another version served beside it, name@version or name@alias, with --canary or --shadow (overrides models.<name>.rollout)",
    },
    canary: { type: "string", valueHint: "share", description: "the challenger answers this share of users (0..1), each user always the same version" },
    shadow: { type: "boolean", description: "the model answers every request; the challenger runs on it after the response" },
    sticky: { type: "string", valueHint: "key", description: "what keeps a user on one version: requestId (x-request-id, the default) or header:<name>" },
    target: { type: "string", description: `where to serve it: ${SERVABLE_TARGETS.join(" | ")} (worker: workerd via miniflare)`, default: "worker" },
  },
});
