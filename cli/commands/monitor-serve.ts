/** `edge-ml monitor serve [--port 8787] [--host 127.0.0.1] [--db .edge-ml/monitor.db] [--admin-token <secret>]` */
import { defineCommand } from "citty";
import { resolve } from "node:path";
import { startMonitor } from "../../monitor/server.ts";
import { parsePort } from "../lib/args.ts";
import { dim, green } from "../lib/output.ts";

export const DEFAULT_MONITOR_DB = ".edge-ml/monitor.db";

export const SERVE_ARGS = {
  port: { type: "string", description: "port (default 8787; 0 picks a free one)" },
  host: { type: "string", description: "interface to listen on (anything but loopback needs --admin-token)", default: "127.0.0.1" },
  db: { type: "string", description: "SQLite database file", default: DEFAULT_MONITOR_DB },
  "admin-token": { type: "string", description: "secret for the dashboard and read API (default: $EDGE_ML_MONITOR_ADMIN_TOKEN)" },
} as const;

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
    });
    // Tests and scripts parse this line: keep its shape.
    console.log(`${green("✔")} monitor listening on ${monitor.url}`);
    console.log(dim(`  dashboard ${monitor.url}/   ingest POST ${monitor.url}/v1/ingest   prometheus ${monitor.url}/metrics`));
    console.log(dim(`  db ${dbFile}   stop: Ctrl-C`));
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
