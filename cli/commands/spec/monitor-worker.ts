/** Arguments of `edge-ml monitor build|dev|deploy`: the monitor as a Cloudflare Worker with a D1 store. */
import { defineSpec } from "../../terminal/spec.ts";

/** Where the monitor can be built to run (the Node monitor is `edge-ml monitor` itself). */
export const MONITOR_TARGETS = ["worker"] as const;

const target = { type: "string", default: "worker", description: `where the monitor runs: ${MONITOR_TARGETS.join(" | ")} (Cloudflare Workers + D1)` } as const;
const name = { type: "string", description: "Worker name (default edge-ml-monitor)" } as const;
const database = { type: "string", valueHint: "name", description: "D1 database name (default: the Worker's name)" } as const;
const window = { type: "string", description: "window of drift, rates and alert rules, e.g. 1h (default), 15m, or 5s for demos and tests" } as const;
const retention = {
  type: "string",
  description: "what is kept how long, as edge-ml monitor's --retention (default samples=7d,minutes=48h,hours=14d,days=off,every=10m; off: keep all)",
} as const;
const json = { type: "boolean", description: "print the result as one JSON document" } as const;
const databaseId = {
  type: "string",
  valueHint: "id",
  description: "D1 database id from `wrangler d1 create` (default: wrangler creates the database by name at the first deploy)",
} as const;

export const MONITOR_BUILD = defineSpec({
  args: {
    target,
    out: { type: "string", description: "output folder (default dist/monitor-worker)" },
    name,
    database,
    "database-id": databaseId,
    window,
    retention,
    json,
  },
});

export const MONITOR_DEV = defineSpec({
  args: {
    target,
    port: { type: "string", description: "port (default 8787; 0 picks a free one)" },
    persist: { type: "string", description: "folder of the local D1 database (default .edge-ml/monitor-d1)", default: ".edge-ml/monitor-d1" },
    window,
    retention,
    "evaluate-every": { type: "string", description: "how often the Cron Trigger (alert rules, webhooks) is run, e.g. 60s (default), 2s; 0 turns it off" },
    "admin-token-file": {
      type: "string",
      valueHint: "file",
      description: "file holding the admin secret, or - for stdin (default: $EDGE_ML_MONITOR_ADMIN_TOKEN; without one the read side is open on 127.0.0.1)",
    },
  },
});

export const MONITOR_DEPLOY = defineSpec({
  args: {
    target,
    "dry-run": { type: "boolean", description: "build and run `wrangler deploy --dry-run`: print what would be uploaded and bound, upload nothing" },
    out: { type: "string", description: "build folder (default dist/monitor-worker)" },
    name,
    database,
    "database-id": databaseId,
    window,
    retention,
    json,
  },
});
