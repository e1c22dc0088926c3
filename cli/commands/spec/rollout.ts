/** Arguments of `edge-ml rollout status|promote|rollback`, read by help and the strict check without loading the deploy path. */
import { defineSpec } from "../../terminal/spec.ts";

const name = { type: "positional", required: true, description: "model name (its rollout is models.<name>.rollout in edge-ml.config.ts)" } as const;
const json = { type: "boolean", description: "print the result as one JSON document on stdout (progress stays on stderr)" } as const;
const reason = { type: "string", description: "why, recorded in deploys.log.jsonl (required with --force)" } as const;
const force = { type: "boolean", description: "ship a version that is not blessed (needs --reason; recorded in deploys.log.jsonl)" } as const;
const dryRun = { type: "boolean", description: "build and run `wrangler deploy --dry-run`; upload nothing, move no alias" } as const;
const out = { type: "string", description: "build folder (default dist/<name>-<version>-worker)" } as const;
const env = {
  type: "string",
  valueHint: "name",
  description: "wrangler environment: its own Worker (targets.worker.env.<name>.name, else <worker>-<name>), routes and vars",
} as const;

export const ROLLOUT_STATUS = defineSpec({ args: { name, env, json } });

export const ROLLOUT_PROMOTE = defineSpec({ args: { name, reason, force, "dry-run": dryRun, out, env, json } });

export const ROLLOUT_ROLLBACK = defineSpec({
  args: {
    name,
    to: { type: "string", valueHint: "version", description: "the version to serve (default: the champion before the current one, from deploys.log.jsonl)" },
    reason,
    force,
    "dry-run": dryRun,
    out,
    env,
    json,
  },
});
