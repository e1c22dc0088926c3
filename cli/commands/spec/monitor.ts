/** Arguments of `edge-ml monitor [serve]` and `edge-ml monitor token create|list|revoke`. */
import { defineSpec } from "../../terminal/spec.ts";

const DEFAULT_MONITOR_DB = ".edge-ml/monitor.db";

const db = { type: "string", description: "SQLite database file", default: DEFAULT_MONITOR_DB } as const;
const json = { type: "boolean", description: "print JSON" } as const;
const store = {
  type: "string",
  valueHint: "url|file",
  description: "where the monitor keeps its data: postgres://user@host:5432/db, sqlite:<file> or a file (default: $EDGE_ML_MONITOR_STORE, else --db)",
} as const;

export const MONITOR_SERVE = defineSpec({
  args: {
    port: { type: "string", description: "port (default 8787; 0 picks a free one)" },
    host: { type: "string", description: "interface to listen on (anything but loopback needs an admin token)", default: "127.0.0.1" },
    db,
    store,
    "admin-token-file": {
      type: "string",
      valueHint: "file",
      description: "file holding the secret for the dashboard and read API, or - for stdin (default: $EDGE_ML_MONITOR_ADMIN_TOKEN)",
    },
    "admin-token": { type: "string", description: "the admin secret itself (visible in `ps` and shell history: prefer the env var or --admin-token-file)" },
    window: { type: "string", description: "window of drift, rates and alert rules, e.g. 1h (default), 15m, or 5s for demos and tests" },
    "evaluate-every": { type: "string", description: "how often alert rules are evaluated, e.g. 60s (default), 2s; 0 turns it off" },
    retention: {
      type: "string",
      valueHint: "policy",
      description: "what is kept how long, e.g. samples=7d,minutes=48h,hours=14d,days=off,every=10m (the defaults); off keeps everything",
    },
  },
});

/** The token commands reach a running monitor's token API instead of its database (a monitor Worker on D1). */
const url = {
  type: "string",
  valueHint: "url",
  description: "a running monitor (e.g. the monitor Worker's https://…workers.dev address): use its token API, with the admin token",
} as const;
const adminTokenFile = {
  type: "string",
  valueHint: "file",
  description: "with --url: file holding the monitor's admin token, or - for stdin (default: $EDGE_ML_MONITOR_ADMIN_TOKEN)",
} as const;
const adminToken = { type: "string", description: "with --url: the admin token itself (visible in `ps` and shell history: prefer the env var)" } as const;
const where = { db, store, url, "admin-token-file": adminTokenFile, "admin-token": adminToken, json };

export const TOKEN_CREATE = defineSpec({
  args: { deployment: { type: "positional", required: true, description: "deployment name, e.g. titanic-prod" }, ...where },
});

export const TOKEN_LIST = defineSpec({ args: where });

export const TOKEN_REVOKE = defineSpec({
  args: { target: { type: "positional", required: true, description: "token id (tok_…) or deployment name" }, ...where },
});
