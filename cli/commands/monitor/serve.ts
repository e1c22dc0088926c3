/**
 * `edge-ml monitor serve [--port 8787] [--host 127.0.0.1] [--db .edge-ml/monitor.db] [--admin-token <secret>]
 * [--window 1h] [--evaluate-every 60s]`
 */
import { defineCommand } from "citty";
import { resolve } from "node:path";
import { EdgeMlError } from "../../../core/errors.ts";
import { parseDuration } from "../../../monitor/alerts/rules.ts";
import { startMonitor } from "../../../monitor/server.ts";
import { parsePort } from "../../terminal/args.ts";
import { dim, green } from "../../terminal/output.ts";

export const DEFAULT_MONITOR_DB = ".edge-ml/monitor.db";

export const SERVE_ARGS = {
  port: { type: "string", description: "port (default 8787; 0 picks a free one)" },
  host: { type: "string", description: "interface to listen on (anything but loopback needs --admin-token)", default: "127.0.0.1" },
  db: { type: "string", description: "SQLite database file", default: DEFAULT_MONITOR_DB },
  "admin-token": { type: "string", description: "secret for the dashboard and read API (default: $EDGE_ML_MONITOR_ADMIN_TOKEN)" },
  window: { type: "string", description: "window of drift, rates and alert rules, e.g. 1h (default), 15m, or 5s for demos and tests" },
  "evaluate-every": { type: "string", description: "how often alert rules are evaluated, e.g. 60s (default), 2s; 0 turns it off" },
} as const;

function durationArg(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === "0") return 0;
  const ms = parseDuration(value);
  if (ms === undefined) throw new EdgeMlError("ERR_USAGE", `--${flag} ${value} is not a duration`, { hint: "e.g. 5s, 10m, 1h" });
  return ms;
}

export default defineCommand({
  meta: { name: "serve", description: "Run the monitoring server until Ctrl-C" },
  args: SERVE_ARGS,
  async run({ args }) {
    const dbFile = resolve(args.db);
    const monitor = await startMonitor({
      port: parsePort(args.port, 8787),
      host: args.host,
      dbFile,
      adminToken: args["admin-token"] ?? process.env["EDGE_ML_MONITOR_ADMIN_TOKEN"],
      windowMs: durationArg("window", args.window),
      evaluateEveryMs: durationArg("evaluate-every", args["evaluate-every"]),
    });
    // Tests and scripts parse this line: keep its shape.
    console.log(`${green("✔")} monitor listening on ${monitor.url}`);
    console.log(dim(`  dashboard ${monitor.url}/   ingest POST ${monitor.url}/v1/ingest   prometheus ${monitor.url}/metrics`));
    console.log(dim(`  db ${dbFile}   drift/alert window ${args.window ?? "1h"}, rules evaluated every ${args["evaluate-every"] ?? "60s"}   stop: Ctrl-C`));
    if ((await monitor.store.listTokens()).every((t) => t.revokedAt !== null)) {
      console.log(`  no ingest token yet: npx edge-ml monitor token create <deployment> --db ${args.db}`);
    }
    await new Promise<void>((done) => {
      process.once("SIGINT", () => done());
      process.once("SIGTERM", () => done());
    });
    await monitor.close();
    console.log("stopped");
  },
});
