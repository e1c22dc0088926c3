/**
 * `edge-ml monitor [--port 8787] [--host 127.0.0.1] [--db .edge-ml/monitor.db] [--admin-token <secret>] [--window 1h]
 * [--evaluate-every 60s]`: run the monitoring server (the same as `edge-ml monitor serve ...`), and `edge-ml monitor token create|list|revoke`.
 *
 * citty runs a parent's `run` after any subcommand, so serving lives in the `serve` subcommand and is the default
 * one; the serve flags are declared here too so citty does not mistake a flag's value for a subcommand name.
 */
import { defineCommand } from "citty";
import { SERVE_ARGS } from "./monitor/serve.ts";

export default defineCommand({
  meta: { name: "monitor", description: "Run the monitoring server (ingest, metrics, dashboard) and manage ingest tokens" },
  args: SERVE_ARGS,
  default: "serve",
  subCommands: {
    serve: () => import("./monitor/serve.ts").then((m) => m.default),
    token: () => import("./monitor/token.ts").then((m) => m.default),
  },
});
